/**
 * The whole app for browser and loader tests, as `npm run demo` runs it
 * (scripts/demo.mjs): a seeded local dev store, Evergreen on Remix's Vite dev
 * server with Shopify traffic redirected to the store (dev-store/preload.mjs),
 * the app installed by a session token (token exchange), the first full sync
 * and intelligence pass awaited with the webhooks they cause. Differences from
 * the demo: a fresh migrated test database, free ports, the dev store in this
 * process, and tests/helpers/vite.admin-test.config.ts (no HMR, own dependency
 * cache).
 *
 * `server: "build"` serves a production build instead (what merchants get):
 * `remix vite:build` into a directory of this run's own, then
 * tests/helpers/serve-build.mjs serves it as `npm start` does; `buildMs` says
 * what the build cost.
 *
 * @example
 * const app = await startAdminApp({ orders: 2000 });
 * const url = await app.adminUrl("/app/layers", { locale: "zh-CN" });
 * await app.close();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, TEST_API_KEY, TEST_API_SECRET, type TestDevStore } from "./dev-store";

const ROOT = path.resolve(__dirname, "../..");
/** A merchant's browser: the Shopify library answers bot-like agents (HeadlessChrome included) with 410. */
export const DESKTOP_CHROME_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export interface AdminApp {
  appUrl: string;
  storeUrl: string;
  shop: string;
  db: TestDatabase;
  devStore: TestDevStore;
  /** A fresh session token, as Shopify admin puts in the URL of an embedded app. */
  sessionToken(): Promise<string>;
  /** `${appUrl}${path}?embedded=1&shop=…&host=…[&locale=…][&id_token=…]`: how Shopify admin opens a page. */
  adminUrl(pathname: string, options?: { locale?: string; idToken?: boolean; search?: Record<string, string> }): Promise<string>;
  /** Lines the app printed (stdout and stderr), for diagnosing failures. */
  output: string[];
  /** How the app is served: Vite's dev server, or a production build. */
  server: AdminServer;
  /** The production build's duration (null on the dev server). */
  buildMs: number | null;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, isDead?: () => string | null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = isDead?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export type AdminServer = "dev" | "build";

/** `remix vite:build` into `buildDirectory`; rejects with the build's output when it fails. */
async function buildApp(buildDirectory: string, node: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const lines: string[] = [];
  const child = spawn(node, [path.join(ROOT, "node_modules", ".bin", "remix"), "vite:build"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", EVERGREEN_BUILD_DIR: buildDirectory },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => lines.push(String(c)));
  child.stderr?.on("data", (c: Buffer) => lines.push(String(c)));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`remix vite:build failed (exit ${code}):\n${lines.join("").split("\n").slice(-30).join("\n")}`);
  return Date.now() - started;
}

export async function startAdminApp(options: { seed?: number; orders?: number; timeoutMs?: number; server?: AdminServer } = {}): Promise<AdminApp> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const server = options.server ?? "dev";
  const port = await freePort();
  // Node 22 (the `node` dev dependency), as npm scripts and the demo use.
  const node = path.join(ROOT, "node_modules", ".bin", "node");
  // This run's own directory: two runs at once must not build over each other, nor over `build/`.
  const buildDirectory = path.join(ROOT, ".cache", `admin-test-build-${process.pid}-${port}`);
  const buildMs = server === "build" ? await buildApp(buildDirectory, node, timeoutMs).catch(async (error) => {
    await rm(buildDirectory, { recursive: true, force: true });
    throw error;
  }) : null;
  const appUrl = `http://localhost:${port}`;
  const db = await createTestDatabase();
  const devStore = await startTestDevStore({ seed: options.seed ?? 7, orders: options.orders ?? 2000, appUrl });
  const storeUrl = devStore.server.url;
  const shop = devStore.shop;
  const output: string[] = [];

  const env = {
    ...process.env,
    NODE_ENV: "development",
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_LOCAL_STORE_URL: storeUrl,
    APP_BRIDGE_URL: `${storeUrl}/app-bridge.js`,
    DATABASE_URL: db.url,
    // The pages under test, not the hourly and daily jobs: the scheduler's first tick would start every
    // recurring job at once on this shared SQLite file while the tests write to it (syncs still run as jobs).
    EVERGREEN_RECURRING_JOBS: "off",
    PORT: String(port),
    LOG_LEVEL: "warn",
  } as NodeJS.ProcessEnv;
  const args =
    server === "build"
      ? ["--import", "./dev-store/preload.mjs", "tests/helpers/serve-build.mjs", buildDirectory]
      : ["--import", "./dev-store/preload.mjs", path.join(ROOT, "node_modules", ".bin", "remix"), "vite:dev", "--config", "tests/helpers/vite.admin-test.config.ts", "--port", String(port), "--strictPort"];
  const child: ChildProcess = spawn(node, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => {
    for (const line of String(chunk).split("\n")) if (line.trim()) output.push(line);
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = () => (child.exitCode !== null ? `the app exited with code ${child.exitCode}:\n${output.slice(-30).join("\n")}` : null);

  const close = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await devStore.close();
    await db.cleanup();
    if (server === "build") await rm(buildDirectory, { recursive: true, force: true });
  };

  try {
    await waitFor("the app's HTTP server", async () => (await fetch(`${appUrl}/auth/login`, { redirect: "manual" })).status > 0, timeoutMs, exited);

    const sessionToken = async () => {
      const response = await fetch(`${storeUrl}/_dev/session-token?shop=${shop}`);
      return ((await response.json()) as { token: string }).token;
    };
    const host = Buffer.from(`admin.shopify.com/store/${shop.replace(".myshopify.com", "")}`).toString("base64url");
    const adminUrl: AdminApp["adminUrl"] = async (pathname, o = {}) => {
      const query = new URLSearchParams({ embedded: "1", shop, host, ...(o.locale ? { locale: o.locale } : {}), ...o.search });
      if (o.idToken !== false) query.set("id_token", await sessionToken());
      return `${appUrl}${pathname}?${query}`;
    };

    // Install: the first authenticated admin request exchanges the token and starts the full sync.
    const install = await fetch(await adminUrl("/app"), { headers: { "User-Agent": DESKTOP_CHROME_UA } });
    await install.body?.cancel();
    if (install.status !== 200) throw new Error(`installing failed: the app answered ${install.status}\n${output.slice(-30).join("\n")}`);

    let syncError: string | null = null;
    // The sync runner recomputes intelligence after the full sync.
    await waitFor(
      "the first full sync, intelligence pass and write-back",
      async () => {
        const run = await db.prisma.syncRun.findFirst({ where: { shopDomain: shop }, orderBy: { startedAt: "desc" } });
        if (run?.status === "failed") syncError = `sync failed: ${run.lastError}`;
        if (run?.status !== "completed" || !(await db.prisma.shopInsight.findUnique({ where: { shopDomain: shop } }))) return false;
        // The sync job goes on after the pass (the metafield write-back writes every row), and the
        // store answers those writes with a customers/update webhook per metafield, which the app
        // applies one transaction each for seconds: the app is installed once both have ended, not
        // while it still writes beside the test's own writes.
        const jobsLeft = () => db.prisma.job.count({ where: { shopDomain: shop, state: { in: ["pending", "running"] } } });
        if ((await jobsLeft()) > 0) return false;
        await devStore.server.sender.flush();
        return (await jobsLeft()) === 0;
      },
      timeoutMs,
      () => syncError ?? exited(),
    );
    return { appUrl, storeUrl, shop, db, devStore, sessionToken, adminUrl, output, server, buildMs, close };
  } catch (error) {
    await close();
    // What the app said is most of the diagnosis (a stuck sync says nothing otherwise).
    if (error instanceof Error && !error.message.includes("\n")) error.message += `\napp output (last 30 lines):\n${output.slice(-30).join("\n")}`;
    throw error;
  }
}
