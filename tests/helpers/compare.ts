/**
 * Row-for-row comparison of what sync stored with what the dev store holds.
 * Expected values are derived from the dev store's own model (not from the
 * app's mappers), so a mapping bug shows up as a difference.
 */
import { expect } from "vitest";
import { gid, isGiftCardProduct } from "../../dev-store/model";
import type { DevStore } from "../../dev-store/store";
import { toMinorUnits } from "~/domain/sync/money";
import type { PrismaClient } from "~/db.server";

const minor = (m: { shopMoney: { amount: string; currencyCode: string } }) => toMinorUnits(m.shopMoney.amount, m.shopMoney.currencyCode);
// Plain code-unit order on both sides (database collations differ).
const byKey = <T, K extends keyof T>(rows: T[], key: K) =>
  [...rows].sort((a, b) => (String(a[key]) < String(b[key]) ? -1 : String(a[key]) > String(b[key]) ? 1 : 0));
// Shopify (and the dev store) report whole seconds.
const instant = (iso: string | null) => (iso === null ? null : new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString());

export async function storedState(prisma: PrismaClient, shopDomain: string) {
  const [customers, orders, lineItems, refunds, products] = await Promise.all([
    prisma.customer.findMany({ where: { shopDomain }, orderBy: { customerGid: "asc" } }),
    prisma.order.findMany({ where: { shopDomain }, orderBy: { orderGid: "asc" } }),
    prisma.orderLineItem.findMany({ where: { shopDomain }, orderBy: { lineItemGid: "asc" } }),
    prisma.refund.findMany({ where: { shopDomain }, orderBy: { refundGid: "asc" } }),
    prisma.product.findMany({ where: { shopDomain }, orderBy: { productGid: "asc" } }),
  ]);
  return {
    customers: byKey(customers, "customerGid"),
    orders: byKey(orders, "orderGid"),
    lineItems: byKey(lineItems, "lineItemGid"),
    refunds: byKey(refunds, "refundGid"),
    products: byKey(products, "productGid"),
  };
}

export function expectedState(store: DevStore) {
  const customers = store.customers().map((c) => ({
    customerGid: gid("Customer", c.id),
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    tags: c.tags.join(","),
    birthday: c.birthday,
    countryCode: c.countryCode,
    // Shopify has no email marketing consent for a customer without an email.
    emailMarketingState: c.email === null ? null : c.emailMarketingState,
    shopifyUpdatedAt: instant(c.updatedAt),
  }));
  const orders = store.orders().map((o) => ({
    orderGid: gid("Order", o.id),
    name: o.name,
    customerGid: o.customerId ? gid("Customer", o.customerId) : null,
    financialStatus: o.financialStatus,
    currencyCode: o.currencyCode,
    subtotalMinor: minor(o.subtotalPrice),
    totalPriceMinor: minor(o.totalPrice),
    totalRefundedMinor: minor(o.totalRefunded),
    totalTaxMinor: minor(o.totalTax),
    cancelledAt: instant(o.cancelledAt),
    shopifyUpdatedAt: instant(o.updatedAt),
    lineItems: o.lineItems.length,
  }));
  const lineItems = store.orders().flatMap((o) =>
    o.lineItems.map((l) => ({
      lineItemGid: gid("LineItem", l.id),
      orderGid: gid("Order", o.id),
      quantity: l.quantity,
      unitPriceMinor: minor(l.originalUnitPrice),
      discountedTotalMinor: minor(l.discountedTotal),
      isGiftCard: isGiftCardProduct(l.productId ? store.product(l.productId) : null),
    })),
  );
  const refunds = store.orders().flatMap((o) =>
    o.refunds.map((r) => ({ refundGid: gid("Refund", r.id), orderGid: gid("Order", o.id), totalMinor: minor(r.totalRefunded) })),
  );
  const products = store.products().map((p) => ({ productGid: gid("Product", p.id), title: p.title }));
  return {
    customers: byKey(customers, "customerGid"),
    orders: byKey(orders, "orderGid"),
    lineItems: byKey(lineItems, "lineItemGid"),
    refunds: byKey(refunds, "refundGid"),
    products: byKey(products, "productGid"),
  };
}

/**
 * Asserts the database holds exactly the dev store's customers, orders, line
 * items, refunds and products (or a snapshot of them taken earlier with
 * `expectedState`, when the app itself has since changed the shop).
 */
export async function expectDatabaseToMatchStore(
  prisma: PrismaClient,
  store: DevStore,
  expected: ReturnType<typeof expectedState> = expectedState(store),
): Promise<void> {
  const stored = await storedState(prisma, store.shop.domain);
  const lineCounts = new Map<string, number>();
  for (const l of stored.lineItems) lineCounts.set(l.orderGid, (lineCounts.get(l.orderGid) ?? 0) + 1);

  expect(stored.customers.map((c) => ({
    customerGid: c.customerGid,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    tags: c.tags,
    birthday: c.birthday,
    countryCode: c.countryCode,
    emailMarketingState: c.emailMarketingState,
    shopifyUpdatedAt: c.shopifyUpdatedAt.toISOString(),
  }))).toEqual(expected.customers);
  expect(stored.orders.map((o) => ({
    orderGid: o.orderGid,
    name: o.name,
    customerGid: o.customerGid,
    financialStatus: o.financialStatus,
    currencyCode: o.currencyCode,
    subtotalMinor: o.subtotalMinor,
    totalPriceMinor: o.totalPriceMinor,
    totalRefundedMinor: o.totalRefundedMinor,
    totalTaxMinor: o.totalTaxMinor,
    cancelledAt: o.cancelledAt?.toISOString() ?? null,
    shopifyUpdatedAt: o.shopifyUpdatedAt.toISOString(),
    lineItems: lineCounts.get(o.orderGid) ?? 0,
  }))).toEqual(expected.orders);
  expect(stored.lineItems.map((l) => ({
    lineItemGid: l.lineItemGid,
    orderGid: l.orderGid,
    quantity: l.quantity,
    unitPriceMinor: l.unitPriceMinor,
    discountedTotalMinor: l.discountedTotalMinor,
    isGiftCard: l.isGiftCard,
  }))).toEqual(expected.lineItems);
  expect(stored.refunds.map((r) => ({ refundGid: r.refundGid, orderGid: r.orderGid, totalMinor: r.totalMinor }))).toEqual(expected.refunds);
  expect(stored.products.map((p) => ({ productGid: p.productGid, title: p.title }))).toEqual(expected.products);
}
