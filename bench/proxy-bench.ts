/**
 * App proxy latency: the signed storefront endpoints as the app serves them
 * (route handler: signature check, shopper and rate limit, database reads),
 * against a seeded shop with a loyalty programme, rewards, referral links and
 * replenishment reminders. Redeem creates real discount codes in an
 * in-process dev store (its Admin API over local HTTP stands in for Shopify's).
 * Not included: Shopify's proxy hop and the shopper's network.
 *
 *   npx tsx bench/proxy-bench.ts                       # SQLite and PostgreSQL (if one can be started)
 *   npx tsx bench/proxy-bench.ts --db sqlite --members 200 --requests 2000
 *
 * Each database runs in a child process (the app's Prisma client is bound to
 * DATABASE_URL when first imported). Prints a table of p50 / p90 / p99 / max.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseTagged, postgresServer, round, type BenchDb } from "./common";

const here = path.dirname(fileURLToPath(import.meta.url));
const TAG = "PROXY_BENCH";

interface Stats {
  endpoint: string;
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
}

interface ChildResult {
  db: BenchDb;
  members: number;
  seedSeconds: number;
  stats: Stats[];
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function summarise(endpoint: string, samples: { ms: number; status: number }[]): Stats {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  return { endpoint, n: samples.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? NaN), statuses };
}

// ---------------------------------------------------------------- child: one database

async function runChild(): Promise<void> {
  const members = Number(option("members", "200"));
  const requests = Number(option("requests", "2000"));
  const redeems = Number(option("redeems", "200"));
  const { createTestDatabase } = await import("../tests/setup/test-db");
  const { startTestDevStore, TEST_API_KEY, TEST_API_SECRET } = await import("../tests/helpers/dev-store");
  const { signedAppProxyUrl } = await import("../dev-store/storefront/app-proxy");
  const db = await createTestDatabase();
  const dev = await startTestDevStore({ seed: 3, orders: 400, bucket: { max: 1_000_000, restoreRate: 1_000_000 }, webhooks: { subscriptions: [] } });
  const APP_URL = "http://localhost:3997";
  Object.assign(process.env, { SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: APP_URL, DATABASE_URL: db.url, LOG_LEVEL: "warn" });
  try {
    const shop = dev.shop;
    const p = db.prisma;
    const seedStart = performance.now();
    const { upsertProgram } = await import("~/db/loyalty-program.server");
    const { awardPoints } = await import("~/services/points.server");
    const { createReward } = await import("~/services/rewards.server");
    const { updateReferralSettings } = await import("~/services/referrals.server");
    const { AdminClient } = await import("~/shopify/admin-client.server");
    await p.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: dev.accessToken, scope: "write_discounts" } });
    await upsertProgram(p, shop);
    await updateReferralSettings(shop, { enabled: true }, { db: p });
    for (const [i, cost] of [100, 500, 2000].entries()) {
      await createReward(shop, { title: `Reward ${i + 1}`, kind: "percentage", percentage: 10 * (i + 1), pointsCost: cost }, { db: p });
    }
    const cheapest = (await p.loyaltyReward.findFirstOrThrow({ where: { shopDomain: shop, pointsCost: 100 } })).id;
    const customers = dev.store.customers().slice(0, members).map((c) => String(c.id).replace(/^.*\//, ""));
    const now = Date.now();
    await p.product.create({ data: { shopDomain: shop, productGid: "gid://shopify/Product/1", title: "Morning Blend Coffee", handle: "morning-blend", status: "ACTIVE", shopifyUpdatedAt: new Date(now) } });
    for (const [i, id] of customers.entries()) {
      const customerGid = `gid://shopify/Customer/${id}`;
      await awardPoints({ shopDomain: shop, customerGid, points: 1000 + i, kind: "bonus", idempotencyKey: `bench-${id}` }, { db: p });
      await p.replenishmentReminder.create({ data: {
        id: `bench-reminder-${id}`, shopDomain: shop, customerGid, productGid: "gid://shopify/Product/1", variantGid: "gid://shopify/ProductVariant/11",
        cycleStartedAt: new Date(now - 25 * 86_400_000), quantity: 1, intervalDays: 30, intervalSource: "product",
        dueAt: new Date(now + 5 * 86_400_000), remindAt: new Date(now - 2 * 86_400_000), expiresAt: new Date(now + 35 * 86_400_000),
        status: "due", statusChangedAt: new Date(now), createdAt: new Date(now),
      } });
    }
    const seedSeconds = round((performance.now() - seedStart) / 1000);

    type Handler = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;
    const profile = (await import("../app/routes/proxy.profile")).loader as unknown as Handler;
    const redeem = (await import("../app/routes/proxy.redeem")).action as unknown as Handler;
    const { storefrontActions, rewardsRedeemAction } = await import("~/proxy/actions.server");
    // The dev store is reached over plain HTTP on its own port (Shopify: https://{shop}/admin/api).
    const host = new URL(dev.server.url).host;
    storefrontActions.redeem = rewardsRedeemAction({ db: p, clientFor: () => new AdminClient({ shop: host, protocol: "http", accessToken: dev.accessToken }) });

    const signed = (rest: string, customerId: string | null) =>
      signedAppProxyUrl(`${APP_URL}/proxy`, rest, new URLSearchParams(), { shop, customerId, pathPrefix: "/apps/evergreen" }, TEST_API_SECRET);
    const time = async (handler: Handler, url: URL, init?: RequestInit) => {
      const start = performance.now();
      let response: Response;
      try {
        response = await handler({ request: new Request(url, init), params: {}, context: {} });
      } catch (thrown) {
        if (!(thrown instanceof Response)) throw thrown;
        response = thrown;
      }
      await response.arrayBuffer();
      return { ms: performance.now() - start, status: response.status };
    };

    // First profile per member: creates the referral code (a write).
    const first: { ms: number; status: number }[] = [];
    for (const id of customers) first.push(await time(profile, signed("/profile", id)));
    // Warm: round-robin over members, below the read limit (burst 30, 1/s).
    const warm: { ms: number; status: number }[] = [];
    for (let i = 0; i < requests; i++) warm.push(await time(profile, signed("/profile", customers[i % customers.length])));
    const guest: { ms: number; status: number }[] = [];
    for (let i = 0; i < Math.min(requests, 500); i++) guest.push(await time(profile, signed("/profile", null)));
    // Redeem: one per member in turn (write limit: burst 5), each creating a discount code in the dev store.
    const redeemed: { ms: number; status: number }[] = [];
    for (let i = 0; i < redeems; i++) {
      const body = JSON.stringify({ rewardId: cheapest, idempotencyKey: `bench-press-${i}` });
      redeemed.push(await time(redeem, signed("/redeem", customers[i % customers.length]), { method: "POST", headers: { "Content-Type": "application/json" }, body }));
    }
    const result: ChildResult = {
      db: db.provider === "postgresql" ? "postgres" : "sqlite",
      members: customers.length,
      seedSeconds,
      stats: [
        summarise("profile (first: creates referral code)", first),
        summarise("profile (member)", warm),
        summarise("profile (guest)", guest),
        summarise("redeem (creates discount code)", redeemed),
      ],
    };
    process.stdout.write(`${TAG} ${JSON.stringify(result)}\n`);
  } finally {
    // The app's job queue starts its worker when the app's modules load: stop it before the database goes.
    if (globalThis.__evergreenQueue) await (await globalThis.__evergreenQueue).stop();
    await dev.close();
    await db.cleanup();
  }
}

// ---------------------------------------------------------------- parent: table

function runParent(): void {
  const dbs = option("db", "sqlite,postgres").split(",") as BenchDb[];
  const passOn = ["members", "requests", "redeems"].flatMap((k) => (process.argv.includes(`--${k}`) ? [`--${k}`, option(k, "")] : []));
  const say = (m: string) => process.stderr.write(`[proxy-bench] ${m}\n`);
  const results: ChildResult[] = [];
  let pgDir: string | null = null;
  let pg: ReturnType<typeof postgresServer> = null;
  try {
    for (const db of dbs) {
      const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: "", DATABASE_URL: "" };
      if (db === "postgres") {
        pgDir = mkdtempSync(path.join(tmpdir(), "evergreen-proxy-bench-pg-"));
        pg = postgresServer(pgDir, say);
        if (!pg) {
          say("PostgreSQL could not be started: skipped");
          continue;
        }
        env.TEST_DATABASE_URL = pg.url;
      }
      say(`${db}: seeding and measuring`);
      const child = spawnSync(path.join(here, "..", "node_modules", ".bin", "tsx"), [fileURLToPath(import.meta.url), "--child", ...passOn], {
        env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024,
      });
      const line = child.stdout.split("\n").map((l) => parseTagged<ChildResult>(l, TAG)).find(Boolean);
      if (child.status !== 0 || !line) {
        say(`${db}: failed (exit ${child.status})`);
        process.exitCode = 1;
        continue;
      }
      results.push(line);
    }
  } finally {
    pg?.stop();
    if (pgDir) rmSync(pgDir, { recursive: true, force: true });
  }
  const rows = results.flatMap((r) => r.stats.map((s) => ({ db: r.db, ...s })));
  const header = ["db", "endpoint", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "statuses"];
  const table = [header, ...rows.map((r) => [r.db, r.endpoint, String(r.n), String(r.p50), String(r.p90), String(r.p99), String(r.max), Object.entries(r.statuses).map(([k, v]) => `${k}×${v}`).join(" ")])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  process.stdout.write(`\nApp proxy handler latency (${results[0]?.members ?? 0} members; seeded in ${results.map((r) => `${r.db} ${r.seedSeconds} s`).join(", ")})\n`);
  for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i])).join("  ") + "\n");
}

if (process.argv.includes("--child")) {
  runChild().then(() => process.exit(0), (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
} else {
  runParent();
}
