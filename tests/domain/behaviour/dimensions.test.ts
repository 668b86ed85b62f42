import { describe, expect, it } from "vitest";
import { customerDimensions, EVENT_CODES, parseFacet, type BehaviourSignal } from "~/domain/behaviour";

const NOW = new Date("2026-06-30T12:00:00Z");
const DAY = 86400_000;
const at = (daysAgo: number) => NOW.getTime() - daysAgo * DAY;
const view = (daysAgo: number, productType: string, vendor = "V", clientId = "c1"): BehaviourSignal => ({ clientId, code: EVENT_CODES.product_viewed, at: at(daysAgo), productType, vendor, query: null });
const cart = (daysAgo: number, productType = "Coffee"): BehaviourSignal => ({ clientId: "c1", code: EVENT_CODES.product_added_to_cart, at: at(daysAgo), productType, vendor: "V", query: null });
const search = (daysAgo: number, query: string): BehaviourSignal => ({ clientId: "c1", code: EVENT_CODES.search_submitted, at: at(daysAgo), productType: null, vendor: null, query });

describe("behaviour dimension", () => {
  it("counts sessions as browser-days and events in the 30- and 90-day windows, ignoring older ones", () => {
    const d = customerDimensions([view(1, "Tea"), view(1, "Tea", "V", "c2"), view(1.1, "Tea"), view(40, "Tea"), view(100, "Tea"), search(2, "oolong"), cart(50)], [], NOW);
    expect([d.sessions30, d.sessions90]).toEqual([3, 5]); // c1 day-1, c2 day-1, c1 day-2 | + day-40, day-50
    expect([d.views30, d.views90, d.searches30, d.carts30, d.carts90]).toEqual([3, 4, 1, 0, 1]);
    expect(d.lastSeenAt?.getTime()).toBe(at(1));
  });

  it("flags an add-to-cart of the last week with no purchase after it as an abandoned cart", () => {
    expect(customerDimensions([cart(3)], [], NOW).cartAbandonedAt?.getTime()).toBe(at(3));
    expect(customerDimensions([cart(3)], [{ at: at(2), productType: "Coffee", vendor: "V" }], NOW).cartAbandonedAt).toBeNull();
    expect(customerDimensions([cart(10)], [], NOW).cartAbandonedAt).toBeNull(); // older than a week: not "this week"
  });
});

describe("interest dimension", () => {
  it("ranks product types by views, carts and purchases, recent ones above old ones", () => {
    const d = customerDimensions([view(1, "Tea"), view(1, "Tea"), cart(1, "Coffee")], [{ at: at(200), productType: "Mugs", vendor: "Potter" }], NOW);
    // Coffee: one cart (0.5); Tea: two views (0.4); Mugs: a purchase 200 days ago (1 × 0.5^(200/45) ≈ 0.046).
    expect(d.topProductTypes.map((a) => a.value)).toEqual(["Coffee", "Tea", "Mugs"]);
    expect(d.topVendors[0]).toEqual({ value: "V", score: expect.closeTo(0.9 * Math.pow(0.5, 1 / 45), 3) });
  });

  it("keeps the most frequent search terms", () => {
    const d = customerDimensions([search(1, "oolong"), search(2, "oolong"), search(3, "matcha")], [], NOW);
    expect(d.topSearchTerms).toEqual([{ value: "oolong", score: 2 }, { value: "matcha", score: 1 }]);
  });

  it("reads stored facets", () => {
    expect(parseFacet("t:Coffee|v:Roasters")).toEqual({ productType: "Coffee", vendor: "Roasters", query: null });
    expect(parseFacet("q:dark roast")).toEqual({ productType: null, vendor: null, query: "dark roast" });
    expect(parseFacet(null)).toEqual({ productType: null, vendor: null, query: null });
  });
});
