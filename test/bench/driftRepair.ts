// How soon a spoke talks to the hub again after drift repair: the hub service on wireguard-go
// in a namespace, one spoke in its own, pinging the hub all along. Someone removes the spoke's
// peer from wg0 by hand; the next scheduled run puts it back. The figure is the time from the
// peer being back on wg0 to the spoke's first answered ping (target: 3 s; a spoke left to
// notice by itself takes 10-15 s).
import fs from "node:fs";
import readline from "node:readline";
import { startHub } from "../support/hub";
import { createLab, waitFor } from "../support/netns";
import { bringUpSpoke, makeSpokeKey, ping } from "../system/wgSpoke";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchDriftRepair(trials = 5, log: (line: string) => void = l => console.error(l)): Promise<Record<string, number>> {
    const lab = await createLab({ spokes: 1, subnet: 23 });
    const lan = lab.hub.lanAddress;
    const publicUrl = `http://${lan}:51821`;
    const hub = await startHub({
        netns: lab.hub.ns,
        env: {
            WGHUB_WG_MODE: "userspace", WGHUB_TLS: "off", WGHUB_INTERFACE: lab.hubInterface, WGHUB_PUBLIC_LISTEN: `${lan}:51821`,
            WGHUB_PUBLIC_URL: publicUrl, WGHUB_RECONCILE_SCHEDULE: "*/2 * * * * *", WGHUB_LOG_LEVEL: "warn", WGHUB_ALLOW_HTTP_ENROLLMENT: "yes",
        },
    });
    try {
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.0.0.0/24", listenPort: 51820, publicEndpoint: `${lan}:51820` });
        if (init.status !== 201) throw new Error(init.text);
        const spoke = lab.spokes[0];
        const publicKey = await makeSpokeKey(spoke);
        const token = (await hub.admin("POST", "/api/installation/token", { spokeName: "drift" })).body.token.token;
        const registered = JSON.parse(await spoke.run("curl", ["-sS", "--fail-with-body", "-X", "POST", "-H", "content-type: application/json",
            "--data-binary", "@-", `${publicUrl}/api/spoke/register`], { input: JSON.stringify({ token, publicKey, os: "linux" }) }));
        const cfg = registered.config;
        const hubAddress: string = cfg.hubAddress;
        await bringUpSpoke(spoke, { address: cfg.addresses[0], hubPublicKey: cfg.hubPublicKey, hubEndpoint: cfg.publicEndpoint, allowedIPs: cfg.allowedIPs.join(",") });
        await waitFor("the spoke's first ping", () => ping(spoke, hubAddress, 1, 1), 20_000, 200);

        // One ping every 50 ms, each answer with its time (-D): the whole measurement.
        const pinger = spoke.spawn("ping", ["-n", "-D", "-i", "0.05", "-W", "1", hubAddress]);
        const answers: number[] = [];
        readline.createInterface({ input: pinger.stdout! }).on("line", line => {
            const m = /^\[(\d+\.\d+)\] .* bytes from/.exec(line);
            if (m) answers.push(Number(m[1]) * 1000);
        });
        const peers = async () => (await lab.hub.run("wg", ["show", lab.hubInterface, "peers"])).split("\n");
        const figures: number[] = [];
        try {
            for (let i = 0; i < trials; i++) {
                // A scheduled run that saw the spoke where it is, then the peer taken away.
                const seen = new Date().toISOString();
                await waitFor("a scheduled run", async () => {
                    const last = (await hub.admin("GET", "/api/hub/status")).body.reconcile?.lastReconcile;
                    return last?.kind === "full" && last.at > seen;
                }, 20_000, 100);
                await lab.hub.run("wg", ["set", lab.hubInterface, "peer", publicKey, "remove"]);
                await waitFor("the peer put back", async () => (await peers()).includes(publicKey), 20_000, 20);
                const repairedAt = Date.now();
                const answered = await waitFor("the spoke's ping answered again", async () => answers.find(t => t > repairedAt), 30_000, 20);
                figures.push(Math.max(0, answered - repairedAt));
            }
        } finally {
            pinger.kill("SIGINT");
        }
        const figure = Math.round(median(figures));
        log(`drift repair: the spoke's ping answered ${figure} ms (median of ${trials}; ${figures.map(Math.round).join(", ")}) after its peer was put back on wg0`);
        return { drift_repair_ping_ms: figure };
    } finally {
        await hub.stop();
        await lab.destroy();
        fs.rmSync(hub.dataDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    benchDriftRepair().then(f => console.log(JSON.stringify(f)), err => {
        console.error(err);
        process.exit(1);
    });
}
