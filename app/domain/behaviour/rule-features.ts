/**
 * The behaviour and interest values layer rules read (`RULE_FIELDS` in
 * app/domain/segments/rules.ts), as columns aligned with the full pass's
 * purchase columns: one typed array per value, NaN where the customer has no
 * stored dimensions (the pixel never saw them: no analytics consent, never
 * logged in). A missing value makes every comparison on it false.
 *
 * The full pass and the single-customer update both fill features through
 * {@link fillBehaviourFeatures} (the update with a one-customer column set),
 * so the two cannot drift apart.
 */
import type { CustomerFeatures } from "../segments/features";
import type { LayerDefinition } from "../segments/layers";
import { type RuleField, ruleFields } from "../segments/rules";

const DAY_MS = 86400_000;

/** The rule fields filled from the behaviour dimensions. */
export const BEHAVIOUR_RULE_FIELDS = [
  "sessions30d", "productViews30d", "addToCarts30d", "searches30d", "daysSinceLastVisit", "daysSinceCartAbandoned", "topProductType",
] as const satisfies readonly RuleField[];
export type BehaviourRuleField = (typeof BEHAVIOUR_RULE_FIELDS)[number];

const BEHAVIOUR_FIELD_SET: ReadonlySet<string> = new Set(BEHAVIOUR_RULE_FIELDS);

/** True when a rule field comes from the behaviour dimensions. */
export function isBehaviourRuleField(field: string): field is BehaviourRuleField {
  return BEHAVIOUR_FIELD_SET.has(field);
}

/** True when some layer's rule reads a behaviour field (only then does a pass need the behaviour columns). */
export function layersReadBehaviour(layers: readonly LayerDefinition[]): boolean {
  return layers.some((l) => ruleFields(l.rule).some(isBehaviourRuleField));
}

/**
 * Customer `i`'s stored dimensions, `count` customers. Counts and times are
 * NaN when customer `i` has none; times are epoch ms.
 */
export interface BehaviourColumns {
  count: number;
  sessions30: Float64Array;
  views30: Float64Array;
  carts30: Float64Array;
  searches30: Float64Array;
  lastSeenAt: Float64Array;
  /** NaN also when the customer has dimensions but no abandoned cart. */
  cartAbandonedAt: Float64Array;
  topProductType: (string | null)[];
}

/** One customer's stored dimensions (a `CustomerBehaviour` row), times epoch ms. */
export interface BehaviourValues {
  sessions30: number;
  views30: number;
  carts30: number;
  searches30: number;
  lastSeenAt: number | null;
  cartAbandonedAt: number | null;
  topProductType: string | null;
}

/** `count` customers, every value missing. */
export function emptyBehaviourColumns(count: number): BehaviourColumns {
  const nan = () => new Float64Array(count).fill(NaN);
  return {
    count, sessions30: nan(), views30: nan(), carts30: nan(), searches30: nan(), lastSeenAt: nan(), cartAbandonedAt: nan(),
    topProductType: new Array<string | null>(count).fill(null),
  };
}

/** Writes one customer's stored dimensions into slot `i`. */
export function setBehaviourValues(cols: BehaviourColumns, i: number, v: BehaviourValues): void {
  cols.sessions30[i] = v.sessions30;
  cols.views30[i] = v.views30;
  cols.carts30[i] = v.carts30;
  cols.searches30[i] = v.searches30;
  cols.lastSeenAt[i] = v.lastSeenAt ?? NaN;
  cols.cartAbandonedAt[i] = v.cartAbandonedAt ?? NaN;
  cols.topProductType[i] = v.topProductType;
}

/** One customer's columns (the single-customer update's input); all missing when `v` is null. */
export function behaviourColumnsOf(v: BehaviourValues | null): BehaviourColumns {
  const cols = emptyBehaviourColumns(1);
  if (v) setBehaviourValues(cols, 0, v);
  return cols;
}

const orNull = (x: number) => (Number.isNaN(x) ? null : x);
const daysSince = (at: number, asOf: number) => (Number.isNaN(at) ? null : Math.max(0, Math.floor((asOf - at) / DAY_MS)));

/**
 * Fills the behaviour fields of `into` from customer `i` of `cols` as of
 * `asOf` (epoch ms), allocation-free; with `cols` null every field is missing.
 * Counts are as of the last behaviour refresh; "days since" is as of `asOf`.
 */
export function fillBehaviourFeatures(into: CustomerFeatures, cols: BehaviourColumns | null, i: number, asOf: number): CustomerFeatures {
  if (cols === null) {
    into.sessions30d = null; into.productViews30d = null; into.addToCarts30d = null; into.searches30d = null;
    into.daysSinceLastVisit = null; into.daysSinceCartAbandoned = null; into.topProductType = null;
    return into;
  }
  into.sessions30d = orNull(cols.sessions30[i]);
  into.productViews30d = orNull(cols.views30[i]);
  into.addToCarts30d = orNull(cols.carts30[i]);
  into.searches30d = orNull(cols.searches30[i]);
  into.daysSinceLastVisit = daysSince(cols.lastSeenAt[i], asOf);
  into.daysSinceCartAbandoned = daysSince(cols.cartAbandonedAt[i], asOf);
  into.topProductType = cols.topProductType[i];
  return into;
}

/** The rule-relevant part of a customer's dimensions, to tell whether a refresh changed anything a rule reads. */
export function behaviourRuleKey(v: BehaviourValues | null): string {
  if (!v) return "";
  return `${v.sessions30}|${v.views30}|${v.carts30}|${v.searches30}|${v.lastSeenAt ?? ""}|${v.cartAbandonedAt ?? ""}|${v.topProductType ?? ""}`;
}
