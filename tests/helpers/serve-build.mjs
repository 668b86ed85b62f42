/**
 * Serves a `remix vite:build` output as `npm start` (remix-serve) serves it in
 * production: compression, hashed assets immutable for a year, `public/` for
 * an hour, Remix's request handler in production mode.
 *
 *   node --import ./dev-store/preload.mjs tests/helpers/serve-build.mjs <buildDirectory>
 *
 * For the admin browser tests (tests/helpers/admin-app.ts). Not remix-serve
 * itself: it takes its mode from NODE_ENV, and production refuses the local dev
 * store (app/env.server.ts, dev-store/preload.mjs), while in development it
 * announces each build to a Remix dev server that is not there (and fails). So
 * the process keeps NODE_ENV=development (the app's own checks allow the dev
 * store) and Remix runs in production mode; the browser gets the production
 * client bundle (React's production build), as merchants do. The server side
 * differs from production in NODE_ENV only (React's server renderer is its
 * development build here: a little slower first bytes, the same interactions).
 * Node's own fetch stays (no installGlobals, as on Vite's dev server):
 * remix-serve's polyfill would replace the fetch the preload redirects to the
 * dev store.
 *
 * express, compression and @remix-run/express come with @remix-run/serve.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import compression from "compression";
import express from "express";

const buildDirectory = process.argv[2];
if (!buildDirectory) {
  console.error("usage: serve-build.mjs <buildDirectory>");
  process.exit(2);
}
const build = await import(pathToFileURL(path.resolve(buildDirectory, "server", "index.js")).href);

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
app.all("*", createRequestHandler({ build, mode: "production" }));

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => console.log(`[serve-build] http://localhost:${port} (${buildDirectory})`));
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
