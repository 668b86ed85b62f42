/**
 * `npm run bench:intelligence`: the customer-intelligence benchmark.
 *
 *   npm run bench:intelligence                                   10k and 100k customers, SQLite and PostgreSQL
 *   npm run bench:intelligence -- --customers 1000000 --db sqlite
 *   npm run bench:intelligence -- --customers 10000 --updates 200 --passes 2
 *
 * Options: --customers N[,N…] (10000,100000), --db sqlite,postgres, --seed S (1),
 * --orders-per-customer R (2.5: the generator gets R × N orders; it makes
 * ≈0.42 customers per order, so the shop has ≈N customers), --updates N (200),
 * --passes N (2 recomputes: the first writes every row, the second runs a
 * day later, the daily pass), --changes P[,P…] (1: before pass 2, 3, …, P% of
 * the customers place an order, the last P repeating; 0: the same data), --batch N (5,000 records per
 * insert transaction), --line-items (also insert line items and refunds;
 * intelligence reads neither, so they are left out by default), --replicate K
 * (generate a shop of N / K customers and copy its customers and orders K
 * times under new ids inside the database: the generator holds a whole shop in
 * memory, ~3 GB per 100k customers, so 1M customers is 100k × 10).
 *
 * For each shop size one "populate" process generates the shop
 * (dev-store/generator.ts) and writes Shop, Customer and Order rows with the
 * app's SyncRepository, in batches inside transactions, into one fresh
 * migrated database per target (no sync). Then, per database, one "measure"
 * process (so its peak RSS is the intelligence layer's alone) runs:
 * recomputeShop (× --passes; per-phase durations from its summary), the model
 * fit (summarise + fitBgNbd + fitGammaGamma over the loaded histories),
 * getRetentionAnalytics (and analyzeRetention alone), and updateCustomer for
 * --updates customers (p50/p99). PostgreSQL: DATABASE_URL / TEST_DATABASE_URL
 * when postgres://, else a throw-away cluster (scripts/postgres-local.sh, in
 * its own folder), stopped at the end. Results: a table on stdout and
 * .cache/bench/intelligence-latest.json (+ a timestamped copy).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/prisma.mjs";
import { mb, parseTagged, postgresServer, round, stopOnSignal, type BenchDb, type Postgres } from "./common";
import { BENCH_CACHE, benchPrismaClient, openBenchClient } from "./prisma-clients";

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    spec: { type: "string" },
    customers: { type: "string", default: "10000,100000" },
    db: { type: "string" },
    seed: { type: "string", default: "1" },
    "orders-per-customer": { type: "string", default: "2.5" },
    updates: { type: "string", default: "200" },
    passes: { type: "string", default: "2" },
    batch: { type: "string", default: "5000" },
    "line-items": { type: "boolean", default: false },
    replicate: { type: "string", default: "1" },
    changes: { type: "string", default: "1" },
  },
});

const SHOP = "demo-shop.myshopify.com";
const AS_OF = "2026-11-01T00:00:00Z"; // the generator's DEFAULT_NOW: all history lies before it

// ------------------------------------------------------------------ shared types
interface Target {
  db: BenchDb;
  client: string;
  pgUrl?: string;
}

interface PopulateSpec {
  seed: string;
  orders: number;
  /** Copies of the generated shop in the database (1: just the shop). */
  replicate: number;
  batch: number;
  lineItems: boolean;
  targets: Target[];
}

interface PopulatedDb {
  db: BenchDb;
  url: string;
  /** SQLite: the folder to delete; PostgreSQL: the scratch database's name. */
  sqliteDir?: string;
  pgName?: string;
  customers: number;
  orders: number;
  insertSeconds: number;
  dbSizeMB: number | null;
}

interface PopulateResult {
  generateSeconds: number;
  generated: { customers: number; orders: number; guestOrders: number; lineItems: number; refunds: number };
  dbs: PopulatedDb[];
  peakRssMB: number;
}

interface MeasureSpec {
  db: BenchDb;
  url: string;
  client: string;
  updates: number;
  passes: number;
  /** Percent of customers who get a new order before pass k + 2 (the last repeats). */
  changes: number[];
}

interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

interface MeasureResult {
  db: BenchDb;
  customers: number;
  buyers: number;
  model: string;
  fallbackReason: unknown;
  layerSizes: Record<string, number>;
  /** recomputeShop summaries' durationsMs, one per pass, with the process's peak RSS after it (cumulative). */
  recompute: { durationsMs: Record<string, number>; moves: number; written: number; mode: string; reread: number; peakRssMB: number }[];
  fit: { loadMs: number; summariseMs: number; bgNbdMs: number; gammaGammaMs: number; totalMs: number; bgNbdIterations: number; bgNbdConverged: boolean; ggConverged: boolean | null; peakRssMB: number };
  cohort: { totalMs: number; analyzeOnlyMs: number; peakRssMB: number };
  update: { totalMs: Quantiles; computeMs: Quantiles; moves: number; peakRssMB: number };
  peakRssMB: number;
  maxRssMB: number;
}

interface SizeResult {
  customersTarget: number;
  orders: number;
  populate?: PopulateResult;
  passes: { db: BenchDb; measure?: MeasureResult; insert?: PopulatedDb; load?: { start: number; end: number }; error?: string }[];
  error?: string;
}

// ------------------------------------------------------------------ RSS sampling (children)
let peakRss = process.memoryUsage().rss;
let phasePeak = peakRss;
function startSampler() {
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
    if (rss > phasePeak) phasePeak = rss;
  }, 50);
  timer.unref();
}
/** Starts a phase's RSS peak; returns a function giving the phase's peak in MB. */
function phase(): () => number {
  phasePeak = process.memoryUsage().rss;
  return () => mb(Math.max(phasePeak, process.memoryUsage().rss));
}
/**
 * The process's peak RSS so far: the sampler's and the kernel's max RSS.
 * With SQLite (libsql answers synchronously) a whole pass can run in
 * microtasks and starve the sampler's timer, so the kernel's figure is the
 * reliable one; it is cumulative, hence the phases' order (recompute first).
 */
const peakSoFarMB = () => mb(Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024));

const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;

function quantiles(samples: number[]): Quantiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { n: s.length, p50: round(at(0.5), 2), p99: round(at(0.99), 2), max: round(s[s.length - 1], 2), mean: round(s.reduce((a, b) => a + b, 0) / s.length, 2) };
}

// ------------------------------------------------------------------ child: populate
async function populate(spec: PopulateSpec): Promise<PopulateResult> {
  startSampler();
  const log = (m: string) => process.stderr.write(`[populate] ${m}\n`);
  const { generateShop } = await import("../dev-store/generator");
  const { toMinorUnits } = await import("~/domain/sync/money");
  const { SyncRepository } = await import("~/db/sync-repository.server");
  const { dialectOf } = await import("~/db/adapter.server");
  const { applyMigrations } = await import("../scripts/prisma.mjs");
  const { createScratchDatabase } = await import("../scripts/pg-migrate.mjs");
  type CustomerRecord = import("~/domain/sync/records").CustomerRecord;
  type OrderRecord = import("~/domain/sync/records").OrderRecord;
  type DevOrder = import("../dev-store/model").DevOrder;
  type DevCustomer = import("../dev-store/model").DevCustomer;

  const t0 = performance.now();
  const data = generateShop({ seed: spec.seed, orders: spec.orders, domain: SHOP });
  const generateSeconds = round((performance.now() - t0) / 1000, 2);
  const currency = data.shop.currencyCode;
  const generated = {
    customers: data.customers.length,
    orders: data.orders.length,
    guestOrders: data.orders.filter((o) => o.customerId === null).length,
    lineItems: data.orders.reduce((n, o) => n + o.lineItems.length, 0),
    refunds: data.orders.reduce((n, o) => n + o.refunds.length, 0),
  };
  log(`generated in ${generateSeconds} s: ${generated.customers} customers, ${generated.orders} orders (${generated.guestOrders} guest)`);

  const gid = (type: string, id: string) => `gid://shopify/${type}/${id}`;
  const minor = (bag: { shopMoney: { amount: string; currencyCode: string } }) => toMinorUnits(bag.shopMoney.amount, bag.shopMoney.currencyCode);
  const customerRecord = (c: DevCustomer): CustomerRecord => ({
    customerGid: gid("Customer", c.id),
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    phone: c.phone,
    state: c.state,
    locale: c.locale,
    countryCode: c.countryCode,
    tags: c.tags,
    emailMarketingState: c.emailMarketingState,
    birthday: c.birthday,
    numberOfOrders: null,
    amountSpentMinor: null,
    currencyCode: null,
    rfmGroup: null,
    predictedSpendTier: null,
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
  });
  const orderRecord = (o: DevOrder): OrderRecord => {
    const orderGid = gid("Order", o.id);
    return {
      orderGid,
      name: o.name,
      customerGid: o.customerId === null ? null : gid("Customer", o.customerId),
      email: o.email,
      financialStatus: o.financialStatus,
      fulfillmentStatus: o.fulfillmentStatus,
      currencyCode: o.currencyCode,
      presentmentCurrencyCode: o.presentmentCurrencyCode,
      subtotalMinor: minor(o.subtotalPrice),
      totalDiscountsMinor: minor(o.totalDiscounts),
      totalShippingMinor: minor(o.totalShipping),
      totalTaxMinor: minor(o.totalTax),
      totalPriceMinor: minor(o.totalPrice),
      totalRefundedMinor: minor(o.totalRefunded),
      discountCodes: o.discountCodes,
      tags: o.tags,
      sourceName: o.sourceName,
      test: o.test,
      processedAt: new Date(o.processedAt),
      cancelledAt: o.cancelledAt === null ? null : new Date(o.cancelledAt),
      cancelReason: o.cancelReason,
      createdAt: new Date(o.createdAt),
      updatedAt: new Date(o.updatedAt),
      lineItems: spec.lineItems
        ? o.lineItems.map((l) => ({
            lineItemGid: gid("LineItem", l.id),
            productGid: l.productId === null ? null : gid("Product", l.productId),
            variantGid: l.variantId === null ? null : gid("ProductVariant", l.variantId),
            title: l.title,
            variantTitle: l.variantTitle,
            sku: l.sku,
            quantity: l.quantity,
            unitPriceMinor: minor(l.originalUnitPrice),
            discountedTotalMinor: minor(l.discountedTotal),
            isGiftCard: false,
          }))
        : [],
      refunds: spec.lineItems
        ? o.refunds.map((r) => ({
            refundGid: gid("Refund", r.id),
            orderGid,
            note: r.note,
            totalMinor: minor(r.totalRefunded),
            goodsMinor: null,
            currencyCode: r.totalRefunded.shopMoney.currencyCode,
            createdAt: new Date(r.createdAt),
          }))
        : [],
    };
  };

  const dbs: PopulatedDb[] = [];
  for (const target of spec.targets) {
    let url: string;
    let sqliteDir: string | undefined;
    let pgName: string | undefined;
    if (target.db === "sqlite") {
      sqliteDir = mkdtempSync(path.join(os.tmpdir(), "evergreen-intel-bench-"));
      url = "file:" + path.join(sqliteDir, "bench.db");
    } else {
      const scratch = await createScratchDatabase(target.pgUrl!, { prefix: "intelbench" });
      url = scratch.url;
      pgName = scratch.name;
    }
    await applyMigrations(url);
    const prisma = await openBenchClient(url, { clientDir: target.client });
    const repo = new SyncRepository(prisma, dialectOf(url));
    const syncedAt = new Date(AS_OF);
    const started = performance.now();
    await prisma.shop.create({ data: { domain: SHOP, name: data.shop.name, currencyCode: currency, ianaTimezone: data.shop.ianaTimezone } });
    const tx = { timeout: 10 * 60_000, maxWait: 60_000 };
    for (let i = 0; i < data.customers.length; i += spec.batch) {
      const records = data.customers.slice(i, i + spec.batch).map(customerRecord);
      await prisma.$transaction((t) => repo.withClient(t).upsertCustomers(SHOP, records, syncedAt), tx);
      if (i === 0) await repo.refreshStatistics(["Customer"]);
    }
    for (let i = 0; i < data.orders.length; i += spec.batch) {
      const records = data.orders.slice(i, i + spec.batch).map(orderRecord);
      await prisma.$transaction((t) => repo.withClient(t).upsertOrders(SHOP, records, syncedAt), tx);
      if (i === 0) await repo.refreshStatistics(["Order", "OrderLineItem", "Refund"]);
      if ((i / spec.batch) % 50 === 49) log(`${target.db}: ${i + spec.batch} orders`);
    }
    if (spec.replicate > 1) await replicateShop(prisma, dialectOf(url), spec.replicate, log);
    await repo.refreshStatistics(["Customer", "Order", "OrderLineItem", "Refund"]);
    const insertSeconds = round((performance.now() - started) / 1000, 2);
    const count = async (table: string) =>
      Number((await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n);
    let dbSizeMB: number | null = null;
    if (sqliteDir) {
      dbSizeMB = 0;
      for (const suffix of ["", "-wal"]) {
        const f = path.join(sqliteDir, "bench.db" + suffix);
        if (existsSync(f)) dbSizeMB = round(dbSizeMB + mb(statSync(f).size), 1);
      }
    } else {
      dbSizeMB = mb(Number((await prisma.$queryRawUnsafe<{ b: bigint }[]>("SELECT pg_database_size(current_database()) AS b"))[0].b));
    }
    const populated: PopulatedDb = { db: target.db, url, sqliteDir, pgName, customers: await count("Customer"), orders: await count("Order"), insertSeconds, dbSizeMB };
    await prisma.$disconnect();
    log(`${target.db}: ${populated.customers} customers, ${populated.orders} orders inserted in ${insertSeconds} s`);
    dbs.push(populated);
  }
  return { generateSeconds, generated, dbs, peakRssMB: peakSoFarMB() };
}

/**
 * Copies the shop's customers and orders `copies - 1` times with "~k" appended to
 * their ids (orders keep their customer's copy), in SQL: same distribution,
 * `copies` times the customers.
 */
async function replicateShop(
  prisma: import("~/generated/prisma/client").PrismaClient,
  dialect: "sqlite" | "postgresql",
  copies: number,
  log: (m: string) => void,
): Promise<void> {
  const columnsOf = async (table: string) =>
    dialect === "sqlite"
      ? (await prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('${table}')`)).map((r) => r.name)
      : (await prisma.$queryRawUnsafe<{ name: string }[]>(
          `SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' ORDER BY ordinal_position`,
        )).map((r) => r.name);
  const q = (c: string) => `"${c}"`;
  for (const [table, renamed] of [["Customer", ["customerGid"]], ["Order", ["orderGid", "customerGid"]]] as const) {
    const columns = await columnsOf(table);
    const started = performance.now();
    for (let k = 1; k < copies; k++) {
      const select = columns.map((c) => ((renamed as readonly string[]).includes(c) ? `${q(c)} || '~${k}'` : q(c))).join(", ");
      await prisma.$executeRawUnsafe(
        `INSERT INTO ${q(table)} (${columns.map(q).join(", ")}) SELECT ${select} FROM ${q(table)} WHERE ${q(renamed[0])} NOT LIKE '%~%'`,
      );
    }
    log(`replicated ${table} ×${copies} in ${round((performance.now() - started) / 1000, 1)} s`);
  }
}

/**
 * A day's trade before a nightly pass: `percent`% of the customers, drawn at
 * random, place a paid order an hour before it (through plain SQL, so the
 * stale-marking triggers see it as they see a sync's writes).
 */
async function orderForSome(
  prisma: import("~/generated/prisma/client").PrismaClient,
  percent: number,
  day: number,
  at: Date,
  dialect: "sqlite" | "postgresql",
  log: (m: string) => void,
): Promise<void> {
  const started = performance.now();
  const customers = Number((await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "Customer"`))[0].n);
  const n = Math.round((customers * percent) / 100);
  const p = dialect === "postgresql" ? "$1" : "?";
  const inserted = await prisma.$executeRawUnsafe(
    `INSERT INTO "Order" ("shopDomain", "orderGid", "name", "customerGid", "financialStatus", "currencyCode", "subtotalMinor", "totalPriceMinor",` +
      ` "processedAt", "shopifyCreatedAt", "shopifyUpdatedAt")` +
      ` SELECT "shopDomain", 'gid://shopify/Order/day${day}-' || "customerGid", '#D${day}', "customerGid", 'PAID', 'USD', 4200, 4200, ${p}, ${p}, ${p}` +
      ` FROM "Customer" WHERE "deletedAt" IS NULL ORDER BY random() LIMIT ${n}`,
    ...(dialect === "postgresql" ? [at] : [at, at, at]),
  );
  log(`day ${day}: ${inserted} customers placed an order (${round((performance.now() - started) / 1000, 1)} s)`);
}

// ------------------------------------------------------------------ child: measure
async function measure(spec: MeasureSpec): Promise<MeasureResult> {
  startSampler();
  const log = (m: string) => process.stderr.write(`[measure ${spec.db}] ${m}\n`);
  const { dialectOf } = await import("~/db/adapter.server");
  const { recomputeShop, getRetentionAnalytics, updateCustomer } = await import("~/services/intelligence.server");
  const { PurchaseHistoryReader } = await import("~/db/purchase-histories.server");
  const { summarise, fitBgNbd, fitGammaGamma } = await import("~/domain/predictions");
  const { analyzeRetention } = await import("~/domain/analytics");
  const prisma = await openBenchClient(spec.url, { clientDir: spec.client });
  const dialect = dialectOf(spec.url);
  const asOf = new Date(AS_OF);
  const deps = { db: prisma, dialect, asOf };

  // 1. the full pass
  const recompute: MeasureResult["recompute"] = [];
  let summary!: Awaited<ReturnType<typeof recomputeShop>>;
  for (let i = 0; i < spec.passes; i++) {
    // Pass k runs k days after the first: the daily pass, where the clock has moved and the data has not.
    const passDeps = { ...deps, asOf: new Date(asOf.getTime() + i * 86_400_000) };
    const changes = spec.changes[Math.min(i - 1, spec.changes.length - 1)];
    if (i > 0 && changes > 0) await orderForSome(prisma, changes, i, new Date(passDeps.asOf.getTime() - 3_600_000), dialect, log);
    const peak = phase();
    summary = await recomputeShop(SHOP, passDeps);
    peak();
    recompute.push({ durationsMs: summary.durationsMs, moves: summary.moves, written: summary.written, mode: summary.mode, reread: summary.reread, peakRssMB: peakSoFarMB() });
    log(`recompute ${i + 1} (as of ${passDeps.asOf.toISOString()}, ${summary.mode} mode, ${summary.reread} customers' orders read): ${JSON.stringify(summary.durationsMs)} (${summary.customers} customers, ${summary.written} rows written, model ${summary.model})`);
  }
  deps.asOf = new Date(asOf.getTime() + (spec.passes - 1) * 86_400_000); // updates score against the last pass

  // 2. the model fit alone, over the same histories
  let fit: MeasureResult["fit"];
  {
    const peak = phase();
    const t0 = performance.now();
    let histories: import("~/domain/customers/purchase-history").PurchaseHistory[] | null = await new PurchaseHistoryReader(prisma, dialect).all(SHOP);
    const t1 = performance.now();
    const summaries = summarise(histories, asOf.getTime(), "days");
    histories = null;
    const t2 = performance.now();
    const bg = fitBgNbd(summaries);
    const t3 = performance.now();
    const spend = summaries
      .filter((s) => s.x > 0 && s.meanRepeatValueMinor !== null && s.meanRepeatValueMinor > 0)
      .map((s) => ({ x: s.x, meanValue: s.meanRepeatValueMinor! }));
    let ggConverged: boolean | null = null;
    try {
      ggConverged = fitGammaGamma(spend, { maxAbsCorrelation: 0.3 }).converged;
    } catch {
      ggConverged = null;
    }
    const t4 = performance.now();
    fit = {
      loadMs: ms(t0, t1), summariseMs: ms(t1, t2), bgNbdMs: ms(t2, t3), gammaGammaMs: ms(t3, t4), totalMs: ms(t1, t4),
      bgNbdIterations: bg.iterations, bgNbdConverged: bg.converged, ggConverged, peakRssMB: peak(),
    };
    log(`fit: ${JSON.stringify(fit)}`);
  }

  // 3. cohorts (the reader loads the histories itself), then the analysis alone
  let cohort: MeasureResult["cohort"];
  {
    const peak = phase();
    const t0 = performance.now();
    await getRetentionAnalytics(SHOP, { db: prisma, dialect, asOf });
    const t1 = performance.now();
    const histories = await new PurchaseHistoryReader(prisma, dialect).all(SHOP);
    const t2 = performance.now();
    analyzeRetention(histories, { asOf: asOf.getTime() });
    const t3 = performance.now();
    cohort = { totalMs: ms(t0, t1), analyzeOnlyMs: ms(t2, t3), peakRssMB: peak() };
    log(`cohort: ${JSON.stringify(cohort)}`);
  }

  // 4. single-customer updates: an even spread over customers with orders (and a few without)
  let update: MeasureResult["update"];
  {
    const buyers = await prisma.$queryRawUnsafe<{ customerGid: string }[]>(
      `SELECT "customerGid" FROM "CustomerInsight" WHERE "shopDomain" = ${dialect === "postgresql" ? "$1" : "?"} ORDER BY "customerGid"`,
      SHOP,
    );
    const step = Math.max(1, Math.floor(buyers.length / spec.updates));
    const picked: string[] = [];
    for (let i = 0; i < buyers.length && picked.length < spec.updates; i += step) picked.push(buyers[i].customerGid);
    // warm-up (connection, statement caches): not counted
    for (const gid of picked.slice(0, 5)) await updateCustomer(SHOP, gid, deps);
    const peak = phase();
    const total: number[] = [];
    const compute: number[] = [];
    let moves = 0;
    for (const gid of picked) {
      const r = await updateCustomer(SHOP, gid, deps);
      total.push(r.totalMs);
      compute.push(r.computeMs);
      if (r.move) moves++;
    }
    update = { totalMs: quantiles(total), computeMs: quantiles(compute), moves, peakRssMB: peak() };
    log(`updates: ${JSON.stringify(update)}`);
  }
  await prisma.$disconnect();
  return {
    db: spec.db,
    customers: summary.customers,
    buyers: summary.buyers,
    model: summary.model,
    fallbackReason: summary.fallbackReason,
    layerSizes: summary.layerSizes,
    recompute,
    fit,
    cohort,
    update,
    peakRssMB: peakSoFarMB(),
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
  };
}

if (values.child) {
  const spec = JSON.parse(values.spec!) as PopulateSpec & MeasureSpec;
  try {
    if (values.child === "populate") process.stdout.write(`BENCH_POPULATED ${JSON.stringify(await populate(spec))}\n`);
    else if (values.child === "measure") process.stdout.write(`BENCH_MEASURED ${JSON.stringify(await measure(spec))}\n`);
    else throw new Error(`unknown --child ${values.child}`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`[${values.child}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

// ------------------------------------------------------------------ orchestrator
const say = (message: string) => process.stdout.write(`[bench:intelligence] ${message}\n`);
const sizes = values.customers!.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new Error(`--customers: positive integers, got ${values.customers}`);
const dbsExplicit = values.db !== undefined;
const dbs = (values.db ?? "sqlite,postgres").split(",").map((s) => s.trim()) as BenchDb[];
for (const d of dbs) if (d !== "sqlite" && d !== "postgres") throw new Error(`--db: sqlite and/or postgres, got ${d}`);
const ordersPerCustomer = Number(values["orders-per-customer"]);
const replicate = Math.max(1, Math.floor(Number(values.replicate)));
const NODE = existsSync(path.join(ROOT, "node_modules", ".bin", "node")) ? path.join(ROOT, "node_modules", ".bin", "node") : process.execPath;
const children = new Set<ChildProcess>();

/** Runs this file as a child; resolves with its tagged result line (rejects when it exits without one). */
function runChild<T>(mode: string, spec: unknown, tag: string, nodeArgs: string[] = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(NODE, [...nodeArgs, "--import", "tsx", path.join(ROOT, "bench", "intelligence-bench.ts"), "--child", mode, "--spec", JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production", NODE_OPTIONS: "" },
    });
    children.add(child);
    let result: T | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const value = parseTagged<T>(line, tag);
      if (value !== undefined) result = value;
      else process.stdout.write(`  ${line}\n`);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => process.stderr.write(`  ${line}\n`));
    child.on("close", (code) => {
      children.delete(child);
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`${mode} child exited ${code} without a result`));
    });
  });
}


async function dropScratch(pgUrl: string, name: string) {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

function fmtMs(v: number | undefined): string {
  if (v === undefined) return "-";
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}

function table(results: SizeResult[]): string {
  const header = ["db", "customers", "orders", "insert s", "recompute", "load", "segment", "predict", "rows", "write", "next day", "fit", "cohort", "update p50", "update p99", "peak RSS MB"];
  const rows: string[][] = [];
  for (const s of results) {
    for (const p of s.passes) {
      const m = p.measure;
      const r1 = m?.recompute[0]?.durationsMs;
      const r2 = m?.recompute[1]?.durationsMs;
      rows.push([
        p.db,
        (m?.customers ?? p.insert?.customers)?.toLocaleString("en-US") ?? "-",
        p.insert?.orders.toLocaleString("en-US") ?? "-",
        p.insert ? p.insert.insertSeconds.toFixed(1) : "-",
        fmtMs(r1?.total), fmtMs(r1?.load), fmtMs(r1?.segment), fmtMs(r1?.predict), fmtMs(r1?.rows), fmtMs(r1?.write),
        fmtMs(r2?.total),
        fmtMs(m?.fit.totalMs),
        fmtMs(m?.cohort.totalMs),
        fmtMs(m?.update.totalMs.p50),
        fmtMs(m?.update.totalMs.p99),
        m ? m.peakRssMB.toFixed(0) : p.error ? "FAILED" : "-",
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function details(results: SizeResult[]): string {
  const out: string[] = [];
  for (const s of results) {
    if (s.populate) {
      const g = s.populate.generated;
      out.push(`${s.customersTarget.toLocaleString("en-US")} customers target: generated ${g.customers} customers, ${g.orders} orders (${g.guestOrders} guest) in ${s.populate.generateSeconds} s; populate process peak RSS ${s.populate.peakRssMB} MB`);
    }
    if (s.error) out.push(`  FAILED: ${s.error}`);
    for (const p of s.passes) {
      const m = p.measure;
      if (!m) {
        out.push(`  ${p.db}: ${p.error ?? "no result"}`);
        continue;
      }
      const f = m.fit;
      out.push(
        `  ${p.db}: ${m.buyers} buyers, model ${m.model}${m.fallbackReason ? ` (${JSON.stringify(m.fallbackReason)})` : ""}; db ${p.insert?.dbSizeMB ?? "?"} MB; ` +
          `recompute ${m.recompute.map((r, i) => `#${i + 1} ${fmtMs(r.durationsMs.total)} (${r.mode}, written ${r.written}, moves ${r.moves}, peak ${r.peakRssMB} MB)`).join(", ")}; ` +
          `fit: BG/NBD ${fmtMs(f.bgNbdMs)} (${f.bgNbdIterations} it, converged ${f.bgNbdConverged}), Gamma-Gamma ${fmtMs(f.gammaGammaMs)}, summarise ${fmtMs(f.summariseMs)} [history load ${fmtMs(f.loadMs)}]; ` +
          `cohort ${fmtMs(m.cohort.totalMs)} (analyzeRetention alone ${fmtMs(m.cohort.analyzeOnlyMs)}, peak ${m.cohort.peakRssMB} MB); ` +
          `update ×${m.update.totalMs.n}: total p50 ${m.update.totalMs.p50} / p99 ${m.update.totalMs.p99} / max ${m.update.totalMs.max} ms, compute p50 ${m.update.computeMs.p50} / p99 ${m.update.computeMs.p99} ms, ${m.update.moves} moves; ` +
          `kernel max RSS ${m.maxRssMB} MB` + (p.load ? `; load avg ${p.load.start} → ${p.load.end}` : ""),
      );
    }
  }
  return out.join("\n");
}

let pg: Postgres | null = null;
const cleanups: (() => Promise<void> | void)[] = [];
stopOnSignal(children, () => pg, say);

const startedAt = new Date();
let failed = false;
const results: SizeResult[] = [];
const notes: string[] = [];
const loadAtStart = os.loadavg();
try {
  const nodeVersion = spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
  say(`node ${nodeVersion}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${round(os.totalmem() / 1024 ** 3, 1)} GB; load ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  say(`customers ${sizes.join(", ")} (orders = ${ordersPerCustomer} × customers); databases ${dbs.join(", ")}; ${values.passes} recompute passes; ${values.updates} updates`);
  const targets: Target[] = [];
  for (const db of dbs) {
    if (db === "sqlite") {
      targets.push({ db, client: benchPrismaClient("sqlite", say) });
      continue;
    }
    pg = postgresServer(path.join(os.tmpdir(), "evergreen-intel-bench-pg"), say);
    if (!pg) {
      const message = "PostgreSQL is not available (scripts/postgres-local.sh start failed)";
      if (dbsExplicit) throw new Error(message);
      notes.push(message + ": skipped");
      say(message + ": skipping it");
      continue;
    }
    notes.push(`PostgreSQL${pg.url.includes("127.0.0.1") ? " (local throw-away cluster: fsync=off, synchronous_commit=off)" : ""}`);
    targets.push({ db, client: benchPrismaClient("postgresql", say), pgUrl: pg.url });
  }

  for (const customers of sizes) {
    const orders = Math.round(customers * ordersPerCustomer);
    const size: SizeResult = { customersTarget: customers, orders, passes: [] };
    results.push(size);
    try {
      const copies = replicate > 1 ? ` (${Math.round(orders / replicate).toLocaleString("en-US")} generated, copied ×${replicate})` : "";
      say(`${customers.toLocaleString("en-US")} customers: generating ${orders.toLocaleString("en-US")} orders${copies} and inserting them (${targets.map((t) => t.db).join(", ")})`);
      const populateSpec: PopulateSpec = {
        seed: values.seed!, orders: Math.round(orders / replicate), replicate, batch: Number(values.batch), lineItems: values["line-items"]!, targets,
      };
      // 1M customers means 2.5M generated orders held in memory: give the heap room.
      size.populate = await runChild<PopulateResult>("populate", populateSpec, "BENCH_POPULATED", ["--max-old-space-size=16384"]);
      for (const d of size.populate.dbs) {
        const target = targets.find((t) => t.db === d.db)!;
        cleanups.push(async () => {
          if (d.sqliteDir) rmSync(d.sqliteDir, { recursive: true, force: true });
          if (d.pgName && target.pgUrl) await dropScratch(target.pgUrl, d.pgName).catch(() => undefined);
        });
      }
      for (const d of size.populate.dbs) {
        const target = targets.find((t) => t.db === d.db)!;
        const pass: SizeResult["passes"][number] = { db: d.db, insert: d, load: { start: round(os.loadavg()[0]), end: 0 } };
        size.passes.push(pass);
        say(`${d.db}: ${d.customers.toLocaleString("en-US")} customers, ${d.orders.toLocaleString("en-US")} orders inserted in ${d.insertSeconds} s; measuring (load ${os.loadavg()[0].toFixed(2)})`);
        try {
          const spec: MeasureSpec = { db: d.db, url: d.url, client: target.client, updates: Number(values.updates), passes: Number(values.passes), changes: values.changes!.split(",").map(Number) };
          pass.measure = await runChild<MeasureResult>("measure", spec, "BENCH_MEASURED", ["--max-old-space-size=16384"]);
        } catch (error) {
          pass.error = error instanceof Error ? error.message : String(error);
          failed = true;
          say(`${d.db}, ${customers} customers: FAILED: ${pass.error}`);
        }
        pass.load!.end = round(os.loadavg()[0]);
        // free the disk as soon as this database is measured
        if (d.sqliteDir) rmSync(d.sqliteDir, { recursive: true, force: true });
        if (d.pgName && target.pgUrl) await dropScratch(target.pgUrl, d.pgName).catch(() => undefined);
      }
    } catch (error) {
      size.error = error instanceof Error ? error.message : String(error);
      failed = true;
      say(`${customers} customers: FAILED: ${size.error}`);
    }
  }
} catch (error) {
  failed = true;
  say(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  for (const cleanup of cleanups) await cleanup();
  if (pg) {
    pg.stop();
    pg = null;
  }
}

const finishedAt = new Date();
process.stdout.write("\n" + table(results) + "\n\n" + details(results) + "\n");
say(`load average: start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, end ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} on ${os.cpus().length} cores`);
for (const note of notes) say(note);
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGB: round(os.totalmem() / 1024 ** 3, 1), loadAtStart, loadAtEnd: os.loadavg() },
  node: spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim(),
  commit: spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim(),
  options: { customers: sizes, dbs, seed: values.seed, ordersPerCustomer, updates: Number(values.updates), passes: Number(values.passes), batch: Number(values.batch), lineItems: values["line-items"], replicate, asOf: AS_OF },
  notes,
  results: results.map((s) => ({ ...s, passes: s.passes.map((p) => ({ ...p, insert: p.insert && { ...p.insert, url: undefined } })) })),
};
mkdirSync(BENCH_CACHE, { recursive: true });
const latest = path.join(BENCH_CACHE, "intelligence-latest.json");
writeFileSync(latest, JSON.stringify(report, null, 2) + "\n");
writeFileSync(path.join(BENCH_CACHE, `intelligence-bench-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(report, null, 2) + "\n");
say(`results in ${path.relative(ROOT, latest)}`);
if (failed) say("FAILED (see above)");
process.exit(failed ? 1 : 0);
