import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_NOW, generateShop, productCountFor, SHOP_SIZES } from "../../dev-store/generator";
import { convertMinor, currencyExponent, formatMinor, MoneyFormatError, parseMinor } from "../../dev-store/money";
import type { DevOrder, DevShopData, MoneyBag } from "../../dev-store/model";
import { Rng } from "../../dev-store/rng";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function minor(bag: MoneyBag, side: "shopMoney" | "presentmentMoney"): number {
  return parseMinor(bag[side].amount, bag[side].currencyCode);
}

/** Every money invariant of one order, in both currencies; returns the first violation or null. */
function orderViolation(o: DevOrder): string | null {
  for (const side of ["shopMoney", "presentmentMoney"] as const) {
    const cur = side === "shopMoney" ? o.currencyCode : o.presentmentCurrencyCode;
    const bags = [o.subtotalPrice, o.totalDiscounts, o.totalShipping, o.totalTax, o.totalPrice, o.totalRefunded];
    for (const li of o.lineItems) bags.push(li.originalUnitPrice, li.discountedTotal, li.totalDiscount);
    for (const r of o.refunds) {
      bags.push(r.totalRefunded);
      for (const rli of r.refundLineItems) bags.push(rli.subtotal);
    }
    for (const bag of bags) {
      if (bag[side].currencyCode !== cur) return `${o.id}: ${side} currency ${bag[side].currencyCode} != ${cur}`;
      if (currencyExponent(cur) === 0 && bag[side].amount.includes(".")) return `${o.id}: ${cur} amount with decimals`;
      if (minor(bag, side) < 0) return `${o.id}: negative amount`;
    }
    let lines = 0;
    let discounts = 0;
    for (const li of o.lineItems) {
      const gross = minor(li.originalUnitPrice, side) * li.quantity;
      if (gross - minor(li.totalDiscount, side) !== minor(li.discountedTotal, side)) return `${o.id}: line ${li.id} ${side} discounted total`;
      lines += minor(li.discountedTotal, side);
      discounts += minor(li.totalDiscount, side);
    }
    if (lines !== minor(o.subtotalPrice, side)) return `${o.id}: ${side} subtotal ${minor(o.subtotalPrice, side)} != lines ${lines}`;
    if (discounts !== minor(o.totalDiscounts, side)) return `${o.id}: ${side} discounts`;
    const total = minor(o.subtotalPrice, side) + minor(o.totalShipping, side) + minor(o.totalTax, side);
    if (total !== minor(o.totalPrice, side)) return `${o.id}: ${side} total ${minor(o.totalPrice, side)} != ${total}`;
    const refunded = o.refunds.reduce((sum, r) => sum + minor(r.totalRefunded, side), 0);
    if (refunded !== minor(o.totalRefunded, side)) return `${o.id}: ${side} totalRefunded != sum of refunds`;
    if (refunded > minor(o.totalPrice, side)) return `${o.id}: ${side} refunded more than the total`;
    for (const r of o.refunds) {
      const lineSum = r.refundLineItems.reduce((sum, rli) => sum + minor(rli.subtotal, side), 0);
      if (lineSum > minor(r.totalRefunded, side)) return `${o.id}: refund lines exceed refund total`;
    }
  }
  const refundedQty = new Map<string, number>();
  for (const r of o.refunds) for (const rli of r.refundLineItems) refundedQty.set(rli.lineItemId, (refundedQty.get(rli.lineItemId) ?? 0) + rli.quantity);
  for (const [lineId, qty] of refundedQty) {
    const li = o.lineItems.find((l) => l.id === lineId);
    if (!li) return `${o.id}: refund of unknown line ${lineId}`;
    if (qty > li.quantity) return `${o.id}: refunded ${qty} of ${li.quantity}`;
  }
  const refundedShop = minor(o.totalRefunded, "shopMoney");
  const totalShop = minor(o.totalPrice, "shopMoney");
  if (o.financialStatus === "REFUNDED" && refundedShop !== totalShop) return `${o.id}: REFUNDED but ${refundedShop} of ${totalShop}`;
  if (o.financialStatus === "PARTIALLY_REFUNDED" && !(refundedShop > 0 && refundedShop < totalShop)) return `${o.id}: PARTIALLY_REFUNDED inconsistent`;
  if (o.refunds.length === 0 && refundedShop !== 0) return `${o.id}: refunded without refunds`;
  if (o.lineItems.length < 1 || o.lineItems.length > 4) return `${o.id}: ${o.lineItems.length} lines`;
  for (const t of [o.createdAt, o.processedAt, o.updatedAt]) if (!ISO_MS.test(t)) return `${o.id}: time ${t}`;
  if (o.updatedAt < o.createdAt) return `${o.id}: updatedAt before createdAt`;
  for (const r of o.refunds) if (r.createdAt < o.createdAt || r.createdAt > o.updatedAt) return `${o.id}: refund time`;
  if (o.cancelledAt !== null && (o.cancelledAt < o.createdAt || o.updatedAt < o.cancelledAt)) return `${o.id}: cancel time`;
  if (o.customerId === null && !o.email) return `${o.id}: guest without email`;
  return null;
}

function shopViolations(data: DevShopData): string[] {
  const problems: string[] = [];
  const nowIso = new Date(DEFAULT_NOW).toISOString();
  for (const o of data.orders) {
    const v = orderViolation(o);
    if (v) problems.push(v);
    if (o.createdAt >= nowIso || o.updatedAt > nowIso) problems.push(`${o.id}: in the future`);
  }
  for (let i = 1; i < data.orders.length; i++) {
    const a = data.orders[i - 1];
    const b = data.orders[i];
    if (a.createdAt > b.createdAt) problems.push(`orders not sorted at ${i}`);
    if (!(BigInt(a.id) < BigInt(b.id))) problems.push(`order ids not ascending at ${i}`);
    if (b.name !== `#${1001 + i}`) problems.push(`order name ${b.name} at ${i}`);
  }
  const firstOrder = new Map<string, string>();
  for (const o of data.orders) if (o.customerId && !firstOrder.has(o.customerId)) firstOrder.set(o.customerId, o.createdAt);
  const customerIds = new Set<string>();
  for (const c of data.customers) {
    customerIds.add(c.id);
    if (!ISO_MS.test(c.createdAt) || !ISO_MS.test(c.updatedAt)) problems.push(`customer ${c.id} time format`);
    if (c.updatedAt < c.createdAt) problems.push(`customer ${c.id} updated before created`);
    const first = firstOrder.get(c.id);
    if (first && c.createdAt > first) problems.push(`customer ${c.id} created after first order`);
  }
  if (customerIds.size !== data.customers.length) problems.push("duplicate customer ids");
  for (const o of data.orders) if (o.customerId && !customerIds.has(o.customerId)) problems.push(`order ${o.id} has unknown customer`);
  for (const kind of ["lineItem", "refund", "variant"] as const) {
    const ids: string[] =
      kind === "lineItem" ? data.orders.flatMap((o) => o.lineItems.map((l) => l.id))
      : kind === "refund" ? data.orders.flatMap((o) => o.refunds.map((r) => r.id))
      : data.products.flatMap((p) => p.variants.map((v) => v.id));
    if (new Set(ids).size !== ids.length) problems.push(`duplicate ${kind} ids`);
    if (ids.some((id) => !/^\d+$/.test(id))) problems.push(`non-numeric ${kind} id`);
  }
  return problems;
}

describe("money", () => {
  it("formats and parses minor units exactly per currency exponent", () => {
    expect(formatMinor(1990, "USD")).toBe("19.90");
    expect(formatMinor(5, "EUR")).toBe("0.05");
    expect(formatMinor(-1250, "GBP")).toBe("-12.50");
    expect(formatMinor(2000, "JPY")).toBe("2000");
    expect(formatMinor(1234, "KWD")).toBe("1.234");
    expect(parseMinor("19.9", "USD")).toBe(1990);
    expect(parseMinor("2000", "JPY")).toBe(2000);
    expect(parseMinor("0.10", "USD")).toBe(10);
    expect(() => parseMinor("1.005", "USD")).toThrow(MoneyFormatError);
    expect(() => parseMinor("12.5", "JPY")).toThrow(MoneyFormatError);
    expect(() => parseMinor("abc", "USD")).toThrow(MoneyFormatError);
  });

  it("round-trips any safe amount in every currency (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom("USD", "JPY", "KWD", "EUR"), (amount, currency) => {
        expect(parseMinor(formatMinor(amount, currency), currency)).toBe(amount);
      }),
    );
  });

  it("converts with fixed rates, rounding half up to the target's minor unit", () => {
    expect(convertMinor(10_000, "USD", "EUR")).toBe(9_200); // 100.00 USD -> 92.00 EUR
    expect(convertMinor(1_990, "USD", "JPY")).toBe(3_015); // 19.90 * 151.5 = 3014.85 -> 3015
    expect(convertMinor(3_015, "JPY", "USD")).toBe(1_990);
    expect(convertMinor(777, "USD", "USD")).toBe(777);
    // Past 2^53 in the intermediate product the BigInt path must agree with exact arithmetic.
    expect(convertMinor(9_000_000_000_000, "USD", "JPY")).toBe(13_635_000_000_000);
    expect(() => convertMinor(100, "USD", "XYZ")).toThrow(MoneyFormatError);
  });
});

describe("Rng", () => {
  it("is deterministic per seed and spreads over [0, 1)", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng("7");
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]); // numeric and string seeds are different seeds
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe("generateShop", () => {
  it("is deterministic: same options give deep-equal shops, another seed another shop", () => {
    const a = generateShop({ seed: 42, orders: 400 });
    const b = generateShop({ seed: 42, orders: 400 });
    expect(b).toEqual(a);
    const c = generateShop({ seed: 43, orders: 400 });
    expect(c.orders.map((o) => o.totalPrice.shopMoney.amount)).not.toEqual(a.orders.map((o) => o.totalPrice.shopMoney.amount));
  });

  it("generates exactly the requested number of orders and a catalogue scaled to the shop", () => {
    const tiny = generateShop({ seed: 1, orders: SHOP_SIZES.tiny });
    expect(tiny.orders).toHaveLength(60);
    expect(tiny.products).toHaveLength(20);
    expect(productCountFor(SHOP_SIZES.huge)).toBe(200);
    expect(productCountFor(SHOP_SIZES.medium)).toBeGreaterThan(productCountFor(SHOP_SIZES.small));
    expect(generateShop({ seed: 1, orders: 0 }).orders).toHaveLength(0);
    expect(() => generateShop({ seed: 1, orders: 1.5 })).toThrow(/orders/);
    expect(() => generateShop({ seed: 1, orders: 10, currencyCode: "XYZ" })).toThrow(/XYZ/);
  });

  it.each([1, 2, "evergreen", 987654])("keeps every money, id and time invariant (seed %s)", (seed) => {
    const data = generateShop({ seed, orders: 3000 });
    expect(shopViolations(data)).toEqual([]);
    // The invariants are not vacuous: the shop has refunds, partial refunds, cancellations and discounts.
    expect(data.orders.some((o) => o.financialStatus === "PARTIALLY_REFUNDED")).toBe(true);
    expect(data.orders.some((o) => o.financialStatus === "REFUNDED" && !o.cancelledAt)).toBe(true);
    expect(data.orders.some((o) => o.refunds.length > 1)).toBe(true);
    expect(data.orders.some((o) => o.cancelledAt && o.financialStatus === "VOIDED")).toBe(true);
    expect(data.orders.some((o) => o.presentmentCurrencyCode === "JPY")).toBe(true);
  });

  it("has an invariant checker that does catch broken orders", () => {
    const order = generateShop({ seed: 8, orders: 50 }).orders.find((o) => o.lineItems.length > 1)!;
    expect(orderViolation(order)).toBeNull();
    const broken = structuredClone(order);
    broken.totalPrice = { ...broken.totalPrice, presentmentMoney: { ...broken.totalPrice.presentmentMoney, amount: "0.01" } };
    expect(orderViolation(broken)).toMatch(/presentmentMoney total/);
    const overRefunded = structuredClone(order);
    overRefunded.refunds = [{ id: "1", orderId: order.id, note: null, createdAt: order.createdAt, totalRefunded: order.totalPrice, refundLineItems: [{ id: "2", lineItemId: order.lineItems[0].id, quantity: order.lineItems[0].quantity + 1, subtotal: order.lineItems[0].discountedTotal }] }];
    overRefunded.totalRefunded = order.totalPrice;
    expect(orderViolation(overRefunded)).toMatch(/refunded \d+ of/);
  });

  it.each(["EUR", "JPY"])("keeps the invariants in a %s shop", (currencyCode) => {
    const data = generateShop({ seed: 5, orders: 1500, currencyCode });
    expect(shopViolations(data)).toEqual([]);
    expect(data.shop.currencyCode).toBe(currencyCode);
    expect(data.orders.every((o) => o.currencyCode === currencyCode)).toBe(true);
    if (currencyCode === "JPY") expect(data.products.every((p) => p.variants.every((v) => !v.price.includes(".")))).toBe(true);
  });

  it("places all history before `now` and moves with it", () => {
    const now = "2024-06-01T12:00:00.000Z";
    const data = generateShop({ seed: 3, orders: 500, now });
    expect(data.orders[data.orders.length - 1].createdAt < now).toBe(true);
    expect(data.orders.every((o) => o.updatedAt <= now)).toBe(true);
    expect(data.orders[0].createdAt >= "2021-06-01").toBe(true);
  });

  describe("a medium shop's retention mix", () => {
    const data = generateShop({ seed: 2026, orders: 10_000 });
    const perCustomer = new Map<string, DevOrder[]>();
    for (const o of data.orders) if (o.customerId) perCustomer.set(o.customerId, [...(perCustomer.get(o.customerId) ?? []), o]);
    const n = data.orders.length;
    const share = (pred: (o: DevOrder) => boolean) => data.orders.filter(pred).length / n;

    it("has about one customer per 2.5 orders and 60-70% one-off buyers", () => {
      expect(n / data.customers.length).toBeGreaterThan(2.1);
      expect(n / data.customers.length).toBeLessThan(2.9);
      const buyers = [...perCustomer.values()];
      const oneOff = buyers.filter((orders) => orders.length === 1).length / buyers.length;
      expect(oneOff).toBeGreaterThan(0.58);
      expect(oneOff).toBeLessThan(0.72);
      expect(buyers.some((orders) => orders.length >= 8)).toBe(true); // loyal repeaters exist
      expect(data.customers.length).toBeGreaterThan(buyers.length); // and sign-ups who never bought
    });

    it("has guests, refunds, cancellations, pending orders and discount codes in realistic shares", () => {
      const guests = share((o) => o.customerId === null);
      expect(guests).toBeGreaterThan(0.1);
      expect(guests).toBeLessThan(0.15);
      expect(data.orders.filter((o) => o.customerId === null).every((o) => o.email?.includes("@"))).toBe(true);
      const refunded = share((o) => o.refunds.length > 0 && !o.cancelledAt);
      expect(refunded).toBeGreaterThan(0.03);
      expect(refunded).toBeLessThan(0.05);
      const cancelled = share((o) => o.cancelledAt !== null);
      expect(cancelled).toBeGreaterThan(0.01);
      expect(cancelled).toBeLessThan(0.03);
      expect(data.orders.filter((o) => o.cancelledAt).every((o) => o.cancelReason && ["VOIDED", "REFUNDED"].includes(o.financialStatus))).toBe(true);
      expect(share((o) => o.financialStatus === "PENDING")).toBeGreaterThan(0);
      expect(share((o) => o.financialStatus === "PENDING")).toBeLessThan(0.02);
      expect(share((o) => o.discountCodes.length > 0 && minor(o.totalDiscounts, "shopMoney") > 0)).toBeGreaterThan(0.04);
      expect(share((o) => minor(o.totalShipping, "shopMoney") > 0)).toBeGreaterThan(0.1);
      expect(share((o) => minor(o.totalTax, "shopMoney") > 0)).toBeGreaterThan(0.8);
    });

    it("has about a fifth of orders in other presentment currencies, converted at fixed rates", () => {
      const foreign = data.orders.filter((o) => o.presentmentCurrencyCode !== o.currencyCode);
      expect(foreign.length / n).toBeGreaterThan(0.15);
      expect(foreign.length / n).toBeLessThan(0.25);
      expect(new Set(foreign.map((o) => o.presentmentCurrencyCode))).toEqual(new Set(["EUR", "GBP", "CAD", "JPY", "AUD"]));
      const jpy = foreign.find((o) => o.presentmentCurrencyCode === "JPY")!;
      const li = jpy.lineItems[0];
      expect(minor(li.originalUnitPrice, "presentmentMoney")).toBe(convertMinor(minor(li.originalUnitPrice, "shopMoney"), "USD", "JPY"));
    });

    it("grows: more customers arrive in the last year than in the first", () => {
      const first = data.customers.filter((c) => c.createdAt < "2024-11-01").length;
      const last = data.customers.filter((c) => c.createdAt >= "2025-11-01").length;
      expect(last).toBeGreaterThan(first * 1.5);
    });

    it("lets repeaters of consumables reorder around the product's cycle", () => {
      const products = new Map(data.products.map((p) => [p.id, p]));
      const ratios: number[] = [];
      for (const orders of perCustomer.values()) {
        if (orders.length < 4) continue;
        const staple = products.get(orders[1].lineItems[0].productId!)!;
        if (staple.repurchaseDays === null) continue;
        for (let i = 1; i < orders.length; i++) {
          const gapDays = (Date.parse(orders[i].createdAt) - Date.parse(orders[i - 1].createdAt)) / 86_400_000;
          ratios.push(gapDays / staple.repurchaseDays);
        }
      }
      ratios.sort((a, b) => a - b);
      const median = ratios[Math.floor(ratios.length / 2)];
      expect(ratios.length).toBeGreaterThan(500);
      expect(median).toBeGreaterThan(0.7);
      expect(median).toBeLessThan(1.5);
    });

    it("mixes customer attributes: birthdays, consent, locales, countries", () => {
      const c = data.customers;
      const birthdays = c.filter((x) => x.birthday !== null);
      expect(birthdays.length / c.length).toBeGreaterThan(0.35);
      expect(birthdays.length / c.length).toBeLessThan(0.45);
      expect(birthdays.every((x) => /^\d{4}-\d{2}-\d{2}$/.test(x.birthday!))).toBe(true);
      expect(new Set(c.map((x) => x.emailMarketingState))).toEqual(new Set(["SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING"]));
      expect(c.filter((x) => x.emailMarketingState === "SUBSCRIBED").every((x) => x.emailMarketingConsentUpdatedAt !== null)).toBe(true);
      const locales = new Set(c.map((x) => x.locale));
      for (const locale of ["en", "fr", "de", "zh-CN", "ja"]) expect(locales).toContain(locale);
      expect(new Set(c.map((x) => x.countryCode)).size).toBeGreaterThanOrEqual(8);
      expect(new Set(c.map((x) => x.email)).size).toBe(c.length);
    });

    it("has a catalogue of consumables with repurchase cycles and durable goods", () => {
      const consumables = data.products.filter((p) => p.repurchaseDays !== null);
      expect(consumables.length).toBeGreaterThan(data.products.length / 3);
      expect(data.products.some((p) => p.repurchaseDays === null)).toBe(true);
      for (const type of ["Coffee", "Skincare", "Vitamins", "Razors"]) expect(consumables.some((p) => p.productType === type)).toBe(true);
      expect(data.products.find((p) => p.productType === "Coffee")!.repurchaseDays).toBe(30);
      for (const p of data.products) {
        expect(p.variants.length).toBeGreaterThanOrEqual(1);
        expect(p.variants.length).toBeLessThanOrEqual(3);
        expect(p.variants.every((v) => /^\d+\.\d{2}$/.test(v.price) && v.productId === p.id)).toBe(true);
        expect(p.vendor && p.productType && p.tags.length).toBeTruthy();
      }
      expect(new Set(data.products.map((p) => p.handle)).size).toBe(data.products.length);
    });
  });
});
