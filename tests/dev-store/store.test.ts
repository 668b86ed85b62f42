import { beforeEach, describe, expect, it } from "vitest";
import { generateShop } from "../../dev-store/generator";
import { gid, type DevOrder, type MoneyBag } from "../../dev-store/model";
import { bagMinor, convertMinor, parseMinor } from "../../dev-store/money";
import { DevStore, DevStoreError, type StoreEvent } from "../../dev-store/store";

const NOW = "2026-11-01T00:00:00.000Z";
const data = () => generateShop({ seed: 77, orders: 1200 });

function shop(bag: MoneyBag): number {
  return bagMinor(bag).shopMinor;
}

/** A store whose clock stands still at NOW unless a test moves it. */
function frozenStore(): { store: DevStore; events: StoreEvent[]; setNow: (iso: string) => void } {
  let now = Date.parse(NOW);
  const store = new DevStore(data(), { clock: () => new Date(now) });
  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  return { store, events, setNow: (iso) => (now = Date.parse(iso)) };
}

function expectDevStoreError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DevStoreError);
    expect((error as DevStoreError).code).toBe(code);
    return;
  }
  throw new Error(`expected DevStoreError ${code}`);
}

function paidOrderWithLines(store: DevStore, min: number): DevOrder {
  return store.orders().find((o) => o.financialStatus === "PAID" && !o.cancelledAt && o.lineItems.length >= min && o.lineItems.some((l) => l.quantity > 1))!;
}

describe("DevStore reads", () => {
  const store = new DevStore(data());

  it("lists products, customers and orders sorted by numeric id and finds them by id", () => {
    for (const list of [store.products(), store.customers(), store.orders()]) {
      for (let i = 1; i < list.length; i++) expect(BigInt(list[i - 1].id) < BigInt(list[i].id)).toBe(true);
    }
    const order = store.orders()[10];
    expect(store.order(order.id)).toBe(order);
    const product = store.products()[3];
    expect(store.product(product.id)).toBe(product);
    expect(store.variant(product.variants[0].id)).toBe(product.variants[0]);
    const refunded = store.orders().find((o) => o.refunds.length > 0)!;
    expect(store.refund(refunded.refunds[0].id)).toBe(refunded.refunds[0]);
    expect(store.customer("1")).toBeUndefined();
  });

  it("returns a customer's orders oldest first", () => {
    const order = store.orders().filter((o) => o.customerId).at(-1)!;
    const theirs = store.ordersOfCustomer(order.customerId!);
    expect(theirs.at(-1)).toBe(order);
    expect(theirs.every((o) => o.customerId === order.customerId)).toBe(true);
    expect(theirs.map((o) => o.createdAt)).toEqual([...theirs.map((o) => o.createdAt)].sort());
    expect(store.ordersOfCustomer("404")).toEqual([]);
  });
});

describe("DevStore.searchFilter", () => {
  const store = new DevStore(data());
  const orders = store.orders();
  const match = (query: string) => orders.filter(store.searchFilter<DevOrder>(query, "order"));

  it("filters on times with every comparator and quoting style", () => {
    const pivot = orders[600].updatedAt;
    expect(match(`updated_at:>'${pivot}'`)).toEqual(orders.filter((o) => o.updatedAt > pivot));
    expect(match(`updated_at:>="${pivot}"`)).toEqual(orders.filter((o) => o.updatedAt >= pivot));
    expect(match(`created_at:<${orders[100].createdAt}`)).toEqual(orders.filter((o) => o.createdAt < orders[100].createdAt));
    expect(match("created_at:<=2025-01-01")).toEqual(orders.filter((o) => o.createdAt <= "2025-01-01T00:00:00.000Z"));
    // Another offset, same instant.
    expect(match("updated_at:>'2025-06-01T02:00:00+02:00'")).toEqual(orders.filter((o) => o.updatedAt > "2025-06-01T00:00:00.000Z"));
  });

  it("filters ids numerically, joins terms with AND or spaces and negates", () => {
    const id = orders[500].id;
    expect(match(`id:>${id}`)).toEqual(orders.slice(501));
    expect(match(`id:<=${gid("Order", id)}`)).toEqual(orders.slice(0, 501));
    const pivot = orders[300].createdAt;
    const expected = orders.filter((o) => Number(o.id) > Number(id) || false).filter((o) => o.createdAt > pivot && o.financialStatus === "REFUNDED");
    expect(match(`id:>${id} AND created_at:>'${pivot}' financial_status:refunded`)).toEqual(expected);
    expect(match("-financial_status:paid")).toEqual(orders.filter((o) => o.financialStatus !== "PAID"));
    expect(match("NOT status:open")).toEqual(orders.filter((o) => o.closedAt !== null || o.cancelledAt !== null));
    expect(match("")).toHaveLength(orders.length);
  });

  it("filters customers and products on their own fields", () => {
    const customers = store.customers();
    const c = customers[7];
    expect(customers.filter(store.searchFilter(`email:${c.email!.toUpperCase()}`, "customer"))).toEqual([c]);
    expect(customers.filter(store.searchFilter("tag:vip", "customer"))).toEqual(customers.filter((x) => x.tags.includes("vip")));
    const products = store.products();
    expect(products.filter(store.searchFilter("product_type:Coffee", "product"))).toEqual(products.filter((p) => p.productType === "Coffee"));
  });

  it("throws a clear error for unknown fields and unsupported syntax", () => {
    expect(() => store.searchFilter("colour:red", "order")).toThrow(/unsupported search field "colour" for orders/);
    expect(() => store.searchFilter("vendor:x", "customer")).toThrow(DevStoreError);
    expect(() => store.searchFilter("tag:a OR tag:b", "order")).toThrow(/OR/);
    expect(() => store.searchFilter("updated_at:>'soon'", "order")).toThrow(/not a date/);
    expect(() => store.searchFilter("updated_at:>'2025", "order")).toThrow(/unterminated/);
  });
});

describe("DevStore mutations", () => {
  let store: DevStore;
  let events: StoreEvent[];
  let setNow: (iso: string) => void;
  beforeEach(() => {
    ({ store, events, setNow } = frozenStore());
  });

  it("stamps strictly increasing times even when the clock stands still or lags the data", () => {
    const c = store.customers()[0];
    const stamps: string[] = [];
    for (let i = 0; i < 5; i++) stamps.push(store.updateCustomer(c.id, { note: `n${i}` }).updatedAt);
    expect(stamps[0]).toBe(NOW);
    for (let i = 1; i < stamps.length; i++) expect(Date.parse(stamps[i]) - Date.parse(stamps[i - 1])).toBe(1);
    setNow("2020-01-01T00:00:00.000Z"); // a clock behind the data must not move stamps backwards
    const later = store.updateCustomer(c.id, { note: "late" }).updatedAt;
    expect(later > stamps.at(-1)!).toBe(true);
    setNow("2026-12-24T10:00:00.000Z");
    expect(store.updateCustomer(c.id, { note: "xmas" }).updatedAt).toBe("2026-12-24T10:00:00.000Z");
    expect(events.map((e) => e.occurredAt)).toEqual([...stamps, later, "2026-12-24T10:00:00.000Z"]);
  });

  it("creates a customer with a fresh id and emits customers/create", () => {
    const maxId = BigInt(store.customers().at(-1)!.id);
    const c = store.createCustomer({ email: "new@example.com", firstName: "Nia", tags: ["vip", "vip", "a,b"], emailMarketingState: "SUBSCRIBED" });
    expect(BigInt(c.id)).toBe(maxId + 1n);
    expect(c).toMatchObject({ createdAt: NOW, updatedAt: NOW, tags: ["vip", "a", "b"], emailMarketingConsentUpdatedAt: NOW, state: "DISABLED" });
    expect(store.customers().at(-1)).toBe(c);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ topic: "customers/create", subjectGid: gid("Customer", c.id), occurredAt: NOW });
    expect(events[0].payload).toMatchObject({ id: Number(c.id), email: "new@example.com", first_name: "Nia" });
    expectDevStoreError(() => store.createCustomer({ email: "NEW@example.com" }), "TAKEN");
    expectDevStoreError(() => store.createCustomer({}), "INVALID_INPUT");
  });

  it("updates a customer (customers/update) and keeps payloads as they were when emitted", () => {
    const c = store.customers()[5];
    store.updateCustomer(c.id, { firstName: "First" });
    store.updateCustomer(c.id, { firstName: "Second", emailMarketingState: c.emailMarketingState === "SUBSCRIBED" ? "UNSUBSCRIBED" : "SUBSCRIBED" });
    expect(events.map((e) => e.topic)).toEqual(["customers/update", "customers/update"]);
    expect(events[0].payload.first_name).toBe("First");
    expect(events[1].payload.first_name).toBe("Second");
    expect(c.emailMarketingConsentUpdatedAt).toBe(events[1].occurredAt);
    expect(c.createdAt < c.updatedAt).toBe(true);
    expectDevStoreError(() => store.updateCustomer("404", { note: "x" }), "NOT_FOUND");
    expectDevStoreError(() => store.updateCustomer(c.id, { email: store.customers()[6].email }), "TAKEN");
  });

  it("deletes only customers without orders (customers/delete)", () => {
    const buyer = store.orders().find((o) => o.customerId)!.customerId!;
    expectDevStoreError(() => store.deleteCustomer(buyer), "CUSTOMER_HAS_ORDERS");
    const idle = store.customers().find((c) => store.ordersOfCustomer(c.id).length === 0)!;
    const count = store.customers().length;
    store.deleteCustomer(idle.id);
    expect(store.customer(idle.id)).toBeUndefined();
    expect(store.customers()).toHaveLength(count - 1);
    expect(store.customers().some((c) => c.id === idle.id)).toBe(false);
    expect(events.at(-1)).toMatchObject({ topic: "customers/delete", subjectGid: gid("Customer", idle.id) });
    expect(events.at(-1)!.payload).toMatchObject({ id: Number(idle.id), admin_graphql_api_id: gid("Customer", idle.id) });
    expectDevStoreError(() => store.deleteCustomer(idle.id), "NOT_FOUND");
    // The email is free again.
    expect(store.createCustomer({ email: idle.email }).email).toBe(idle.email);
  });

  it("creates a priced order in the presentment currency with a discount code (orders/create + orders/paid)", () => {
    const customer = store.createCustomer({ email: "buyer@example.com", countryCode: "DE" });
    events.length = 0;
    const variant = store.products().find((p) => p.status === "ACTIVE")!.variants[0];
    const lastOrder = store.orders().at(-1)!;
    const order = store.createOrder({ customerId: customer.id, lines: [{ variantId: variant.id, quantity: 2 }], presentmentCurrencyCode: "EUR", discountCode: "welcome10" });
    expect(BigInt(order.id)).toBe(BigInt(lastOrder.id) + 1n);
    expect(order.name).toBe(`#${Number(lastOrder.name.slice(1)) + 1}`);
    expect(order).toMatchObject({ email: "buyer@example.com", financialStatus: "PAID", fulfillmentStatus: "UNFULFILLED", presentmentCurrencyCode: "EUR", discountCodes: ["WELCOME10"] });
    const unit = parseMinor(variant.price, "USD");
    expect(shop(order.lineItems[0].originalUnitPrice)).toBe(unit);
    expect(bagMinor(order.lineItems[0].originalUnitPrice).presentmentMinor).toBe(convertMinor(unit, "USD", "EUR"));
    expect(shop(order.totalDiscounts)).toBe(Math.floor((2 * unit * 2 * 1000 + 10_000) / 20_000)); // 10% of 2 units, half up
    expect(shop(order.totalPrice)).toBe(shop(order.subtotalPrice) + shop(order.totalShipping) + shop(order.totalTax));
    expect(shop(order.totalTax)).toBe(Math.floor((2 * shop(order.subtotalPrice) * 1900 + 10_000) / 20_000)); // German VAT
    expect(events.map((e) => e.topic)).toEqual(["orders/create", "orders/paid"]);
    expect(events.every((e) => e.subjectGid === gid("Order", order.id))).toBe(true);
    expect(store.ordersOfCustomer(customer.id)).toEqual([order]);
    expect(customer.updatedAt).toBe(order.createdAt);
    // WELCOME10 applies once per customer.
    expectDevStoreError(() => store.createOrder({ customerId: customer.id, lines: [{ variantId: variant.id, quantity: 1 }], discountCode: "WELCOME10" }), "INVALID_DISCOUNT_CODE");
    expectDevStoreError(() => store.createOrder({ customerId: null, lines: [{ variantId: variant.id, quantity: 1 }], discountCode: "NOPE" }), "INVALID_DISCOUNT_CODE");
    expectDevStoreError(() => store.createOrder({ customerId: null, lines: [{ variantId: "1", quantity: 1 }] }), "NOT_FOUND");
    expectDevStoreError(() => store.createOrder({ customerId: null, lines: [{ variantId: variant.id, quantity: 0 }] }), "INVALID_INPUT");
    expectDevStoreError(() => store.createOrder({ customerId: null, lines: [] }), "INVALID_INPUT");
  });

  it("marks a pending order paid (orders/paid + orders/updated) and refuses twice", () => {
    const variant = store.products()[0].variants[0];
    const order = store.createOrder({ customerId: null, email: "g@example.com", lines: [{ variantId: variant.id, quantity: 1 }], financialStatus: "PENDING" });
    expect(events.map((e) => e.topic)).toEqual(["orders/create"]);
    store.markOrderPaid(order.id);
    expect(order.financialStatus).toBe("PAID");
    expect(events.slice(1).map((e) => e.topic)).toEqual(["orders/paid", "orders/updated"]);
    expect(order.updatedAt > order.createdAt).toBe(true);
    expectDevStoreError(() => store.markOrderPaid(order.id), "INVALID_STATE");
  });

  it("refunds partially, then the rest, keeping totals consistent (refunds/create + orders/updated)", () => {
    const order = paidOrderWithLines(store, 2);
    const line = order.lineItems.find((l) => l.quantity > 1)!;
    const refund = store.refundOrder(order.id, [{ lineItemId: line.id, quantity: 1 }], "Too big");
    expect(order.financialStatus).toBe("PARTIALLY_REFUNDED");
    expect(refund.refundLineItems).toHaveLength(1);
    expect(refund.refundLineItems[0]).toMatchObject({ lineItemId: line.id, quantity: 1 });
    expect(shop(refund.totalRefunded)).toBeGreaterThan(shop(refund.refundLineItems[0].subtotal) - 1);
    expect(store.refund(refund.id)).toBe(refund);
    expect(events.map((e) => e.topic)).toEqual(["refunds/create", "orders/updated"]);
    expect(events[0].subjectGid).toBe(gid("Refund", refund.id));
    expect(order.updatedAt).toBe(refund.createdAt);

    const before = JSON.stringify(order);
    expectDevStoreError(() => store.refundOrder(order.id, [{ lineItemId: line.id, quantity: line.quantity }]), "OVER_REFUND");
    expectDevStoreError(() => store.refundOrder(order.id, [{ lineItemId: "1", quantity: 1 }]), "UNKNOWN_LINE_ITEM");
    expectDevStoreError(() => store.refundOrder(order.id, [{ lineItemId: line.id, quantity: 0 }]), "INVALID_QUANTITY");
    expect(JSON.stringify(order)).toBe(before); // refused refunds change nothing
    expect(events).toHaveLength(2);

    store.refundOrder(order.id, "all");
    expect(order.financialStatus).toBe("REFUNDED");
    expect(order.totalRefunded).toEqual(order.totalPrice);
    const lineTotal = order.refunds.flatMap((r) => r.refundLineItems).filter((r) => r.lineItemId === line.id).reduce((s, r) => s + shop(r.subtotal), 0);
    expect(lineTotal).toBe(shop(line.discountedTotal));
    expectDevStoreError(() => store.refundOrder(order.id, "all"), "NOTHING_TO_REFUND");
  });

  it("refuses to refund an order that was never paid", () => {
    const pending = store.createOrder({ customerId: null, email: "p@example.com", lines: [{ variantId: store.products()[0].variants[0].id, quantity: 1 }], financialStatus: "PENDING" });
    expectDevStoreError(() => store.refundOrder(pending.id, "all"), "INVALID_STATE");
  });

  it("cancels a paid order with a full refund and an unpaid one by voiding it", () => {
    const paid = paidOrderWithLines(store, 1);
    store.cancelOrder(paid.id, "customer");
    expect(paid).toMatchObject({ financialStatus: "REFUNDED", cancelReason: "CUSTOMER", cancelledAt: NOW, closedAt: NOW, updatedAt: NOW });
    expect(paid.totalRefunded).toEqual(paid.totalPrice);
    expect(events.map((e) => e.topic)).toEqual(["refunds/create", "orders/cancelled", "orders/updated"]);
    expect(events[1].payload).toMatchObject({ cancel_reason: "customer", financial_status: "refunded" });
    expectDevStoreError(() => store.cancelOrder(paid.id), "INVALID_STATE");

    events.length = 0;
    const pending = store.createOrder({ customerId: null, email: "v@example.com", lines: [{ variantId: store.products()[0].variants[0].id, quantity: 1 }], financialStatus: "PENDING" });
    store.cancelOrder(pending.id);
    expect(pending).toMatchObject({ financialStatus: "VOIDED", cancelReason: "OTHER", refunds: [] });
    expect(events.map((e) => e.topic)).toEqual(["orders/create", "orders/cancelled", "orders/updated"]);
    expectDevStoreError(() => store.cancelOrder(store.orders()[0].id, "boredom"), "INVALID_INPUT");
  });

  it("sets customer metafields (customers/update); facts.birth_date is the birthday", () => {
    const c = store.customers()[3];
    store.setMetafield(gid("Customer", c.id), "facts", "birth_date", "date", "1990-04-12");
    store.setMetafield(gid("Customer", c.id), "$app", "tier", "single_line_text_field", "gold");
    expect(c.birthday).toBe("1990-04-12");
    expect(c.metafields["$app.tier"]).toEqual({ type: "single_line_text_field", value: "gold", updatedAt: c.updatedAt });
    expect(events.map((e) => e.topic)).toEqual(["customers/update", "customers/update"]);
    expectDevStoreError(() => store.setMetafield(gid("Order", store.orders()[0].id), "a", "b", "c", "d"), "INVALID_INPUT");
    expectDevStoreError(() => store.setMetafield(gid("Customer", "404"), "a", "b", "c", "d"), "NOT_FOUND");
  });

  it("adds and removes tags on customers, orders and products, with no event when nothing changes", () => {
    const c = store.customers().find((x) => x.tags.length === 0)!;
    store.addTags(gid("Customer", c.id), ["churn-risk", "VIP"]);
    expect(c.tags).toEqual(["churn-risk", "VIP"]);
    store.addTags(gid("Customer", c.id), ["vip"]); // already there, case-insensitively
    store.removeTags(gid("Customer", c.id), ["vip"]);
    expect(c.tags).toEqual(["churn-risk"]);
    const o = store.orders()[0];
    store.addTags(gid("Order", o.id), ["evergreen-reward"]);
    const p = store.products()[0];
    store.addTags(gid("Product", p.id), ["featured"]);
    expect(events.map((e) => e.topic)).toEqual(["customers/update", "customers/update", "orders/updated", "products/update"]);
    expect(events[2].payload.tags).toContain("evergreen-reward");
    expectDevStoreError(() => store.addTags(gid("Order", "404"), ["x"]), "NOT_FOUND");
    expectDevStoreError(() => store.addTags(gid("Shop", "1"), ["x"]), "INVALID_INPUT");
  });

  it("creates discount codes, finds them case-insensitively and enforces limits", () => {
    expect(store.discountCodeByCode("welcome10")?.code).toBe("WELCOME10"); // the generator's codes exist
    const code = store.createDiscountCode({
      code: "VIP5", title: "Five off", kind: "basic", value: { amount: "5.00" }, customerIds: "all", usageLimit: 1,
      appliesOncePerCustomer: false, minimumSubtotal: "10.00", startsAt: "2026-01-01T00:00:00.000Z", endsAt: null,
    });
    expect(code).toMatchObject({ id: expect.stringMatching(/^\d+$/), createdAt: NOW });
    expect(store.discountCodes()).toContain(code);
    expect(store.discountCodeByCode("vip5")).toBe(code);
    expectDevStoreError(() => store.createDiscountCode({ ...code, code: "vip5" }), "TAKEN");
    const variant = store.products().flatMap((p) => p.variants).find((v) => parseMinor(v.price, "USD") >= 1000)!;
    const order = store.createOrder({ customerId: null, email: "d@example.com", lines: [{ variantId: variant.id, quantity: 1 }], discountCode: "VIP5" });
    expect(shop(order.totalDiscounts)).toBe(500);
    expectDevStoreError(() => store.createOrder({ customerId: null, email: "d@example.com", lines: [{ variantId: variant.id, quantity: 1 }], discountCode: "VIP5" }), "INVALID_DISCOUNT_CODE");
  });

  it("unsubscribes listeners", () => {
    const seen: string[] = [];
    const off = store.on((e) => seen.push(e.topic));
    store.updateCustomer(store.customers()[0].id, { note: "a" });
    off();
    store.updateCustomer(store.customers()[0].id, { note: "b" });
    expect(seen).toEqual(["customers/update"]);
    expect(store.events()).toHaveLength(2);
  });
});

describe("DevStore.simulate", () => {
  it("is deterministic and produces a mix of events with consistent records", () => {
    const a = frozenStore();
    const b = frozenStore();
    const eventsA = a.store.simulate({ seed: 9, events: 120 });
    const eventsB = b.store.simulate({ seed: 9, events: 120 });
    expect(eventsA.length).toBeGreaterThanOrEqual(120);
    expect(eventsB).toEqual(eventsA);
    const topics = new Set(eventsA.map((e) => e.topic));
    for (const topic of ["orders/create", "orders/paid", "customers/create", "customers/update", "refunds/create"]) expect(topics).toContain(topic);
    for (let i = 1; i < eventsA.length; i++) expect(eventsA[i].occurredAt >= eventsA[i - 1].occurredAt).toBe(true);
    for (const o of a.store.orders().slice(-200)) {
      expect(shop(o.totalPrice)).toBe(shop(o.subtotalPrice) + shop(o.totalShipping) + shop(o.totalTax));
      expect(shop(o.totalRefunded)).toBeLessThanOrEqual(shop(o.totalPrice));
    }
    const c = frozenStore().store.simulate({ seed: 10, events: 120 });
    expect(c.map((e) => e.subjectGid)).not.toEqual(eventsA.map((e) => e.subjectGid));
  });
});
