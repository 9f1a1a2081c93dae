// The hub and its spokes, grouped by Proxmox cluster (or datacenter), coloured by state. With
// several hubs on one database, each hub sits in its own sector with the groups of its spokes,
// and the hubs are linked to one another.
import React, { useMemo } from "react";
import cockpit from "cockpit";
import type { HubMember, Spoke } from "../../types";
import { displayState, STATE_LABEL, type DisplayState } from "../../util/spokeState";
import { hasSeveralHubs } from "../../util/hubs";

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
    /** The hub its spokes are on (null: the only hub). */
    hub: string | null;
    dots: Dot[];
}

/** With several hubs, each group is one hub's; a spoke on no listed hub is drawn with this one. */
function groupSpokes(spokes: Spoke[], now: number, hubs: HubMember[] | null): Group[] {
    const known = new Set(hubs?.map(h => h.name));
    const self = hubs?.find(h => h.self)?.name ?? null;
    const groups = new Map<string, Group>();
    for (const s of spokes) {
        const name = s.proxmoxClusterName || s.datacenter || _("Other spokes");
        const hub = hubs ? (s.hub && known.has(s.hub) ? s.hub : self) : null;
        const key = `${hub ?? ""}\n${name}`;
        let g = groups.get(key);
        if (!g) groups.set(key, g = { name, hub, dots: [] });
        g.dots.push({ id: s.id, name: s.name, state: displayState(s, now) });
    }
    return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface Placed {
    group: Group;
    x: number;
    y: number;
    /** Where its link starts: its hub. */
    hubX: number;
    hubY: number;
}

interface PlacedHub {
    hub: HubMember;
    x: number;
    y: number;
}

const cx = WIDTH / 2;
const cy = HEIGHT / 2;
const ringX = WIDTH / 2 - 130;
const ringY = HEIGHT / 2 - 75;
const onRing = (angle: number): [number, number] => [cx + ringX * Math.cos(angle), cy + ringY * Math.sin(angle)];

/** One hub in the middle, its groups around it on an ellipse, the first on the left. */
function layoutOne(groups: Group[]): Placed[] {
    return groups.map((group, gi) => {
        const [x, y] = onRing(Math.PI + (gi / Math.max(1, groups.length)) * 2 * Math.PI);
        return { group, x, y, hubX: cx, hubY: cy };
    });
}

/** Each hub its sector of the ellipse: the hub on an inner ring, its groups spread over the outer one. */
function layoutHubs(hubs: HubMember[], groups: Group[]): { hubs: PlacedHub[]; groups: Placed[] } {
    const sector = (2 * Math.PI) / hubs.length;
    const placedHubs: PlacedHub[] = [];
    const placed: Placed[] = [];
    hubs.forEach((hub, hi) => {
        const middle = Math.PI + hi * sector;
        const x = cx + 0.35 * ringX * Math.cos(middle);
        const y = cy + 0.35 * ringY * Math.sin(middle);
        placedHubs.push({ hub, x, y });
        const own = groups.filter(g => g.hub === hub.name);
        own.forEach((group, gi) => {
            // Kept off the sector's edges, so neighbouring hubs' groups do not touch.
            const [gx, gy] = onRing(middle + sector * 0.8 * ((gi + 0.5) / own.length - 0.5));
            placed.push({ group, x: gx, y: gy, hubX: x, hubY: y });
        });
    });
    return { hubs: placedHubs, groups: placed };
}
/** Dots packed in a sunflower spiral: even density for any count, no layout pass. */
function spiral(i: number): [number, number] {
    const r = DOT * 2.2 * Math.sqrt(i + 0.5);
    const a = i * 2.399963;
    return [r * Math.cos(a), r * Math.sin(a)];
}

const GroupView = ({ placed }: { placed: Placed }) => {
    const { group: g, x: gx, y: gy } = placed;
    const shown = Math.min(g.dots.length, MAX_DOTS);
    const radius = spiral(Math.max(0, shown - 1)).reduce((a, b) => Math.hypot(a, b)) + DOT * 3;
    const r = Math.max(radius, 18);
    return (
        <g data-group={g.name} data-hub={g.hub ?? undefined}>
            <line className="wgh-link" x1={placed.hubX} y1={placed.hubY} x2={gx} y2={gy} />
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
};

const HubNode = ({ placed }: { placed: PlacedHub }) => {
    const { hub, x, y } = placed;
    const title = hub.self ? cockpit.format(_("$0 (this hub)"), hub.name) : hub.name;
    return (
        <g className="wgh-hub" data-hub-node={hub.name} data-healthy={String(hub.healthy)}>
            <circle className={hub.healthy ? "wgh-node-hub" : "wgh-node-hub-down"} cx={x} cy={y} r={12}>
                <title>{cockpit.format(_("$0: $1"), title, hub.healthy ? _("Healthy") : _("Down"))}</title>
            </circle>
            <text x={x} y={y - 17} textAnchor="middle" className={hub.self ? "wgh-hub-self" : undefined}>{title}</text>
        </g>
    );
};

export const Topology = ({ spokes, hubs, now }: { spokes: Spoke[]; hubs: HubMember[]; now: number }) => {
    const several = hasSeveralHubs(hubs);
    const groups = useMemo(() => groupSpokes(spokes, now, several ? hubs : null), [spokes, now, several, hubs]);
    const layout = useMemo(() => (several ? layoutHubs(hubs, groups) : { hubs: [], groups: layoutOne(groups) }), [several, hubs, groups]);
    return (
        <svg id="topology" className="wgh-topology" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img"
            aria-label={several ? _("Hubs and spokes") : _("Hub and spokes")}>
            {layout.hubs.flatMap((a, i) => layout.hubs.slice(i + 1).map(b => (
                <line key={`${a.hub.name}\n${b.hub.name}`} className="wgh-mesh" x1={a.x} y1={a.y} x2={b.x} y2={b.y} />
            )))}
            {layout.groups.map(p => <GroupView key={`${p.group.hub ?? ""}\n${p.group.name}`} placed={p} />)}
            {several
                ? layout.hubs.map(p => <HubNode key={p.hub.name} placed={p} />)
                : (
                    <>
                        <circle className="wgh-node-hub" cx={cx} cy={cy} r={14}><title>{_("Hub")}</title></circle>
                        <text x={cx} y={cy - 20} textAnchor="middle">{_("Hub")}</text>
                    </>
                )}
        </svg>
    );
};
