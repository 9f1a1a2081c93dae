// Builds the example: the server (dist/server.js) and the page's bundle (public/app.js, app.css).
import * as esbuild from "esbuild";

await Promise.all([
    esbuild.build({
        entryPoints: ["server.ts"], outfile: "dist/server.js",
        bundle: true, packages: "external", platform: "node", format: "cjs", target: "node18", logLevel: "warning",
    }),
    esbuild.build({
        entryPoints: { app: "client/main.tsx" }, outdir: "public",
        bundle: true, platform: "browser", format: "iife", target: "es2020", jsx: "automatic", minify: true,
        loader: { ".woff2": "file", ".woff": "file", ".svg": "file", ".png": "file", ".jpg": "file" },
        assetNames: "assets/[name]-[hash]", logLevel: "warning",
    }),
]);
