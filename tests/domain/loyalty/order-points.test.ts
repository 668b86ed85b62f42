import { describe, expect, it } from "vitest";
import {
  addMonthsUtc,
  balancesFromEntries,
  base32,
  DEFAULT_EARN_RULES,
  entryContentHash,
  orderTarget,
  parseEarnRules,
  pinOrderRules,
  qualifyingTier,
  type OrderSnapshot,
} from "~/domain/loyalty";

const order = (o: Partial<OrderSnapshot> = {}): OrderSnapshot => ({
  orderGid: "gid://shopify/Order/1",
  customerGid: "gid://shopify/Customer/1",
  currencyCode: "USD",
  financialStatus: "PAID",
  subtotalMinor: 10_000n, // 100.00 of goods after discounts
  giftCardMinor: 0n,
  totalPriceMinor: 12_000n, // + shipping and tax
  refundedMinor: 0n,
  cancelledAt: null,
  test: false,
  tags: [],
  processedAt: new Date("2026-01-01T00:00:00Z"),
  ...o,
});

const pin = pinOrderRules(DEFAULT_EARN_RULES, 1, 100, false);

describe("orderTarget", () => {
  it.each([
    ["paid: 1 point per unit of goods, shipping and tax excluded", order(), 100],
    ["pending payment earns nothing yet", order({ financialStatus: "PENDING" }), 0],
    ["authorized earns nothing yet", order({ financialStatus: "AUTHORIZED" }), 0],
    ["cancelled", order({ cancelledAt: new Date() }), 0],
    ["test order", order({ test: true }), 0],
    ["fully refunded", order({ financialStatus: "REFUNDED", refundedMinor: 12_000n }), 0],
    ["half refunded: half the points", order({ financialStatus: "PARTIALLY_REFUNDED", refundedMinor: 6_000n }), 50],
    ["a third refunded: floor of two thirds", order({ financialStatus: "PARTIALLY_REFUNDED", refundedMinor: 4_000n }), 66],
    ["over-refunded never goes negative", order({ financialStatus: "PARTIALLY_REFUNDED", refundedMinor: 20_000n }), 0],
    ["fractions of a unit round down", order({ subtotalMinor: 9_999n }), 99],
    ["zero-decimal currency (JPY)", order({ currencyCode: "JPY", subtotalMinor: 5_000n, totalPriceMinor: 5_500n }), 5_000],
    ["three-decimal currency (KWD)", order({ currencyCode: "KWD", subtotalMinor: 12_345n, totalPriceMinor: 12_345n }), 12],
    ["excluded tag", order({ tags: ["Wholesale"] }), 0],
    ["a gift card bought earns nothing: 25.00 of the 100.00 is a gift card", order({ giftCardMinor: 2_500n }), 75],
    ["an order of only gift cards", order({ giftCardMinor: 10_000n }), 0],
  ])("%s", (_name, snapshot, expected) => {
    const rules = pinOrderRules({ ...DEFAULT_EARN_RULES, excludedOrderTags: ["wholesale"] }, 1, 100, false);
    expect(orderTarget(snapshot, rules).purchase).toBe(expected);
  });

  it("applies the pinned tier multiplier and points rate", () => {
    expect(orderTarget(order(), pinOrderRules({ ...DEFAULT_EARN_RULES, pointsPerUnit: 3 }, 2, 150, false)).purchase).toBe(450);
  });

  it("gives no first-order bonus to an order too small to earn a point", () => {
    const first = pinOrderRules(DEFAULT_EARN_RULES, 1, 100, true);
    expect(orderTarget(order({ subtotalMinor: 1n, totalPriceMinor: 1n }), first)).toEqual({ purchase: 0, firstOrder: 0 });
  });

  it("keeps the first-order bonus through a partial refund and drops it when the order earns nothing", () => {
    const first = pinOrderRules(DEFAULT_EARN_RULES, 1, 100, true);
    expect(orderTarget(order(), first)).toEqual({ purchase: 100, firstOrder: DEFAULT_EARN_RULES.firstOrderPoints });
    expect(orderTarget(order({ refundedMinor: 6_000n, financialStatus: "PARTIALLY_REFUNDED" }), first).firstOrder).toBe(DEFAULT_EARN_RULES.firstOrderPoints);
    expect(orderTarget(order({ cancelledAt: new Date() }), first)).toEqual({ purchase: 0, firstOrder: 0 });
    expect(orderTarget(order(), pin).firstOrder).toBe(0);
  });
});

describe("earn rules", () => {
  it("accepts the defaults and refuses tiers out of order", () => {
    expect(parseEarnRules(DEFAULT_EARN_RULES)).toEqual(DEFAULT_EARN_RULES);
    const broken = { ...DEFAULT_EARN_RULES, tiers: [DEFAULT_EARN_RULES.tiers[0], DEFAULT_EARN_RULES.tiers[2], DEFAULT_EARN_RULES.tiers[1]] };
    expect(() => parseEarnRules(broken)).toThrow(/thresholds must increase/);
    expect(() => parseEarnRules({ ...DEFAULT_EARN_RULES, pointsPerUnit: 1.5 })).toThrow(/pointsPerUnit/);
  });

  it("qualifies for the highest tier whose threshold is reached", () => {
    expect(qualifyingTier(DEFAULT_EARN_RULES, 0).id).toBe("silver");
    expect(qualifyingTier(DEFAULT_EARN_RULES, 49_999).id).toBe("silver");
    expect(qualifyingTier(DEFAULT_EARN_RULES, 50_000).id).toBe("gold");
    expect(qualifyingTier(DEFAULT_EARN_RULES, 1_000_000).id).toBe("diamond");
  });
});

describe("ledger helpers", () => {
  it("splits balances at the settlement instant and counts only earnings as lifetime earned", () => {
    const t = (d: string) => new Date(`2026-01-${d}T00:00:00Z`);
    const b = balancesFromEntries([
      { points: 100, category: "earn", availableAt: t("01"), createdAt: t("01"), reversesEntryId: null },
      { points: 40, category: "earn", availableAt: t("20"), createdAt: t("02"), reversesEntryId: null },
      { points: -30, category: "spend", availableAt: t("03"), createdAt: t("03"), reversesEntryId: null },
      { points: -10, category: "earn", availableAt: t("20"), createdAt: t("04"), reversesEntryId: "x" },
    ], t("10"));
    expect(b).toEqual({ available: 70, pending: 30, lifetimeEarned: 130, lastActivityAt: t("03") });
  });

  it("hashes content independently of key order and undefined fields", () => {
    expect(entryContentHash({ a: 1, b: "x", c: undefined })).toBe(entryContentHash({ b: "x", a: 1 }));
    expect(entryContentHash({ a: 1 })).not.toBe(entryContentHash({ a: 2 }));
  });

  it("encodes base32 per RFC 4648 and adds calendar months", () => {
    expect(base32(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(addMonthsUtc(new Date("2026-01-31T12:00:00Z"), 1).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(addMonthsUtc(new Date("2026-03-15T00:00:00Z"), -12).toISOString()).toBe("2025-03-15T00:00:00.000Z");
  });
});
