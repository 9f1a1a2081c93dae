// Registers spokes on several hubs at once from inside the lab (run with Host.spawn). Reads
// {concurrency, hubs: [{url, items: [{token, publicKey}], sampleEvery}]} as JSON on stdin; every
// hub gets `concurrency` requests in flight. Prints one JSON line per sampled registration,
// {"sample": <hub index>, "address", "at": <epoch ms of the 201>}, then
// {"done": true, "seconds", "latencies": [ms…]} (or {"fail": why}, exit 1).
import http from "node:http";
import { performance } from "node:perf_hooks";

interface HubWork {
    url: string;
    items: { token: string; publicKey: string }[];
    /** Every n-th registration on this hub is a sample (0: none). */
    sampleEvery: number;
}

const epochMs = () => performance.timeOrigin + performance.now();

function register(agent: http.Agent, url: string, body: unknown): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request(`${url}/api/spoke/register`, {
            method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        }, res => {
            const chunks: Buffer[] = [];
            res.on("data", c => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        });
        req.on("error", reject);
        req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
        req.end(payload);
    });
}

async function main(): Promise<void> {
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    const { concurrency, hubs } = JSON.parse(input) as { concurrency: number; hubs: HubWork[] };
    const latencies: number[] = [];
    const started = epochMs();
    await Promise.all(hubs.map(async (hub, hubIndex) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
        let next = 0;
        await Promise.all(Array.from({ length: concurrency }, async () => {
            while (next < hub.items.length) {
                const index = next++;
                const sent = epochMs();
                const r = await register(agent, hub.url, { ...hub.items[index], os: "linux", hostname: `bench-${hubIndex}-${index}` });
                const at = epochMs();
                if (r.status !== 201) throw new Error(`registration on ${hub.url}: ${r.status} ${r.text}`);
                latencies.push(at - sent);
                if (hub.sampleEvery && index % hub.sampleEvery === 0)
                    process.stdout.write(JSON.stringify({ sample: hubIndex, address: JSON.parse(r.text).spoke.address, at }) + "\n");
            }
        }));
        agent.destroy();
    }));
    process.stdout.write(JSON.stringify({ done: true, seconds: (epochMs() - started) / 1000, latencies }) + "\n");
}

main().catch(err => {
    process.stdout.write(JSON.stringify({ fail: err instanceof Error ? err.message : String(err) }) + "\n");
    process.exit(1);
});
