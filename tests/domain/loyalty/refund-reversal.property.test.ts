/**
 * Refunds reverse purchase points on the goods they return, mirroring what
 * earning counted (line subtotals after discounts, before shipping and tax,
 * gift cards left out): an earn followed by refunds never gives back more than
 * was earned, a full refund (shipping and tax included) gives back exactly the
 * earn, and a partial goods refund gives back its goods' share whatever the
 * shipping, tax or order of the refunds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderTarget, pinOrderRules, DEFAULT_EARN_RULES, type OrderSnapshot, type RefundSnapshot } from "~/domain/loyalty";

const order = (o: Partial<OrderSnapshot>): OrderSnapshot => ({
  orderGid: "gid://shopify/Order/1",
  customerGid: "gid://shopify/Customer/1",
  currencyCode: "USD",
  financialStatus: "PAID",
  subtotalMinor: 10_000n,
  giftCardMinor: 0n,
  totalPriceMinor: 12_000n,
  refundedMinor: 0n,
  refunds: [],
  cancelledAt: null,
  test: false,
  tags: [],
  processedAt: new Date("2026-01-01T00:00:00Z"),
  ...o,
});

/** An order of goods, gift cards, shipping and tax; and its refunds, line by line, as a shop would make them. */
const scenario = fc
  .record({
    lines: fc.array(fc.record({ minor: fc.integer({ min: 1, max: 50_000 }), giftCard: fc.boolean() }), { minLength: 1, maxLength: 5 }),
    shipping: fc.integer({ min: 0, max: 2_000 }),
    taxBasisPoints: fc.integer({ min: 0, max: 2_500 }),
    pointsPerUnit: fc.integer({ min: 1, max: 10 }),
    multiplierPct: fc.constantFrom(100, 125, 150, 200),
    // Each refund: per line, the share of what is left of it (0 = line not in this refund).
    refunds: fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 5 }), { maxLength: 6 }),
  })
  .map((s) => {
    const subtotal = s.lines.reduce((sum, l) => sum + BigInt(l.minor), 0n);
    const giftCards = s.lines.reduce((sum, l) => sum + (l.giftCard ? BigInt(l.minor) : 0n), 0n);
    const tax = (subtotal * BigInt(s.taxBasisPoints)) / 10_000n;
    const total = subtotal + BigInt(s.shipping) + tax;
    const left = s.lines.map((l) => BigInt(l.minor));
    const refunds: RefundSnapshot[] = s.refunds.map((shares) => {
      let goods = 0n;
      let lines = 0n;
      s.lines.forEach((l, i) => {
        const part = (left[i] * BigInt(shares[i])) / 4n;
        left[i] -= part;
        lines += part;
        if (!l.giftCard) goods += part;
      });
      return { totalMinor: lines + (lines * BigInt(s.taxBasisPoints)) / 10_000n, goodsMinor: goods };
    });
    return { ...s, subtotal, giftCards, total, refunds };
  });

const target = (o: OrderSnapshot, pointsPerUnit: number, multiplierPct: number) =>
  orderTarget(o, pinOrderRules({ ...DEFAULT_EARN_RULES, pointsPerUnit }, 1, multiplierPct, false)).purchase;

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe("refunds reverse points on goods", () => {
  it("GIVEN an earn WHEN any sequence of partial refunds follows THEN points only go down, never below zero, and each step gives back exactly the goods it returned", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const base = { subtotalMinor: s.subtotal, giftCardMinor: s.giftCards, totalPriceMinor: s.total };
        const earned = target(order(base), s.pointsPerUnit, s.multiplierPct);
        const eligible = s.subtotal - s.giftCards;
        const unit = (minor: bigint) => Number((minor * BigInt(s.pointsPerUnit) * BigInt(s.multiplierPct)) / 10_000n);
        expect(earned).toBe(unit(eligible));
        let previous = earned;
        for (let k = 1; k <= s.refunds.length; k++) {
          const seen = s.refunds.slice(0, k);
          const now = target(order({ ...base, financialStatus: "PARTIALLY_REFUNDED", refunds: seen, refundedMinor: sum(seen.map((r) => r.totalMinor)) }), s.pointsPerUnit, s.multiplierPct);
          expect(now).toBeGreaterThanOrEqual(0);
          expect(now).toBeLessThanOrEqual(previous);
          // The points of the goods kept, as earning counts them: reversed = earned − that, never more than earned.
          expect(now).toBe(unit(eligible - sum(seen.map((r) => r.goodsMinor ?? 0n))));
          // Reordered or duplicated in delivery, the refunds are the same set: the target depends on nothing else.
          const reversed = [...seen].reverse();
          expect(target(order({ ...base, financialStatus: "PARTIALLY_REFUNDED", refunds: reversed, refundedMinor: sum(seen.map((r) => r.totalMinor)) }), s.pointsPerUnit, s.multiplierPct)).toBe(now);
          previous = now;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("GIVEN an earn WHEN everything is refunded, shipping and tax included, THEN exactly the earn comes back, whatever the status says", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const base = { subtotalMinor: s.subtotal, giftCardMinor: s.giftCards, totalPriceMinor: s.total };
        const all: RefundSnapshot[] = [...s.refunds];
        const goodsLeft = s.subtotal - s.giftCards - sum(all.map((r) => r.goodsMinor ?? 0n));
        // The last refund returns what is left: the remaining lines (gift cards among them earn nothing), their tax and the shipping.
        const listed = sum(all.map((r) => r.totalMinor));
        all.push({ totalMinor: s.total - listed, goodsMinor: goodsLeft });
        for (const financialStatus of ["PARTIALLY_REFUNDED", "REFUNDED"]) {
          expect(target(order({ ...base, financialStatus, refunds: all, refundedMinor: s.total }), s.pointsPerUnit, s.multiplierPct)).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a partial refund on an order with shipping gives back its goods' share, where the old share of the total gave back less", () => {
    // 40.00 of goods, 5.99 shipping, 10% tax: 49.99. One 20.00 line refunded with its 2.00 of tax.
    const base = { subtotalMinor: 4_000n, totalPriceMinor: 4_999n, financialStatus: "PARTIALLY_REFUNDED" };
    const refund = { totalMinor: 2_200n, goodsMinor: 2_000n };
    expect(target(order({ ...base, financialStatus: "PAID" }), 1, 100)).toBe(40);
    expect(target(order({ ...base, refunds: [refund], refundedMinor: 2_200n }), 1, 100)).toBe(20);
    // The same refund with its make-up unknown (bulk-synced): pro rata to the total, 40 × 27.99 / 49.99 = 22.39.
    expect(target(order({ ...base, refunds: [{ ...refund, goodsMinor: null }], refundedMinor: 2_200n }), 1, 100)).toBe(22);
    expect(target(order({ ...base, refunds: undefined, refundedMinor: 2_200n }), 1, 100)).toBe(22);
  });

  it("money the order reports refunded beyond its synced refunds comes off pro rata until that refund arrives", () => {
    const base = { subtotalMinor: 4_000n, totalPriceMinor: 4_999n, financialStatus: "PARTIALLY_REFUNDED" };
    // Two refunds of 22.00 reported by the order, one synced with its goods: 20 points for it, 40 × 27.99 / 49.99 of the rest.
    const known = { totalMinor: 2_200n, goodsMinor: 2_000n };
    expect(target(order({ ...base, refunds: [known], refundedMinor: 4_400n }), 1, 100)).toBe(Math.floor((20 * 4_999 - 40 * 2_200) / 4_999));
    expect(target(order({ ...base, refunds: [known, known], refundedMinor: 4_400n }), 1, 100)).toBe(0);
  });
});
