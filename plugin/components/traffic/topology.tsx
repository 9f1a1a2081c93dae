// The hub and its spokes, grouped by Proxmox cluster (or datacenter), coloured by state.
import React, { useMemo } from "react";
import cockpit from "cockpit";
import type { Spoke } from "../../types";
import { displayState, STATE_LABEL, type DisplayState } from "../../util/spokeState";

const _ = cockpit.gettext;

const WIDTH = 800;
const HEIGHT = 380;
const DOT = 4;
/** Beyond this many spokes per group the picture shows a count instead of more dots. */
const MAX_DOTS = 120;

interface Dot {
    id: string;
    name: string;
    state: DisplayState;
}

interface Group {
    name: string;
    dots: Dot[];
}

function groupSpokes(spokes: Spoke[], now: number): Group[] {
    const groups = new Map<string, Group>();
    for (const s of spokes) {
        const name = s.proxmoxClusterName || s.datacenter || _("Other spokes");
        let g = groups.get(name);
        if (!g) groups.set(name, g = { name, dots: [] });
        g.dots.push({ id: s.id, name: s.name, state: displayState(s, now) });
    }
    return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Dots packed in a sunflower spiral: even density for any count, no layout pass. */
function spiral(i: number): [number, number] {
    const r = DOT * 2.2 * Math.sqrt(i + 0.5);
    const a = i * 2.399963;
    return [r * Math.cos(a), r * Math.sin(a)];
}

export const Topology = ({ spokes, now }: { spokes: Spoke[]; now: number }) => {
    const groups = useMemo(() => groupSpokes(spokes, now), [spokes, now]);
    const cx = WIDTH / 2;
    const cy = HEIGHT / 2;
    const ringX = WIDTH / 2 - 130;
    const ringY = HEIGHT / 2 - 75;
    return (
        <svg id="topology" className="wgh-topology" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img"
            aria-label={_("Hub and spokes")}>
            {groups.map((g, gi) => {
                // Groups around the hub on an ellipse, the first on the left.
                const angle = Math.PI + (gi / Math.max(1, groups.length)) * 2 * Math.PI;
                const gx = cx + ringX * Math.cos(angle);
                const gy = cy + ringY * Math.sin(angle);
                const shown = Math.min(g.dots.length, MAX_DOTS);
                const radius = spiral(Math.max(0, shown - 1)).reduce((a, b) => Math.hypot(a, b)) + DOT * 3;
                const r = Math.max(radius, 18);
                return (
                    <g key={g.name} data-group={g.name}>
                        <line className="wgh-link" x1={cx} y1={cy} x2={gx} y2={gy} />
                        <circle className="wgh-group" cx={gx} cy={gy} r={r} />
                        {g.dots.slice(0, shown).map((dot, i) => {
                            const [dx, dy] = spiral(i);
                            // A browser shows an SVG <title> as the dot's tooltip, and screen readers read it.
                            return (
                                <circle key={dot.id} className={`wgh-node-${dot.state}`} cx={gx + dx} cy={gy + dy} r={DOT} data-spoke-id={dot.id}>
                                    <title>{cockpit.format(_("$0: $1"), dot.name, STATE_LABEL[dot.state].text())}</title>
                                </circle>
                            );
                        })}
                        <text x={gx} y={gy + r + 14} textAnchor="middle">
                            {g.dots.length > shown
                                ? cockpit.format(_("$0 ($1, $2 shown)"), g.name, g.dots.length, shown)
                                : cockpit.format("$0 ($1)", g.name, g.dots.length)}
                        </text>
                    </g>
                );
            })}
            <circle className="wgh-node-hub" cx={cx} cy={cy} r={14}><title>{_("Hub")}</title></circle>
            <text x={cx} y={cy - 20} textAnchor="middle">{_("Hub")}</text>
        </svg>
    );
};
