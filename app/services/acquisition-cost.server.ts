/**
 * What the merchant pays to win a customer (CAC), entered per month (one
 * blended figure or one per channel), and the LTV/CAC thresholds; and the
 * LTV/CAC the dashboard shows: each cohort's LTV per member after
 * `LTV_CAC_HORIZON_MONTHS` months against that month's CAC
 * (app/domain/analytics/ltv-cac.ts), with the strategy's escalation after
 * three months below the alert threshold. Stored on `ShopSettings`.
 */
import type { PrismaClient } from "~/generated/prisma/client";
import { ltvCacEscalations, ltvToCac, type CacByMonth, type LtvCacPoint, type LtvCacThresholds } from "~/domain/analytics";

/** LTV/CAC compares a cohort's first 12 months of revenue per member with what acquiring one cost. */
export const LTV_CAC_HORIZON_MONTHS = 12;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MAX_CHANNEL_LENGTH = 40;
const CHANNEL = new RegExp(`^[A-Za-z0-9 _-]{1,${MAX_CHANNEL_LENGTH}}$`);
/** A CAC above this (in minor units) is a typing mistake, not a cost. */
const MAX_CAC_MINOR = 100_000_000;

export interface AcquisitionCost {
  cacByMonth: Record<string, number | Record<string, number>>;
  thresholds: LtvCacThresholds;
}

export interface CacEntry {
  month: string;
  channel: string | null;
  amountMinor: number;
}

export type AcquisitionCostDb = Pick<PrismaClient, "shopSettings">;

/**
 * What is wrong with one field, stable for translation (the settings page shows
 * `cacErr.<code>` in the merchant's language); `message` is the English.
 */
export type AcquisitionCostProblemCode = "month" | "channel" | "amount" | "ratioRange" | "alertAboveHealthy";

export interface AcquisitionCostProblem {
  field: string;
  code: AcquisitionCostProblemCode;
  message: string;
  params?: Record<string, string | number>;
}

const MAX_LTV_CAC_RATIO = 100;

export class InvalidAcquisitionCostError extends Error {
  constructor(readonly problems: AcquisitionCostProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join("; "));
    this.name = "InvalidAcquisitionCostError";
  }
}

export async function getAcquisitionCost(shopDomain: string, deps: { db: AcquisitionCostDb }): Promise<AcquisitionCost> {
  const row = await deps.db.shopSettings.findUnique({ where: { shopDomain }, select: { cacByMonth: true, ltvCacHealthy: true, ltvCacAlert: true } });
  return {
    cacByMonth: row ? (JSON.parse(row.cacByMonth) as AcquisitionCost["cacByMonth"]) : {},
    thresholds: { healthy: row?.ltvCacHealthy ?? 3, alert: row?.ltvCacAlert ?? 2.5 },
  };
}

/** The entries as a flat list, newest month first. */
export function cacEntries(cacByMonth: CacByMonth): CacEntry[] {
  const out: CacEntry[] = [];
  for (const [month, v] of Object.entries(cacByMonth)) {
    if (typeof v === "number") out.push({ month, channel: null, amountMinor: v });
    else for (const [channel, amountMinor] of Object.entries(v)) out.push({ month, channel, amountMinor });
  }
  return out.sort((a, b) => b.month.localeCompare(a.month) || (a.channel ?? "").localeCompare(b.channel ?? ""));
}

/**
 * Sets (or with `amountMinor: null` removes) the CAC of a month, blended
 * (`channel: null`) or for one channel. A month holds either a blended figure
 * or channels: setting one kind replaces the other.
 * @throws InvalidAcquisitionCostError naming each bad field; nothing is written.
 */
export async function setMonthlyCac(shopDomain: string, entry: { month: string; channel: string | null; amountMinor: number | null }, deps: { db: AcquisitionCostDb }): Promise<void> {
  const problems: AcquisitionCostProblem[] = [];
  if (!MONTH.test(entry.month)) problems.push({ field: "month", code: "month", message: "a month as YYYY-MM" });
  const channel = entry.channel?.trim() || null;
  if (channel !== null && !CHANNEL.test(channel)) problems.push({ field: "channel", code: "channel", message: `letters, digits, spaces, _ or -, at most ${MAX_CHANNEL_LENGTH}`, params: { max: MAX_CHANNEL_LENGTH } });
  if (entry.amountMinor !== null && (!Number.isInteger(entry.amountMinor) || entry.amountMinor < 0 || entry.amountMinor > MAX_CAC_MINOR)) {
    problems.push({ field: "amount", code: "amount", message: "an amount of 0 or more" });
  }
  if (problems.length) throw new InvalidAcquisitionCostError(problems);
  const { cacByMonth } = await getAcquisitionCost(shopDomain, deps);
  const current = cacByMonth[entry.month];
  if (entry.amountMinor === null) {
    if (channel === null || typeof current !== "object") delete cacByMonth[entry.month];
    else {
      delete current[channel];
      if (Object.keys(current).length === 0) delete cacByMonth[entry.month];
    }
  } else if (channel === null) cacByMonth[entry.month] = entry.amountMinor;
  else cacByMonth[entry.month] = { ...(typeof current === "object" ? current : {}), [channel]: entry.amountMinor };
  const json = JSON.stringify(cacByMonth);
  await deps.db.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, cacByMonth: json }, update: { cacByMonth: json } });
}

/** @throws InvalidAcquisitionCostError unless 0 < alert <= healthy <= 100. */
export async function setLtvCacThresholds(shopDomain: string, thresholds: LtvCacThresholds, deps: { db: AcquisitionCostDb }): Promise<void> {
  const problems: AcquisitionCostProblem[] = [];
  const ok = (v: number) => Number.isFinite(v) && v > 0 && v <= MAX_LTV_CAC_RATIO;
  const range = { code: "ratioRange", message: `a ratio above 0, at most ${MAX_LTV_CAC_RATIO}`, params: { max: MAX_LTV_CAC_RATIO } } as const;
  if (!ok(thresholds.healthy)) problems.push({ field: "healthy", ...range });
  if (!ok(thresholds.alert)) problems.push({ field: "alert", ...range });
  if (!problems.length && thresholds.alert > thresholds.healthy) problems.push({ field: "alert", code: "alertAboveHealthy", message: "at most the healthy ratio" });
  if (problems.length) throw new InvalidAcquisitionCostError(problems);
  const data = { ltvCacHealthy: thresholds.healthy, ltvCacAlert: thresholds.alert };
  await deps.db.shopSettings.upsert({ where: { shopDomain }, create: { shopDomain, ...data }, update: data });
}

export interface LtvCacSummary {
  thresholds: LtvCacThresholds;
  /** Months with both a CAC and a cohort old enough, ascending. */
  points: LtvCacPoint[];
  /** The latest blended point (or the latest point when only channels are entered). */
  latest: LtvCacPoint | null;
  /** Runs of three or more months below the alert threshold still going on. */
  escalations: { channel: string | null; startMonth: string; endMonth: string; months: number }[];
  /** True when CAC was entered but no cohort is old enough to compare yet. */
  waitingForCohorts: boolean;
}

/** @param cohortLtv LTV per member after `LTV_CAC_HORIZON_MONTHS` months, by cohort month. */
export function ltvCacSummary(cohortLtv: Readonly<Record<string, number>>, cost: AcquisitionCost): LtvCacSummary {
  const points = ltvToCac(cohortLtv, cost.cacByMonth, cost.thresholds);
  const blended = points.filter((p) => p.channel === null);
  const latest = (blended.length ? blended : points).at(-1) ?? null;
  const escalations = ltvCacEscalations(points, cost.thresholds)
    .filter((e) => e.ongoing)
    .map((e) => ({ channel: e.channel, startMonth: e.startMonth, endMonth: e.endMonth, months: e.months }));
  return { thresholds: cost.thresholds, points, latest, escalations, waitingForCohorts: points.length === 0 && Object.keys(cost.cacByMonth).length > 0 };
}
