/**
 * A customer's stored intelligence state: what does not move with the clock.
 *
 * Recency, P(alive), expected orders, expected value, LTV and the expected
 * next order all change every day with no new data. Storing them made every
 * daily pass rewrite every customer (docs/intelligence.md, "Stored state and
 * values read fresh"). So a row keeps the inputs that only change with data
 * (the last order time, the BG/NBD sufficient statistics), readers compute the
 * clock-dependent values from them when they read, and a pass writes a row only
 * when its state hash changed: its layer, the rule's text, scores, stage,
 * churn level or the inputs.
 */
import { hashEnd, hashStart, mixNullable, mixNumber, mixString } from "../hash53";
import { PURCHASE_DIGEST_VERSION } from "./purchase-digest";
import { DAY_MS } from "./purchase-history";

/** The clock-invariant inputs of a buyer's predictions (null fields: a prospect, no counted order). */
export interface PurchaseState {
  lastOrderAtMs: number | null;
  /** Epoch day of the first purchase day. */
  firstOrderDay: number | null;
  /** BG/NBD x: purchase days after the first. */
  repeatOrders: number | null;
  /** BG/NBD tₓ: days from the first to the last purchase day. */
  repeatSpanDays: number | null;
  meanRepeatValueMinor: number | null;
  meanOrderValueMinor: number | null;
}

/** What a pass compares: the stored state of one customer. */
export interface InsightState extends PurchaseState {
  /** `digestKeyOf`: the stored purchase digest (a row whose digest moved is rewritten). */
  digestKey: number;
  layerId: string;
  /** The matched rule in words, without the shop's norm values (a layer edit that keeps the customer still changes it). */
  matchedRule: string;
  lifecycleStage: string;
  r: number | null;
  f: number | null;
  m: number | null;
  orders: number;
  aovMinor: number | null;
  monetaryMinor: number;
  churnRisk: string | null;
}

/**
 * A 53-bit hash of the state (`hash53`): every field, each null told apart
 * from every value, and the digest format, so a new format (a full pass)
 * rewrites every row with it.
 */
export function insightStateHash(s: InsightState): number {
  hashStart();
  mixNumber(PURCHASE_DIGEST_VERSION);
  mixString(s.layerId);
  mixString(s.matchedRule);
  mixString(s.lifecycleStage);
  mixNullable(s.r);
  mixNullable(s.f);
  mixNullable(s.m);
  mixNumber(s.orders);
  mixNullable(s.aovMinor);
  mixNumber(s.monetaryMinor);
  mixString(s.churnRisk);
  mixNullable(s.lastOrderAtMs);
  mixNullable(s.firstOrderDay);
  mixNullable(s.repeatOrders);
  mixNullable(s.repeatSpanDays);
  mixNullable(s.meanRepeatValueMinor);
  mixNullable(s.meanOrderValueMinor);
  mixNumber(s.digestKey);
  return hashEnd();
}

/** The summary a prediction reads (days), as `summariseColumns` makes it at `asOf`; null for a prospect. */
export function summaryAt(state: PurchaseState, asOf: number) {
  if (state.firstOrderDay === null || state.repeatOrders === null || state.repeatSpanDays === null || state.meanOrderValueMinor === null) return null;
  return {
    x: state.repeatOrders,
    tx: state.repeatSpanDays,
    T: Math.floor(asOf / DAY_MS) - state.firstOrderDay,
    meanRepeatValueMinor: state.repeatOrders > 0 ? state.meanRepeatValueMinor : null,
    meanOrderValueMinor: state.meanOrderValueMinor,
  };
}

/** Whole days since the last order at `asOf`, as segmentation counts them; null for a prospect. */
export function recencyDaysAt(state: Pick<PurchaseState, "lastOrderAtMs">, asOf: number): number | null {
  return state.lastOrderAtMs === null ? null : Math.floor((asOf - state.lastOrderAtMs) / DAY_MS);
}
