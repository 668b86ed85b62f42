import { describe, expect, it } from "vitest";
import { DEFAULT_LAYERS, diffLayers, moveRates } from "~/domain/segments";

const AT = Date.UTC(2025, 1, 1);
const map = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("diffLayers", () => {
  const previous = map({ a: "new-customers", b: "potential-growth", c: "loyal", d: "churn-risk", e: "vip", f: "prospects", gone: "lost", g: "old-layer" });
  const next = map({ a: "potential-growth", b: "potential-growth", c: "at-risk-high-value", d: "lost", e: "vip", f: "new-customers", fresh: "prospects", g: "loyal" });
  const moves = diffLayers(previous, next, AT, DEFAULT_LAYERS);

  it.each([
    { customerId: "a", from: "new-customers", to: "potential-growth", direction: "up" },
    { customerId: "c", from: "loyal", to: "at-risk-high-value", direction: "down" },
    { customerId: "d", from: "churn-risk", to: "lost", direction: "down" },
    { customerId: "f", from: "prospects", to: "new-customers", direction: "up" },
    { customerId: "g", from: "old-layer", to: "loyal", direction: "lateral" }, // a layer no longer in the set has no rank
  ])("$customerId: $from → $to is $direction", (move) => {
    expect(moves.find((m) => m.customerId === move.customerId)).toEqual({ ...move, at: AT });
  });

  it("leaves out unchanged customers, sign-ups and erased customers", () => {
    expect(moves.map((m) => m.customerId).sort()).toEqual(["a", "c", "d", "f", "g"]);
  });

  it("is lateral between layers of equal rank", () => {
    const layers = [{ id: "x", rank: 1 }, { id: "y", rank: 1 }];
    expect(diffLayers(map({ a: "x" }), map({ a: "y" }), AT, layers)[0].direction).toBe("lateral");
  });
});

describe("moveRates", () => {
  const start = map({ a: "new-customers", b: "new-customers", c: "loyal", d: "loyal", e: "vip" });
  const moves = [
    { customerId: "a", from: "new-customers", to: "potential-growth", at: AT, direction: "up" as const },
    { customerId: "c", from: "loyal", to: "about-to-sleep", at: AT, direction: "down" as const },
    { customerId: "d", from: "loyal", to: "vip", at: AT, direction: "up" as const },
    { customerId: "b", from: "new-customers", to: "one-time-buyers", at: AT + 40 * 86_400_000, direction: "down" as const }, // after the period
  ];

  it("counts moves in the period against the customers at its start", () => {
    const rates = moveRates(moves, { fromAt: AT, toAt: AT + 30 * 86_400_000 }, start);
    expect(rates).toMatchObject({ customers: 5, moves: 3, upgrades: 2, downgrades: 1, lateral: 0, upgradeRate: 0.4, downgradeRate: 0.2 });
    expect(rates.byLayer).toEqual({
      "new-customers": { customers: 2, upgrades: 1, downgrades: 0, upgradeRate: 0.5, downgradeRate: 0 },
      loyal: { customers: 2, upgrades: 1, downgrades: 1, upgradeRate: 0.5, downgradeRate: 0.5 },
      vip: { customers: 1, upgrades: 0, downgrades: 0, upgradeRate: 0, downgradeRate: 0 },
    });
  });

  it("treats the period as half-open and an empty start as zero rates", () => {
    expect(moveRates(moves, { fromAt: AT + 1, toAt: AT + 40 * 86_400_000 }, start).moves).toBe(0);
    expect(moveRates(moves, { fromAt: AT, toAt: AT + 41 * 86_400_000 }, new Map())).toMatchObject({ customers: 0, upgradeRate: 0, downgradeRate: 0, moves: 4 });
  });
});
