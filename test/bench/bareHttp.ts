// What node's HTTP server alone costs for the agents' polls: a server that answers every
// request 304 and does nothing else, polled the way the agents bench polls the hub (a new
// connection per poll, spread evenly over the minute), and the same polls as fast as they go;
// then the same server behind the agent API's batching (backend/agent/batchedServer.ts).
// The floor under `agents_cpu_pct`. Run: node --import tsx test/bench/bareHttp.ts [polls]
import { spawn } from "node:child_process";
import http from "node:http";
import { BatchedHttpServer } from "../../backend/agent/batchedServer";
import { cpuSplit } from "./procStat";

const notModified: http.RequestListener = (_req, res) => {
    res.writeHead(304, { ETag: '"current"' });
    res.end();
};

function serve(): void {
    const server = http.createServer(notModified);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
}

async function serveBatched(): Promise<void> {
    const port = await new BatchedHttpServer(notModified, () => true).listen(0, "127.0.0.1");
    process.stdout.write(`${port}\n`);
}

function poll(port: number): Promise<void> {
    return new Promise(resolve => {
        const req = http.request({ host: "127.0.0.1", port, path: "/agent/v1/config", agent: false, headers: { "If-None-Match": '"current"' } }, res => {
            res.resume();
            res.on("end", resolve);
        });
        req.on("error", () => resolve());
        req.end();
    });
}

async function measure(polls: number, spreadMs: number | null, server: "--serve" | "--serve-batched" = "--serve"): Promise<string> {
    const child = spawn(process.execPath, ["--import", "tsx", __filename, server], { stdio: ["ignore", "pipe", "inherit"] });
    try {
        const port = await new Promise<number>((resolve, reject) => {
            child.stdout!.once("data", d => resolve(Number(String(d))));
            child.once("exit", code => reject(new Error(`the server exited (${code})`)));
        });
        await Promise.all(Array.from({ length: 10 }, async () => {
            for (let i = 0; i < 50; i++) await poll(port);
        }));
        const before = cpuSplit(child.pid!);
        const started = Date.now();
        if (spreadMs === null) {
            let next = 0;
            await Promise.all(Array.from({ length: 10 }, async () => {
                while (next++ < polls) await poll(port);
            }));
        } else {
            const pending: Promise<void>[] = [];
            let sent = 0;
            await new Promise<void>(resolve => {
                const tick = setInterval(() => {
                    const due = Math.min(polls, Math.floor(((Date.now() - started) / spreadMs) * polls));
                    for (; sent < due; sent++) pending.push(poll(port));
                    if (sent >= polls) {
                        clearInterval(tick);
                        resolve();
                    }
                }, 10);
            });
            await Promise.all(pending);
        }
        const after = cpuSplit(child.pid!);
        const user = after.user - before.user, system = after.system - before.system;
        const seconds = (Date.now() - started) / 1000;
        return `${polls} polls in ${seconds.toFixed(0)} s: user ${user.toFixed(2)} s, system ${system.toFixed(2)} s` +
            ` (${(((user + system) / seconds) * 100).toFixed(1)} % of a core; ${(((user + system) * 1000) / polls).toFixed(2)} ms a poll)`;
    } finally {
        child.kill();
    }
}

async function main(): Promise<void> {
    const polls = Number(process.argv[2] ?? 10_000);
    console.log(`node's HTTP server alone, answering 304, spread over a minute: ${await measure(polls, 60_000)}`);
    console.log(`the same polls as fast as 10 clients send them: ${await measure(polls, null)}`);
    console.log(`the same server behind the agent API's batching, spread over a minute: ${await measure(polls, 60_000, "--serve-batched")}`);
}

if (process.argv.includes("--serve-batched")) void serveBatched();
else if (process.argv.includes("--serve")) serve();
else main().catch(err => {
    console.error(err);
    process.exit(1);
});
