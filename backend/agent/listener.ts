// The agent API's listener, on the hub's tunnel address only. That address exists once the
// interface is up (and changes with a re-initialisation), so the listener follows it: `ensure()`
// (re)binds when the address it should use is not the one it has.
import { BatchedHttpServer } from "./batchedServer";
import type { AgentHandler } from "./agentApp";
import type { HubContext } from "../context";
import { loadHub } from "../hub/hub";
import { contains, parseCidr, type Network } from "../contract/fields";

export class AgentListener {
    private server: BatchedHttpServer | null = null;
    private bound: string | null = null;
    private timer: NodeJS.Timeout | null = null;

    constructor(private readonly ctx: HubContext, private readonly app: AgentHandler, private readonly port: number) {}

    /** Checks every few seconds: after start-up, after the interface came up, after a re-initialisation. */
    start(everyMs = 5_000): void {
        const check = () => this.ensure().catch(err => this.ctx.log.warn("agent API: cannot listen yet", { error: String(err) }));
        void check();
        this.timer = setInterval(check, everyMs);
        this.timer.unref();
    }

    /** Where the agents should find it, or null (no hub yet, or no interface in WGHUB_WG_MODE=off). */
    private async wanted(): Promise<{ address: string; network: Network } | null> {
        if (!this.ctx.wireguard || this.ctx.wireguard.status().mode === "off") return null;
        const hub = await loadHub(this.ctx);
        const network = hub ? parseCidr(hub.networkCIDR) : null;
        return hub && network ? { address: hub.interfaceAddress.split("/")[0], network } : null;
    }

    async ensure(): Promise<void> {
        const want = await this.wanted();
        if (want?.address === this.bound) return;
        await this.close();
        if (!want) return;
        // Only the tunnel's own addresses get an answer: a host of the hub's LAN routing to
        // the tunnel address from elsewhere is cut before a byte of HTTP.
        const server = new BatchedHttpServer(this.app, address => contains(want.network, address));
        await server.listen(this.port, want.address);
        server.on("error", err => this.ctx.log.error("agent API listener failed", { error: String(err) }));
        this.server = server;
        this.bound = want.address;
        this.ctx.log.info("agent API listening", { address: `${want.address}:${this.port}` });
    }

    async close(): Promise<void> {
        const server = this.server;
        this.server = null;
        this.bound = null;
        await server?.close();
    }

    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await this.close();
    }
}
