// The spoke agent against a hub that answers hostile values: each is refused before it can
// reach a command, and nothing on the spoke changes. (The agent with a real hub and real
// WireGuard is in test/system/agent.test.ts.)
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { templatesDir } from "../../backend/scripts/render";
import { SpokeMachine, type RunResult } from "./spokeMachine";

const spokeKeys = generateKeyPair();
const hubKey = generateKeyPair().publicKey;
const goodConfig = [
    "revision=0123456789abcdef", "name=branch 1", "address=10.0.1.2/24", "dns=10.0.1.53", `hub_public_key=${hubKey}`,
    "hub_address=10.0.1.1", "endpoint=hub.example.test:51820", "allowed_ip=10.0.1.0/24", "keepalive=25", "action=none",
];

/** The config with one line replaced (or added). */
function withLine(key: string, value: string): string {
    const lines = goodConfig.filter(l => !l.startsWith(`${key}=`));
    return [...lines, `${key}=${value}`].join("\n") + "\n";
}

const hostile: [string, string][] = [
    ["address", "10.0.1.2/24; touch /tmp/pwned"],
    ["address", "$(touch /tmp/pwned)/24"],
    ["dns", "1.1.1.1`id`"],
    ["dns", "-f"],
    ["allowed_ip", "10.0.0.0/8 dev lo"],
    ["allowed_ip", "300.1.1.1/24"],
    ["endpoint", "hub.example.test:51820\\nPostUp = touch /tmp/pwned"],
    ["endpoint", "host;id:51820"],
    ["endpoint", "hub.example.test:99999"],
    ["hub_public_key", "not-a-key"],
    ["keepalive", "25 && reboot"],
    ["keepalive", "70000"],
    ["action", "run-command"],
    ["revision", "../../etc/passwd"],
    ["name", "x\u202eevil"],
    ["hub", `hub-b,${hubKey},10.0.1.3,hub-b.example.test:51820; id`],
    ["hub", `hub-b;reboot,${hubKey},10.0.1.3,hub-b.example.test:51820`],
    ["hub", `hub-b,not-a-key,10.0.1.3,hub-b.example.test:51820`],
    ["hub", `hub-b,${hubKey},10.0.1.3/../x,hub-b.example.test:51820`],
    ["hub", `hub-b,${hubKey},10.0.1.3`],
];

describe("the spoke agent refuses hostile values from the hub", function () {
    let server: http.Server;
    let answer = "";
    let port = 0;
    const machines: SpokeMachine[] = [];

    before(async () => {
        server = http.createServer((req, res) => {
            if (req.url === "/agent/v1/config") {
                res.writeHead(200, { "Content-Type": "text/plain" }).end(answer);
            } else {
                req.resume();
                res.writeHead(200).end("ok\n");
            }
        });
        await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });
    after(async () => {
        await new Promise(resolve => server.close(resolve));
        for (const m of machines) m.cleanup();
    });

    function spoke(): SpokeMachine {
        const m = new SpokeMachine({ wireguardInstalled: true });
        machines.push(m);
        m.writeFile("etc/wireguard-hub/agent.conf", `AGENT_URL=http://127.0.0.1:${port}\nWG_IF=wg0\nCONF_FILE=${m.path("etc/wireguard/wg0.conf")}\n`);
        m.writeFile("etc/wireguard/wg0.conf", `# Written by wireguard-hub\n[Interface]\nPrivateKey = ${spokeKeys.privateKey}\n`, 0o600);
        fs.writeFileSync(path.join(m.state, "link-wg0"), "");
        fs.writeFileSync(path.join(m.state, "pubkey-wg0"), spokeKeys.publicKey + "\n");
        return m;
    }

    async function runAgent(m: SpokeMachine): Promise<RunResult> {
        return m.runScript(fs.readFileSync(path.join(templatesDir(), "agent", "wireguard-hub-agent.sh"), "utf8"), ["--once"]);
    }

    it("takes the same config without the hostile line (the refusals are about the values)", async () => {
        const m = spoke();
        answer = goodConfig.join("\n") + "\n";
        const r = await runAgent(m);
        assert.match(r.stdout, /revision 0123456789abcdef from the hub/);
        assert.doesNotMatch(r.stderr, /refuses/);
    });

    for (const [key, value] of hostile) {
        it(`${key}=${JSON.stringify(value)}`, async () => {
            const m = spoke();
            const confBefore = m.readFile("etc/wireguard/wg0.conf");
            answer = withLine(key, value);
            const r = await runAgent(m);
            assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
            assert.match(r.stderr, /the hub sent a value this agent refuses for \w+; nothing was changed/);
            const changing = m.calls().filter(c => (c[0] === "wg" && c[1] === "set") || c[0] === "ip" || c[0] === "resolvconf");
            assert.deepEqual(changing, [], "no command changed anything");
            assert.equal(m.readFile("etc/wireguard/wg0.conf"), confBefore);
            assert.equal(m.exists("var/lib/wireguard-hub-agent/revision"), false, "the revision is not taken");
            assert.equal(fs.existsSync("/tmp/pwned"), false);
        });
    }

    it("a settings file with a bad value stops the agent before it asks anything", async () => {
        const m = spoke();
        m.writeFile("etc/wireguard-hub/agent.conf", "AGENT_URL=http://127.0.0.1:1/$(id)\nWG_IF=wg0\nCONF_FILE=/etc/wireguard/wg0.conf\n");
        const r = await runAgent(m);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /lacks AGENT_URL, WG_IF or CONF_FILE \(or holds a bad value\)/);
        assert.deepEqual(m.calls().filter(c => c[0] === "curl"), []);
    });
});
