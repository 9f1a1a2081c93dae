// Run inside a lab namespace (Host.spawn): a TCP port there that leads to the test PostgreSQL
// server's unix socket. Namespaces share the filesystem but not the network, so hubs in the
// lab reach a server started in this machine's namespace through it.
//   node --import tsx test/bench/databaseRelay.ts SOCKET_PATH PORT
import net from "node:net";

const [socketPath, port] = process.argv.slice(2);

const server = net.createServer(client => {
    const upstream = net.connect(socketPath);
    client.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
});
server.listen(Number(port), "0.0.0.0", () => process.stdout.write("ready\n"));
