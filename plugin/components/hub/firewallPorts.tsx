// Where firewalld runs, the ports spokes need are checked in it, and the admin is offered to
// open them (now and permanently) or to go to Cockpit's own firewall page. Without firewalld
// (another firewall, or none) this shows nothing: the port list beside it says what to open.
import React, { useCallback, useEffect, useState } from "react";
import { Alert, AlertActionLink, Button, Label } from "@patternfly/react-core";
import cockpit, { type SpawnError } from "cockpit";

const _ = cockpit.gettext;

export interface NeededPort {
    port: number;
    protocol: "udp" | "tcp";
}

type FirewallState =
    | { kind: "unknown" }
    | { kind: "absent" }
    | { kind: "open" }
    | { kind: "closed"; closed: NeededPort[] }
    | { kind: "failed"; message: string };

/** WireGuard's UDP port, and the enrollment listener's TCP port when it is known. */
export function neededPorts(listenPort: number, enrollPort: number | null): NeededPort[] {
    return [{ port: listenPort, protocol: "udp" }, ...(enrollPort === null ? [] : [{ port: enrollPort, protocol: "tcp" as const }])];
}

const portSpec = (p: NeededPort) => `${p.port}/${p.protocol}`;

async function firewallCmd(args: string[]): Promise<string> {
    if (!cockpit.spawn) throw new Error("no process can run here");
    return cockpit.spawn(["firewall-cmd", ...args], { superuser: "require", err: "message" });
}

/** Whether firewalld runs (firewall-cmd --state exits 0 only then). Outside Cockpit it is not looked for. */
async function firewalldRuns(): Promise<boolean> {
    if (!cockpit.spawn) return false;
    try {
        return (await firewallCmd(["--state"])).trim() === "running";
    } catch {
        return false;
    }
}

/** --query-port exits 0 when the default zone allows the port, 1 when it does not. */
async function isOpen(port: NeededPort): Promise<boolean> {
    try {
        await firewallCmd([`--query-port=${portSpec(port)}`]);
        return true;
    } catch (err) {
        if ((err as SpawnError).exit_status === 1) return false;
        throw err;
    }
}

async function readState(ports: NeededPort[]): Promise<FirewallState> {
    if (!await firewalldRuns()) return { kind: "absent" };
    const open = await Promise.all(ports.map(isOpen));
    const closed = ports.filter((_p, i) => !open[i]);
    return closed.length ? { kind: "closed", closed } : { kind: "open" };
}

function portList(ports: NeededPort[]): string {
    return ports.map(portSpec).join(", ");
}

export const FirewallPorts = ({ ports, idPrefix }: { ports: NeededPort[]; idPrefix: string }) => {
    const [state, setState] = useState<FirewallState>({ kind: "unknown" });
    const [opening, setOpening] = useState(false);
    const key = portList(ports);

    const refresh = useCallback(() => {
        readState(ports).then(setState, (err: unknown) => setState({ kind: "failed", message: cockpit.message(err) }));
    // `key` stands for the ports: a new array with the same ports is no change.
    }, [key]);
    useEffect(refresh, [refresh]);

    const openPorts = (closed: NeededPort[]) => {
        setOpening(true);
        const add = closed.map(p => `--add-port=${portSpec(p)}`);
        // The running firewall and its permanent configuration: open now, and after a reboot.
        firewallCmd(add)
                .then(() => firewallCmd(["--permanent", ...add]))
                .then(refresh, (err: unknown) => setState({ kind: "failed", message: cockpit.message(err) }))
                .finally(() => setOpening(false));
    };

    switch (state.kind) {
    case "unknown":
    case "absent":
        return null;
    case "open":
        return <Label id={`${idPrefix}-firewall-open`} color="green" isCompact className="pf-v6-u-ml-sm">{_("open in firewalld")}</Label>;
    case "failed":
        return (
            <Alert id={`${idPrefix}-firewall-failed`} variant="warning" isInline isPlain className="pf-v6-u-mt-sm"
                title={cockpit.format(_("The firewall could not be checked: $0"), state.message)} />
        );
    case "closed":
        return (
            <Alert id={`${idPrefix}-firewall-closed`} variant="warning" isInline className="pf-v6-u-mt-sm"
                title={cockpit.format(_("firewalld blocks $0: spokes cannot reach the hub"), portList(state.closed))}
                actionLinks={<>
                    <Button id={`${idPrefix}-firewall-open-ports`} variant="link" isInline isLoading={opening} isDisabled={opening}
                        onClick={() => openPorts(state.closed)}>
                        {_("Open them")}
                    </Button>
                    <AlertActionLink id={`${idPrefix}-firewall-settings`} onClick={() => cockpit.jump("/network/firewall")}>
                        {_("Firewall settings")}
                    </AlertActionLink>
                </>}>
                {_("Opens the ports in firewalld's default zone, now and permanently.")}
            </Alert>
        );
    }
};
