/**
 * After a storm or a crash: does the database hold the dev store's truth?
 * Returns the differences as sentences (empty: nothing lost, nothing doubled),
 * so the benchmark can print them and the tests can assert on them.
 *
 * Orders: every order of the shop present once, with the shop's status,
 * amounts, refunds (each with the shop's total and goods) and cancellation. Ledger: for every order the storm
 * touched, what its entries sum to equals what earning recomputes from the
 * stored order (app/domain/loyalty/order-points.ts) with the rules pinned on
 * its first entry (so once the orders equal the shop's, the ledger equals the
 * one the shop's data gives); the pin itself is checked against the
 * rules in force (rule version, rate, tier multipliers, one first-order bonus
 * per customer); entry keys run 0..n-1 (no gap: nothing lost; the unique key:
 * nothing doubled); every customer created in the storm got its sign-up points
 * once; and every cached balance equals the ledger.
 */
import { gid, isGiftCardProduct } from "../../dev-store/model";
import type { DevStore } from "../../dev-store/store";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import type { PrismaClient } from "~/db.server";
import { orderTarget, pinOrderRules, type OrderSnapshot, type PinnedOrderRules, type RefundSnapshot } from "~/domain/loyalty/order-points";
import type { Order } from "~/generated/prisma/client";
import { toMinorUnits } from "~/domain/sync/money";
import { rebuildBalances } from "~/services/points.server";

const minor = (m: { shopMoney: { amount: string; currencyCode: string } }) => toMinorUnits(m.shopMoney.amount, m.shopMoney.currencyCode);
const seconds = (iso: string | null) => (iso === null ? null : Math.floor(Date.parse(iso) / 1000));

export interface TruthReport {
  orders: number;
  ledgerOrders: number;
  entries: number;
  /** Stored orders and refunds against the shop's. */
  orderProblems: string[];
  /** The ledger against what earning recomputes from the stored orders. */
  ledgerProblems: string[];
}

/** The order as earning reads it (app/services/points.server.ts): the stored row, refunds counted from whichever knows more. */
function storedSnapshot(row: Order, refundRows: RefundSnapshot[], giftCardMinor: bigint): OrderSnapshot {
  const refundedRows = refundRows.reduce((sum, r) => sum + r.totalMinor, 0n);
  return {
    orderGid: row.orderGid,
    customerGid: row.customerGid,
    currencyCode: row.currencyCode,
    financialStatus: row.financialStatus,
    subtotalMinor: row.subtotalMinor,
    giftCardMinor,
    totalPriceMinor: row.totalPriceMinor,
    refundedMinor: refundedRows > row.totalRefundedMinor ? refundedRows : row.totalRefundedMinor,
    refunds: refundRows,
    cancelledAt: row.cancelledAt,
    test: row.test,
    tags: row.tags ? row.tags.split(",") : [],
    processedAt: row.processedAt,
  };
}

export async function compareWithStore(
  db: PrismaClient,
  store: DevStore,
  touched: { orders: Set<string>; createdCustomers: Set<string> },
  options: { checkBalances?: boolean } = {},
): Promise<TruthReport> {
  const shopDomain = store.shop.domain;
  const problems: string[] = [];
  const ledgerProblems: string[] = [];

  // Orders: present once, equal to the shop's.
  const rows = await db.order.findMany({ where: { shopDomain } });
  // Counted apart, not through `include`: Prisma 6.19's JS engine repeats the children of a
  // composite-key relation once per chunk when the parents exceed one query's parameters (~500 orders).
  const lineItemCounts = new Map(
    (await db.orderLineItem.groupBy({ by: ["orderGid"], where: { shopDomain }, _count: { _all: true } })).map((g) => [g.orderGid, g._count._all]),
  );
  const byGid = new Map(rows.map((r) => [r.orderGid, r]));
  const truth = new Map(store.orders().map((o) => [gid("Order", o.id), o]));
  for (const [orderGid, order] of truth) {
    const row = byGid.get(orderGid);
    if (!row || row.deletedAt) {
      problems.push(`order ${orderGid} lost`);
      continue;
    }
    const want = {
      customerGid: order.customerId ? gid("Customer", order.customerId) : null,
      financialStatus: order.financialStatus,
      totalPriceMinor: minor(order.totalPrice),
      totalRefundedMinor: minor(order.totalRefunded),
      cancelledAt: seconds(order.cancelledAt),
      updatedAt: seconds(order.updatedAt),
      lineItems: order.lineItems.length,
    };
    const got = {
      customerGid: row.customerGid,
      financialStatus: row.financialStatus,
      totalPriceMinor: row.totalPriceMinor,
      totalRefundedMinor: row.totalRefundedMinor,
      cancelledAt: row.cancelledAt ? Math.floor(row.cancelledAt.getTime() / 1000) : null,
      updatedAt: Math.floor(row.shopifyUpdatedAt.getTime() / 1000),
      lineItems: lineItemCounts.get(orderGid) ?? 0,
    };
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      if (want[key] !== got[key]) problems.push(`order ${orderGid}: ${key} is ${String(got[key])}, the shop has ${String(want[key])}`);
    }
  }
  for (const row of rows) if (!truth.has(row.orderGid)) problems.push(`order ${row.orderGid} stored but not in the shop`);
  const refunds = await db.refund.findMany({ where: { shopDomain }, select: { refundGid: true, orderGid: true, totalMinor: true, goodsMinor: true } });
  const giftCardByOrder = new Map<string, bigint>();
  for (const l of await db.orderLineItem.findMany({ where: { shopDomain, isGiftCard: true }, select: { orderGid: true, discountedTotalMinor: true } })) {
    giftCardByOrder.set(l.orderGid, (giftCardByOrder.get(l.orderGid) ?? 0n) + l.discountedTotalMinor);
  }
  const refundsByOrder = new Map<string, RefundSnapshot[]>();
  for (const r of refunds) refundsByOrder.set(r.orderGid, [...(refundsByOrder.get(r.orderGid) ?? []), { totalMinor: r.totalMinor, goodsMinor: r.goodsMinor }]);
  // Each refund's money and, where a webhook gave it, its goods (line subtotals of non-gift-card lines) as the shop has them.
  const truthRefunds = new Map(store.orders().flatMap((o) => o.refunds.map((r) => [gid("Refund", r.id), {
    totalMinor: minor(r.totalRefunded),
    goodsMinor: r.refundLineItems.reduce((sum, l) => {
      const line = o.lineItems.find((li) => li.id === l.lineItemId);
      const product = line?.productId ? store.product(line.productId) : undefined;
      return isGiftCardProduct(product) ? sum : sum + minor(l.subtotal);
    }, 0n),
  }] as const)));
  const storedRefunds = new Map(refunds.map((r) => [r.refundGid, r]));
  for (const r of truthRefunds.keys()) if (!storedRefunds.has(r)) problems.push(`refund ${r} lost`);
  for (const [refundGid, stored] of storedRefunds) {
    const want = truthRefunds.get(refundGid);
    if (!want) problems.push(`refund ${refundGid} stored but not in the shop`);
    else if (stored.totalMinor !== want.totalMinor) problems.push(`refund ${refundGid}: totalMinor is ${stored.totalMinor}, the shop has ${want.totalMinor}`);
    else if (stored.goodsMinor !== null && stored.goodsMinor !== want.goodsMinor) problems.push(`refund ${refundGid}: goodsMinor is ${stored.goodsMinor}, the shop has ${want.goodsMinor}`);
  }

  // Ledger.
  const active = await loadActiveProgram(db, shopDomain);
  if (!active) return { orders: rows.length, ledgerOrders: 0, entries: 0, orderProblems: problems, ledgerProblems: ["the loyalty programme is off"] };
  const entries = await db.loyaltyEntry.findMany({ where: { shopDomain }, orderBy: { createdAt: "asc" } });
  const orderEntries = new Map<string, typeof entries>();
  for (const e of entries) {
    if (!e.orderGid || (e.kind !== "order" && e.kind !== "first_order")) continue;
    orderEntries.set(e.orderGid, [...(orderEntries.get(e.orderGid) ?? []), e]);
  }
  const multipliers = new Set(active.rules.tiers.map((t) => t.multiplierPct));
  const baseMultiplier = Math.min(...multipliers);
  const firstOrderBonuses = new Map<string, string[]>();
  for (const orderGid of touched.orders) {
    const row = byGid.get(orderGid);
    if (!row || row.deletedAt) continue; // reported above
    const snapshot = storedSnapshot(row, refundsByOrder.get(orderGid) ?? [], giftCardByOrder.get(orderGid) ?? 0n);
    const mine = orderEntries.get(orderGid) ?? [];
    const pinned = mine.find((e) => e.detail && e.reversesEntryId === null);
    if (!pinned) {
      if (!snapshot.customerGid) continue; // guests earn nothing
      const wouldEarn = orderTarget(snapshot, pinOrderRules(active.rules, active.ruleVersion, baseMultiplier, false)).purchase;
      if (wouldEarn > 0) ledgerProblems.push(`order ${orderGid} should earn at least ${wouldEarn} points and holds none`);
      continue;
    }
    const pin = (JSON.parse(pinned.detail!) as { pin: PinnedOrderRules }).pin;
    if (pin.ruleVersion !== active.ruleVersion || pin.pointsPerUnit !== active.rules.pointsPerUnit || !multipliers.has(pin.multiplierPct)) {
      ledgerProblems.push(`order ${orderGid} pinned rules not in force: ${JSON.stringify(pin)}`);
    }
    if (pin.firstOrderPoints !== 0 && pin.firstOrderPoints !== active.rules.firstOrderPoints) ledgerProblems.push(`order ${orderGid} pinned a first-order bonus of ${pin.firstOrderPoints}`);
    if (pin.firstOrderPoints > 0 && snapshot.customerGid) firstOrderBonuses.set(snapshot.customerGid, [...(firstOrderBonuses.get(snapshot.customerGid) ?? []), orderGid]);
    const target = orderTarget(snapshot, pin);
    const groups = new Map<string, typeof mine>();
    for (const e of mine) groups.set(`${e.customerGid}|${e.kind}`, [...(groups.get(`${e.customerGid}|${e.kind}`) ?? []), e]);
    for (const kind of ["order", "first_order"] as const) {
      const key = `${snapshot.customerGid}|${kind}`;
      if (snapshot.customerGid && !groups.has(key)) groups.set(key, []);
    }
    for (const [key, group] of groups) {
      const [customerGid, kind] = key.split("|");
      const held = group.reduce((sum, e) => sum + e.points, 0);
      const want = customerGid === snapshot.customerGid ? (kind === "order" ? target.purchase : target.firstOrder) : 0;
      if (held !== want) ledgerProblems.push(`order ${orderGid} ${kind} points of ${customerGid}: ${held} held, ${want} recomputed`);
      const sequences = group.map((e) => Number(e.idempotencyKey.split(":").pop())).sort((a, b) => a - b);
      if (sequences.some((s, i) => s !== i)) ledgerProblems.push(`order ${orderGid} ${kind} entries of ${customerGid} have keys ${sequences.join(",")} (a gap or a repeat)`);
    }
  }
  for (const [customerGid, orders] of firstOrderBonuses) {
    if (orders.length > 1) ledgerProblems.push(`customer ${customerGid} got the first-order bonus on ${orders.length} orders: ${orders.join(", ")}`);
  }
  if (active.rules.accountCreatedPoints > 0) {
    const signups = new Map<string, number>();
    for (const e of entries) if (e.kind === "account_created") signups.set(e.customerGid, (signups.get(e.customerGid) ?? 0) + 1);
    for (const customerGid of touched.createdCustomers) {
      const count = signups.get(customerGid) ?? 0;
      if (count !== 1) ledgerProblems.push(`customer ${customerGid} has ${count} account-creation awards`);
    }
  }
  if (options.checkBalances ?? true) {
    const rebuilt = await rebuildBalances(shopDomain, { db });
    for (const c of rebuilt.corrected) ledgerProblems.push(`balance of ${c.customerGid}: cached ${JSON.stringify(c.cached)}, ledger ${JSON.stringify(c.ledger)}`);
  }
  return { orders: rows.length, ledgerOrders: orderEntries.size, entries: entries.length, orderProblems: problems, ledgerProblems };
}
