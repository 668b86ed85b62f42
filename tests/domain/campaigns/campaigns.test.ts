/** Campaign definitions, playbooks, assignment, audiences, caps and budgets, verdicts. */
import { describe, expect, it } from "vitest";
import {
  actionCost,
  assignmentPoint,
  checkRolloutChange,
  DEFAULT_PLAYBOOKS,
  fitsBudget,
  inAudience,
  placeCustomer,
  placementOf,
  playbookDefinition,
  validateCampaign,
  verdictFor,
  withDefaults,
  withinFrequencyCap,
  type CampaignDefinition,
} from "~/domain/campaigns";
import { DEFAULT_LAYERS } from "~/domain/segments";

const LAYER_IDS = DEFAULT_LAYERS.map((l) => l.id);
const base = (): CampaignDefinition => withDefaults({
  name: "Test", audience: { layerIds: ["vip"] }, actions: [{ kind: "bonus_points", points: 100 }], trigger: { kind: "once" },
});

describe("validateCampaign", () => {
  it("accepts the defaults: 10% holdout, 5% rollout", () => {
    const def = base();
    expect(def.holdoutShare).toBe(0.1);
    expect(def.rolloutShare).toBe(0.05);
    expect(validateCampaign(def, LAYER_IDS)).toEqual([]);
  });

  it.each<[string, (d: CampaignDefinition) => void, string]>([
    ["empty name", (d) => { d.name = " "; }, "name"],
    ["no audience", (d) => { d.audience = {}; }, "audience"],
    ["unknown layer", (d) => { d.audience = { layerIds: ["gold-ish"] }; }, "audience.layerIds"],
    ["bad churn level", (d) => { d.audience = { churnRisks: ["extreme" as never] }; }, "audience.churnRisks"],
    ["bad stage", (d) => { d.audience = { lifecycleStages: ["asleep" as never] }; }, "audience.lifecycleStages"],
    ["no actions", (d) => { d.actions = []; }, "actions"],
    ["fractional points", (d) => { d.actions = [{ kind: "bonus_points", points: 1.5 }]; }, "actions[0].points"],
    ["unknown action", (d) => { d.actions = [{ kind: "sms" } as never]; }, "actions[0].kind"],
    ["bad flow step", (d) => { d.actions = [{ kind: "flow_trigger", step: "Win Back!" }]; }, "actions[0].step"],
    ["on_enter without entered layers", (d) => { d.trigger = { kind: "on_enter" }; }, "audience.enteredLayerIds"],
    ["schedule of 0 days", (d) => { d.trigger = { kind: "schedule", everyDays: 0 }; }, "trigger.everyDays"],
    ["window 0", (d) => { d.windowDays = 0; }, "windowDays"],
    ["negative budget", (d) => { d.budgetPoints = -1; }, "budgetPoints"],
    ["fractional money budget", (d) => { d.budgetMinor = 10.5; }, "budgetMinor"],
    ["no holdout", (d) => { d.holdoutShare = 0; }, "holdoutShare"],
    ["rollout above 1", (d) => { d.rolloutShare = 1.2; }, "rolloutShare"],
    ["zero cap", (d) => { d.frequencyCap = { maxActions: 0, perDays: 30 }; }, "frequencyCap"],
  ])("refuses %s", (_name, edit, path) => {
    const def = base();
    edit(def);
    expect(validateCampaign(def, LAYER_IDS).map((e) => e.path)).toContain(path);
  });
});

describe("default playbooks", () => {
  it("are valid against the default layers, keep a holdout and start at 5%", () => {
    expect(DEFAULT_PLAYBOOKS.map((p) => p.id)).toEqual([
      "win-back-gift", "limited-time-offer", "exclusive-perks", "churn-risk-low", "churn-risk-medium", "churn-risk-high", "replenishment-nudge", "birthday",
    ]);
    for (const p of DEFAULT_PLAYBOOKS) {
      expect(validateCampaign(p.definition, LAYER_IDS), p.id).toEqual([]);
      expect(p.definition.holdoutShare).toBe(0.1);
      expect(p.definition.rolloutShare).toBe(0.05);
    }
  });
  it("churn-risk interventions rise in strength", () => {
    const cost = (id: string) => actionCost(playbookDefinition(id)!).points;
    expect(cost("churn-risk-low")).toBeLessThan(cost("churn-risk-medium"));
    expect(cost("churn-risk-medium")).toBeLessThan(cost("churn-risk-high"));
  });
  it("hands out copies: editing one does not change the default", () => {
    const copy = playbookDefinition("win-back-gift")!;
    copy.name = "Edited";
    expect(playbookDefinition("win-back-gift")!.name).toBe("Win-back gift");
    expect(playbookDefinition("nope")).toBeUndefined();
  });
});

describe("assignment", () => {
  const customers = Array.from({ length: 20_000 }, (_, i) => `gid://shopify/Customer/${i + 1}`);

  it("is deterministic and depends on shop, campaign and customer", () => {
    const u = assignmentPoint("a.myshopify.com", "c1", customers[0]);
    expect(assignmentPoint("a.myshopify.com", "c1", customers[0])).toBe(u);
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    expect(assignmentPoint("b.myshopify.com", "c1", customers[0])).not.toBe(u);
    expect(assignmentPoint("a.myshopify.com", "c2", customers[0])).not.toBe(u);
  });

  it("splits about 10% control and 4.5% treatment at the defaults", () => {
    const counts = { control: 0, treatment: 0, not_yet: 0 };
    for (const c of customers) counts[placeCustomer("a.myshopify.com", "c1", c, { holdoutShare: 0.1, rolloutShare: 0.05 })]++;
    // sd of a 10% share over 20,000 is 0.2 points
    expect(counts.control / customers.length).toBeCloseTo(0.1, 2);
    expect(counts.treatment / customers.length).toBeGreaterThan(0.04);
    expect(counts.treatment / customers.length).toBeLessThan(0.05);
  });

  it("GIVEN a rollout widened 5% → 25% → 100% THEN nobody changes arm; only not-yet customers join treatment", () => {
    const at = (rollout: number) => customers.map((c) => placeCustomer("a.myshopify.com", "c1", c, { holdoutShare: 0.1, rolloutShare: rollout }));
    const steps = [at(0.05), at(0.25), at(1)];
    for (let s = 1; s < steps.length; s++) {
      for (let i = 0; i < customers.length; i++) {
        const before = steps[s - 1][i];
        const after = steps[s][i];
        if (before !== "not_yet") expect(after).toBe(before);
      }
    }
    expect(steps[2].filter((p) => p === "not_yet")).toHaveLength(0);
    expect(steps[1].filter((p) => p === "treatment").length).toBeGreaterThan(steps[0].filter((p) => p === "treatment").length);
  });

  it.each([
    [0.05, 0.1, 0.05, "control"], [0.1, 0.1, 0.05, "treatment"], [0.1449, 0.1, 0.05, "treatment"], [0.1451, 0.1, 0.05, "not_yet"], [0.99, 0.1, 1, "treatment"],
  ])("u = %d, holdout %d, rollout %d → %s", (u, h, r, arm) => {
    expect(placementOf(u, h, r)).toBe(arm);
  });

  it("only widens a rollout, or rolls it back to 0", () => {
    expect(checkRolloutChange(0.05, 0.25)).toBeNull();
    expect(checkRolloutChange(0.25, 0)).toBeNull();
    expect(checkRolloutChange(0.25, 0.1)).toMatch(/only widen/);
    expect(checkRolloutChange(0.25, 1.5)).toMatch(/between 0 and 1/);
  });
});

describe("inAudience", () => {
  const facts = { layerId: "about-to-sleep", lifecycleStage: "at-risk", churnRisk: "medium", tier: "gold", enteredLayerIds: ["about-to-sleep"] };
  it.each<[string, Parameters<typeof inAudience>[0], boolean]>([
    ["layer match", { layerIds: ["about-to-sleep", "vip"] }, true],
    ["layer miss", { layerIds: ["vip"] }, false],
    ["layer AND churn risk", { layerIds: ["about-to-sleep"], churnRisks: ["high"] }, false],
    ["stage and tier", { lifecycleStages: ["at-risk"], tiers: ["gold", "silver"] }, true],
    ["tier miss", { tiers: ["diamond"] }, false],
    ["entered", { enteredLayerIds: ["about-to-sleep"] }, true],
    ["entered another layer", { enteredLayerIds: ["churn-risk"] }, false],
  ])("%s", (_n, audience, expected) => {
    expect(inAudience(audience, facts)).toBe(expected);
  });
  it("a customer without a churn risk or tier is outside an audience that names them", () => {
    expect(inAudience({ churnRisks: ["low"] }, { ...facts, churnRisk: null })).toBe(false);
    expect(inAudience({ tiers: ["gold"] }, { ...facts, tier: null })).toBe(false);
  });
});

describe("frequency caps and budgets", () => {
  const DAY = 86_400_000;
  const now = 100 * DAY;
  it("counts actions inside the window only", () => {
    const cap = { maxActions: 2, perDays: 30 };
    expect(withinFrequencyCap([], now, cap)).toBe(true);
    expect(withinFrequencyCap([now - 5 * DAY], now, cap)).toBe(true);
    expect(withinFrequencyCap([now - 5 * DAY, now - 29 * DAY], now, cap)).toBe(false);
    expect(withinFrequencyCap([now - 5 * DAY, now - 30 * DAY], now, cap)).toBe(true);
  });
  it("never lets spending pass a budget; null is unlimited", () => {
    const cost = { points: 500, minor: 500 };
    expect(fitsBudget({ spentPoints: 500, spentMinor: 500 }, cost, { budgetPoints: 1000, budgetMinor: null })).toEqual({ ok: true });
    expect(fitsBudget({ spentPoints: 501, spentMinor: 0 }, cost, { budgetPoints: 1000, budgetMinor: null })).toEqual({ ok: false, reason: "points_budget" });
    expect(fitsBudget({ spentPoints: 0, spentMinor: 9_600 }, cost, { budgetPoints: null, budgetMinor: 10_000 })).toEqual({ ok: false, reason: "money_budget" });
    expect(fitsBudget({ spentPoints: 10 ** 9, spentMinor: 10 ** 9 }, cost, { budgetPoints: null, budgetMinor: null })).toEqual({ ok: true });
  });
  it("costs points at their value plus reward codes", () => {
    expect(actionCost({ pointValueMinor: 0.5, actions: [{ kind: "bonus_points", points: 301 }, { kind: "reward_code", rewardId: "r", costMinor: 1000 }] }))
      .toEqual({ points: 301, minor: 151 + 1000 });
  });
});

describe("verdictFor", () => {
  it("refuses to call a winner before enough data, even with a big gap", () => {
    const v = verdictFor({ customers: 40, converted: 20 }, { customers: 40, converted: 2 });
    expect(v.kind).toBe("collecting");
    expect(v.message).toMatch(/Too early.*100 customers in each group \(the smaller has 40\)/);
  });
  it("calls the treatment better once the sequential test rejects", () => {
    const v = verdictFor({ customers: 3000, converted: 540 }, { customers: 3000, converted: 360 });
    expect(v.kind).toBe("treatment_better");
    expect(v.message).toMatch(/18\.0% .* against 12\.0%/);
  });
  it("calls it worse when the treatment converts less", () => {
    expect(verdictFor({ customers: 3000, converted: 300 }, { customers: 3000, converted: 450 }).kind).toBe("treatment_worse");
  });
  it("says no winner yet for a gap the fixed-horizon test would call significant but the sequential one not", () => {
    const t = { customers: 2000, converted: 260 };
    const c = { customers: 2000, converted: 215 };
    const v = verdictFor(t, c);
    expect(v.comparison!.pValue).toBeLessThan(0.05);
    expect(v.kind).toBe("no_winner_yet");
  });
  it("says no effect found at a fixed horizon set at launch", () => {
    expect(verdictFor({ customers: 5000, converted: 600 }, { customers: 5000, converted: 600 }, { horizonCustomersPerArm: 5000 }).kind).toBe("no_effect_found");
  });
});
