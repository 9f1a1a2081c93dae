// <conf dir>/<if>.conf in wg-quick format, so `wg-quick up <if>` restores the hub after a
// reboot even without this service. Every value goes through confValue().
import fs from "node:fs";
import path from "node:path";
import { canonicalCidr, isInterfaceAddress } from "./cidr";
import { isWireGuardKey } from "./keys";
import type { DesiredPeer, DesiredState } from "./types";

/** A control character or '#' (0x23). */
function unsafeInConf(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x20 || c === 0x7f || c === 0x23) return true;
    }
    return false;
}

/**
 * The one gate for values entering a wg-quick file. wg-quick reads line by line and treats
 * '#' as a comment, so a newline or '#' in a value could add or hide a directive.
 */
export function confValue(value: string | number, check?: (v: string) => boolean): string {
    const text = String(value);
    if (unsafeInConf(text)) throw new Error(`refusing a WireGuard config value with a control character or '#': ${JSON.stringify(text.slice(0, 40))}`);
    if (text !== text.trim() || text === "") throw new Error("refusing an empty or padded WireGuard config value");
    if (check && !check(text)) throw new Error(`refusing an invalid WireGuard config value: ${JSON.stringify(text.slice(0, 60))}`);
    return text;
}

const key = (v: string) => confValue(v, isWireGuardKey);
const cidr = (v: string) => {
    const canonical = canonicalCidr(v);
    return confValue(canonical ?? v, () => canonical !== null);
};
const port = (v: number) => confValue(v, p => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535);

export function forwardingSysctls(addresses: readonly string[]): string[] {
    const settings = ["net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.default.send_redirects=0"];
    if (addresses.some(a => a.includes(":"))) settings.push("net.ipv6.conf.all.forwarding=1");
    return settings;
}

function confHeader(iface: DesiredState["iface"], privateKey: string): string[] {
    const lines = [
        "# Written by wireguard-hub from its database; edits here are overwritten.",
        "# `wg-quick up` with this file restores the hub without the service.",
        "[Interface]",
        `PrivateKey = ${key(privateKey)}`,
        `ListenPort = ${port(iface.listenPort)}`,
    ];
    if (iface.addresses.length)
        lines.push(`Address = ${iface.addresses.map(a => confValue(a, isInterfaceAddress)).join(", ")}`);
    lines.push(`PostUp = sysctl -q -w ${forwardingSysctls(iface.addresses).map(s => confValue(s, v => /^[a-z0-9._]+=[01]$/.test(v))).join(" ")}`);
    return lines;
}

export function renderConf(desired: Pick<DesiredState, "iface" | "peers">, privateKey: string): string {
    const lines = confHeader(desired.iface, privateKey);
    for (const peer of desired.peers) lines.push(peerBlock(peer));
    return lines.join("\n") + "\n";
}

/** Peers rendered between two turns of the event loop. */
const peersPerSlice = 2_000;

/** A conf file's bytes, in parts (see ConfRenderer). */
export type RenderedConf = readonly Buffer[];

interface RenderedSlice {
    /** The peer objects the slice was rendered from, in order. */
    peers: readonly DesiredPeer[];
    bytes: Buffer;
}

function samePeers(slice: RenderedSlice | undefined, peers: readonly DesiredPeer[], start: number, end: number): boolean {
    if (slice?.peers.length !== end - start) return false;
    for (let i = start; i < end; i++) if (slice.peers[i - start] !== peers[i]) return false;
    return true;
}

/**
 * renderConf's text as bytes, a slice of peers at a time, each slice kept while the same peer
 * objects fill it. A desired peer is never changed in place, so the same objects give the same
 * bytes; new spokes come last, so a burst of registrations renders the last slice or two. At
 * 100,000 peers (12 MB) rendering, encoding and hashing every slice after each burst took
 * 70-100 ms of the event loop (a profile of registration bursts on PostgreSQL, 2026-12-05), and
 * every registration in flight waited for it. Other work runs between two slices rendered.
 */
export class ConfRenderer {
    private slices: RenderedSlice[] = [];

    async render(desired: { iface: DesiredState["iface"]; peers: readonly DesiredPeer[] }, privateKey: string): Promise<RenderedConf> {
        // renderConf's lines joined by newlines: the header's, then "\n" and each peer's block.
        const parts: Buffer[] = [Buffer.from(confHeader(desired.iface, privateKey).join("\n"))];
        const { peers } = desired;
        const slices: RenderedSlice[] = [];
        let rendered = 0;
        for (let start = 0, i = 0; start < peers.length; start += peersPerSlice, i++) {
            const end = Math.min(peers.length, start + peersPerSlice);
            let slice = this.slices[i];
            if (!samePeers(slice, peers, start, end)) {
                if (rendered++ > 0) await new Promise(resolve => setImmediate(resolve));
                const own = peers.slice(start, end);
                slice = { peers: own, bytes: Buffer.from(own.map(peer => `\n${peerBlock(peer)}`).join("")) };
            }
            slices.push(slice);
            parts.push(slice.bytes);
        }
        parts.push(Buffer.from("\n"));
        this.slices = slices;
        return parts;
    }
}

// Rendering 10,000 peers runs every value through confValue(); each desired peer's block is
// remembered by the peer object (never changed in place), so a rewrite after a one-peer change
// costs a join, not 10,000 validations, and a spoke that leaves takes its block with it.
const blocks = new WeakMap<DesiredPeer, string>();

const endpoint = (v: string) => confValue(v, e => /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/.test(e));

function renderPeerBlock(peer: DesiredPeer): string {
    const lines = ["", "[Peer]", `PublicKey = ${key(peer.publicKey)}`, `AllowedIPs = ${peer.allowedIPs.map(cidr).join(", ")}`];
    // Another hub: wg-quick reaches it by itself after a reboot.
    if (peer.endpoint) lines.push(`Endpoint = ${endpoint(peer.endpoint)}`);
    if (peer.keepalive) lines.push(`PersistentKeepalive = ${port(peer.keepalive)}`);
    // One flat string (join), not a chain of pieces: 100,000 of them are kept.
    return lines.join("\n");
}

function peerBlock(peer: DesiredPeer): string {
    // Another hub's peer changes with each of its spokes: rendered, never remembered.
    if (peer.endpoint) return renderPeerBlock(peer);
    let block = blocks.get(peer);
    if (block === undefined) {
        block = renderPeerBlock(peer);
        blocks.set(peer, block);
    }
    return block;
}

/** Whether two lists of parts hold the same bytes (a part both lists share is not read). */
function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
    if (a.reduce((n, p) => n + p.length, 0) !== b.reduce((n, p) => n + p.length, 0)) return false;
    let i = 0, j = 0, at = 0, bt = 0;
    while (i < a.length && j < b.length) {
        if (at === 0 && bt === 0 && a[i] === b[j]) {
            i++; j++;
            continue;
        }
        const n = Math.min(a[i].length - at, b[j].length - bt);
        if (a[i].compare(b[j], bt, bt + n, at, at + n) !== 0) return false;
        at += n; bt += n;
        if (at === a[i].length) { i++; at = 0; }
        if (bt === b[j].length) { j++; bt = 0; }
    }
    return true;
}

/** Writes only when the content differs; temp file, fsync, rename, fsync of the directory. */
export class ConfFile {
    /**
     * What the file holds: the parts last written (at 100,000 peers all but the header and the
     * last slice are the renderer's own), or the bytes read at the first write.
     */
    private written: readonly Buffer[] | null = null;

    constructor(readonly file: string) {}

    /** Async, so an fsync of a 1 MB file at 10,000 peers never blocks the event loop. */
    async write(content: string | RenderedConf): Promise<boolean> {
        if (this.written === null) {
            this.written = [await fs.promises.readFile(this.file).catch(() => Buffer.alloc(0))];
            await this.removeStaleTempFiles();
        }
        const parts = typeof content === "string" ? [Buffer.from(content)] : content;
        if (sameBytes(parts, this.written) && this.modeIsPrivate()) {
            this.written = parts;
            return false;
        }
        const dir = path.dirname(this.file);
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        const temp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.tmp`);
        const file = await fs.promises.open(temp, "w", 0o600);
        try {
            await file.chmod(0o600);
            for (const part of parts)
                for (let at = 0; at < part.length;) at += (await file.write(part, at)).bytesWritten;
            await file.sync();
        } finally {
            await file.close();
        }
        await fs.promises.rename(temp, this.file);
        const dirHandle = await fs.promises.open(dir, "r");
        try {
            await dirHandle.sync();
        } finally {
            await dirHandle.close();
        }
        this.written = parts;
        return true;
    }

    /** A kill during a write leaves its temp file behind; the next service start removes it. */
    private async removeStaleTempFiles(): Promise<void> {
        const dir = path.dirname(this.file);
        const prefix = `.${path.basename(this.file)}.`;
        const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
        for (const name of names)
            if (name.startsWith(prefix) && name.endsWith(".tmp")) await fs.promises.rm(path.join(dir, name), { force: true });
    }

    private modeIsPrivate(): boolean {
        try {
            return (fs.statSync(this.file).mode & 0o077) === 0;
        } catch {
            return false;
        }
    }
}
