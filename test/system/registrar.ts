// Registers many spokes against a hub's public API from inside a namespace (run with
// Host.spawn): reads [{token, publicKey}] as JSON on stdin, POSTs /api/spoke/register with a
// few requests in flight, prints "ok <n>" or "fail <n> <why>" per answer. Used to put a
// burst of registrations on the hub (and to kill the hub in the middle of it).
import http from "node:http";

const [baseUrl, concurrencyText] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrencyText ?? 8) });

function post(body: unknown): Promise<number> {
    return new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request(`${baseUrl}/api/spoke/register`, {
            method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        }, res => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(payload);
    });
}

async function main(): Promise<void> {
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    const items = JSON.parse(input) as { token: string; publicKey: string }[];
    let next = 0;
    let done = 0;
    const worker = async () => {
        while (next < items.length) {
            const item = items[next++];
            try {
                const status = await post({ ...item, os: "linux", hostname: "bulk" });
                done++;
                process.stdout.write(status === 201 ? `ok ${done}\n` : `fail ${done} status ${status}\n`);
            } catch (err) {
                done++;
                process.stdout.write(`fail ${done} ${err instanceof Error ? err.message : String(err)}\n`);
            }
        }
    };
    await Promise.all(Array.from({ length: Number(concurrencyText ?? 8) }, worker));
    agent.destroy();
}

void main();
