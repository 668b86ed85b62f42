import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DEFAULT_REMINDER_SETTINGS,
  dueDate,
  tripGaps,
  fitQuantityElasticity,
  personalInterval,
  lastPurchases,
  learnIntervals,
  median,
  mergeTrips,
  planReminders,
  quantityFactor,
  reconcileReminders,
  resolveInterval,
  robustLogEstimate,
  type ProductPurchase,
  type StoredReminder,
} from "~/domain/replenishment";

const T0 = Date.UTC(2025, 0, 1);
const day = (n: number) => T0 + n * DAY_MS;
const P = "gid://shopify/Product/1";
const V1 = "gid://shopify/ProductVariant/11";
const V2 = "gid://shopify/ProductVariant/12";

/** Purchases of `product` by `customer` on the given days (quantity 1 unless given). */
function buys(customer: string, days: number[], product = P, variant: string | null = V1, quantities: number[] = []): ProductPurchase[] {
  return days.map((d, i) => ({ customerGid: customer, productGid: product, variantGid: variant, at: day(d), quantity: quantities[i] ?? 1 }));
}

describe("robust estimates", () => {
  it.each([
    { name: "odd count", values: [3, 1, 2], median: 2 },
    { name: "even count", values: [4, 1, 3, 2], median: 2.5 },
    { name: "one value", values: [7], median: 7 },
  ])("median: $name", ({ values, median: expected }) => {
    expect(median(values)).toBe(expected);
  });

  it("drops a forgotten reorder (a gap several times the cycle) and keeps the rest", () => {
    const estimate = robustLogEstimate([30, 28, 33, 31, 29, 200]);
    expect(estimate.dropped).toBe(1);
    expect(estimate.value).toBeGreaterThan(29);
    expect(estimate.value).toBeLessThan(31);
  });

  it("keeps everything when half the samples are identical (MAD 0)", () => {
    const estimate = robustLogEstimate([30, 30, 30, 31]);
    expect(estimate.kept).toBe(4);
  });

  it("rejects non-positive samples", () => {
    expect(() => robustLogEstimate([30, 0])).toThrow(RangeError);
    expect(() => robustLogEstimate([])).toThrow(RangeError);
  });

  it("property: the estimate lies within the samples' range and is scale-equivariant", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.5, max: 1000, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (samples, k) => {
        const e = robustLogEstimate(samples);
        expect(e.value).toBeGreaterThanOrEqual(Math.min(...samples) * (1 - 1e-9));
        expect(e.value).toBeLessThanOrEqual(Math.max(...samples) * (1 + 1e-9));
        expect(e.kept + e.dropped).toBe(samples.length);
        expect(robustLogEstimate(samples.map((s) => s * k)).value).toBeCloseTo(e.value * k, 6);
      }),
    );
  });

  it("property: one wild outlier moves the estimate by less than the spread of the clean samples", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 25, max: 35, noNaN: true }), { minLength: 6, maxLength: 40 }), fc.double({ min: 300, max: 5000, noNaN: true }), (clean, outlier) => {
        const e = robustLogEstimate([...clean, outlier]);
        // exp(mean of logs) of equal samples can land an ulp below them (exp(log 25) = 24.999…96).
        expect(e.value).toBeGreaterThanOrEqual(25 * (1 - 1e-12));
        expect(e.value).toBeLessThanOrEqual(35 * (1 + 1e-12));
      }),
    );
  });
});

describe("purchase occasions and gaps", () => {
  it("merges lines less than a day apart into one occasion with summed quantity", () => {
    const trips = mergeTrips(
      [
        { at: day(0), quantity: 1, variantGid: V1 },
        { at: day(0) + 3 * 3600_000, quantity: 2, variantGid: V2 },
        { at: day(30), quantity: 1, variantGid: V1 },
      ],
      1,
    );
    expect(trips).toEqual([
      { at: day(0), quantity: 3, variantGid: V2 },
      { at: day(30), quantity: 1, variantGid: V1 },
    ]);
  });

  it("records each gap's days, the quantity ratio before it and the previous variant; lapses are left out", () => {
    const trips = [
      { at: day(0), quantity: 1, variantGid: V1 },
      { at: day(30), quantity: 2, variantGid: V2 },
      { at: day(90), quantity: 1, variantGid: V1 },
      { at: day(600), quantity: 1, variantGid: V1 },
    ];
    const gaps = tripGaps("a", trips, 1, 365);
    expect(gaps.map((g) => [Math.round(Math.exp(g.logDays)), Math.round(Math.exp(g.logQuantityRatio)), g.previousVariantGid])).toEqual([
      [30, 1, V1],
      [60, 2, V2],
    ]);
  });
});

describe("learnIntervals", () => {
  const products = [
    { productGid: P, productType: "Coffee" },
    { productGid: "gid://shopify/Product/2", productType: "Coffee" },
    { productGid: "gid://shopify/Product/3", productType: null },
  ];

  it("GIVEN three customers repurchasing about monthly WHEN learned THEN the product interval is about 30 days", () => {
    const purchases = [...buys("a", [0, 30, 61]), ...buys("b", [5, 34, 65, 95]), ...buys("c", [10, 41, 70, 300])];
    const learned = learnIntervals(purchases, products);
    const estimate = learned.byProduct.get(P)!;
    expect(estimate.days).toBeGreaterThan(29);
    expect(estimate.days).toBeLessThan(31.5);
    expect(estimate.customers).toBe(3);
    // 230 days (c's lapse) is within maxGapDays but far off the cycle: an outlier.
    expect(estimate.outliers).toBe(1);
    expect(learned.byVariant.get(V1)!.days).toBeCloseTo(estimate.days!, 6);
  });

  it("GIVEN too few customers WHEN learned THEN the product has no interval but reports its samples", () => {
    const purchases = [...buys("a", [0, 30, 60, 90, 120, 150, 180])];
    const estimate = learnIntervals(purchases, products).byProduct.get(P)!;
    expect(estimate.days).toBeNull();
    expect(estimate.sampleSize).toBe(6);
    expect(estimate.customers).toBe(1);
  });

  it("GIVEN a product without enough data WHEN resolved THEN its product type's pooled interval applies", () => {
    const other = "gid://shopify/Product/2";
    const purchases = [
      ...buys("a", [0, 30, 60]),
      ...buys("b", [0, 31, 62]),
      ...buys("c", [0, 29, 58]),
      ...buys("d", [0, 28], other, null),
    ];
    const learned = learnIntervals(purchases, products);
    expect(learned.byProduct.get(other)!.days).toBeNull();
    const resolved = resolveInterval({ productGid: other, variantGid: null, productType: "Coffee" }, learned, new Map());
    expect(resolved?.source).toBe("productType");
    expect(resolved!.days).toBeGreaterThan(28);
    expect(resolved!.days).toBeLessThan(31);
    // No type, no data: no interval at all.
    expect(resolveInterval({ productGid: "gid://shopify/Product/3", variantGid: null, productType: null }, learned, new Map())).toBeNull();
  });

  it("GIVEN a merchant override WHEN resolved THEN it wins over everything learned", () => {
    const purchases = [...buys("a", [0, 30, 60]), ...buys("b", [0, 31, 62]), ...buys("c", [0, 29, 58])];
    const learned = learnIntervals(purchases, products);
    expect(resolveInterval({ productGid: P, variantGid: V1, productType: "Coffee" }, learned, new Map([[P, 45]]))).toEqual({
      days: 45,
      source: "override",
      typicalQuantity: 1,
      quantityElasticity: learnIntervals(purchases, products).shop.quantityElasticity,
    });
  });

  it("GIVEN variants with different sizes WHEN learned THEN each variant keeps its own cycle", () => {
    const small = [...buys("a", [0, 20, 40], P, V1), ...buys("b", [0, 21, 42], P, V1), ...buys("c", [0, 19, 38], P, V1)];
    const large = [...buys("d", [0, 60, 120], P, V2), ...buys("e", [0, 62, 124], P, V2), ...buys("f", [0, 58, 116], P, V2)];
    const learned = learnIntervals([...small, ...large], products);
    expect(learned.byVariant.get(V1)!.days).toBeCloseTo(20, 0);
    expect(learned.byVariant.get(V2)!.days).toBeCloseTo(60, 0);
    expect(resolveInterval({ productGid: P, variantGid: V2, productType: null }, learned, new Map())?.source).toBe("variant");
  });

  it("GIVEN gaps that grow with the units bought WHEN learned THEN the elasticity is about 1; GIVEN gaps that ignore them THEN about 0", () => {
    const customers = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const proportional = customers.flatMap((c, i) => {
      const q = (i % 3) + 1;
      return buys(c, [0, 30 * q, 60 * q, 90 * q, 120 * q], P, V1, [q, q, q, q, q]);
    });
    const flat = customers.flatMap((c, i) => {
      const q = (i % 3) + 1;
      return buys(c, [0, 30, 60, 90, 120], P, V1, [q, q, q, q, q]);
    });
    const options = { minElasticitySamples: 10 };
    expect(learnIntervals(proportional, products, options).shop.quantityElasticity).toBeCloseTo(1, 6);
    expect(learnIntervals(flat, products, options).shop.quantityElasticity).toBeCloseTo(0, 6);
    expect(learnIntervals(flat, products, options).shop.elasticityLearned).toBe(true);
    // Too few informative gaps: the default.
    expect(learnIntervals(flat, products, { minElasticitySamples: 1000 }).shop).toMatchObject({ quantityElasticity: 1, elasticityLearned: false });
  });

  it("fitQuantityElasticity needs gaps after untypical quantities", () => {
    expect(fitQuantityElasticity([], 1)).toBeNull();
  });

  it("GIVEN many products WHEN one has few gaps THEN it is shrunk toward the shop more than a well-observed one", () => {
    // Ten products with cycles 20..65 days observed by 4 customers × 5 gaps, plus noise-free data: shrinkage from between-product spread.
    const many = Array.from({ length: 10 }, (_, j) => {
      const product = `gid://shopify/Product/${100 + j}`;
      const cycle = 20 + 5 * j;
      const noisy = (k: number) => cycle * (1 + 0.3 * Math.sin(7 * k + j));
      return Array.from({ length: 4 }, (_, c) => {
        let t = c;
        const days = [t];
        for (let k = 0; k < (j === 9 ? 2 : 6); k++) days.push((t += noisy(k + c)));
        return buys(`c${c}`, days, product, null);
      }).flat();
    }).flat();
    const learned = learnIntervals(many, [], { minSamples: 5 });
    expect(learned.shop.shrinkage).toBeGreaterThan(0);
    const sparse = learned.byProduct.get("gid://shopify/Product/109")!;
    const dense = learned.byProduct.get("gid://shopify/Product/108")!;
    const pull = (e: typeof sparse) => Math.abs(Math.log(e.days! / e.rawDays!));
    expect(pull(sparse)).toBeGreaterThan(pull(dense));
    expect(Math.sign(Math.log(learned.shop.days! / sparse.rawDays!))).toBe(Math.sign(Math.log(sparse.days! / sparse.rawDays!)));
  });

  it("property: the learned interval is the cycle customers follow, whatever their number and phase", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 7, max: 120 }),
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 200 }), count: fc.integer({ min: 3, max: 8 }) }), { minLength: 3, maxLength: 12 }),
        (cycle, customers) => {
          const purchases = customers.flatMap((c, i) => buys(`c${i}`, Array.from({ length: c.count }, (_, k) => c.start + k * cycle)));
          const estimate = learnIntervals(purchases, products).byProduct.get(P)!;
          expect(estimate.days).toBeCloseTo(cycle, 6);
          expect(estimate.customers).toBe(customers.length);
        },
      ),
    );
  });
});

describe("due dates and reminders", () => {
  const interval = { days: 30, source: "product" as const, typicalQuantity: 1, quantityElasticity: 1 };
  const settings = { ...DEFAULT_REMINDER_SETTINGS, leadDays: 7, expireAfterDays: 30 };

  it.each([
    { quantity: 1, expectedDays: 30 },
    { quantity: 2, expectedDays: 60 },
    { quantity: 10, expectedDays: 120 }, // capped at 4 cycles
  ])("a purchase of $quantity unit(s) is due after $expectedDays days", ({ quantity, expectedDays }) => {
    expect(dueDate(day(0), quantity, interval)).toBe(day(expectedDays));
  });

  it("quantity factor follows the elasticity and is clamped both ways", () => {
    expect(quantityFactor(1, 4)).toBe(0.5);
    expect(quantityFactor(2, 4)).toBe(0.5);
    expect(quantityFactor(6, 4)).toBe(1.5);
    expect(quantityFactor(4, 1, 0.5)).toBe(2);
    expect(quantityFactor(9, 1, 0)).toBe(1);
  });

  it("personalises toward the customer's own rhythm, weighing the product's interval as `weight` gaps", () => {
    const own = [{ days: 60, quantity: 1 }, { days: 60, quantity: 1 }];
    // (2 × ln 60 + 2 × ln 30) / 4 = ln √(60 × 30)
    expect(personalInterval(interval, own, 2).days).toBeCloseTo(Math.sqrt(60 * 30), 6);
    expect(personalInterval(interval, [], 2).days).toBe(30);
    expect(personalInterval({ ...interval, source: "override" }, own, 2).days).toBe(30);
  });

  it("a reminder is upcoming, then due lead days before the due date, then expired", () => {
    const last = lastPurchases(buys("a", [0, 30]));
    const plan = (now: number) => planReminders(last, () => interval, settings, now)[0];
    expect(plan(day(52)).phase).toBe("upcoming");
    expect(plan(day(53)).phase).toBe("due");
    expect(plan(day(53)).remindAt).toBe(day(53));
    expect(plan(day(53)).dueAt).toBe(day(60));
    expect(plan(day(89)).phase).toBe("due");
    expect(plan(day(90)).phase).toBe("expired");
  });

  it("reconciles: creates due reminders once, marks purchased on a repurchase, expires stale ones, never reopens a dismissed cycle", () => {
    const first = planReminders(lastPurchases(buys("a", [0])), () => interval, settings, day(25));
    const created = reconcileReminders([], first, day(25));
    expect(created.create).toHaveLength(1);
    const stored: StoredReminder[] = created.create.map((p, i) => ({
      id: `r${i}`,
      customerGid: p.customerGid,
      productGid: p.productGid,
      cycleStartedAt: p.at,
      expiresAt: p.expiresAt,
      status: "due",
    }));
    // Idempotent.
    expect(reconcileReminders(stored, first, day(25))).toEqual({ create: [], update: [] });
    // Dismissed: nothing new for the same cycle.
    expect(reconcileReminders([{ ...stored[0], status: "dismissed" }], first, day(26))).toEqual({ create: [], update: [] });
    // Past expiry.
    expect(reconcileReminders(stored, planReminders(lastPurchases(buys("a", [0])), () => interval, settings, day(61)), day(61)).update).toEqual([
      { id: "r0", status: "expired" },
    ]);
    // Bought again on day 28: purchased, and the new cycle is not due yet.
    const again = planReminders(lastPurchases(buys("a", [0, 28])), () => interval, settings, day(29));
    expect(reconcileReminders(stored, again, day(29))).toEqual({ create: [], update: [{ id: "r0", status: "purchased" }] });
  });

  it("property: reconciling twice after applying the changes changes nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 500 }), (days, nowDay) => {
        const now = day(nowDay);
            const plan = planReminders(lastPurchases(buys("a", days.filter((d) => d <= nowDay))), () => interval, settings, now);
        const first = reconcileReminders([], plan, now);
        const stored: StoredReminder[] = first.create.map((p, i) => ({ id: `r${i}`, customerGid: p.customerGid, productGid: p.productGid, cycleStartedAt: p.at, expiresAt: p.expiresAt, status: "due" }));
        expect(reconcileReminders(stored, plan, now)).toEqual({ create: [], update: [] });
      }),
    );
  });
});
