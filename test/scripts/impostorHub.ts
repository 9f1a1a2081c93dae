// A TLS server with a certificate of its own, standing where the hub should be (a man in
// the middle). It records every HTTP request that reaches it: with the pin, none should.
import https from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

export interface ImpostorHub {
    url: string;
    port: number;
    requests: { method: string; url: string; body: string }[];
    handshakes: number;
    close(): Promise<void>;
}

export async function startImpostorHub(host = "127.0.0.1", port = 0, onRequest?: (r: ImpostorHub["requests"][number]) => void): Promise<ImpostorHub> {
    const pems = await generate([{ name: "commonName", value: host }], { keySize: 2048, algorithm: "sha256" });
    const requests: ImpostorHub["requests"] = [];
    const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
        let body = "";
        req.on("data", d => (body += d));
        req.on("end", () => {
            const seen = { method: req.method ?? "", url: req.url ?? "", body };
            requests.push(seen);
            onRequest?.(seen);
            // What a thief would answer: a script of its own.
            res.writeHead(200, { "content-type": "application/x-sh" });
            res.end("#!/bin/bash\ntouch \"$WGHUB_ROOT_PREFIX/impostor-ran\"\n");
        });
    });
    const impostor: ImpostorHub = { url: "", port: 0, requests, handshakes: 0, close: () => Promise.resolve() };
    server.on("secureConnection", () => impostor.handshakes++);
    await new Promise<void>(resolve => server.listen(port, host, resolve));
    impostor.port = (server.address() as AddressInfo).port;
    impostor.url = `https://${host}:${impostor.port}`;
    impostor.close = () => new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
    });
    return impostor;
}
