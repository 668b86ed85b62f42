/**
 * Paid-order webhook -> points awarded, on SQLite and PostgreSQL.
 *
 *   npx tsx bench/loyalty-bench.ts                                        2,000 orders, SQLite and PostgreSQL
 *   npx tsx bench/loyalty-bench.ts --orders 10000 --db sqlite --concurrency 1,8
 *
 * Options: --orders N (2000), --customers N (orders / 3: most customers order
 * more than once, so accounts exist and tiers are evaluated), --db sqlite,postgres,
 * --concurrency C[,C…] (1,8: deliveries in flight at once).
 *
 * Each delivery is what the webhook route does after HMAC verification: the
 * sync layer applies an `orders/paid` payload (WebhookDelivery row and the
 * version-guarded Order upsert, one transaction), then loyalty appends the
 * order's points (account lock, entry, cached balances, tier check: one
 * transaction) and referrals look for the order's referral
 * (applyLoyaltyProgrammeWebhook, as app/webhooks.server.ts runs it).
 * Latency is measured per delivery from the start of the sync write to the
 * points being committed; throughput is deliveries per second of wall time. Every run ends by checking that each order holds exactly its
 * points and that the cache equals the ledger (rebuildBalances corrects nothing).
 * PostgreSQL: DATABASE_URL / TEST_DATABASE_URL when postgres://, else a
 * throw-away local cluster, stopped at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { round, stopOnSignal, type BenchDb, type Postgres } from "./common";
import { openScratchDatabase } from "./prisma-clients";
import fixture from "../tests/fixtures/orders-create.json";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "2000" },
    customers: { type: "string" },
    db: { type: "string", default: "sqlite,postgres" },
    concurrency: { type: "string", default: "1,8" },
  },
});

const SHOP = "bench-loyalty.myshopify.com";
const ORDERS = Number(values.orders);
const CUSTOMERS = Number(values.customers ?? Math.max(1, Math.floor(ORDERS / 3)));
const say = (message: string) => process.stderr.write(`[bench:loyalty] ${message}\n`);

const pgServer = { current: null as Postgres | null };
stopOnSignal(new Set(), () => pgServer.current, say);

/** A paid order payload (REST shape, as Shopify sends it), $10.00-$400.00 of goods. */
function paidOrder(i: number, run: number) {
  const id = 7_000_000_000 + run * 1_000_000 + i;
  const goods = 1_000 + ((i * 7919) % 39_000);
  const money = (minor: number) => ({ shop_money: { amount: (minor / 100).toFixed(2), currency_code: "USD" }, presentment_money: { amount: (minor / 100).toFixed(2), currency_code: "USD" } });
  const customerId = 9_000_000 + (i % CUSTOMERS);
  const at = new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString();
  return {
    ...fixture,
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#B${id}`,
    test: false,
    financial_status: "paid",
    cancelled_at: null,
    cancel_reason: null,
    refunds: [],
    created_at: at,
    processed_at: at,
    updated_at: at,
    subtotal_price_set: money(goods),
    total_discounts_set: money(0),
    total_shipping_price_set: money(500),
    total_tax_set: money(Math.round(goods * 0.08)),
    total_price_set: money(goods + 500 + Math.round(goods * 0.08)),
    customer: { ...fixture.customer, id: customerId, admin_graphql_api_id: `gid://shopify/Customer/${customerId}` },
    line_items: fixture.line_items.slice(0, 1).map((l) => ({ ...l, admin_graphql_api_id: `gid://shopify/LineItem/${id}1`, quantity: 1, price: (goods / 100).toFixed(2), price_set: money(goods), total_discount_set: money(0), discount_allocations: [] })),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Row {
  db: BenchDb;
  concurrency: number;
  orders: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function benchDatabase(db: BenchDb, scratchDir: string): Promise<Row[]> {
  const { applyShopWebhook } = await import("~/services/shop-webhooks.server");
  const { applyLoyaltyProgrammeWebhook } = await import("~/services/loyalty-webhooks.server");
  const { rebuildBalances } = await import("~/services/points.server");
  const { upsertProgram } = await import("~/db/loyalty-program.server");
  const { prisma, dialect, drop } = await openScratchDatabase(db, scratchDir, pgServer, "loyalty-bench", say);
  await upsertProgram(prisma, SHOP, { returnWindowDays: 30 });
  const now = () => new Date("2026-11-01T00:00:00Z");

  const rows: Row[] = [];
  try {
    const levels = values.concurrency!.split(",").map(Number);
    for (const [run, concurrency] of levels.entries()) {
      const payloads = Array.from({ length: ORDERS }, (_, i) => paidOrder(i, run));
      const latencies: number[] = [];
      const syncMs: number[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= payloads.length) return;
          const t0 = performance.now();
          const eventId = `bench-${run}-${i}`;
          await applyShopWebhook({ shopDomain: SHOP, topic: "orders/paid", webhookId: eventId, eventId, payload: payloads[i] }, { db: prisma, dialect, now });
          syncMs.push(performance.now() - t0);
          const outcome = await applyLoyaltyProgrammeWebhook(SHOP, "orders/paid", payloads[i], { db: prisma, now });
          if (outcome.loyalty !== "order" || outcome.failed) throw new Error(`delivery ${i}: loyalty ${outcome.loyalty}, referrals ${outcome.referrals}`);
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;

      // Correctness: every order of this run earned, and the cache equals the ledger.
      const earned = await prisma.loyaltyEntry.count({ where: { shopDomain: SHOP, kind: "order", orderGid: { startsWith: `gid://shopify/Order/${7_000_000_000 + run * 1_000_000}`.slice(0, 24) } } });
      if (earned < ORDERS) throw new Error(`only ${earned} of ${ORDERS} orders earned`);
      const rebuilt = await rebuildBalances(SHOP, { db: prisma, now });
      if (rebuilt.corrected.length > 0) throw new Error(`${rebuilt.corrected.length} cached balances differ from the ledger`);

      latencies.sort((a, b) => a - b);
      const row: Row = {
        db, concurrency, orders: ORDERS, seconds: round(seconds),
        perSecond: round(ORDERS / seconds, 1), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies[latencies.length - 1]),
      };
      syncMs.sort((a, b) => a - b);
      say(`${db} x${concurrency}: ${row.perSecond} orders/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms (of which the sync write: p50 ${round(percentile(syncMs, 50))} ms)`);
      rows.push(row);
    }
  } finally {
    await prisma.$disconnect();
    await drop();
  }
  return rows;
}

async function main() {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "loyalty-bench-"));
  const rows: Row[] = [];
  try {
    for (const db of values.db!.split(",") as BenchDb[]) rows.push(...(await benchDatabase(db, scratch)));
  } finally {
    pgServer.current?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\npaid-order webhook -> points awarded (${ORDERS} orders, ${CUSTOMERS} customers, ${os.cpus().length} cores)\n`);
  console.log("| db | in flight | orders/s | p50 ms | p99 ms | max ms |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.db === "sqlite" ? "SQLite" : "PostgreSQL"} | ${r.concurrency} | ${r.perSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  pgServer.current?.stop();
  process.exit(1);
});
