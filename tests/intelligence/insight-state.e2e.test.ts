/**
 * A pass writes only the customers whose stored state changed, and readers
 * compute the clock-dependent values (recency, P(alive), expected orders,
 * value, LTV, next order) fresh from that state (docs/intelligence.md,
 * "Stored state and values read fresh"). Checked against the strongest
 * reference there is: the same pass with every row forced to be rewritten.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, syncTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { freshLtvReader, getCustomerInsight, recomputeShop, updateCustomer } from "~/services/intelligence.server";

const DAY = 24 * 3600_000;
const ASOF = new Date(DEFAULT_NOW);
const MONTH_LATER = new Date(ASOF.getTime() + 30 * DAY);

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;

const deps = (asOf: Date) => ({ db: db.prisma, dialect, asOf });
const insights = () => db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" } });

/** What a customer's page shows, at `asOf`. */
async function readAt(customerGid: string, asOf: Date) {
  const view = await getCustomerInsight(devStore.shop, customerGid, { ...deps(asOf) });
  if (!view) throw new Error(`no insight for ${customerGid}`);
  return {
    layer: view.layer.id, stage: view.lifecycleStage, rfm: view.rfm, orders: view.orders, recencyDays: view.recencyDays,
    pAlive: view.prediction?.pAlive ?? null,
    expectedOrders: view.prediction?.expectedOrders ?? null,
    expectedOrderValueMinor: view.prediction?.expectedOrderValueMinor ?? null,
    predictedLtvMinor: view.prediction?.predictedLtvMinor ?? null,
    churnRisk: view.prediction?.churnRisk.level ?? null,
    expectedNextOrderAt: view.prediction?.expectedNextOrderAt?.getTime() ?? null,
  };
}

/** The same fields from a stored row written at the instant it describes. */
function storedAsRead(row: Awaited<ReturnType<typeof insights>>[number]) {
  const num = (v: bigint | null) => (v === null ? null : Number(v));
  return {
    layer: row.layerId, stage: row.lifecycleStage, rfm: { r: row.r, f: row.f, m: row.m }, orders: row.orders, recencyDays: row.recencyDays,
    pAlive: row.pAlive,
    expectedOrders: row.pAlive === null ? null : { next30Days: row.expectedOrders30, next90Days: row.expectedOrders90, next365Days: row.expectedOrders365 },
    expectedOrderValueMinor: num(row.expectedOrderValueMinor),
    predictedLtvMinor: num(row.predictedLtvMinor),
    churnRisk: row.churnRisk,
    expectedNextOrderAt: row.expectedNextOrderAt?.getTime() ?? null,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 77, orders: 1_200 });
  ({ restoreFetch } = await syncTestDevStore(devStore, { db: db.prisma, dialect }));
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("stored state and values read fresh", () => {
  it("GIVEN a first pass WHEN read at its as-of THEN every row's fresh values equal what the pass stored, and a second pass writes nothing", async () => {
    const first = await recomputeShop(devStore.shop, deps(ASOF));
    expect(first.written).toBe(first.customers);
    const rows = await insights();
    expect(rows.every((r) => r.stateHash !== null)).toBe(true);
    const buyers = rows.filter((r) => r.orders > 0);
    expect(buyers.length).toBeGreaterThan(100);
    for (const row of buyers.slice(0, 60)) expect(await readAt(row.customerGid, ASOF)).toEqual(storedAsRead(row));
    // Lists and exports: the LTV read fresh at the as-of is the stored one, for every row.
    const ltv = await freshLtvReader(devStore.shop, deps(ASOF));
    for (const row of rows) expect(ltv(row)).toBe(row.predictedLtvMinor === null ? null : Number(row.predictedLtvMinor));

    const again = await recomputeShop(devStore.shop, deps(ASOF));
    expect(again).toMatchObject({ written: 0, moves: 0 });
  });

  it("GIVEN no new data WHEN a pass runs a month later THEN it writes only the changed customers, and what readers see equals a pass that rewrites every row", async () => {
    const before = new Map((await insights()).map((r) => [r.customerGid, r]));
    const later = await recomputeShop(devStore.shop, deps(MONTH_LATER));
    // The clock moves some customers' stage, layer or churn level, not everyone's.
    expect(later.written).toBeGreaterThan(0);
    expect(later.written).toBeLessThan(later.customers / 2);
    const afterPass = await insights();
    const unwritten = afterPass.filter((r) => r.computedAt.getTime() === ASOF.getTime());
    expect(unwritten.length).toBe(later.customers - later.written);
    for (const r of unwritten) expect(r.stateHash).toBe(before.get(r.customerGid)!.stateHash);

    // What the admin shows a month later, from rows the pass did not touch and rows it did.
    const sample = [...unwritten.filter((r) => r.orders > 0).slice(0, 40), ...afterPass.filter((r) => r.computedAt.getTime() === MONTH_LATER.getTime()).slice(0, 20)];
    expect(sample.length).toBeGreaterThan(40);
    const shown = new Map<string, Awaited<ReturnType<typeof readAt>>>();
    for (const r of sample) shown.set(r.customerGid, await readAt(r.customerGid, MONTH_LATER));
    const ltv = await freshLtvReader(devStore.shop, deps(MONTH_LATER));
    const listed = new Map(afterPass.map((r) => [r.customerGid, ltv(r)]));

    // The reference: the same pass with every stored state forgotten, so every row is written as of a month later.
    await db.prisma.customerInsight.updateMany({ where: { shopDomain: devStore.shop }, data: { stateHash: null } });
    const full = await recomputeShop(devStore.shop, deps(MONTH_LATER));
    expect(full.written).toBe(full.customers);
    expect(full.moves).toBe(0); // the incremental pass already recorded every move
    const reference = await insights();
    for (const row of reference) {
      const kept = afterPass.find((r) => r.customerGid === row.customerGid)!;
      // Stored state: identical whichever way it was reached.
      expect([kept.layerId, kept.lifecycleStage, kept.r, kept.f, kept.m, kept.orders, kept.churnRisk, kept.stateHash])
        .toEqual([row.layerId, row.lifecycleStage, row.r, row.f, row.m, row.orders, row.churnRisk, row.stateHash]);
      expect(listed.get(row.customerGid)).toBe(row.predictedLtvMinor === null ? null : Number(row.predictedLtvMinor));
      if (shown.has(row.customerGid)) expect(shown.get(row.customerGid)).toEqual(storedAsRead(row));
    }
  });

  it("GIVEN a customer updated without new data WHEN the next pass runs at the same instant THEN both writers agree on the state and nothing is rewritten", async () => {
    const rows = await insights();
    const picks = [rows.find((r) => r.orders > 1)!, rows.find((r) => r.orders === 1)!, rows.find((r) => r.orders === 0)!].filter(Boolean);
    expect(picks.length).toBe(3);
    for (const r of picks) await updateCustomer(devStore.shop, r.customerGid, deps(MONTH_LATER));
    const afterUpdates = await insights();
    for (const r of picks) expect(afterUpdates.find((a) => a.customerGid === r.customerGid)!.stateHash).toBe(r.stateHash);
    expect(await recomputeShop(devStore.shop, deps(MONTH_LATER))).toMatchObject({ written: 0, moves: 0 });
  });

  it("GIVEN a customer deleted in Shopify WHEN the next pass runs THEN only that customer's row is removed", async () => {
    const before = await insights();
    const gone = before.find((r) => r.orders > 0)!;
    await db.prisma.customer.update({
      where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: gone.customerGid } },
      data: { deletedAt: MONTH_LATER },
    });
    const pass = await recomputeShop(devStore.shop, deps(MONTH_LATER));
    expect(pass.customers).toBe(before.length - 1);
    const after = await insights();
    expect(after.map((r) => r.customerGid)).toEqual(before.map((r) => r.customerGid).filter((g) => g !== gone.customerGid));
  });
});
