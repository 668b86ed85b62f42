/**
 * The web pixel's ingest path, on SQLite and PostgreSQL:
 *
 *   npx tsx bench/ingest-bench.ts                                  4,000 batches of 10 events, SQLite and PostgreSQL
 *   npx tsx bench/ingest-bench.ts --batches 20000 --db sqlite --concurrency 1,8,32
 *   npx tsx bench/ingest-bench.ts --refresh-customers 100000 --db sqlite   the dimensions' refresh alone at scale
 *
 * Per concurrency level (batches in flight): events per second, and batch
 * latency p50/p99 from the raw body to the rows committed (validation, token,
 * rate-limit check, INSERT … ON CONFLICT DO NOTHING, client link) through
 * ingestBehaviourBatch, the service the route calls. Then the bytes the events
 * take in the database, per million events, and the time to refresh every
 * customer's behaviour dimensions from them. Every run checks the stored rows
 * equal the events sent (none lost or doubled, with 10% of batches resent).
 *
 * With --refresh-customers N the ingest levels are skipped: N customers'
 * browsing (--events-per-customer, default 8, spread over 90 days) is written
 * straight into the table in multi-row inserts, then the refresh of every
 * customer's dimensions (paged, without retraining recommendations) is timed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { round, stopOnSignal, type BenchDb, type Postgres } from "./common";
import { openScratchDatabase } from "./prisma-clients";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "4000" },
    customers: { type: "string", default: "2000" },
    db: { type: "string", default: "sqlite,postgres" },
    concurrency: { type: "string", default: "1,8,32" },
    "refresh-customers": { type: "string", default: "0" },
    "events-per-customer": { type: "string", default: "8" },
  },
});

const SHOP = "bench-ingest.myshopify.com";
const SECRET = "bench-secret";
const BATCHES = Number(values.batches);
const CUSTOMERS = Number(values.customers);
const EVENTS_PER_BATCH = 10;
const say = (message: string) => process.stderr.write(`[bench:ingest] ${message}\n`);
const pgServer = { current: null as Postgres | null };
stopOnSignal(new Set(), () => pgServer.current, say);

const NAMES = ["page_viewed", "product_viewed", "product_viewed", "product_viewed", "collection_viewed", "search_submitted", "product_added_to_cart"];
function batchBody(token: string, run: number, i: number, now: Date): string {
  const customer = i % CUSTOMERS;
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, k) => {
    const name = NAMES[(i + k) % NAMES.length]!;
    const product = String(1000 + ((i * 31 + k * 7) % 500));
    return {
      id: `bench-${run}-${i}-${k}-event`,
      name,
      timestamp: new Date(now.getTime() - (EVENTS_PER_BATCH - k) * 1000).toISOString(),
      ...(name === "product_viewed" || name === "product_added_to_cart" ? { productId: product, productType: `Type ${Number(product) % 12}`, vendor: `Vendor ${Number(product) % 7}` } : {}),
      ...(name === "search_submitted" ? { query: `term ${i % 40}` } : {}),
      ...(name === "collection_viewed" ? { collectionId: String(i % 20) } : {}),
    };
  });
  return JSON.stringify({ shop: SHOP, token, clientId: `bench-client-${customer}`, customerId: String(5_000_000 + customer), events });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function benchDatabase(db: BenchDb, scratchDir: string) {
  const { ingestBehaviourBatch, pixelIngestToken } = await import("~/services/behaviour-ingest.server");
  const { refreshCustomerBehaviour } = await import("~/services/behaviour.server");
  const { prisma, dialect, drop } = await openScratchDatabase(db, scratchDir, pgServer, "ingest-bench", say);
  const token = pixelIngestToken(SHOP, SECRET);
  const allow = { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) };
  const size = async (): Promise<number> => {
    if (db === "sqlite") {
      const [{ n }] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT SUM("pgsize") AS n FROM "dbstat" WHERE name LIKE 'BehaviourEvent%' OR name LIKE 'sqlite_autoindex_BehaviourEvent%'`).catch(async () =>
        prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()) AS n`),
      );
      return Number(n);
    }
    const [{ n }] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT pg_total_relation_size('"BehaviourEvent"') AS n`);
    return Number(n);
  };

  const rows: Record<string, string | number>[] = [];
  try {
    const startSize = await size();
    let sent = 0;
    for (const [run, concurrency] of values.concurrency!.split(",").map(Number).entries()) {
      const now = new Date();
      const bodies = Array.from({ length: BATCHES }, (_, i) => batchBody(token, run, i, now));
      // 10% resent (a retried beacon): must store nothing twice.
      const queue = [...bodies, ...bodies.filter((_, i) => i % 10 === 0)];
      const latencies: number[] = [];
      let next = 0;
      let failures = 0;
      const started = performance.now();
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= queue.length) return;
          const t = performance.now();
          const outcome = await ingestBehaviourBatch(queue[i]!, { appSecret: SECRET, limiters: { shop: allow, client: allow }, db: prisma, dialect, now: () => now });
          latencies.push(performance.now() - t);
          if (outcome.status !== 200) failures++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      sent += BATCHES * EVENTS_PER_BATCH;
      const stored = await prisma.behaviourEvent.count({ where: { shopDomain: SHOP } });
      latencies.sort((a, b) => a - b);
      rows.push({
        db, concurrency, batches: queue.length, events: queue.length * EVENTS_PER_BATCH,
        "events/s": Math.round((queue.length * EVENTS_PER_BATCH) / seconds),
        "p50 ms": round(percentile(latencies, 50), 1), "p99 ms": round(percentile(latencies, 99), 1),
        failures, "stored = sent": stored === sent ? "yes" : `NO (${stored} vs ${sent})`,
      });
      say(JSON.stringify(rows.at(-1)));
    }
    const bytes = (await size()) - startSize;
    const t = performance.now();
    const refreshed = await refreshCustomerBehaviour(SHOP, new Date(), { db: prisma });
    const refreshS = (performance.now() - t) / 1000;
    return { rows, bytesPerMillion: Math.round((bytes / sent) * 1e6), refresh: { customers: refreshed.customers, events: sent, seconds: round(refreshS, 2) } };
  } finally {
    await prisma.$disconnect();
    await drop();
  }
}

/** Seeds `customers` customers' events directly (multi-row INSERTs), then times the dimensions' refresh. */
async function benchRefresh(db: BenchDb, scratchDir: string, customers: number, perCustomer: number) {
  const { refreshCustomerBehaviour } = await import("~/services/behaviour.server");
  const { Prisma } = await import("~/generated/prisma/client");
  const { prisma, drop } = await openScratchDatabase(db, scratchDir, pgServer, "ingest-bench-refresh", say);
  try {
    const now = new Date();
    const DAY = 86400_000;
    const codes = ["p", "v", "v", "v", "c", "s", "a"];
    const CHUNK = 500;
    let rows: ReturnType<typeof Prisma.sql>[] = [];
    let written = 0;
    const seedStarted = performance.now();
    const flush = async () => {
      if (rows.length === 0) return;
      await prisma.$executeRaw`INSERT INTO "BehaviourEvent" ("shopDomain","eventId","day","clientId","customerGid","code","occurredAt","productGid","variantGid","facet","valueMinor") VALUES ${Prisma.join(rows)}`;
      written += rows.length;
      rows = [];
    };
    for (let c = 0; c < customers; c++) {
      for (let k = 0; k < perCustomer; k++) {
        const code = codes[(c + k) % codes.length]!;
        const at = new Date(now.getTime() - ((c * 7 + k * 11) % 89) * DAY - k * 60_000 - 1000);
        const product = 1000 + ((c * 31 + k * 7) % 500);
        const facet = code === "s" ? `q:term ${c % 40}` : code === "c" ? `c:${c % 20}` : code === "v" || code === "a" ? `t:Type ${product % 12}|v:Vendor ${product % 7}` : null;
        rows.push(Prisma.sql`(${SHOP}, ${`r-${c}-${k}-event`}, ${at.toISOString().slice(0, 10)}, ${`bench-client-${c}`}, ${`gid://shopify/Customer/${5_000_000 + c}`}, ${code}, ${at},
          ${code === "v" || code === "a" ? `gid://shopify/Product/${product}` : null}, ${null}, ${facet}, ${null})`);
        if (rows.length === CHUNK) await flush();
      }
      if (c > 0 && c % 100_000 === 0) say(`seeded ${c.toLocaleString()} customers`);
    }
    await flush();
    const seedS = (performance.now() - seedStarted) / 1000;
    say(`${db}: seeded ${written.toLocaleString()} events for ${customers.toLocaleString()} customers in ${round(seedS, 1)} s`);
    const rss0 = process.memoryUsage().rss;
    const t = performance.now();
    const refreshed = await refreshCustomerBehaviour(SHOP, now, { db: prisma, recommendations: false });
    const seconds = (performance.now() - t) / 1000;
    const stored = await prisma.customerBehaviour.count({ where: { shopDomain: SHOP } });
    return { customers: refreshed.customers, stored, events: written, seconds: round(seconds, 1), rssMb: Math.round(Math.max(rss0, process.memoryUsage().rss) / 1048576) };
  } finally {
    await prisma.$disconnect();
    await drop();
  }
}

async function main() {
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), "evergreen-ingest-bench-"));
  const refreshCustomers = Number(values["refresh-customers"]);
  if (refreshCustomers > 0) {
    try {
      for (const db of values.db!.split(",") as BenchDb[]) {
        const r = await benchRefresh(db, scratchDir, refreshCustomers, Number(values["events-per-customer"]));
        console.log(`refresh (${db}): ${r.customers.toLocaleString()} customers (${r.stored.toLocaleString()} rows) from ${r.events.toLocaleString()} events in ${r.seconds} s, ` +
          `${Math.round(r.customers / r.seconds).toLocaleString()} customers/s, RSS ${r.rssMb} MB`);
      }
    } finally {
      pgServer.current?.stop();
      rmSync(scratchDir, { recursive: true, force: true });
    }
    return;
  }
  try {
    for (const db of values.db!.split(",") as BenchDb[]) {
      const result = await benchDatabase(db, scratchDir);
      console.log(`\n## ${db}: ${BATCHES} batches × ${EVENTS_PER_BATCH} events per level (+10% resent), ${CUSTOMERS} customers`);
      const cols = Object.keys(result.rows[0]!);
      console.log(`| ${cols.join(" | ")} |\n|${cols.map(() => "---").join("|")}|`);
      for (const r of result.rows) console.log(`| ${cols.map((c) => r[c]).join(" | ")} |`);
      console.log(`storage: ${(result.bytesPerMillion / 1024 / 1024).toFixed(0)} MB per million events (table and indexes)`);
      console.log(`refresh: ${result.refresh.customers} customers from ${result.refresh.events} events in ${result.refresh.seconds} s`);
    }
  } finally {
    pgServer.current?.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  pgServer.current?.stop();
  process.exit(1);
});
