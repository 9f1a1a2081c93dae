// The agent API's server, which serves its connections in batches (backend/agent/batchedServer.ts),
// on a real socket: every request answered however many arrive together, a refused source
// closed before a byte, no connection older than its lifetime, and close() ending them all.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { BatchedHttpServer } from "../../backend/agent/batchedServer";

function get(port: number, path: string, agent?: http.Agent, from = "127.0.0.1"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path, agent: agent ?? false, localAddress: from }, res => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", d => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
    });
}

/** A raw connection: what it received before the server closed it, and when it closed. */
function rawConnection(port: number, send: string, from = "127.0.0.1"): Promise<{ received: string; closedAfterMs: number }> {
    return new Promise(resolve => {
        const started = Date.now();
        let received = "";
        const socket = net.connect({ port, host: "127.0.0.1", localAddress: from }, () => socket.write(send));
        socket.setEncoding("utf8");
        socket.on("data", d => (received += d));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve({ received, closedAfterMs: Date.now() - started }));
    });
}

describe("api: the agent API's batched server", () => {
    const servers: BatchedHttpServer[] = [];
    const start = async (accepts: (address: string) => boolean, options = { batchMs: 20, lifetimeMs: 400, maxConnections: 4096, perAddress: 400 }) => {
        const server = new BatchedHttpServer((req, res) => res.end(`hello ${req.url}`), accepts, options);
        const port = await server.listen(0, "127.0.0.1");
        servers.push(server);
        return { server, port };
    };
    afterEach(async () => {
        await Promise.all(servers.splice(0).map(s => s.close()));
    });

    it("answers every one of 300 requests sent at once, each its own, and keeps a kept-alive connection serving", async () => {
        const { server, port } = await start(address => address === "127.0.0.1");
        const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => get(port, `/n${i}`)));
        assert.deepEqual(answers.map(a => `${a.status} ${a.body}`), answers.map((_, i) => `200 hello /n${i}`));
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
            assert.equal((await get(port, "/first", agent)).body, "hello /first");
            assert.equal((await get(port, "/second", agent)).body, "hello /second");
            assert.equal(server.connections, 1, "both requests went over one connection");
        } finally {
            agent.destroy();
        }
    });

    it("closes a connection from a refused address before reading or answering anything", async () => {
        const seen: string[] = [];
        const { server, port } = await start(address => {
            seen.push(address);
            return false;
        });
        const refused = await rawConnection(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.equal(refused.received, "");
        assert.deepEqual(seen, ["127.0.0.1"], "the check sees the address without IPv4-mapped notation");
        assert.equal(server.connections, 0);
    });

    it("closes a connection that sends nothing, or never ends its headers, once it is older than its lifetime", async () => {
        const { server, port } = await start(() => true);
        const [silent, slow] = await Promise.all([rawConnection(port, ""), rawConnection(port, "GET / HTTP/1.1\r\nHost: x\r\n")]);
        for (const c of [silent, slow]) {
            assert.equal(c.received, "");
            assert.ok(c.closedAfterMs >= 400, `closed after ${c.closedAfterMs} ms, before its lifetime`);
        }
        // the server's side closes a tick after the client sees it
        while (server.connections > 0) await new Promise(r => setImmediate(r));
    });

    it("holds at most perAddress connections from one address; another address is still answered", async () => {
        const { server, port } = await start(() => true, { batchMs: 20, lifetimeMs: 60_000, maxConnections: 4096, perAddress: 3 });
        const held = [1, 2, 3].map(() => rawConnection(port, ""));
        while (server.connections < 3) await new Promise(r => setImmediate(r));
        const fourth = await rawConnection(port, "GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.equal(fourth.received, "", "the fourth from 127.0.0.1 is closed unanswered");
        assert.equal((await get(port, "/other", undefined, "127.0.0.2")).body, "hello /other");
        await server.close();
        servers.length = 0;
        await Promise.all(held);
    });

    it("counts an address's connections down as they close: once they are gone, the address is answered again", async () => {
        const { server, port } = await start(() => true, { batchMs: 20, lifetimeMs: 300, maxConnections: 4096, perAddress: 2 });
        for (let round = 0; round < 3; round++) {
            // two silent connections fill the address's places, and the lifetime closes them
            await Promise.all([rawConnection(port, ""), rawConnection(port, "")]);
            while (server.connections > 0) await new Promise(r => setImmediate(r));
            assert.equal((await get(port, `/round${round}`)).body, `hello /round${round}`);
        }
    });

    it("close() stops listening and ends the open connections at once", async () => {
        const { server, port } = await start(() => true, { batchMs: 20, lifetimeMs: 60_000, maxConnections: 4096, perAddress: 8 });
        const idle = rawConnection(port, "");
        while (server.connections < 1) await new Promise(r => setImmediate(r));
        await server.close();
        servers.length = 0;
        assert.equal((await idle).received, "");
        await assert.rejects(get(port, "/"), /ECONNREFUSED/);
    });
});
