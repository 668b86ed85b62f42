/** The settings page's tier list state (app/components/tier-list.ts): remove, keep again, add. */
import { describe, expect, it } from "vitest";
import { tierListReducer, type TierList, type TierRow } from "~/components/tier-list";

const tier = (id: string, threshold: number): TierRow => ({ key: id, id, name: id[0].toUpperCase() + id.slice(1), threshold, multiplierPct: 100, birthdayBonusPoints: 0, freeShipping: false });
const start: TierList = { rows: [tier("silver", 0), tier("gold", 500), tier("diamond", 2000)], removed: [], added: 0 };
const keys = (s: TierList) => s.rows.map((r) => r.key);

describe("tierListReducer", () => {
  it("removes a tier with members and remembers where it was; keeping it puts it back there", () => {
    const removed = tierListReducer(start, { type: "remove", key: "gold", hasMembers: true });
    expect(keys(removed)).toEqual(["silver", "diamond"]);
    expect(removed.removed).toEqual([{ row: start.rows[1], at: 1 }]);
    const kept = tierListReducer(removed, { type: "keep", key: "gold" });
    expect(keys(kept)).toEqual(["silver", "gold", "diamond"]);
    expect(kept.removed).toEqual([]);
  });

  it("forgets a removed tier without members (nothing to warn about or keep)", () => {
    const removed = tierListReducer(start, { type: "remove", key: "diamond", hasMembers: false });
    expect(keys(removed)).toEqual(["silver", "gold"]);
    expect(removed.removed).toEqual([]);
    expect(tierListReducer(removed, { type: "keep", key: "diamond" })).toBe(removed);
  });

  it("keeps a tier back at the end when the list got shorter meanwhile", () => {
    let s = tierListReducer(start, { type: "remove", key: "diamond", hasMembers: true });
    s = tierListReducer(s, { type: "remove", key: "gold", hasMembers: false });
    s = tierListReducer(s, { type: "keep", key: "diamond" });
    expect(keys(s)).toEqual(["silver", "diamond"]);
  });

  it("adds empty tiers with unique keys, and leaves the other rows' objects alone (memoised rows skip re-rendering)", () => {
    const one = tierListReducer(start, { type: "add" });
    const two = tierListReducer(tierListReducer(one, { type: "remove", key: "new-0", hasMembers: false }), { type: "add" });
    expect(keys(one)).toEqual(["silver", "gold", "diamond", "new-0"]);
    expect(keys(two)).toEqual(["silver", "gold", "diamond", "new-1"]);
    expect(one.rows[3]).toMatchObject({ id: "", name: "", threshold: "", multiplierPct: 100 });
    expect(two.rows.slice(0, 3).every((r, i) => r === start.rows[i])).toBe(true);
  });

  it("ignores an unknown key", () => {
    expect(tierListReducer(start, { type: "remove", key: "platinum", hasMembers: true })).toBe(start);
  });
});
