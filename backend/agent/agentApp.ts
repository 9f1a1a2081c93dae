// The agent API: spokes' agents, through their tunnels, and nobody else. The request's source
// address is a spoke's tunnel address (WireGuard only lets a peer send from its allowed IPs,
// and TCP's handshake cannot be completed by someone spoofing it), and the agent also sends
// its public key, which must be that spoke's. It serves the spoke's own config and takes its
// reports, a new public key it made for a rotation, and an uninstall's confirmation.
import express, { type Request, type Response } from "express";
import type { HubContext } from "../context";
import { peersChanged } from "../context";
import { HubError } from "../errors";
import { errorHandler, notFound } from "../http/errors";
import { isWireGuardKey } from "../wireguard/keys";
import {
    type AgentSpoke, agentConfig, agentSeen, assertUninstallPending, removeUninstalled, rotatedByAgent, saveAgentReport, spokeOfAgent,
} from "../spokes/manage";
import { parseAgentReport } from "./protocol";
import { sourceAddress } from "./listener";

async function callingSpoke(ctx: HubContext, req: Request): Promise<AgentSpoke> {
    const key = String(req.get("x-wireguard-public-key") ?? "");
    if (!isWireGuardKey(key)) throw new HubError("NOT_THIS_SPOKE", "The X-WireGuard-Public-Key header is missing or not a key", "Send this spoke's public key (wg show wg0 public-key).");
    return spokeOfAgent(ctx, sourceAddress(req.socket), key);
}

function text(res: Response, status: number, body: string): void {
    res.status(status).type("text/plain; charset=utf-8").send(body);
}

export function createAgentApp(ctx: HubContext): express.Express {
    const app = express();
    app.disable("x-powered-by");
    app.set("etag", false);
    const body = express.text({ limit: "4kb", type: "text/plain" });

    app.get("/agent/v1/config", (req, res, next) => {
        void (async () => {
            const spoke = await callingSpoke(ctx, req);
            const { text: config, revision } = await agentConfig(ctx, spoke);
            agentSeen(ctx, spoke);
            res.setHeader("ETag", `"${revision}"`);
            if (req.get("if-none-match") === `"${revision}"`) {
                res.status(304).end();
                return;
            }
            text(res, 200, config);
        })().catch(next);
    });

    app.post("/agent/v1/report", body, (req, res, next) => {
        void (async () => {
            const spoke = await callingSpoke(ctx, req);
            const report = parseAgentReport(typeof req.body === "string" ? req.body : "");
            if (typeof report === "string") throw new HubError("VALIDATION_FAILED", `Bad report: ${report}`, "Send key=value lines: version, os, kernel, wireguard, result, revision.");
            await saveAgentReport(ctx, spoke, report);
            text(res, 200, "ok\n");
        })().catch(next);
    });

    app.post("/agent/v1/key", body, (req, res, next) => {
        void (async () => {
            const spoke = await callingSpoke(ctx, req);
            const m = /^public_key=(\S+)\n?$/.exec(typeof req.body === "string" ? req.body : "");
            if (!m || !isWireGuardKey(m[1])) throw new HubError("VALIDATION_FAILED", "Bad key: send public_key=<the new public key>", "Make the key pair with wg genkey / wg pubkey.");
            await rotatedByAgent(ctx, spoke, m[1]);
            // The answer leaves through the tunnel under the old key: the peer changes after it.
            res.on("finish", () => peersChanged(ctx, "spoke key rotated"));
            text(res, 200, "ok\n");
        })().catch(next);
    });

    app.post("/agent/v1/uninstalled", (req, res, next) => {
        void (async () => {
            const spoke = await callingSpoke(ctx, req);
            assertUninstallPending(spoke);
            res.on("finish", () => {
                removeUninstalled(ctx, spoke).catch(err => ctx.log.error("could not remove an uninstalled spoke", { spokeId: spoke.id, error: String(err) }));
            });
            text(res, 200, "ok\n");
        })().catch(next);
    });

    app.use(notFound());
    app.use(errorHandler(ctx.log));
    return app;
}
