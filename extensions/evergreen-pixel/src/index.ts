/**
 * Evergreen's web pixel. Subscribes to Shopify's standard customer events,
 * keeps only what the behaviour and interest dimensions need, and sends them
 * in batches to the app (app/routes/pixel.events.tsx): after a short pause,
 * when a batch fills, and at checkout completion; `keepalive` lets a batch
 * outlive the page. Never blocks the page.
 * Stops collecting (and drops what it holds) if the visitor withdraws consent.
 */
import { register } from "@shopify/web-pixels-extension";

type Payload = Record<string, string | number | undefined>;
interface Sent extends Payload {
  id: string;
  name: string;
  timestamp: string;
}

const FLUSH_AFTER_MS = 2000;
const MAX_BATCH = 20;

// Shopify's ids may come as GIDs or plain numbers: the app wants the number.
const num = (id: unknown): string | undefined => {
  const m = /(\d+)$/.exec(String(id ?? ""));
  return m ? m[1] : undefined;
};
const minor = (amount: unknown): number | undefined => (typeof amount === "number" && amount >= 0 ? Math.round(amount * 100) : undefined);
const text = (s: unknown, max: number): string | undefined => (typeof s === "string" && s.trim() ? s.trim().slice(0, max) : undefined);

/* eslint-disable @typescript-eslint/no-explicit-any -- event payloads are Shopify's, read defensively */
function product(p: any, variantId?: unknown): Payload {
  return { productId: num(p?.id), variantId: num(variantId), productType: text(p?.type, 100), vendor: text(p?.vendor, 100) };
}

const PICK: Record<string, (d: any) => Payload> = {
  page_viewed: () => ({}),
  product_viewed: (d) => product(d?.productVariant?.product, d?.productVariant?.id),
  collection_viewed: (d) => ({ collectionId: num(d?.collection?.id) }),
  search_submitted: (d) => ({ query: text(d?.searchResult?.query, 200) }),
  product_added_to_cart: (d) => ({
    ...product(d?.cartLine?.merchandise?.product, d?.cartLine?.merchandise?.id),
    quantity: d?.cartLine?.quantity,
    valueMinor: minor(d?.cartLine?.cost?.totalAmount?.amount),
    currency: d?.cartLine?.cost?.totalAmount?.currencyCode,
  }),
  checkout_started: (d) => ({ valueMinor: minor(d?.checkout?.totalPrice?.amount), currency: d?.checkout?.totalPrice?.currencyCode }),
  checkout_completed: (d) => ({ valueMinor: minor(d?.checkout?.totalPrice?.amount), currency: d?.checkout?.totalPrice?.currencyCode }),
};

register(({ analytics, settings, init, customerPrivacy }) => {
  const url: string = settings.ingestUrl;
  const token: string = settings.ingestToken;
  const shop = init.data.shop.myshopifyDomain;
  const customerId = num(init.data.customer?.id) ?? null;
  let allowed = init.customerPrivacy.analyticsProcessingAllowed;
  let clientId = "";
  let queue: Sent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  customerPrivacy.subscribe("visitorConsentCollected", (e: any) => {
    allowed = !!e?.customerPrivacy?.analyticsProcessingAllowed;
    if (!allowed) queue = [];
  });

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!queue.length || !allowed || !url) return;
    const events = queue.splice(0, MAX_BATCH);
    // Fire and forget: a lost batch costs a little behaviour data, never the shopper's time.
    fetch(url, { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ shop, token, clientId, customerId, events }) }).catch(() => {});
    if (queue.length) flush();
  };

  for (const name of Object.keys(PICK)) {
    analytics.subscribe(name, (event: any) => {
      if (!allowed) return;
      clientId = event.clientId || clientId;
      const picked = PICK[name]!(event.data);
      for (const k of Object.keys(picked)) if (picked[k] === undefined) delete picked[k];
      queue.push({ id: String(event.id).replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64), name, timestamp: event.timestamp, ...picked });
      if (queue.length >= MAX_BATCH || name === "checkout_completed") flush();
      else timer ??= setTimeout(flush, FLUSH_AFTER_MS);
    });
  }
});
