// Traffic over the last hour (the hub, or one spoke) and the topology picture.
import React, { useEffect, useMemo, useState } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, EmptyState, EmptyStateBody, Flex, FlexItem, Content, ToggleGroup, ToggleGroupItem,
} from "@patternfly/react-core";
import { ChartLineIcon } from "@patternfly/react-icons";
import { variantLabel } from "../common/alertLabels";
import cockpit from "cockpit";
import * as api from "../../api";
import { asApiError, useStore, useWanted } from "../../store";
import type { TrafficSeries } from "../../types";
import { FilterSelect } from "../common/filterSelect";
import { formatBytes, formatRate } from "../../util/format";
import { TrafficChart } from "./trafficChart";
import { Topology } from "./topology";
import { STATE_LABEL, DISPLAY_STATES } from "../../util/spokeState";
import { goTo, usePageLocation } from "../../util/location";

const _ = cockpit.gettext;

const RANGES = [5, 15, 60];
const REFRESH_MS = 10_000;
/** The spoke picker lists the busiest spokes; a menu of thousands helps nobody. */
const PICKER_SIZE = 50;

export const TrafficTab = () => {
    // The topology and the picker of the busiest spokes need every spoke.
    useWanted("spokes");
    const { spokes, hubs, updatedAt, status } = useStore();
    // The spoke a row's "Traffic" action asked for: #/traffic?spoke=<id>.
    const spokeId = usePageLocation().options.spoke ?? "";
    const setSpokeId = (id: string) => goTo(["traffic"], id ? { spoke: id } : {});
    const [minutes, setMinutes] = useState(60);
    const [series, setSeries] = useState<TrafficSeries | null>(null);
    const [error, setError] = useState<api.ApiError | null>(null);

    useEffect(() => {
        let alive = true;
        const load = () => {
            api.getTraffic(spokeId || null, minutes).then(s => {
                if (!alive) return;
                setSeries(s);
                setError(null);
            }, e => alive && setError(asApiError(e)));
        };
        load();
        const timer = window.setInterval(load, REFRESH_MS);
        return () => {
            alive = false;
            window.clearInterval(timer);
        };
    }, [spokeId, minutes]);

    const busiest = useMemo(() => [...spokes]
        .sort((a, b) => ((b.rxBytes ?? 0) + (b.txBytes ?? 0)) - ((a.rxBytes ?? 0) + (a.txBytes ?? 0)))
        .slice(0, PICKER_SIZE)
        .concat(spokes.filter(s => s.id === spokeId))
        .filter((s, i, list) => list.findIndex(o => o.id === s.id) === i)
        .map(s => ({ value: s.id, label: s.name })), [spokes, spokeId]);

    const points = series?.points ?? [];
    const totals = points.reduce((t, p) => ({ rx: t.rx + p.rx * (series?.intervalSeconds ?? 0), tx: t.tx + p.tx * (series?.intervalSeconds ?? 0) }), { rx: 0, tx: 0 });
    const last = points[points.length - 1];

    return (
        <div id="traffic-view" className="pf-v6-u-pt-md">
            <Card id="traffic-card" isCompact>
                <CardHeader actions={{
                    actions: (
                        <Flex spaceItems={{ default: "spaceItemsSm" }}>
                            <ToggleGroup aria-label={_("Time range")} id="traffic-range">
                                {RANGES.map(m => (
                                    <ToggleGroupItem key={m} buttonId={`traffic-range-${m}`} isSelected={minutes === m}
                                        text={m === 60 ? _("1 hour") : cockpit.format(_("$0 min"), m)} onChange={() => setMinutes(m)} />
                                ))}
                            </ToggleGroup>
                            <FilterSelect id="traffic-spoke" allLabel={_("Whole hub")} value={spokeId} onChange={setSpokeId} options={busiest} />
                        </Flex>
                    ),
                }}>
                    <CardTitle>
                        {minutes === 60 ? _("Traffic, last hour") : cockpit.format(_("Traffic, last $0 minutes"), minutes)}
                    </CardTitle>
                </CardHeader>
                <CardBody>
                    {error && (
                        <Alert id="traffic-error" isInline isPlain variant="warning" variantLabel={variantLabel("warning")} title={_("Traffic samples are unavailable")}>
                            {error.message}
                        </Alert>
                    )}
                    {series && points.length === 0
                        ? (
                            <EmptyState id="traffic-empty" headingLevel="h3" icon={ChartLineIcon} titleText={_("No traffic samples yet")}>
                                <EmptyStateBody>
                                    {spokeId
                                        ? _("This spoke has passed no traffic through the hub in this range.")
                                        : status?.mode === "off"
                                        ? _("The hub samples WireGuard's counters on each run; with WireGuard off there is nothing to sample.")
                                        : _("The hub samples WireGuard's counters on each run: the first points appear within a minute.")}
                                </EmptyStateBody>
                            </EmptyState>
                        )
                        : <TrafficChart id="traffic-chart" points={points} minutes={minutes} />}
                    {points.length > 0 && <Flex className="pf-v6-u-mt-sm">
                        <FlexItem><span className="wgh-legend-rx">■</span> {_("Received")}{last ? `: ${formatRate(last.rx)}` : ""}</FlexItem>
                        <FlexItem><span className="wgh-legend-tx">■</span> {_("Sent")}{last ? `: ${formatRate(last.tx)}` : ""}</FlexItem>
                        <FlexItem>
                            <Content component="small" id="traffic-totals">
                                {cockpit.format(_("In this range: $0 received, $1 sent"), formatBytes(totals.rx), formatBytes(totals.tx))}
                            </Content>
                        </FlexItem>
                    </Flex>}
                </CardBody>
            </Card>
            <Card id="topology-card" isCompact className="pf-v6-u-mt-md">
                <CardHeader><CardTitle>{_("Topology")}</CardTitle></CardHeader>
                <CardBody>
                    <Topology spokes={spokes} hubs={hubs} now={updatedAt || Date.now()} />
                    <Flex className="pf-v6-u-mt-sm">
                        {DISPLAY_STATES.map(s => (
                            <FlexItem key={s}>
                                <svg width="10" height="10" aria-hidden><circle className={`wgh-node-${s}`} cx="5" cy="5" r="5" /></svg>{" "}
                                {STATE_LABEL[s].text()}
                            </FlexItem>
                        ))}
                    </Flex>
                </CardBody>
            </Card>
        </div>
    );
};
