/**
 * Browsing for the local dev store's shoppers, consistent with their orders,
 * as Evergreen's web pixel would report it (app/domain/behaviour/events.ts):
 *
 * - before each order: a session with a search for the product type, views of
 *   the ordered products (and one or two others of the same type), add-to-carts
 *   of what was bought, checkout started and completed, logged in;
 * - abandoned carts: for some customers, a recent session that views and carts
 *   a product and stops before checkout;
 * - window shopping: anonymous sessions (no customer id) viewing random products.
 *
 * Events are only generated up to `now` and within `days` of it (the pixel
 * reports live browsing; nothing older than the ingest's 24-hour window is
 * accepted at send time, so replaying sets each batch's send time to its
 * session time — see `replayBrowsing`).
 */
import type { DevOrder, DevProduct } from "./model";
import { Rng } from "./rng";
import type { DevStore } from "./store";

export interface PixelEvent {
  id: string;
  name: string;
  timestamp: string;
  productId?: string;
  variantId?: string;
  productType?: string;
  vendor?: string;
  collectionId?: string;
  query?: string;
  quantity?: number;
  valueMinor?: number;
  currency?: string;
}

/** One pixel batch: one browsing session of one browser. */
export interface BrowsingSession {
  at: Date;
  clientId: string;
  customerId: string | null;
  events: PixelEvent[];
}

export interface BrowsingOptions {
  seed?: number;
  now: Date;
  /** Sessions within this many days before `now`. Default 90. */
  days?: number;
  /** Share of customers with an order in the window who also abandon a cart in the last week. Default 0.2. */
  abandonShare?: number;
  /** Anonymous sessions per day. Default 5. */
  anonymousPerDay?: number;
}

const DAY = 86400_000;

export function generateBrowsing(store: DevStore, options: BrowsingOptions): BrowsingSession[] {
  const rng = new Rng(`browsing:${options.seed ?? 1}`);
  const now = options.now.getTime();
  const from = now - (options.days ?? 90) * DAY;
  const products = store.products().filter((p) => p.status === "ACTIVE");
  const byId = new Map(products.map((p) => [p.id, p]));
  const byType = new Map<string, DevProduct[]>();
  for (const p of products) byType.set(p.productType, [...(byType.get(p.productType) ?? []), p]);
  const sessions: BrowsingSession[] = [];
  let n = 0;
  const eventId = () => `dev-${options.seed ?? 1}-${(++n).toString(36).padStart(8, "0")}`;
  const clientOf = (customerId: string) => `client-${customerId}`;
  const viewed = (p: DevProduct, at: number): PixelEvent => ({
    id: eventId(), name: "product_viewed", timestamp: new Date(at).toISOString(),
    productId: p.id, variantId: p.variants[0]?.id, productType: p.productType || undefined, vendor: p.vendor || undefined,
  });
  const carted = (p: DevProduct, at: number, quantity: number): PixelEvent => ({
    ...viewed(p, at), id: eventId(), name: "product_added_to_cart", quantity,
    valueMinor: Math.round(Number(p.variants[0]?.price ?? "0") * 100 * quantity), currency: store.shop.currencyCode,
  });

  const recentBuyers = new Set<string>();
  for (const order of store.orders() as DevOrder[]) {
    const placed = Date.parse(order.processedAt);
    if (!order.customerId || placed < from || placed > now || order.cancelledAt) continue;
    recentBuyers.add(order.customerId);
    let t = placed - rng.int(5, 40) * 60_000; // the session starts minutes before the order
    const step = () => (t += rng.int(15, 120) * 1000);
    const events: PixelEvent[] = [];
    const bought = order.lineItems.map((l) => (l.productId ? byId.get(l.productId) : undefined)).filter((p): p is DevProduct => !!p);
    if (bought[0]?.productType && rng.chance(0.5)) events.push({ id: eventId(), name: "search_submitted", timestamp: new Date(step()).toISOString(), query: bought[0].productType.toLowerCase() });
    for (const p of bought) {
      const alternatives = (byType.get(p.productType) ?? []).filter((q) => q.id !== p.id);
      if (alternatives.length && rng.chance(0.6)) events.push(viewed(alternatives[rng.int(0, alternatives.length - 1)]!, step()));
      events.push(viewed(p, step()));
      events.push(carted(p, step(), 1));
    }
    events.push({ id: eventId(), name: "checkout_started", timestamp: new Date(step()).toISOString() });
    events.push({ id: eventId(), name: "checkout_completed", timestamp: new Date(Math.max(step(), placed)).toISOString() });
    sessions.push({ at: new Date(events[0]!.timestamp), clientId: clientOf(order.customerId), customerId: order.customerId, events });
  }

  for (const customerId of recentBuyers) {
    if (!rng.chance(options.abandonShare ?? 0.2) || products.length === 0) continue;
    let t = now - rng.int(1, 6) * DAY - rng.int(0, 86_000) * 1000;
    const p = products[rng.int(0, products.length - 1)]!;
    const events = [viewed(p, (t += 30_000)), carted(p, (t += 60_000), 1)];
    sessions.push({ at: new Date(events[0]!.timestamp), clientId: clientOf(customerId), customerId, events });
  }

  const days = Math.round((now - from) / DAY);
  for (let d = 0; d < days && products.length; d++) {
    for (let i = 0; i < (options.anonymousPerDay ?? 5); i++) {
      let t = from + d * DAY + rng.int(0, 86_000) * 1000;
      const events: PixelEvent[] = [{ id: eventId(), name: "page_viewed", timestamp: new Date((t += 1000)).toISOString() }];
      for (let v = rng.int(1, 4); v > 0; v--) events.push(viewed(products[rng.int(0, products.length - 1)]!, (t += rng.int(10, 90) * 1000)));
      if (t <= now) sessions.push({ at: new Date(events[0]!.timestamp), clientId: `anon-${d}-${i}-${options.seed ?? 1}`, customerId: null, events });
    }
  }
  return sessions.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Sends sessions as the pixel would, one batch per session (split at 50
 * events), to `send` — an HTTP poster or the ingest service itself. Returns
 * the answers' statuses.
 */
export async function replayBrowsing(
  sessions: readonly BrowsingSession[],
  shopDomain: string,
  token: string,
  send: (body: string, sentAt: Date) => Promise<number>,
): Promise<number[]> {
  const statuses: number[] = [];
  for (const s of sessions) {
    for (let i = 0; i < s.events.length; i += 50) {
      const events = s.events.slice(i, i + 50);
      const body = JSON.stringify({ shop: shopDomain, token, clientId: s.clientId, ...(s.customerId ? { customerId: s.customerId } : {}), events });
      statuses.push(await send(body, new Date(Date.parse(events.at(-1)!.timestamp))));
    }
  }
  return statuses;
}
