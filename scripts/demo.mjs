#!/usr/bin/env node
/**
 * `npm run demo`: the whole app against a seeded local dev store, no Shopify
 * account and no network.
 *
 *  1. set-up (schema, codegen, Prisma client, migrations on SQLite),
 *  2. start the local dev store (dev-store/) with a seeded shop,
 *  3. start the app (Remix's Vite dev server, as `shopify app dev` does) with
 *     Shopify traffic redirected to that store by dev-store/preload.mjs,
 *  4. "install" the app on the shop (a session token, as Shopify admin would
 *     send, makes the app exchange it for an access token and start syncing),
 *  5. wait for the first full sync,
 *  6. replay the shoppers' browsing into the pixel ingest and refresh the
 *     behaviour dimensions and recommendations (scripts/demo-browsing.ts),
 *     then print the admin URL.
 *
 * It runs in development mode: the app refuses a local store in production.
 *
 * Options (environment): DEMO_ORDERS (default 5000), DEMO_SEED (1),
 * PORT (3000), DEV_STORE_PORT (4000), DEMO_EXIT_AFTER_SYNC=1 (stop once synced).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const node = process.execPath;

const orders = Number(process.env.DEMO_ORDERS ?? 5000);
const seed = process.env.DEMO_SEED ?? "1";
const appPort = Number(process.env.PORT ?? 3000);
const storePort = Number(process.env.DEV_STORE_PORT ?? 4000);
const shop = process.env.DEMO_SHOP ?? "demo-shop.myshopify.com";
const appUrl = `http://localhost:${appPort}`;
const storeUrl = `http://127.0.0.1:${storePort}`;
// A fresh database each run: the dev store is generated anew each run too.
const dbFile = path.join(root, ".cache", "demo", "demo.db");
mkdirSync(path.dirname(dbFile), { recursive: true });
for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dbFile + suffix, { force: true });

const env = {
  ...process.env,
  NODE_ENV: "development",
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "evergreen-local-dev",
  SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "evergreen-local-dev-secret",
  SHOPIFY_APP_URL: appUrl,
  SHOPIFY_LOCAL_STORE_URL: storeUrl,
  APP_BRIDGE_URL: `${storeUrl}/app-bridge.js`,
  DATABASE_URL: `file:${dbFile}`,
  PORT: String(appPort),
};

const children = [];
function stopAll(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
// Never leave a dev store or app running behind a failed demo.
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
});
process.on("unhandledRejection", (error) => {
  console.error(error instanceof Error ? error.message : error);
  stopAll(1);
});

function step(title) {
  console.log(`\n== ${title}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`\n${path.basename(command)} ${args.join(" ")} failed (exit ${result.status})`);
    stopAll(1);
  }
}

/** Starts a long-running child and resolves once a line of its output matches `ready`. */
function start(name, command, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let settled = false;
    const onLine = (chunk) => {
      for (const line of String(chunk).split("\n")) {
        if (!line.trim()) continue;
        if (process.env.DEMO_VERBOSE) console.log(`[${name}] ${line}`);
        if (!settled && ready.test(line)) {
          settled = true;
          resolve(child);
        }
      }
    };
    child.stdout.on("data", onLine);
    child.stderr.on("data", (chunk) => {
      if (!settled || process.env.DEMO_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
    });
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`${name} exited with code ${code} before it was ready`));
      else if (code !== 0 && code !== null) console.error(`[${name}] exited with code ${code}`);
    });
  });
}

async function waitForHttp(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { redirect: "manual" });
      await response.body?.cancel();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

step("Set-up: Admin schema, codegen, Prisma client, migrations");
run(node, [path.join(root, "scripts", "setup.mjs")]);

step(`Starting the local dev store (seed ${seed}, ${orders.toLocaleString()} orders)`);
await start(
  "dev-store",
  node,
  ["--import", "tsx", "dev-store/cli.ts", "--seed", seed, "--orders", String(orders), "--port", String(storePort), "--app-url", appUrl, "--shop", shop],
  /dev store ready/,
);
console.log(`dev store: ${storeUrl}`);

step("Starting Evergreen");
await start(
  "app",
  node,
  ["--import", "./dev-store/preload.mjs", bin("remix"), "vite:dev", "--port", String(appPort), "--strictPort"],
  /Local:\s+http/,
);
await waitForHttp(`${appUrl}/auth/login`);

step("Installing Evergreen on the shop (token exchange) and starting the first sync");
const tokenResponse = await fetch(`${storeUrl}/_dev/session-token?shop=${shop}`);
if (!tokenResponse.ok) throw new Error(`dev store refused a session token: ${tokenResponse.status}`);
const { token } = await tokenResponse.json();
const host = Buffer.from(`admin.shopify.com/store/${shop.replace(".myshopify.com", "")}`).toString("base64url");
const query = new URLSearchParams({ embedded: "1", shop, host });
const install = await fetch(`${appUrl}/app?${query}&id_token=${token}`, {
  // The library answers bots with 410; this is what a merchant's browser sends.
  headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" },
});
await install.body?.cancel();
if (install.status !== 200) throw new Error(`installing failed: the app answered ${install.status}`);

const db = createClient({ url: `file:${dbFile}` });
let last = "";
for (;;) {
  const { rows } = await db.execute({
    sql: `SELECT status, phase, rowsProcessed, lastError FROM SyncRun WHERE shopDomain = ? ORDER BY startedAt DESC LIMIT 1`,
    args: [shop],
  });
  const latest = rows[0];
  if (latest) {
    const line = `sync ${latest.status}: ${latest.phase ?? "starting"}, ${Number(latest.rowsProcessed).toLocaleString()} records`;
    if (line !== last) console.log(line);
    last = line;
    if (latest.status === "completed") break;
    if (latest.status === "failed") {
      console.error(`sync failed: ${latest.lastError}`);
      stopAll(1);
    }
  }
  await new Promise((r) => setTimeout(r, 500));
}

step("Replaying the shoppers' browsing into the web pixel's ingest (analytics consent given)");
run(node, ["--import", "tsx", path.join(root, "scripts", "demo-browsing.ts"), "--seed", seed, "--orders", String(orders), "--shop", shop, "--app-url", appUrl]);

step("Ready");
console.log(`Open the admin (a desktop browser):\n\n  ${appUrl}/app?${query}\n`);
console.log(`Simulate shop activity (orders, refunds, customers -> signed webhooks to the app):\n  curl -X POST ${storeUrl}/_dev/simulate -H 'content-type: application/json' -d '{"events":50}'\n`);
if (process.env.DEMO_EXIT_AFTER_SYNC) stopAll(0);
console.log("Ctrl-C stops the app and the dev store.");
