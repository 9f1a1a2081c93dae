// A small rx/tx line chart drawn as SVG (a charting library would triple the bundle).
import React, { useMemo } from "react";
import cockpit from "cockpit";
import type { TrafficPoint } from "../../types";
import { formatClock } from "../../util/format";

const _ = cockpit.gettext;

const WIDTH = 800;
const HEIGHT = 240;
const PAD = { left: 78, right: 12, top: 12, bottom: 26 };

const RATE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

function niceMax(value: number): number {
    const exponent = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * exponent >= value) return step * exponent;
    return 10 * exponent;
}

/** The rate axis: a round top in the unit of the peak (5 MiB/s, not 5.24 MB/s), so every tick reads short. */
export function rateAxis(peak: number): { max: number; unitSize: number; unitName: string } {
    if (peak <= 0) return { max: 1024, unitSize: 1024, unitName: RATE_UNITS[1] };
    let unit = 0;
    while (peak >= Math.pow(1024, unit + 1) && unit < RATE_UNITS.length - 1) unit += 1;
    const unitSize = Math.pow(1024, unit);
    return { max: niceMax(peak / unitSize) * unitSize, unitSize, unitName: RATE_UNITS[unit] };
}

/** "0", "2.5 KiB/s", "500 KiB/s": a tick in the axis's unit, no more digits than it needs. */
export function formatRateTick(bytesPerSecond: number, axis: { unitSize: number; unitName: string }): string {
    if (bytesPerSecond === 0) return "0";
    const value = (bytesPerSecond / axis.unitSize).toLocaleString(cockpit.language, { maximumFractionDigits: 2 });
    return cockpit.format(_("$0/s"), `${value} ${axis.unitName}`);
}

export function chartPaths(points: TrafficPoint[], from: number, to: number) {
    const times = points.map(p => (typeof p.at === "number" ? p.at : Date.parse(p.at)));
    const axis = rateAxis(Math.max(0, ...points.map(p => Math.max(p.rx, p.tx))));
    const max = axis.max;
    const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * (WIDTH - PAD.left - PAD.right);
    const y = (v: number) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
    const path = (key: "rx" | "tx") =>
        points.map((p, i) => `${i === 0 ? "M" : "L"}${x(times[i]).toFixed(1)},${y(p[key]).toFixed(1)}`).join("");
    return { max, axis, x, y, rx: path("rx"), tx: path("tx") };
}

export const TrafficChart = ({ id, points, minutes }: { id: string; points: TrafficPoint[]; minutes: number }) => {
    const to = Date.now();
    const from = to - minutes * 60_000;
    const chart = useMemo(() => chartPaths(points, from, to), [points, from, to]);
    const yTicks = [0, 0.25, 0.5, 0.75, 1].map(f => f * chart.max);
    const xTicks: number[] = [];
    const step = (minutes <= 5 ? 1 : minutes <= 15 ? 5 : 15) * 60_000;
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) xTicks.push(t);

    return (
        <svg id={id} className="wgh-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img"
            aria-label={cockpit.format(_("Received and sent traffic over the last $0 minutes"), minutes)} data-points={points.length}>
            {yTicks.map(v => (
                <g key={v}>
                    <line className="wgh-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={chart.y(v)} y2={chart.y(v)} />
                    <text x={PAD.left - 6} y={chart.y(v) + 4} textAnchor="end" className="wgh-axis-rate">{formatRateTick(v, chart.axis)}</text>
                </g>
            ))}
            {xTicks.map(t => (
                <text key={t} x={chart.x(t)} y={HEIGHT - 6} textAnchor="middle" className="wgh-axis-time">{formatClock(t)}</text>
            ))}
            <path className="wgh-rx" d={chart.rx} />
            <path className="wgh-tx" d={chart.tx} />
        </svg>
    );
};
