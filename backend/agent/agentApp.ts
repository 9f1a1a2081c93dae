// The agent API: spokes' agents, through their tunnels, and nobody else. The request's source
// address is a spoke's tunnel address (WireGuard only lets a peer send from its allowed IPs,
// and TCP's handshake cannot be completed by someone spoofing it), and the agent also sends
// its public key, which must be that spoke's. It serves the spoke's own config and takes its
// reports, a new public key it made for a rotation, and an uninstall's confirmation.
//
// Four fixed routes and small text bodies: node's own request handler, not Express. Every
// spoke asks once a minute, and at 10,000 spokes Express's per-request work was most of the
// hub's CPU for them.
import type http from "node:http";
import type { HubContext } from "../context";
import { peersChanged } from "../context";
import { HubError } from "../errors";
import type { Logger } from "../log";
import { isWireGuardKey } from "../wireguard/keys";
import {
    type AgentSpoke, agentSeen, assertUninstallPending, removeUninstalled, rotatedByAgent, saveAgentReport, spokeOfAgent,
} from "../spokes/manage";
import { agentConfig, agentRevision } from "../spokes/agentConfig";
import { parseAgentReport } from "./protocol";
import { sourceAddress } from "./batchedServer";

const maxBodyBytes = 4096;

export type AgentHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function callingSpoke(ctx: HubContext, req: http.IncomingMessage): Promise<AgentSpoke> {
    const key = String(req.headers["x-wireguard-public-key"] ?? "");
    if (!isWireGuardKey(key)) throw new HubError("NOT_THIS_SPOKE", "The X-WireGuard-Public-Key header is missing or not a key", "Send this spoke's public key (wg show wg0 public-key).");
    return spokeOfAgent(ctx, sourceAddress(req.socket), key);
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body), ...headers });
    res.end(body);
}

function sendError(res: http.ServerResponse, log: Logger, req: http.IncomingMessage, err: unknown): void {
    const error = err instanceof HubError ? err : new HubError("INTERNAL", "Internal error", "The hub's log has the details.");
    if (!(err instanceof HubError)) log.error("agent request failed", { method: req.method, path: req.url, error: String(err) });
    if (res.headersSent) {
        res.destroy();
        return;
    }
    const body = JSON.stringify({ error: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) });
    res.writeHead(error.status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
}

/** The body as text: at most 4 kB of text/plain (a report, a key). */
function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        if (!/^text\/plain\b/i.test(req.headers["content-type"] ?? "text/plain")) {
            reject(new HubError("BAD_REQUEST", "The body must be text/plain", "Send key=value lines."));
            return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) {
                reject(new HubError("PAYLOAD_TOO_LARGE", "The request body is too large", "A report is a few short lines."));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export function createAgentApp(ctx: HubContext): AgentHandler {
    const routes: Record<string, Route> = {
        async "GET /agent/v1/config"(req, res) {
            const spoke = await callingSpoke(ctx, req);
            agentSeen(ctx, spoke);
            // Nearly every poll: the agent has the current revision, known without rendering it.
            const revision = await agentRevision(ctx, spoke);
            if (req.headers["if-none-match"] === `"${revision}"`) {
                res.writeHead(304, { ETag: `"${revision}"` });
                res.end();
                return;
            }
            const config = await agentConfig(ctx, spoke);
            send(res, 200, config.text, { ETag: `"${config.revision}"` });
        },
        async "POST /agent/v1/report"(req, res) {
            const spoke = await callingSpoke(ctx, req);
            const report = parseAgentReport(await readBody(req));
            if (typeof report === "string") throw new HubError("VALIDATION_FAILED", `Bad report: ${report}`, "Send key=value lines: version, os, kernel, wireguard, result, revision.");
            await saveAgentReport(ctx, spoke, report);
            send(res, 200, "ok\n");
        },
        async "POST /agent/v1/key"(req, res) {
            const spoke = await callingSpoke(ctx, req);
            const m = /^public_key=(\S+)\n?$/.exec(await readBody(req));
            if (!m || !isWireGuardKey(m[1])) throw new HubError("VALIDATION_FAILED", "Bad key: send public_key=<the new public key>", "Make the key pair with wg genkey / wg pubkey.");
            await rotatedByAgent(ctx, spoke, m[1]);
            // The answer leaves through the tunnel under the old key: the peer changes after it.
            res.on("finish", () => peersChanged(ctx, "spoke key rotated"));
            send(res, 200, "ok\n");
        },
        async "POST /agent/v1/uninstalled"(req, res) {
            const spoke = await callingSpoke(ctx, req);
            assertUninstallPending(spoke);
            res.on("finish", () => {
                removeUninstalled(ctx, spoke).catch(err => ctx.log.error("could not remove an uninstalled spoke", { spokeId: spoke.id, error: String(err) }));
            });
            send(res, 200, "ok\n");
        },
    };
    return (req, res) => {
        const path = (req.url ?? "").split("?")[0];
        const route = routes[`${req.method} ${path}`];
        const run = route
            ? route(req, res)
            : Promise.reject(new HubError("NOT_FOUND", `No such endpoint: ${req.method} ${path.slice(0, 100)}`, "The agent API has /agent/v1/config, /report, /key and /uninstalled."));
        run.catch(err => sendError(res, ctx.log, req, err));
    };
}
