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
 * A 53-bit hash of the state (exact in a float column on both databases).
 * Two independent 32-bit lanes (FNV-1a and a multiplicative mix) over the
 * fields' text: a collision would leave one row unwritten until its next change.
 */
export function insightStateHash(s: InsightState): number {
  const text =
    `${s.layerId}\u0001${s.matchedRule}\u0001${s.lifecycleStage}\u0001${s.r}\u0001${s.f}\u0001${s.m}\u0001${s.orders}\u0001${s.aovMinor}` +
    `\u0001${s.monetaryMinor}\u0001${s.churnRisk}\u0001${s.lastOrderAtMs}\u0001${s.firstOrderDay}\u0001${s.repeatOrders}` +
    `\u0001${s.repeatSpanDays}\u0001${s.meanRepeatValueMinor}\u0001${s.meanOrderValueMinor}` +
    `\u0001${s.digestKey}`;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (b >>> 11) * 0x100000000 + (a >>> 0);
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
