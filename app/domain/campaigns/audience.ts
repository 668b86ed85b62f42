/** Whether a customer is in a campaign's audience. */
import type { Audience } from "./definition";

/** What the audience is evaluated on: one customer's stored insight and tier. */
export interface AudienceFacts {
  layerId: string;
  lifecycleStage: string;
  churnRisk: string | null;
  tier: string | null;
  /** Layers the customer entered since the campaign's previous run. */
  enteredLayerIds?: readonly string[];
  /** Days until the customer's next birthday (0: today), null when the shop has no birthday for them; see {@link daysUntilBirthday}. */
  daysUntilBirthday?: number | null;
}

const DAY_MS = 86_400_000;
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Whole UTC days from `today` to the next celebration of `birthday`
 * (YYYY-MM-DD; the year is ignored), 0 when it is today; null for a missing
 * or malformed date. 29 February is celebrated on 28 February in other
 * years, as loyalty's birthday points are (app/services/points.server.ts).
 */
export function daysUntilBirthday(birthday: string | null | undefined, today: Date): number | null {
  const match = birthday ? /^\d{4}-(\d{2})-(\d{2})$/.exec(birthday) : null;
  if (!match) return null;
  const month = Number(match[1]);
  const day = Number(match[2]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (const year of [today.getUTCFullYear(), today.getUTCFullYear() + 1]) {
    const celebrated = month === 2 && day === 29 && !isLeapYear(year) ? 28 : day;
    const at = Date.UTC(year, month - 1, celebrated);
    // A day the month does not have (31 April) rolls over: such a date is malformed.
    if (new Date(at).getUTCMonth() !== month - 1) return null;
    if (at >= start) return Math.round((at - start) / DAY_MS);
  }
  return null;
}

/**
 * The audience as a predicate, its lists turned into sets once (a shop-wide
 * evaluation calls it for every customer). AND across the audience's
 * dimensions, OR within one; a missing or empty dimension does not restrict.
 */
export function compileAudience(audience: Audience): (facts: AudienceFacts) => boolean {
  const set = (list: readonly string[] | undefined) => (list && list.length > 0 ? new Set(list) : null);
  const layers = set(audience.layerIds);
  const risks = set(audience.churnRisks);
  const stages = set(audience.lifecycleStages);
  const tiers = set(audience.tiers);
  const entered = set(audience.enteredLayerIds);
  const birthdayWithin = audience.birthdayWithinDays ?? null;
  const has = (s: Set<string> | null, value: string | null) => s === null || (value !== null && s.has(value));
  return (facts) =>
    has(layers, facts.layerId) &&
    has(risks, facts.churnRisk) &&
    has(stages, facts.lifecycleStage) &&
    has(tiers, facts.tier) &&
    (entered === null || (facts.enteredLayerIds ?? []).some((id) => entered.has(id))) &&
    (birthdayWithin === null || (facts.daysUntilBirthday != null && facts.daysUntilBirthday <= birthdayWithin));
}

/** {@link compileAudience} for one customer. */
export function inAudience(audience: Audience, facts: AudienceFacts): boolean {
  return compileAudience(audience)(facts);
}
