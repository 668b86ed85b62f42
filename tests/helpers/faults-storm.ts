/**
 * The load and fault tests' moving parts (tests/faults, bench/webhook-storm.ts):
 * the app's webhook routes in a child process, a dev store shop synced and
 * with loyalty on, its activity recorded as webhook deliveries, and a paced
 * sender (the dev store's own WebhookSender: signing, duplicates, reordering,
 * retries) that times every try.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import type { DevStore } from "../../dev-store/store";
import { WebhookSender, type WebhookDelivery } from "../../dev-store/webhook-sender";
import { startTestDevStore, steppingClock, TEST_API_KEY, TEST_API_SECRET, type TestDevStore } from "./dev-store";
import { dialectOf } from "~/db/adapter.server";
import { upsertProgram } from "~/db/loyalty-program.server";
import type { PrismaClient } from "~/db.server";
import { runFullSync } from "~/services/full-sync.server";
import { earnForChangedOrders } from "~/services/points.server";
import { runReconciliation } from "~/services/reconcile.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where each topic is delivered (shopify.app.toml's subscriptions). */
const ROUTE_OF: Record<string, string> = {
  "orders/create": "/webhooks/orders",
  "orders/updated": "/webhooks/orders",
  "orders/paid": "/webhooks/orders",
  "orders/cancelled": "/webhooks/orders",
  "refunds/create": "/webhooks/refunds",
  "customers/create": "/webhooks/customers",
  "customers/update": "/webhooks/customers",
  "customers/delete": "/webhooks/customers",
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The child's stderr lines (warnings, 500s). */
  stderr: string[];
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts tests/helpers/faults-app-child.ts on `port` (a free one by default) against `databaseUrl`. */
export async function startAppProcess(databaseUrl: string, port?: number): Promise<AppProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/faults-app-child.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_KEY: TEST_API_KEY,
      SHOPIFY_API_SECRET: TEST_API_SECRET,
      SHOPIFY_APP_URL: "http://localhost:3999",
      LOG_LEVEL: "warn",
      PORT: String(chosen),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^listening (\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`the app process exited before listening:\n${stderr.join("\n")}`)));
  });
  return {
    url,
    port: chosen,
    child,
    stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A dev store shop with `orders` orders, fully synced into `db`, with the
 * loyalty programme on (Evergreen's default rules). Its server delivers no
 * webhooks itself (the storm's sender does); its clock moves a second a
 * change, so no two versions of an order share a second (same-second ties are
 * reconciliation's job, tests/sync/webhooks.e2e.test.ts).
 */
export async function startStormShop(db: PrismaClient, databaseUrl: string, options: { seed: number; orders: number }): Promise<TestDevStore> {
  const devStore = await startTestDevStore({
    seed: options.seed,
    orders: options.orders,
    storeClock: steppingClock(new Date().toISOString(), 1000),
    webhooks: { subscriptions: [] },
  });
  const restore = installLocalShopifyFetch(devStore.server.url);
  try {
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runFullSync(devStore.shop, { db, dialect: dialectOf(databaseUrl), bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
    if (run.status !== "completed") throw new Error(`the first sync ended ${run.status}`);
  } finally {
    restore();
  }
  await upsertProgram(db, devStore.shop);
  return devStore;
}

/**
 * What the app runs on a schedule after webhooks: reconciliation (what
 * webhooks cannot carry) and the loyalty sweep over the orders it changed.
 */
export async function reconcileAndSweep(db: PrismaClient, databaseUrl: string, devStore: TestDevStore): Promise<void> {
  const since = new Date();
  const restore = installLocalShopifyFetch(devStore.server.url);
  try {
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runReconciliation(devStore.shop, { db, dialect: dialectOf(databaseUrl), client });
    if (run.status !== "completed") throw new Error(`reconciliation ended ${run.status}`);
  } finally {
    restore();
  }
  await earnForChangedOrders(devStore.shop, since, { db });
}

/** One event of the shop as Shopify would deliver it (before duplicates). */
export interface StormEvent {
  topic: string;
  path: string;
  payload: Record<string, unknown>;
  eventId: string;
  triggeredAt: string;
}

/** Runs `events` simulated shop actions (orders, payments, refunds, cancellations, sign-ups) and records their webhooks. */
export function recordShopActivity(store: DevStore, seed: number | string, events: number): StormEvent[] {
  const recorded: StormEvent[] = [];
  const off = store.on((e) => {
    const route = ROUTE_OF[e.topic];
    if (route) recorded.push({ topic: e.topic, path: route, payload: e.payload, eventId: randomUUID(), triggeredAt: e.occurredAt });
  });
  try {
    store.simulate({ seed, events });
  } finally {
    off();
  }
  return recorded;
}

/** The orders a set of events touched (order topics by subject, refunds by their order). */
export function touchedOrderGids(events: StormEvent[]): Set<string> {
  const gids = new Set<string>();
  for (const e of events) {
    if (e.topic.startsWith("orders/") && typeof e.payload.admin_graphql_api_id === "string") gids.add(e.payload.admin_graphql_api_id);
    if (e.topic === "refunds/create" && e.payload.order_id !== undefined) gids.add(`gid://shopify/Order/${String(e.payload.order_id)}`);
  }
  return gids;
}

/** The customers a set of events created. */
export function createdCustomerGids(events: StormEvent[]): Set<string> {
  return new Set(events.filter((e) => e.topic === "customers/create").map((e) => String(e.payload.admin_graphql_api_id)));
}

export interface TimedAttempt {
  ms: number;
  status: number | null;
}

export interface StormSender {
  sender: WebhookSender;
  /** Every try since the last `takeAttempts()`. */
  takeAttempts(): TimedAttempt[];
}

/**
 * The dev store's webhook sender (HMAC-signed, Shopify's headers, retries on
 * non-2xx and timeouts) with ~`duplicateRate` duplicates and reordering
 * windows of `reorder` deliveries, timing every try from request to response.
 */
export function createStormSender(options: { duplicateRate: number; reorder: number; seed: number; attempts?: number; backoffMs?: number; timeoutMs?: number }): StormSender {
  let attempts: TimedAttempt[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    try {
      const response = await fetch(input, init);
      attempts.push({ ms: performance.now() - started, status: response.status });
      return response;
    } catch (error) {
      attempts.push({ ms: performance.now() - started, status: null });
      throw error;
    }
  };
  const sender = new WebhookSender({
    apiSecret: TEST_API_SECRET,
    appUrl: "http://127.0.0.1:9",
    subscriptions: [],
    chaos: { duplicateRate: options.duplicateRate, reorder: options.reorder, reorderHoldMs: 20, seed: options.seed },
    retry: { attempts: options.attempts ?? 8, backoffMs: () => options.backoffMs ?? 200, timeoutMs: options.timeoutMs ?? 5000 },
    fetch: timedFetch,
  });
  return {
    sender,
    takeAttempts() {
      const taken = attempts;
      attempts = [];
      return taken;
    },
  };
}

/** Hands `events` to the sender at `rate` a second (open loop: it does not wait for answers). */
export async function sendPaced(sender: WebhookSender, shop: string, appUrl: string, events: StormEvent[], rate: number): Promise<WebhookDelivery[]> {
  const deliveries: WebhookDelivery[] = [];
  const started = performance.now();
  let next = 0;
  while (next < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; next < due; next++) {
      const e = events[next];
      deliveries.push(...sender.send(shop, e.topic, e.payload, { url: appUrl + e.path, eventId: e.eventId, triggeredAt: e.triggeredAt }));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return deliveries;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
