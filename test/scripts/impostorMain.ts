// Runs an impostor hub as its own process (e.g. inside a test namespace):
//   node --import tsx impostorMain.ts HOST PORT
// prints {"listening": url} once, then {"request": {method, url, body}} for each request.
import { startImpostorHub } from "./impostorHub";

const [host = "127.0.0.1", port = "0"] = process.argv.slice(2);
void startImpostorHub(host, Number(port), r => process.stdout.write(JSON.stringify({ request: r }) + "\n")).then(impostor => {
    process.stdout.write(JSON.stringify({ listening: impostor.url }) + "\n");
    process.on("SIGTERM", () => void impostor.close().then(() => process.exit(0)));
});
