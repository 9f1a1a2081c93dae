// `wg show <if> dump`: the interface line, then one tab-separated line per peer.
import type { PeerStatus } from "./types";

export interface DumpInterface {
    /** The private key column is dropped on purpose: the public key tells whether it is set right. */
    publicKey: string | null;
    listenPort: number;
}

export interface DumpPeer extends PeerStatus {
    /** As WireGuard prints them: comma-separated, "(none)" → []. */
    allowedIPs: string[];
}

export interface Dump {
    iface: DumpInterface;
    peers: DumpPeer[];
}

/**
 * A field as a string of its own. V8 makes a piece of a long string a slice that keeps the
 * whole string alive: a key kept in a map from one dump held all of that dump (0.84 MB at
 * 10,000 peers), and the maps kept keys from seven different dumps.
 */
const own = (v: string) => Buffer.from(v, "latin1").toString("latin1");

const none = (v: string) => (v === "(none)" ? null : own(v));

export function parseDump(text: string): Dump {
    const lines = text.split("\n").filter(l => l.length > 0);
    if (!lines.length) throw new Error("empty output from wg show dump");
    const head = lines[0].split("\t");
    if (head.length < 4) throw new Error("unexpected interface line in wg show dump");
    const iface: DumpInterface = {
        publicKey: none(head[1]),
        listenPort: Number(head[2]),
    };
    const peers: DumpPeer[] = [];
    for (let i = 1; i < lines.length; i++) {
        const f = lines[i].split("\t");
        if (f.length < 8) throw new Error(`unexpected peer line ${i} in wg show dump`);
        peers.push({
            publicKey: own(f[0]),
            endpoint: none(f[2]),
            allowedIPs: f[3] === "(none)" ? [] : own(f[3]).split(","),
            latestHandshake: Number(f[4]),
            rxBytes: Number(f[5]),
            txBytes: Number(f[6]),
        });
    }
    return { iface, peers };
}
