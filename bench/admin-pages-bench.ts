/**
 * `npm run bench:admin`: how fast the admin pages' loaders answer on a big shop.
 *
 *   npm run bench:admin                                    100k customers (≈250k orders)
 *   npm run bench:admin -- --customers 400000              ≈1M orders
 *   npm run bench:admin -- --customers 20000 --iterations 5
 *
 * Seeds a scratch SQLite database directly (no sync): the generator
 * (dev-store/generator.ts) makes a shop of `customers / replicate` customers
 * with 2.5 orders each, written with the app's SyncRepository, then copied
 * `replicate` times in SQL (the generator holds a whole shop in memory, ~3 GB
 * per 100k customers). Runs the intelligence pass once, then calls each admin
 * page's loader work (the services the route loaders call, without the HTTP
 * and auth around them) `--iterations` times after one warm-up, and prints
 * p50/p99 per loader. Cold (first-call) times are printed too: the retention
 * analysis is memoised per intelligence pass.
 *
 * Options: --customers N (100000), --replicate K (customers / 20000, at least
 * 1), --iterations N (20), --seed S (1), --keep (leave the database).
 * Not part of CI: it takes minutes and gigabytes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { round } from "./common";
import { openScratchDatabase } from "./prisma-clients";

const { values } = parseArgs({
  options: {
    customers: { type: "string", default: "100000" },
    replicate: { type: "string" },
    iterations: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
  },
});

const SHOP = "admin-bench.myshopify.com";
const AS_OF = "2026-11-01T00:00:00Z"; // the generator's DEFAULT_NOW
const ORDERS_PER_CUSTOMER = 2.5;
const say = (m: string) => process.stdout.write(`[admin bench] ${m}\n`);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main() {
  const customers = Number(values.customers);
  const replicate = Number(values.replicate ?? Math.max(1, Math.round(customers / 20_000)));
  const iterations = Number(values.iterations);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "evergreen-admin-bench-"));
  say(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (${os.cpus().length} cores)`);
  const { prisma, dialect, url } = await openScratchDatabase("sqlite", scratch, { current: null }, "adminbench", say);
  say(`scratch database ${url}`);

  // ---------------------------------------------------------------- seed
  const { generateShop } = await import("../dev-store/generator");
  const { toMinorUnits } = await import("~/domain/sync/money");
  const { SyncRepository } = await import("~/db/sync-repository.server");
  type DevOrder = import("../dev-store/model").DevOrder;
  type DevCustomer = import("../dev-store/model").DevCustomer;
  type OrderRecord = import("~/domain/sync/records").OrderRecord;
  type CustomerRecord = import("~/domain/sync/records").CustomerRecord;
  let t = performance.now();
  const data = generateShop({ seed: Number(values.seed), orders: Math.round((customers / replicate) * ORDERS_PER_CUSTOMER), domain: SHOP });
  say(`generated ${data.customers.length} customers and ${data.orders.length} orders in ${round((performance.now() - t) / 1000, 1)} s`);
  const gid = (type: string, id: string) => `gid://shopify/${type}/${id}`;
  const minor = (bag: { shopMoney: { amount: string; currencyCode: string } }) => toMinorUnits(bag.shopMoney.amount, bag.shopMoney.currencyCode);
  const customerRecord = (c: DevCustomer): CustomerRecord => ({
    customerGid: gid("Customer", c.id), email: c.email, firstName: c.firstName, lastName: c.lastName, phone: c.phone, state: c.state, locale: c.locale,
    countryCode: c.countryCode, tags: c.tags, emailMarketingState: c.emailMarketingState, birthday: c.birthday, numberOfOrders: null, amountSpentMinor: null,
    currencyCode: null, rfmGroup: null, predictedSpendTier: null, createdAt: new Date(c.createdAt), updatedAt: new Date(c.updatedAt),
  });
  const orderRecord = (o: DevOrder): OrderRecord => ({
    orderGid: gid("Order", o.id), name: o.name, customerGid: o.customerId === null ? null : gid("Customer", o.customerId), email: o.email,
    financialStatus: o.financialStatus, fulfillmentStatus: o.fulfillmentStatus, currencyCode: o.currencyCode, presentmentCurrencyCode: o.presentmentCurrencyCode,
    subtotalMinor: minor(o.subtotalPrice), totalDiscountsMinor: minor(o.totalDiscounts), totalShippingMinor: minor(o.totalShipping), totalTaxMinor: minor(o.totalTax),
    totalPriceMinor: minor(o.totalPrice), totalRefundedMinor: minor(o.totalRefunded), discountCodes: o.discountCodes, tags: o.tags, sourceName: o.sourceName,
    test: o.test, processedAt: new Date(o.processedAt), cancelledAt: o.cancelledAt === null ? null : new Date(o.cancelledAt), cancelReason: o.cancelReason,
    createdAt: new Date(o.createdAt), updatedAt: new Date(o.updatedAt), lineItems: [], refunds: [],
  });
  t = performance.now();
  const repo = new SyncRepository(prisma, dialect);
  const syncedAt = new Date(AS_OF);
  const tx = { timeout: 10 * 60_000, maxWait: 60_000 };
  await prisma.shop.create({ data: { domain: SHOP, name: data.shop.name, currencyCode: data.shop.currencyCode, ianaTimezone: data.shop.ianaTimezone } });
  for (let i = 0; i < data.customers.length; i += 5000) {
    const records = data.customers.slice(i, i + 5000).map(customerRecord);
    await prisma.$transaction((c) => repo.withClient(c).upsertCustomers(SHOP, records, syncedAt), tx);
  }
  for (let i = 0; i < data.orders.length; i += 5000) {
    const records = data.orders.slice(i, i + 5000).map(orderRecord);
    await prisma.$transaction((c) => repo.withClient(c).upsertOrders(SHOP, records, syncedAt), tx);
  }
  // Copies under new ids ("~k" appended), orders keeping their customer's copy: same distribution, K times the shop.
  for (const [table, renamed] of [["Customer", ["customerGid"]], ["Order", ["orderGid", "customerGid"]]] as const) {
    const columns = (await prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('${table}')`)).map((r) => r.name);
    for (let k = 1; k < replicate; k++) {
      const select = columns.map((c) => ((renamed as readonly string[]).includes(c) ? `"${c}" || '~${k}'` : `"${c}"`)).join(", ");
      await prisma.$executeRawUnsafe(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) SELECT ${select} FROM "${table}" WHERE "${renamed[0]}" NOT LIKE '%~%'`);
    }
  }
  await repo.refreshStatistics(["Customer", "Order", "OrderLineItem", "Refund"]);
  const count = async (table: string) => Number((await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n);
  const shopCustomers = await count("Customer");
  const shopOrders = await count("Order");
  say(`seeded ${shopCustomers.toLocaleString("en-US")} customers and ${shopOrders.toLocaleString("en-US")} orders (×${replicate}) in ${round((performance.now() - t) / 1000, 1)} s`);

  // ---------------------------------------------------------------- intelligence pass
  const { recomputeShop } = await import("~/services/intelligence.server");
  t = performance.now();
  const pass = await recomputeShop(SHOP, { db: prisma, dialect, asOf: new Date(AS_OF) });
  say(`intelligence pass: ${pass.customers.toLocaleString("en-US")} customers in ${round((performance.now() - t) / 1000, 1)} s`);

  // ---------------------------------------------------------------- loaders
  const views = await import("~/services/admin-views.server");
  const { customerBehaviourView } = await import("~/services/behaviour.server");
  const { openMetricAlerts } = await import("~/services/monitors.server");
  const deps = { db: prisma, dialect };
  const largest = (await prisma.customerInsight.groupBy({ by: ["layerId"], where: { shopDomain: SHOP }, _count: { _all: true } })).sort((a, b) => b._count._all - a._count._all)[0];
  const someone = await prisma.customerInsight.findFirstOrThrow({ where: { shopDomain: SHOP, layerId: largest.layerId }, orderBy: { customerGid: "desc" } });
  const profile = await prisma.customer.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: SHOP, customerGid: someone.customerGid } } });
  const buyer = await prisma.customerInsight.findFirstOrThrow({ where: { shopDomain: SHOP, orders: { gte: 3 } }, orderBy: { orders: "desc" } });
  const term = (profile.email ?? profile.lastName ?? "a").slice(0, 12);
  const lastName = profile.lastName ?? "a";
  say(`largest layer ${largest.layerId} (${largest._count._all.toLocaleString("en-US")} customers); searching "${term}" and "${lastName}"`);

  const loaders: [string, () => Promise<unknown>][] = [
    ["dashboard", () => Promise.all([views.syncStatus(SHOP, deps), views.dashboardInsights(SHOP, deps), views.loyaltyOverview(SHOP, deps), openMetricAlerts(SHOP, { db: prisma })])],
    ["dashboard retention (deferred)", () => views.dashboardRetention(SHOP, deps)],
    ["layers", () => views.layersOverview(SHOP, deps)],
    ["layer detail, page 1", () => views.layerDetail(SHOP, largest.layerId, deps, {})],
    ["layer detail, search", () => views.layerDetail(SHOP, largest.layerId, deps, { search: term })],
    ["customers, page 1", () => views.customerList(SHOP, deps, {})],
    ["customers, search", () => views.customerList(SHOP, deps, { search: lastName })],
    ["customer detail", () => Promise.all([views.customerDetail(SHOP, buyer.customerGid, deps, {}), views.customerLoyalty(SHOP, buyer.customerGid, deps), customerBehaviourView(SHOP, buyer.customerGid, { db: prisma })])],
    ["cohorts (deferred)", () => views.retentionOverview(SHOP, deps)],
    ["data", () => Promise.all([views.syncStatus(SHOP, { db: prisma }), views.dataExports(SHOP, { db: prisma })])],
  ];
  const rows: { name: string; coldMs: number; p50: number; p99: number; max: number }[] = [];
  for (const [name, load] of loaders) {
    let s = performance.now();
    await load();
    const coldMs = performance.now() - s;
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      s = performance.now();
      await load();
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    rows.push({ name, coldMs, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: samples[samples.length - 1] });
    say(`${name}: cold ${coldMs.toFixed(0)} ms, p50 ${quantile(samples, 0.5).toFixed(1)} ms, p99 ${quantile(samples, 0.99).toFixed(1)} ms`);
  }

  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  process.stdout.write(`\nAdmin loaders on SQLite: ${shopCustomers.toLocaleString("en-US")} customers, ${shopOrders.toLocaleString("en-US")} orders; ${iterations} runs after a warm-up; load average ${load}\n\n`);
  process.stdout.write(`| loader | cold ms | p50 ms | p99 ms |\n|---|---:|---:|---:|\n`);
  for (const r of rows) process.stdout.write(`| ${r.name} | ${r.coldMs.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |\n`);
  const slow = rows.filter((r) => r.p50 > 1000);
  if (slow.length) process.stdout.write(`\nslower than 1 s at p50: ${slow.map((r) => r.name).join(", ")}\n`);

  await prisma.$disconnect();
  if (values.keep) say(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
