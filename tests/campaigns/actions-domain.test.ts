/** The pure rules behind campaign actions and the birthday audience (app/domain/campaigns). */
import { describe, expect, it } from "vitest";
import {
  actionCost,
  applyRank,
  campaignDiscountCode,
  customerTagProblem,
  daysUntilBirthday,
  inAudience,
  playbookDefinition,
  tagRemovalDue,
  validateCampaign,
  withDefaults,
  type CampaignAction,
} from "~/domain/campaigns";
import { DEFAULT_LAYERS } from "~/domain/segments";

const LAYER_IDS = DEFAULT_LAYERS.map((l) => l.id);
const def = (actions: CampaignAction[], audience = { layerIds: ["vip"] } as object) =>
  withDefaults({ name: "T", audience, actions, trigger: { kind: "once" } });

describe("daysUntilBirthday", () => {
  it.each<[string | null, string, number | null]>([
    ["1990-11-01", "2026-11-01T23:59:00Z", 0],
    ["1990-11-08", "2026-11-01T00:00:00Z", 7],
    ["1990-10-31", "2026-11-01T00:00:00Z", 364],
    ["1990-01-01", "2026-12-31T12:00:00Z", 1],
    // 29 February: on 28 February in other years, on the 29th in leap years
    ["2000-02-29", "2027-02-27T00:00:00Z", 1],
    ["2000-02-29", "2028-02-27T00:00:00Z", 2],
    ["2000-02-29", "2027-03-01T00:00:00Z", 365], // to 29 February 2028
    [null, "2026-11-01T00:00:00Z", null],
    ["1990-13-01", "2026-11-01T00:00:00Z", null],
    ["1990-04-31", "2026-11-01T00:00:00Z", null],
    ["11-01", "2026-11-01T00:00:00Z", null],
  ])("%s on %s → %s", (birthday, today, days) => {
    expect(daysUntilBirthday(birthday, new Date(today))).toBe(days);
  });

  it("an audience with birthdayWithinDays takes 0..N days, and nobody without a birthday", () => {
    const facts = (days: number | null) => ({ layerId: "vip", lifecycleStage: "mature", churnRisk: null, tier: null, daysUntilBirthday: days });
    const audience = { birthdayWithinDays: 7 };
    expect([0, 7, 8, null].map((d) => inAudience(audience, facts(d)))).toEqual([true, true, false, false]);
    expect(inAudience({ birthdayWithinDays: 7, layerIds: ["lost"] }, facts(1))).toBe(false);
  });
});

describe("validation of the new actions and audience", () => {
  it("accepts the birthday playbook and a birthday-only audience; refuses out-of-range look-aheads", () => {
    expect(validateCampaign(playbookDefinition("birthday")!, LAYER_IDS)).toEqual([]);
    expect(validateCampaign(def([{ kind: "flow_trigger", step: "x" }], { birthdayWithinDays: 0 }), LAYER_IDS)).toEqual([]);
    for (const days of [-1, 32, 2.5]) {
      expect(validateCampaign(def([{ kind: "flow_trigger", step: "x" }], { birthdayWithinDays: days }), LAYER_IDS).map((e) => e.path)).toEqual(["audience.birthdayWithinDays"]);
    }
  });

  it.each<[string, unknown, string | null]>([
    ["a plain tag", "winback-2026", null],
    ["255 characters", "t".repeat(255), null],
    ["unicode", "回购客户", null],
    ["256 characters", "t".repeat(256), "at most 255 characters"],
    ["a comma", "a,b", "a tag cannot contain a comma"],
    ["a trailing space", "vip ", "no spaces at the start or end"],
    ["a tab", "a\tb", "no line breaks or control characters"],
    ["blank", "  ", "a tag is required"],
    ["not a string", 7, "a tag is required"],
  ])("tag with %s", (_name, tag, problem) => {
    expect(customerTagProblem(tag)).toBe(problem);
  });

  it("allows one action of each kind: the action is recorded once per campaign, customer and kind", () => {
    const twice = def([{ kind: "customer_tag", tag: "a" }, { kind: "customer_tag", tag: "b" }, { kind: "flow_trigger", step: "x" }]);
    expect(validateCampaign(twice, LAYER_IDS)).toEqual([{ path: "actions", message: "at most one customer_tag action" }]);
    const perk = def([{ kind: "tier_perk", tier: "gold", costMinor: -1 }]);
    expect(validateCampaign(perk, LAYER_IDS).map((e) => e.path)).toEqual(["actions[0].costMinor"]);
  });

  it("costs: points at their value, reward codes and tier perks at their expected cost, tags and messages nothing", () => {
    const all = def([
      { kind: "bonus_points", points: 150 }, { kind: "reward_code", rewardId: "r", costMinor: 700 }, { kind: "tier_perk", tier: "gold", costMinor: 450 },
      { kind: "customer_tag", tag: "t" }, { kind: "flow_trigger", step: "s" },
    ]);
    expect(actionCost({ ...all, pointValueMinor: 0.5 })).toEqual({ points: 150, minor: 75 + 700 + 450 });
    expect(actionCost(def([{ kind: "tier_perk", tier: "gold" }]))).toEqual({ points: 0, minor: 0 });
  });
});

describe("applying actions", () => {
  it("derives a stable, distinct, Shopify-valid code per action", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const codes = ids.map(campaignDiscountCode);
    expect(new Set(codes).size).toBe(ids.length);
    expect(campaignDiscountCode(ids[0])).toBe(codes[0]);
    for (const code of codes) expect(code).toMatch(/^EGC-[0-9A-Z]{11}$/);
  });

  it("applies codes and tags before the Flow message that carries them", () => {
    const kinds = ["flow_trigger", "reward_code", "customer_tag", "bonus_points", "tier_perk"];
    expect([...kinds].sort((a, b) => applyRank(a) - applyRank(b)).at(-1)).toBe("flow_trigger");
  });

  it("a temporary tag comes off when the window ends or the campaign stops, not before", () => {
    const treated = new Date("2026-11-01T09:00:00Z");
    const day = 86_400_000;
    expect(tagRemovalDue(treated, 10, "running", new Date(treated.getTime() + 10 * day - 1))).toBe(false);
    expect(tagRemovalDue(treated, 10, "running", new Date(treated.getTime() + 10 * day))).toBe(true);
    expect(tagRemovalDue(treated, 10, "stopped", treated)).toBe(true);
  });
});
