// The package as an embedding application gets it: `npm pack` of this checkout installed into
// an empty directory with the host's own dependencies (express, React, PatternFly) at the
// versions of this repository's package-lock. The install is kept, by the tarball's hash,
// for the next test process; npm's cache is under /tmp. npm never runs in the checkout
// itself except for `npm pack`.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { freePort } from "./hub";

export const root = path.resolve(__dirname, "..", "..");
const npmCache = path.join(os.tmpdir(), "wghub-npm-cache");
const installPrefix = "wghub-embed-install-";

/** What the host app installs besides the package: runtime, then the example's build and type checking. */
const hostDependencies = ["express", "react", "react-dom", "@patternfly/react-core", "@patternfly/react-icons", "@patternfly/react-table"];
const hostDevDependencies = ["esbuild", "@types/react", "@types/react-dom", "@types/express", "@types/node"];

function lockedVersion(name: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`package-lock.json has no ${name}`);
    return version;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
    const done = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 900_000 });
    if (done.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed (${done.status ?? done.signal}):\n${done.stdout}\n${done.stderr}`);
    return done.stdout;
}

/** npm for the host's directory: its own cache, and sqlite3 built on the system's library where CI installed it. */
function npmEnv(): NodeJS.ProcessEnv {
    return {
        npm_config_cache: npmCache,
        npm_config_update_notifier: "false",
        ...(fs.existsSync("/usr/include/sqlite3.h") && !process.env.npm_config_sqlite ? { npm_config_sqlite: "/usr" } : {}),
    };
}

export interface EmbedInstall {
    /** The host app's directory: package.json and node_modules with wireguard-hub in it. */
    dir: string;
    tarball: string;
}

let installed: EmbedInstall | null = null;

/** Packs the checkout (npm pack runs the build and the declarations) and installs it once per tarball. */
export function embedInstall(): EmbedInstall {
    if (installed) return installed;
    const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-pack-"));
    process.once("exit", () => fs.rmSync(packDir, { recursive: true, force: true }));
    // prepack's build prints to the same stdout: the answer is the JSON array at its end.
    const output = run("npm", ["pack", "--json", "--pack-destination", packDir], root, npmEnv());
    const [packed] = JSON.parse(output.slice(output.search(/^\[/m))) as { filename: string }[];
    const packedFile = path.join(packDir, path.basename(packed.filename));
    const hash = crypto.createHash("sha256").update(fs.readFileSync(packedFile)).digest("hex").slice(0, 16);
    const dir = path.join(os.tmpdir(), `${installPrefix}${hash}`);
    const tarball = path.join(dir, path.basename(packedFile));
    if (!fs.existsSync(path.join(dir, ".installed"))) {
        for (const old of fs.readdirSync(os.tmpdir()).filter(n => n.startsWith(installPrefix)))
            fs.rmSync(path.join(os.tmpdir(), old), { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(packedFile, tarball);
        const pkg = {
            name: "embedding-host",
            private: true,
            dependencies: {
                "wireguard-hub": `file:./${path.basename(tarball)}`,
                ...Object.fromEntries(hostDependencies.map(n => [n, lockedVersion(n)])),
            },
            devDependencies: Object.fromEntries(hostDevDependencies.map(n => [n, lockedVersion(n)])),
            allowScripts: { sqlite3: true, esbuild: true },
        };
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
        run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir, npmEnv());
        fs.writeFileSync(path.join(dir, ".installed"), new Date().toISOString());
    }
    installed = { dir, tarball };
    return installed;
}

/** A copy of examples/embed in the host's directory, built with its own build script. */
export function builtExample(install: EmbedInstall): string {
    const dir = path.join(install.dir, "example");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(path.join(root, "examples", "embed"), dir, { recursive: true, filter: src => !/(node_modules|dist|hub-data)$/.test(src) });
    // The example's own package.json names the tarball beside the checkout; here the host's
    // node_modules, one directory up, has everything it imports.
    fs.rmSync(path.join(dir, "package.json"));
    run(process.execPath, ["build.mjs"], dir);
    return dir;
}

export interface HostApp {
    url: string;
    output(): string;
    stop(): Promise<void>;
}

/** Runs a host application (node FILE in cwd) on a free port and waits until `readyPath` answers. */
export async function startHostApp(file: string, cwd: string, env: Record<string, string>, readyPath: string): Promise<HostApp> {
    const port = await freePort();
    const child = spawn(process.execPath, ["--enable-source-maps", file], {
        cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", d => (output += d));
    child.stderr!.on("data", d => (output += d));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise(resolve => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
    };
    const until = Date.now() + 30_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`${file} exited (${child.exitCode}):\n${output}`);
        const answered = await fetch(url + readyPath, { redirect: "manual" }).then(r => r.status > 0, () => false);
        if (answered) return { url, output: () => output, stop };
        if (Date.now() > until) {
            await stop();
            throw new Error(`${file} did not answer ${readyPath} within 30 s:\n${output}`);
        }
        await new Promise(r => setTimeout(r, 100));
    }
}

/** A WireGuard public key, as a spoke makes one. */
export function wireguardPublicKey(): string {
    const { publicKey } = crypto.generateKeyPairSync("x25519");
    return publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
}
