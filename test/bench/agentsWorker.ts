// Simulated spoke agents for the bench: each spoke polls GET /agent/v1/config once a period
// (phases spread over it), from its own tunnel address, with its key and the revision it has,
// as wireguard-hub-agent --once does from a systemd timer. Reads the spokes ({address,
// publicKey}[]) on stdin; prints JSON lines: {"event":"steady",…} after one period, then, once
// told "changed" on stdin, {"event":"propagated","ms":…} when every spoke has the new revision.
import http from "node:http";
import readline from "node:readline";

const [hubAddress, portText, periodText] = process.argv.slice(2);
const port = Number(portText);
const periodMs = Number(periodText);

interface Agent {
    address: string;
    publicKey: string;
    revision: string | null;
    next: number;
}

/** Requests without an HTTP answer, by error code and by minute since the start. */
const noAnswer: Record<string, number> = {};

function poll(agent: Agent, started: number): Promise<{ status: number; revision: string | null }> {
    return new Promise(resolve => {
        const req = http.request({
            host: hubAddress, port, path: "/agent/v1/config", localAddress: agent.address, agent: false,
            headers: { "X-WireGuard-Public-Key": agent.publicKey, ...(agent.revision ? { "If-None-Match": `"${agent.revision}"` } : {}) },
        }, res => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, revision: String(res.headers.etag ?? "").replace(/"/g, "") || null }));
        });
        req.on("error", (err: NodeJS.ErrnoException) => {
            const key = `${err.code ?? err.message} in minute ${Math.floor((Date.now() - started) / 60_000) + 1}`;
            noAnswer[key] = (noAnswer[key] ?? 0) + 1;
            resolve({ status: 0, revision: null });
        });
        req.setTimeout(30_000, () => req.destroy(Object.assign(new Error("no answer in 30 s"), { code: "TIMEOUT_30S" })));
        req.end();
    });
}

async function main(): Promise<void> {
    const input = readline.createInterface({ input: process.stdin });
    const lines = input[Symbol.asyncIterator]();
    const spokes = JSON.parse((await lines.next()).value as string) as { address: string; publicKey: string }[];
    const started = Date.now();
    const agents: Agent[] = spokes.map((s, i) => ({ ...s, revision: null, next: started + Math.floor((i / spokes.length) * periodMs) }));
    let requests = 0, failures = 0, notModified = 0;
    const failed: Record<string, number> = {};
    let changedAt: number | null = null;
    let oldRevisions: Map<Agent, string | null> | null = null;
    let behind = new Set<Agent>();
    let steadyReported = false;
    void (async () => {
        for await (const line of lines) {
            if (line.trim() !== "changed") continue;
            changedAt = Date.now();
            oldRevisions = new Map(agents.map(a => [a, a.revision]));
            behind = new Set(agents);
        }
    })();
    const inFlight = new Set<Agent>();
    await new Promise<void>(resolve => {
        const tick = setInterval(() => {
            const now = Date.now();
            for (const agent of agents) {
                if (agent.next > now || inFlight.has(agent)) continue;
                agent.next += periodMs;
                inFlight.add(agent);
                requests++;
                void poll(agent, started).then(({ status, revision }) => {
                    inFlight.delete(agent);
                    if (status === 304) notModified++;
                    else if (status === 200) agent.revision = revision;
                    else {
                        failures++;
                        failed[status] = (failed[status] ?? 0) + 1;
                    }
                    if (changedAt !== null && behind.has(agent) && status === 200 && revision !== oldRevisions!.get(agent)) {
                        behind.delete(agent);
                        if (!behind.size) {
                            process.stdout.write(JSON.stringify({ event: "propagated", ms: Date.now() - changedAt, requests, failures, failed, noAnswer }) + "\n");
                            clearInterval(tick);
                            resolve();
                        }
                    }
                });
            }
            if (!steadyReported && now - started >= 2 * periodMs) {
                steadyReported = true;
                process.stdout.write(JSON.stringify({ event: "steady", requests, notModified, failures, failed }) + "\n");
            }
        }, 10);
    });
    process.exit(0);
}

void main();
