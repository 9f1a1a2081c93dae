// An Express application of its own (its own login) with the hub's API mounted under
// /api/wireguard/… and a React page that shows the hub's components.
//   (cd ../.. && npm pack) && npm install && npm run build
//   EXAMPLE_ADMIN_PASSWORD=… WGHUB_DATA_DIR=./hub-data npm start
import crypto from "node:crypto";
import path from "node:path";
import express, { type Request } from "express";
import { createHub, installationRoutes, spokeRoutes, hubRoutes, proxmoxRoutes, auditRoutes, trafficRoutes } from "wireguard-hub/backend";

const password = process.env.EXAMPLE_ADMIN_PASSWORD;
if (!password) {
    process.stderr.write("Set EXAMPLE_ADMIN_PASSWORD: the password of this example's admin login.\n");
    process.exit(2);
}
const port = Number(process.env.PORT ?? 8080);
const publicDir = path.join(__dirname, "..", "public");

// The host's login: a session cookie for whoever typed the password. In memory, as an example.
const sessions = new Map<string, string>();
const SESSION_COOKIE = "example-session";

function sessionUser(req: Request): string | null {
    const cookie = (req.get("cookie") ?? "").split(/;\s*/).find(c => c.startsWith(`${SESSION_COOKIE}=`));
    return cookie ? sessions.get(cookie.slice(SESSION_COOKIE.length + 1)) ?? null : null;
}

function samePassword(given: string): boolean {
    const digest = (text: string) => crypto.createHash("sha256").update(text).digest();
    return crypto.timingSafeEqual(digest(given), digest(password!));
}

// The hub takes its other settings from the WGHUB_* environment. Its admin routes answer only
// requests the login let in; the install script and the registration stay open for spokes.
createHub({ authorize: req => sessionUser(req) ?? false }).catch((err: unknown) => {
    process.stderr.write(`the WireGuard hub cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});

const app = express();

app.use('/api/wireguard/installation', installationRoutes)
app.use('/api/wireguard/spoke', spokeRoutes)
app.use('/api/wireguard/hub', hubRoutes)
app.use("/api/wireguard/proxmox", proxmoxRoutes);
app.use("/api/wireguard/audit", auditRoutes);
app.use("/api/wireguard/traffic", trafficRoutes);

app.get("/login", (_req, res) => res.sendFile(path.join(publicDir, "login.html")));
app.post("/login", express.urlencoded({ extended: false, limit: "1kb" }), (req, res) => {
    const given = typeof req.body?.password === "string" ? req.body.password : "";
    if (!samePassword(given)) return res.redirect(303, "/login?failed=1");
    const id = crypto.randomBytes(32).toString("base64url");
    sessions.set(id, "admin");
    res.setHeader("Set-Cookie", `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`);
    res.redirect(303, "/");
});

// Every page of the example is behind the login.
app.use((req, res, next) => (sessionUser(req) ? next() : res.redirect(303, "/login")));
app.use(express.static(publicDir));

app.listen(port, "127.0.0.1", () => process.stdout.write(`example listening on http://127.0.0.1:${port}\n`));
