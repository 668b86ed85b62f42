/**
 * The behaviour and interest dimensions of a customer (the retention
 * strategy's four dimensions are behaviour, value, interest and lifecycle;
 * orders give value and lifecycle, the web pixel gives these two):
 *
 * - behaviour: sessions (distinct browser-days), product views, add-to-carts
 *   and searches over the last 30 and 90 days; an abandoned cart (an
 *   add-to-cart in the last 7 days with no completed checkout after it).
 * - interest: product-type and vendor affinity from views (0.2), add-to-carts
 *   (0.5) and purchases (1), each decayed by age; the most frequent search terms.
 */
import { EVENT_CODES } from "./events";
import { INTERACTION_WEIGHT } from "./recommend";

const DAY = 86400_000;
export const ABANDONED_CART_DAYS = 7;
/** An interest signal halves in weight every this many days. */
const INTEREST_HALF_LIFE_DAYS = 45;
const TOP = 3;
const TOP_SEARCH_TERMS = 5;

export interface BehaviourSignal {
  clientId: string;
  code: string;
  at: number;
  /** For views and carts: the product's type and vendor. */
  productType: string | null;
  vendor: string | null;
  /** For searches. */
  query: string | null;
}

export interface PurchaseSignal {
  at: number;
  productType: string | null;
  vendor: string | null;
}

export interface Affinity {
  value: string;
  score: number;
}

export interface CustomerDimensions {
  sessions30: number;
  sessions90: number;
  views30: number;
  views90: number;
  carts30: number;
  carts90: number;
  searches30: number;
  searches90: number;
  lastSeenAt: Date | null;
  cartAbandonedAt: Date | null;
  topProductTypes: Affinity[];
  topVendors: Affinity[];
  topSearchTerms: Affinity[];
}

/** A stored facet ("t:Coffee|v:Roasters", "q:dark roast") as its parts. */
export function parseFacet(facet: string | null): { productType: string | null; vendor: string | null; query: string | null } {
  const out = { productType: null as string | null, vendor: null as string | null, query: null as string | null };
  if (!facet) return out;
  if (facet.startsWith("q:")) return { ...out, query: facet.slice(2) };
  for (const part of facet.split("|")) {
    if (part.startsWith("t:")) out.productType = part.slice(2);
    else if (part.startsWith("v:")) out.vendor = part.slice(2);
  }
  return out;
}

export function customerDimensions(events: readonly BehaviourSignal[], purchases: readonly PurchaseSignal[], now: Date): CustomerDimensions {
  const t = now.getTime();
  const within = (at: number, days: number) => at > t - days * DAY && at <= t;
  const sessions30 = new Set<string>();
  const sessions90 = new Set<string>();
  const d: CustomerDimensions = {
    sessions30: 0, sessions90: 0, views30: 0, views90: 0, carts30: 0, carts90: 0, searches30: 0, searches90: 0,
    lastSeenAt: null, cartAbandonedAt: null, topProductTypes: [], topVendors: [], topSearchTerms: [],
  };
  const types = new Map<string, number>();
  const vendors = new Map<string, number>();
  const terms = new Map<string, number>();
  const add = (m: Map<string, number>, key: string | null, w: number) => key && m.set(key, (m.get(key) ?? 0) + w);
  const decay = (at: number) => Math.pow(0.5, Math.max(0, t - at) / (INTEREST_HALF_LIFE_DAYS * DAY));
  let lastCart = -Infinity;
  let lastCheckout = -Infinity;

  for (const e of events) {
    if (!within(e.at, 90)) continue;
    const recent = within(e.at, 30);
    const day = new Date(e.at).toISOString().slice(0, 10);
    sessions90.add(`${e.clientId}|${day}`);
    if (recent) sessions30.add(`${e.clientId}|${day}`);
    if (!d.lastSeenAt || e.at > d.lastSeenAt.getTime()) d.lastSeenAt = new Date(e.at);
    if (e.code === EVENT_CODES.product_viewed) {
      d.views90++;
      if (recent) d.views30++;
      add(types, e.productType, INTERACTION_WEIGHT.view * decay(e.at));
      add(vendors, e.vendor, INTERACTION_WEIGHT.view * decay(e.at));
    } else if (e.code === EVENT_CODES.product_added_to_cart) {
      d.carts90++;
      if (recent) d.carts30++;
      lastCart = Math.max(lastCart, e.at);
      add(types, e.productType, INTERACTION_WEIGHT.cart * decay(e.at));
      add(vendors, e.vendor, INTERACTION_WEIGHT.cart * decay(e.at));
    } else if (e.code === EVENT_CODES.search_submitted) {
      d.searches90++;
      if (recent) d.searches30++;
      add(terms, e.query, 1);
    } else if (e.code === EVENT_CODES.checkout_completed) {
      lastCheckout = Math.max(lastCheckout, e.at);
    }
  }
  for (const p of purchases) {
    if (p.at > t) continue;
    lastCheckout = Math.max(lastCheckout, p.at);
    add(types, p.productType, INTERACTION_WEIGHT.purchase * decay(p.at));
    add(vendors, p.vendor, INTERACTION_WEIGHT.purchase * decay(p.at));
  }
  d.sessions30 = sessions30.size;
  d.sessions90 = sessions90.size;
  if (within(lastCart, ABANDONED_CART_DAYS) && lastCheckout < lastCart) d.cartAbandonedAt = new Date(lastCart);
  d.topProductTypes = top(types, TOP);
  d.topVendors = top(vendors, TOP);
  d.topSearchTerms = top(terms, TOP_SEARCH_TERMS);
  return d;
}

function top(m: Map<string, number>, k: number): Affinity[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([value, score]) => ({ value, score: Math.round(score * 1000) / 1000 }));
}
