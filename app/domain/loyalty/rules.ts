/**
 * A shop's earn rules and tiers: the data every earning computation reads.
 * Stored as JSON in a LoyaltyRuleVersion row; an edit makes a new version and
 * entries keep the version they were computed with (docs/decisions/0006-points-ledger.md).
 */
import { z } from "zod";

const nonNegativeInt = z.number().int().min(0);

export const TierSchema = z.object({
  /** Stable id, written to the customer's `$app.tier` metafield. */
  id: z.string().regex(/^[a-z0-9_-]{1,30}$/),
  /** Merchant-editable display name. */
  name: z.string().min(1).max(60),
  /** Qualifying threshold over the rolling 12 months: minor units of shop currency (basis "spend") or points (basis "points"). */
  threshold: nonNegativeInt,
  /** Earn multiplier in percent: 100 = x1, 150 = x1.5. */
  multiplierPct: z.number().int().min(0).max(1000),
  /** Free-shipping rewards cost this tier no points. */
  freeShipping: z.boolean(),
  /** Added to the birthday points. */
  birthdayBonusPoints: nonNegativeInt,
});
export type Tier = z.infer<typeof TierSchema>;

export const ActivityRuleSchema = z.object({
  points: nonNegativeInt,
  /** At most this many awards per customer in any rolling 365 days (0: off). */
  maxPerYear: nonNegativeInt,
  /** At most this many per rolling 24 hours. */
  maxPerDay: nonNegativeInt,
});
export type ActivityRule = z.infer<typeof ActivityRuleSchema>;

export const EarnRulesSchema = z
  .object({
    /** Points per whole unit of the shop currency actually paid for goods (after discounts; no shipping, no taxes). */
    pointsPerUnit: nonNegativeInt,
    /** Earn nothing on orders tagged with any of these (e.g. wholesale). */
    excludedOrderTags: z.array(z.string()).default([]),
    accountCreatedPoints: nonNegativeInt,
    signupPoints: nonNegativeInt,
    birthdayPoints: nonNegativeInt,
    firstOrderPoints: nonNegativeInt,
    activities: z.object({ review: ActivityRuleSchema, social: ActivityRuleSchema }),
    tierBasis: z.enum(["spend", "points"]),
    /** Ascending thresholds; the first must be 0 (everyone qualifies). */
    tiers: z.array(TierSchema).min(1).max(10),
  })
  .superRefine((rules, ctx) => {
    // min(1) does not stop refinements: an empty list must not crash here (it is reported as too small).
    if (rules.tiers.length > 0 && rules.tiers[0].threshold !== 0) ctx.addIssue({ code: "custom", path: ["tiers", 0, "threshold"], message: "the first tier's threshold must be 0" });
    for (let i = 1; i < rules.tiers.length; i++) {
      if (rules.tiers[i].threshold <= rules.tiers[i - 1].threshold) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "threshold"], message: "thresholds must increase" });
      }
    }
    if (new Set(rules.tiers.map((t) => t.id)).size !== rules.tiers.length) ctx.addIssue({ code: "custom", path: ["tiers"], message: "tier ids must be unique" });
  });
export type EarnRules = z.infer<typeof EarnRulesSchema>;

export type ActivityKind = keyof EarnRules["activities"];
export const ACTIVITY_KINDS: readonly ActivityKind[] = ["review", "social"];

/** Evergreen's defaults (retention strategy: silver, gold, diamond by spend). Thresholds in minor units. */
export const DEFAULT_EARN_RULES: EarnRules = {
  pointsPerUnit: 1,
  excludedOrderTags: [],
  accountCreatedPoints: 50,
  signupPoints: 100,
  birthdayPoints: 200,
  firstOrderPoints: 100,
  activities: {
    review: { points: 50, maxPerYear: 10, maxPerDay: 2 },
    social: { points: 25, maxPerYear: 4, maxPerDay: 1 },
  },
  tierBasis: "spend",
  tiers: [
    { id: "silver", name: "Silver", threshold: 0, multiplierPct: 100, freeShipping: false, birthdayBonusPoints: 0 },
    { id: "gold", name: "Gold", threshold: 50_000, multiplierPct: 125, freeShipping: true, birthdayBonusPoints: 100 },
    { id: "diamond", name: "Diamond", threshold: 150_000, multiplierPct: 150, freeShipping: true, birthdayBonusPoints: 300 },
  ],
};

export class InvalidEarnRulesError extends Error {
  constructor(detail: string) {
    super(`Invalid earn rules: ${detail}`);
    this.name = "InvalidEarnRulesError";
  }
}

/** Validates earn rules (from a merchant's edit or a stored version). @throws InvalidEarnRulesError */
export function parseEarnRules(value: unknown): EarnRules {
  const result = EarnRulesSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidEarnRulesError(result.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
  return result.data;
}

/** The tier a rolling-12-month value qualifies for: the highest whose threshold it reaches. */
export function qualifyingTier(rules: EarnRules, value: number): Tier {
  let found = rules.tiers[0];
  for (const tier of rules.tiers) if (value >= tier.threshold) found = tier;
  return found;
}

/** A tier's rank (0 = lowest); -1 for an id the rules no longer know. */
export function tierRank(rules: EarnRules, tierId: string | null | undefined): number {
  return tierId ? rules.tiers.findIndex((t) => t.id === tierId) : -1;
}
