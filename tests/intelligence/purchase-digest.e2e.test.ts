/**
 * A pass reads stored purchase digests instead of every order, and the
 * orders only of customers the database triggers marked stale (ADR 0012).
 * Checked against the reference that matters: after every kind of change a
 * sync or a merchant makes, a digest pass leaves exactly the rows, baseline
 * and fit a pass that reads every order would (that pass then writes
 * nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, syncTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { decodeDigest, PURCHASE_DIGEST_VERSION } from "~/domain/customers/purchase-digest";
import { recomputeShop, updateCustomer } from "~/services/intelligence.server";

const DAY = 24 * 3600_000;
const ASOF = new Date(DEFAULT_NOW);
const at = (days: number) => new Date(ASOF.getTime() + days * DAY);

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;

const deps = (asOf: Date, full = false) => ({ db: db.prisma, dialect, asOf, full });
const stale = async () =>
  (await db.prisma.customerInsightStale.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" } })).map((s) => s.customerGid);
/** The as-of a stored digest was built at; null when it is not a digest this version reads. */
const builtAt = (digest: string | null) => (digest === null ? null : (decodeDigest(digest, Number.MAX_SAFE_INTEGER, () => {})?.builtAtMs ?? null));
const shopInsight = () => db.prisma.shopInsight.findUniqueOrThrow({ where: { shopDomain: devStore.shop } });

/** Customers with at least `min` counted orders, in id order. */
async function buyers(min: number) {
  const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop, orders: { gte: min } }, orderBy: { customerGid: "asc" } });
  return rows.map((r) => r.customerGid);
}

const paidOrdersOf = (customerGid: string) =>
  db.prisma.order.findMany({ where: { shopDomain: devStore.shop, customerGid, financialStatus: "PAID", cancelledAt: null }, orderBy: { processedAt: "asc" } });

let orderSeq = 0;
async function addOrder(customerGid: string | null, processedAt: Date, totalMinor: number) {
  orderSeq++;
  await db.prisma.order.create({
    data: {
      shopDomain: devStore.shop, orderGid: `gid://shopify/Order/990000${orderSeq}`, name: `#T${orderSeq}`, customerGid,
      financialStatus: "PAID", currencyCode: "USD", subtotalMinor: BigInt(totalMinor), totalPriceMinor: BigInt(totalMinor),
      processedAt, shopifyCreatedAt: processedAt, shopifyUpdatedAt: processedAt,
    },
  });
}

/**
 * The reference: a pass that reads every order, at the same as-of, right
 * after. It writes nothing and records no move exactly when every stored row
 * is what it would have written; its baseline and fit must match too.
 */
async function expectSameAsFullPass(asOf: Date) {
  const before = await shopInsight();
  const full = await recomputeShop(devStore.shop, deps(asOf, true));
  expect(full.mode).toBe("full");
  expect(full.written).toBe(0);
  expect(full.moves).toBe(0);
  const after = await shopInsight();
  expect(JSON.parse(after.baseline)).toEqual(JSON.parse(before.baseline));
  expect(JSON.parse(after.fitDiagnostics)).toEqual(JSON.parse(before.fitDiagnostics));
}

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 91, orders: 1_500 });
  ({ restoreFetch } = await syncTestDevStore(devStore, { db: db.prisma, dialect }));
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("purchase digests and stale marks", () => {
  it("GIVEN a synced shop THEN every customer is marked stale, and the first pass reads every order and clears the marks", async () => {
    const customers = await db.prisma.customer.count({ where: { shopDomain: devStore.shop, deletedAt: null } });
    expect((await stale()).length).toBeGreaterThanOrEqual(customers);
    const first = await recomputeShop(devStore.shop, deps(ASOF));
    expect(first.mode).toBe("full");
    expect(first.written).toBe(first.customers);
    expect(await stale()).toEqual([]);
    expect((await shopInsight()).digestVersion).toBe(PURCHASE_DIGEST_VERSION);
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop } });
    expect(rows.every((r) => builtAt(r.digest) === ASOF.getTime())).toBe(true);
    // A second pass with nothing changed reads digests only.
    const second = await recomputeShop(devStore.shop, deps(ASOF));
    expect(second).toMatchObject({ mode: "digest", reread: 0, written: 0, moves: 0, customers: first.customers });
    await expectSameAsFullPass(ASOF);
  });

  it("GIVEN every kind of change WHEN a digest pass runs THEN only the changed customers are read and the rows equal a full pass's", async () => {
    const [a, b, c, d, e, f, , h, i] = await buyers(2);
    const [j, k] = (await buyers(1)).slice(-2);
    // a: a new order; b: a partial refund; c: an order cancelled; d's order moved to e; f: deleted;
    // h: an order voided (financial status); i: an order after the next pass's as-of; j: an order deleted;
    // k: created earlier; two new customers, one with an order; a guest order (no customer).
    await addOrder(a, at(-2), 4_321);
    const [bOrder] = await paidOrdersOf(b);
    await db.prisma.order.update({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: bOrder.orderGid } }, data: { totalRefundedMinor: 1_00n, financialStatus: "PARTIALLY_REFUNDED" } });
    const [cOrder] = await paidOrdersOf(c);
    await db.prisma.order.update({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: cOrder.orderGid } }, data: { cancelledAt: at(-1) } });
    const [dOrder] = await paidOrdersOf(d);
    await db.prisma.order.update({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: dOrder.orderGid } }, data: { customerGid: e } });
    await db.prisma.customer.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: f } }, data: { deletedAt: at(-1) } });
    const [hOrder] = await paidOrdersOf(h);
    await db.prisma.order.update({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: hOrder.orderGid } }, data: { financialStatus: "VOIDED" } });
    await addOrder(i, at(3), 999);
    const [jOrder] = await paidOrdersOf(j);
    await db.prisma.order.delete({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: jOrder.orderGid } } });
    await db.prisma.customer.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: k } }, data: { shopifyCreatedAt: at(-900) } });
    for (const [n, withOrder] of [[1, false], [2, true]] as const) {
      const gid = `gid://shopify/Customer/88000${n}`;
      await db.prisma.customer.create({ data: { shopDomain: devStore.shop, customerGid: gid, shopifyCreatedAt: at(-3), shopifyUpdatedAt: at(-3) } });
      if (withOrder) await addOrder(gid, at(-2), 2_500);
    }
    await addOrder(null, at(-2), 1_000);
    // Changes that do not touch what a pass reads mark no one.
    await db.prisma.customer.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: a } }, data: { firstName: "Renamed" } });
    await db.prisma.order.updateMany({ where: { shopDomain: devStore.shop, customerGid: a }, data: { tags: "vip" } });

    const marked = await stale();
    const expected = [a, b, c, d, e, f, h, i, j, k, "gid://shopify/Customer/880001", "gid://shopify/Customer/880002"].sort();
    expect(marked).toEqual(expected);

    const pass = await recomputeShop(devStore.shop, deps(at(1)));
    expect(pass.mode).toBe("digest");
    expect(pass.reread).toBe(expected.length - 1); // f is deleted: its row goes
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop, customerGid: f } })).toBe(0);
    // i's order after the as-of is left out of its digest: i stays stale until a pass covers it.
    expect(await stale()).toEqual([i]);
    await expectSameAsFullPass(at(1));

    const later = await recomputeShop(devStore.shop, deps(at(4)));
    expect(later.mode).toBe("digest");
    expect(await stale()).toEqual([]);
    const iRow = await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: i } } });
    expect(iRow.lastOrderAt?.getTime()).toBe(at(3).getTime());
    await expectSameAsFullPass(at(4));
  });

  it("GIVEN a customer rescored by an order webhook WHEN the next pass runs THEN it uses the row the update wrote and changes nothing", async () => {
    const [a] = await buyers(3);
    await addOrder(a, at(4.5), 3_000);
    const update = await updateCustomer(devStore.shop, a, deps(at(5)));
    expect(update.orders).toBeGreaterThan(3);
    const row = await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: a } } });
    expect(builtAt(row.digest)).toBe(at(5).getTime());
    const pass = await recomputeShop(devStore.shop, deps(at(5)));
    expect(pass).toMatchObject({ mode: "digest", reread: 1 });
    await expectSameAsFullPass(at(5));
  });

  it("GIVEN a pass at an earlier as-of than the last THEN it reads every order (digests may hold later orders)", async () => {
    const pass = await recomputeShop(devStore.shop, deps(at(2)));
    expect(pass.mode).toBe("full");
    const back = await recomputeShop(devStore.shop, deps(at(6)));
    expect(back.mode).toBe("digest");
    await expectSameAsFullPass(at(6));
  });

  it("GIVEN a customer's insight deleted (a redaction) THEN the customer is marked and the next pass scores them again", async () => {
    const [a] = await buyers(1);
    await db.prisma.customerInsight.delete({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: a } } });
    expect(await stale()).toEqual([a]);
    const pass = await recomputeShop(devStore.shop, deps(at(6)));
    expect(pass).toMatchObject({ mode: "digest", reread: 1 });
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop, customerGid: a } })).toBe(1);
    await expectSameAsFullPass(at(6));
  });

  it("GIVEN rows without a usable digest (an older format, a damaged one) THEN the next pass rewrites them with one, and the pass after reads digests only", async () => {
    const asOf = at(8);
    await recomputeShop(devStore.shop, deps(asOf));
    const [a, b] = await buyers(2);
    await db.prisma.customerInsight.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: a } }, data: { digest: null } });
    await db.prisma.customerInsight.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: b } }, data: { digest: "1,2,x" } });
    const repair = await recomputeShop(devStore.shop, deps(asOf));
    expect(repair).toMatchObject({ mode: "digest", reread: 2, written: 2 });
    expect(await recomputeShop(devStore.shop, deps(asOf))).toMatchObject({ mode: "digest", reread: 0, written: 0 });

    // Another format: the shop's digests are all read as unusable; a full pass rewrites every row, even those whose state is the same.
    await db.prisma.customerInsight.updateMany({ where: { shopDomain: devStore.shop }, data: { digest: null } });
    await db.prisma.shopInsight.update({ where: { shopDomain: devStore.shop }, data: { digestVersion: PURCHASE_DIGEST_VERSION - 1 } });
    const upgrade = await recomputeShop(devStore.shop, deps(asOf));
    expect(upgrade.mode).toBe("full");
    expect(upgrade.written).toBe(upgrade.customers);
    expect((await shopInsight()).digestVersion).toBe(PURCHASE_DIGEST_VERSION);
    expect(await recomputeShop(devStore.shop, deps(asOf))).toMatchObject({ mode: "digest", reread: 0, written: 0 });
    await expectSameAsFullPass(asOf);
  });
});
