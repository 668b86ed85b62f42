/**
 * A campaign: an audience, the actions its treatment arm receives, a trigger,
 * a measurement window, budgets, and the experiment's holdout and rollout.
 * Pure data plus validation; the service stores it as JSON beside the row.
 */
import { LIFECYCLE_STAGES, type LifecycleStage } from "../segments/lifecycle";

export const CHURN_RISK_LEVELS = ["low", "medium", "high"] as const;
export type ChurnRiskLevel = (typeof CHURN_RISK_LEVELS)[number];

/**
 * Who a campaign reaches. Dimensions combine with AND; values within one
 * dimension with OR. An empty or missing dimension does not restrict.
 */
export interface Audience {
  layerIds?: string[];
  churnRisks?: ChurnRiskLevel[];
  lifecycleStages?: LifecycleStage[];
  /** Loyalty tier ids (LoyaltyAccount.tier). */
  tiers?: string[];
  /**
   * A lifecycle move: only customers who moved INTO one of these layers since
   * the campaign's previous run (LayerMove rows). Required by the "on_enter" trigger.
   */
  enteredLayerIds?: string[];
  /**
   * Customers whose next birthday (Customer.birthday, from the shop) falls
   * within this many days of the run, today counting as 0. 29 February is
   * celebrated on 28 February in other years, as loyalty's birthday points are.
   */
  birthdayWithinDays?: number;
}

export type CampaignAction =
  /** Bonus points credited through the points ledger. */
  | { kind: "bonus_points"; points: number }
  /** The "campaign step due" Flow trigger: the merchant's own email/SMS tools send the message. */
  | { kind: "flow_trigger"; step: string }
  /**
   * A single-use discount code limited to the customer, shaped like a reward
   * of the loyalty catalogue (its kind, value, minimum) and valid for the
   * campaign window. `costMinor`: what one code is expected to cost the
   * merchant, counted against `budgetMinor` and in ROI.
   */
  | { kind: "reward_code"; rewardId: string; costMinor: number }
  /**
   * A tier's perk for the window: the tier's free shipping, as a single-use
   * free-shipping code limited to the customer (docs/campaigns.md, "Tier
   * perks"). The tier must offer free shipping. `costMinor`: the expected
   * shipping given away per code (default 0).
   */
  | { kind: "tier_perk"; tier: string; costMinor?: number }
  /**
   * A customer tag the merchant's tools can segment on, added through the
   * Admin API; with `removeAfterWindow` removed again when the customer's
   * window ends or the campaign stops.
   */
  | { kind: "customer_tag"; tag: string; removeAfterWindow?: boolean };

export type CampaignActionKind = CampaignAction["kind"];

export type CampaignTrigger =
  /** Event driven: customers who entered the audience (enteredLayerIds) since the previous run. */
  | { kind: "on_enter" }
  /** Every run (at most every `everyDays` days) picks up customers newly in the audience. */
  | { kind: "schedule"; everyDays: number }
  /** The audience as it is at the first run after launch; nobody is added later. */
  | { kind: "once" };

export interface FrequencyCap {
  /** At most this many campaign actions per customer, across all campaigns of the shop… */
  maxActions: number;
  /** …within this many days. */
  perDays: number;
}

export interface CampaignDefinition {
  name: string;
  /** The playbook it was created from, if any. */
  playbookId?: string;
  audience: Audience;
  actions: CampaignAction[];
  trigger: CampaignTrigger;
  /** Conversion is an order within this many days of assignment. */
  windowDays: number;
  /** Total points the campaign may award; null: no limit. */
  budgetPoints: number | null;
  /** Total money (points at pointValueMinor, reward codes at their cost) in the shop currency's minor units; null: no limit. */
  budgetMinor: number | null;
  /** What one point costs the merchant, in minor units (fractional allowed), for budgets and ROI. */
  pointValueMinor: number;
  /** Share of the audience held out as control (gets nothing). Fixed at launch. */
  holdoutShare: number;
  /** Share of the non-holdout audience that is treated; starts small and is widened. */
  rolloutShare: number;
  frequencyCap: FrequencyCap;
  /** Significance level of the sequential test. */
  alpha: number;
}

export const DEFAULT_HOLDOUT_SHARE = 0.1;
/** The strategy: new strategies are tested first on 5% of users. */
export const INITIAL_ROLLOUT_SHARE = 0.05;
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_FREQUENCY_CAP: Readonly<FrequencyCap> = Object.freeze({ maxActions: 2, perDays: 30 });
/** 100 points = one unit of currency, unless the merchant says otherwise. */
export const DEFAULT_POINT_VALUE_MINOR = 1;

/** The widest birthday look-ahead: a month. */
export const MAX_BIRTHDAY_WITHIN_DAYS = 31;
/** Shopify's limit on one tag. */
export const MAX_TAG_LENGTH = 255;

/**
 * Why a customer tag would be refused, or null. Shopify's rules: at most 255
 * characters; a comma separates tags, so one tag has none; surrounding spaces
 * are trimmed by Shopify (a tag that relies on them would not match later).
 */
export function customerTagProblem(tag: unknown): string | null {
  if (typeof tag !== "string" || tag.trim() === "") return "a tag is required";
  if (tag.length > MAX_TAG_LENGTH) return `at most ${MAX_TAG_LENGTH} characters`;
  if (tag.includes(",")) return "a tag cannot contain a comma";
  if (tag.trim() !== tag) return "no spaces at the start or end";
  if (/[\u0000-\u001f\u007f]/.test(tag)) return "no line breaks or control characters";
  return null;
}

export interface CampaignError {
  path: string;
  message: string;
}

const isPositiveInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;
const isShare = (n: unknown, min: number, max: number) => typeof n === "number" && Number.isFinite(n) && n >= min && n <= max;

/**
 * Every problem with a definition (empty when valid). `knownLayerIds`, when
 * given, rejects layer ids the shop does not have.
 */
export function validateCampaign(def: CampaignDefinition, knownLayerIds?: readonly string[]): CampaignError[] {
  const errors: CampaignError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (typeof def.name !== "string" || def.name.trim() === "" || def.name.length > 120) err("name", "a name of 1 to 120 characters is required");

  const a = def.audience ?? {};
  const known = knownLayerIds ? new Set(knownLayerIds) : null;
  for (const key of ["layerIds", "enteredLayerIds"] as const) {
    const ids = a[key];
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || id === "")) err(`audience.${key}`, "must be a list of layer ids");
    else if (known) for (const id of ids) if (!known.has(id)) err(`audience.${key}`, `unknown layer "${id}"`);
  }
  if (a.churnRisks !== undefined && (!Array.isArray(a.churnRisks) || a.churnRisks.some((r) => !CHURN_RISK_LEVELS.includes(r)))) {
    err("audience.churnRisks", `must be a list of ${CHURN_RISK_LEVELS.join(", ")}`);
  }
  if (a.lifecycleStages !== undefined && (!Array.isArray(a.lifecycleStages) || a.lifecycleStages.some((s) => !LIFECYCLE_STAGES.includes(s)))) {
    err("audience.lifecycleStages", `must be a list of ${LIFECYCLE_STAGES.join(", ")}`);
  }
  if (a.tiers !== undefined && (!Array.isArray(a.tiers) || a.tiers.some((t) => typeof t !== "string" || t === ""))) err("audience.tiers", "must be a list of tier ids");
  const birthday = a.birthdayWithinDays;
  if (birthday !== undefined && !(Number.isInteger(birthday) && birthday >= 0 && birthday <= MAX_BIRTHDAY_WITHIN_DAYS)) {
    err("audience.birthdayWithinDays", `a whole number of days from 0 to ${MAX_BIRTHDAY_WITHIN_DAYS}`);
  }
  const dimensions = [a.layerIds, a.churnRisks, a.lifecycleStages, a.tiers, a.enteredLayerIds].filter((d) => Array.isArray(d) && d.length > 0);
  if (dimensions.length === 0 && birthday === undefined) err("audience", "name at least one layer, churn-risk level, lifecycle stage, tier, entered layer or birthday");

  if (!Array.isArray(def.actions) || def.actions.length === 0) err("actions", "at least one action is required");
  else {
    def.actions.forEach((action, i) => {
      const p = `actions[${i}]`;
      switch (action?.kind) {
        case "bonus_points": if (!isPositiveInt(action.points) || action.points > 1_000_000) err(`${p}.points`, "a whole number of points from 1 to 1,000,000"); break;
        case "flow_trigger": if (typeof action.step !== "string" || !/^[a-z0-9-]{1,60}$/.test(action.step)) err(`${p}.step`, "a step name of lowercase letters, digits and hyphens"); break;
        case "reward_code":
          if (typeof action.rewardId !== "string" || action.rewardId === "") err(`${p}.rewardId`, "a reward id is required");
          if (!Number.isInteger(action.costMinor) || action.costMinor < 0) err(`${p}.costMinor`, "the code's expected cost in minor units (integer ≥ 0)");
          break;
        case "tier_perk":
          if (typeof action.tier !== "string" || action.tier === "") err(`${p}.tier`, "a tier id is required");
          if (action.costMinor !== undefined && (!Number.isInteger(action.costMinor) || action.costMinor < 0)) err(`${p}.costMinor`, "the perk's expected cost in minor units (integer ≥ 0)");
          break;
        case "customer_tag": {
          const problem = customerTagProblem(action.tag);
          if (problem) err(`${p}.tag`, problem);
          if (action.removeAfterWindow !== undefined && typeof action.removeAfterWindow !== "boolean") err(`${p}.removeAfterWindow`, "true or false");
          break;
        }
        default: err(`${p}.kind`, `unknown action "${String((action as { kind?: unknown })?.kind)}"`);
      }
    });
    // One action of each kind: an action is recorded once per campaign, customer and kind (its idempotency key).
    const kinds = def.actions.map((x) => x?.kind).filter((k): k is CampaignActionKind => typeof k === "string");
    for (const kind of new Set(kinds)) if (kinds.filter((k) => k === kind).length > 1) err("actions", `at most one ${kind} action`);
  }

  const t = def.trigger;
  if (t?.kind === "schedule") { if (!isPositiveInt(t.everyDays) || t.everyDays > 365) err("trigger.everyDays", "a whole number of days from 1 to 365"); }
  else if (t?.kind !== "on_enter" && t?.kind !== "once") err("trigger.kind", "one of on_enter, schedule, once");
  if (t?.kind === "on_enter" && !(a.enteredLayerIds && a.enteredLayerIds.length > 0)) err("audience.enteredLayerIds", "the on_enter trigger needs the layers customers enter");

  if (!isPositiveInt(def.windowDays) || def.windowDays > 365) err("windowDays", "a whole number of days from 1 to 365");
  if (def.budgetPoints !== null && (!Number.isInteger(def.budgetPoints) || def.budgetPoints < 0)) err("budgetPoints", "a whole number of points ≥ 0, or null for no limit");
  if (def.budgetMinor !== null && (!Number.isInteger(def.budgetMinor) || def.budgetMinor < 0)) err("budgetMinor", "whole minor units ≥ 0, or null for no limit");
  if (!isShare(def.pointValueMinor, 0, 1_000_000)) err("pointValueMinor", "a cost per point ≥ 0 in minor units");
  if (!isShare(def.holdoutShare, 0.01, 0.5)) err("holdoutShare", "between 0.01 and 0.5 (every campaign keeps a control group)");
  if (!isShare(def.rolloutShare, 0.01, 1)) err("rolloutShare", "between 0.01 and 1");
  if (!isPositiveInt(def.frequencyCap?.maxActions) || !isPositiveInt(def.frequencyCap?.perDays)) err("frequencyCap", "maxActions and perDays are whole numbers ≥ 1");
  if (!isShare(def.alpha, 0.001, 0.2)) err("alpha", "between 0.001 and 0.2");
  return errors;
}

/** Fills the defaults a merchant need not choose. */
export function withDefaults(def: Pick<CampaignDefinition, "name" | "audience" | "actions" | "trigger"> & Partial<CampaignDefinition>): CampaignDefinition {
  return {
    windowDays: 30,
    budgetPoints: null,
    budgetMinor: null,
    pointValueMinor: DEFAULT_POINT_VALUE_MINOR,
    holdoutShare: DEFAULT_HOLDOUT_SHARE,
    rolloutShare: INITIAL_ROLLOUT_SHARE,
    frequencyCap: { ...DEFAULT_FREQUENCY_CAP },
    alpha: DEFAULT_ALPHA,
    ...def,
  };
}

/** What one action costs for one customer: points, and money in minor units (points at pointValueMinor, codes at their expected cost). */
export function unitActionCost(action: CampaignAction, pointValueMinor: number): { points: number; minor: number } {
  switch (action.kind) {
    case "bonus_points": return { points: action.points, minor: Math.ceil(action.points * pointValueMinor) };
    case "reward_code": return { points: 0, minor: action.costMinor };
    case "tier_perk": return { points: 0, minor: action.costMinor ?? 0 };
    default: return { points: 0, minor: 0 };
  }
}

/** What one customer's treatment costs: the sum of {@link unitActionCost} over the actions. */
export function actionCost(def: Pick<CampaignDefinition, "actions" | "pointValueMinor">): { points: number; minor: number } {
  let points = 0;
  let minor = 0;
  for (const a of def.actions) {
    const cost = unitActionCost(a, def.pointValueMinor);
    points += cost.points;
    minor += cost.minor;
  }
  return { points, minor };
}
