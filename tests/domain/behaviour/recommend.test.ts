import { describe, expect, it } from "vitest";
import {
  boughtTogether,
  evaluateLeaveLastOut,
  INTERACTION_WEIGHT,
  popularFor,
  recommendForCustomer,
  trainItemSimilarity,
  type HoldoutOrder,
  type Interaction,
} from "~/domain/behaviour";
import { onlineRetailPurchases } from "../../replenishment/online-retail";

const DAY = 86400_000;
const buy = (customer: string, item: string, day = 0): Interaction => ({ customer, item, at: day * DAY, weight: INTERACTION_WEIGHT.purchase });

describe("item-to-item similarity", () => {
  // Coffee buyers also buy filters; tea buyers buy a kettle; everyone buys mugs.
  const interactions = [
    buy("a", "coffee"), buy("a", "filters"), buy("a", "mug"),
    buy("b", "coffee"), buy("b", "filters"),
    buy("c", "coffee"), buy("c", "filters"), buy("c", "mug"),
    buy("d", "tea"), buy("d", "kettle"), buy("d", "mug"),
    buy("e", "tea"), buy("e", "kettle"),
  ];
  const model = trainItemSimilarity(interactions);

  it("scores by cosine over customers: items always bought together are 1, never together absent", () => {
    const coffee = model.neighbours[model.index.get("coffee")!]!.map((n) => [model.items[n.item], Number(n.score.toFixed(4))]);
    // coffee and filters: the same three customers, equal weights → cosine 1.
    expect(coffee[0]).toEqual(["filters", 1]);
    // coffee and mug: customers a and c of coffee's three and mug's three → 2/3.
    expect(coffee[1]).toEqual(["mug", Number((2 / 3).toFixed(4))]);
    expect(coffee.map(([item]) => item)).not.toContain("kettle");
  });

  it("recommends the neighbours of a new customer's items, never what they bought, then fills with popular items", () => {
    const recs = recommendForCustomer(model, [buy("z", "coffee")], { k: 3, exclude: new Set(["coffee"]), now: 0 });
    expect(recs.map((r) => r.item)).toEqual(["filters", "mug", "tea"]);
    expect(recs[2]!.score).toBe(0); // popularity fill-up
  });

  it("weights recent interests above old ones", () => {
    const history = [buy("z", "coffee", 0), buy("z", "tea", 300)];
    const recs = recommendForCustomer(model, history, { k: 2, exclude: new Set(["coffee", "tea", "mug"]), now: 300 * DAY });
    expect(recs.map((r) => r.item)).toEqual(["kettle", "filters"]);
  });

  it("popularity baseline: most customers first, without excluded items", () => {
    expect(popularFor(model, { k: 2, exclude: new Set(["mug"]) }).map((r) => r.item)).toEqual(["coffee", "filters"]);
  });
});

describe("often bought together", () => {
  it("pairs items by co-purchase within orders, above a minimum support", () => {
    const orders = [["a", "b"], ["a", "b"], ["a", "c"], ["b", "d"]];
    const together = boughtTogether(orders, { minSupport: 2 });
    expect(together.get("a")).toEqual([{ item: "b", score: 2 / Math.sqrt(3 * 3) }]);
    expect(together.has("c")).toBe(false);
  });
});

describe("leave-last-out evaluation", () => {
  it("counts a hit when the held-out order holds a recommended new item", () => {
    const orders: HoldoutOrder[] = [
      { customer: "a", at: 1, items: ["coffee", "filters"] },
      { customer: "b", at: 1, items: ["coffee", "filters"] },
      { customer: "c", at: 1, items: ["coffee"] },
      { customer: "c", at: 2, items: ["filters"] }, // held out: filters is coffee's neighbour
    ];
    const { model } = evaluateLeaveLastOut(orders, { k: 1 });
    expect(model).toEqual({ customers: 1, precisionAtK: 1, recallAtK: 1, hitRate: 1 });
  });

  const purchases = onlineRetailPurchases();
  it.runIf(purchases)("on the UCI Online Retail data, beats the popularity baseline at precision@10 and recall@10", () => {
    const orders = new Map<string, HoldoutOrder & { items: string[] }>();
    for (const p of purchases!) {
      const key = `${p.customerGid}|${p.at}`;
      const order = orders.get(key) ?? { customer: p.customerGid, at: p.at, items: [] };
      order.items.push(p.productGid);
      orders.set(key, order);
    }
    const result = evaluateLeaveLastOut([...orders.values()], { k: 10 });
    process.stdout.write(`UCI leave-last-out @10: item-item ${JSON.stringify(result.model)} popularity ${JSON.stringify(result.popularity)}\n`);
    expect(result.model.customers).toBeGreaterThan(3000);
    expect(result.model.precisionAtK).toBeGreaterThan(result.popularity.precisionAtK * 1.2);
    expect(result.model.recallAtK).toBeGreaterThan(result.popularity.recallAtK * 1.2);
  }, 300_000);
});
