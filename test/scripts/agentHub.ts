// A stand-in for the hub's agent API on loopback: it answers GET /agent/v1/config with the
// config a test sets (304 when the agent names its revision), takes every POST with 200
// (or the status a test sets), and keeps each request for the test to read.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface AgentRequest {
    method: string;
    url: string;
    publicKey: string | undefined;
    ifNoneMatch: string | undefined;
    body: string;
}

export interface AgentHub {
    url: string;
    /** The config's lines; its revision is the value of its revision= line. */
    config: string;
    /** Status for POST /agent/v1/<what>; 200 unless set. */
    postStatus: Record<string, number>;
    requests: AgentRequest[];
    close(): Promise<void>;
}

export async function startAgentHub(): Promise<AgentHub> {
    const hub: AgentHub = {
        url: "",
        config: "",
        postStatus: {},
        requests: [],
        close: () => new Promise(resolve => server.close(() => resolve())),
    };
    const server = http.createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", chunk => (body += chunk));
        req.on("end", () => {
            const header = (name: string) => {
                const v = req.headers[name];
                return Array.isArray(v) ? v.join(",") : v;
            };
            hub.requests.push({ method: req.method ?? "", url: req.url ?? "", publicKey: header("x-wireguard-public-key"), ifNoneMatch: header("if-none-match"), body });
            if (req.method === "GET" && req.url === "/agent/v1/config") {
                const revision = /^revision=(.*)$/m.exec(hub.config)?.[1];
                if (revision && header("if-none-match") === `"${revision}"`) res.writeHead(304).end();
                else res.writeHead(200, { "Content-Type": "text/plain", ETag: `"${revision ?? ""}"` }).end(hub.config);
                return;
            }
            const what = /^\/agent\/v1\/([a-z]+)$/.exec(req.url ?? "")?.[1] ?? "";
            res.writeHead(req.method === "POST" ? hub.postStatus[what] ?? 200 : 404).end("ok\n");
        });
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return hub;
}
