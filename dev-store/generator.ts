/**
 * Deterministic, seeded generator of a whole Shopify shop for the local dev
 * store: catalogue, customers and about three years of orders with realistic
 * retention behaviour (one-off buyers, repeaters on a product's repurchase
 * cycle, lapsing customers, growth), refunds, cancellations and multi-currency
 * presentment money.
 *
 * Same options, same shop (deep-equal): every random draw comes from one
 * seeded {@link Rng} consumed in a fixed order, and the real clock is never
 * read. MoneyBag objects may be shared between records (e.g. a variant's unit
 * price); treat them as immutable and replace, never edit, them.
 */
import { convertMinor, formatMinor, USD_RATES_MICRO } from "./money";
import type {
  CurrencyCode, DevCustomer, DevLineItem, DevOrder, DevProduct, DevProductVariant, DevShop, DevShopData,
  FinancialStatus, FulfillmentStatus, MarketingState, MoneyBag, MoneyV2,
} from "./model";
import { cumulativeWeights, Rng } from "./rng";
import { GENERATED_DISCOUNT_CODES, PRODUCT_TEMPLATES } from "./generator/catalog";
import { applyRefund, computeRefund, priceOrder, type RefundLineRequest } from "./generator/order-math";
import { COUNTRIES, CUSTOMER_NOTES, EMAIL_DOMAINS, emailSafe } from "./generator/people";
import { assignHouseholds } from "./generator/addresses";

export { GENERATED_DISCOUNT_CODES } from "./generator/catalog";

/** Preset shop sizes, in orders. */
export const SHOP_SIZES = { tiny: 60, small: 1_000, medium: 10_000, large: 100_000, huge: 1_000_000 } as const;

export interface GenerateShopOptions {
  seed: number | string;
  /** Exact number of orders to generate. */
  orders: number;
  /** Default "demo-shop.myshopify.com". */
  domain?: string;
  /** Shop currency; must be one of the dev store's fixed-rate currencies (USD, EUR, GBP, CAD, JPY, AUD). Default "USD". */
  currencyCode?: CurrencyCode;
  /** The shop's "present" as ISO-8601; all history lies before it. Default "2026-11-01T00:00:00Z". */
  now?: string;
}

export const DEFAULT_NOW = "2026-11-01T00:00:00Z";

// Id bases in the range Shopify's ids live in (13 digits), as numeric strings.
export const ID_BASES = {
  shop: 60_000_000_001,
  product: 8_000_000_000_001,
  variant: 44_000_000_000_001,
  customer: 7_000_000_000_001,
  order: 5_000_000_000_001,
  lineItem: 13_000_000_000_001,
  refund: 900_000_000_001,
  discount: 1_100_000_000_001,
} as const;

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 3 * 365;
/** Growth: customer arrivals get e^GROWTH times denser from the start of history to now. */
const GROWTH = 1.2;
const GUEST_SHARE = 0.12;
const ZERO_ORDER_ACCOUNT_SHARE = 0.04;
/** Share of customers (with accounts) who never intend a second order; truncation by `now` adds more one-offs. */
const ONE_OFF_INTENT = 0.6;
/** Repeater segments: share, chance to lapse after each order, gap factor on the repurchase cycle. */
const SEGMENTS = [
  { name: "loyal", share: 0.25, lapseChance: 0.1, gapFactor: 0.9 },
  { name: "regular", share: 0.45, lapseChance: 0.3, gapFactor: 1.1 },
  { name: "lapsing", share: 0.3, lapseChance: 0.6, gapFactor: 1.4 },
] as const;
const SEGMENT_LOYAL = 0;
const SEGMENT_ONE_OFF = 3;
const SEGMENT_NO_ORDERS = 4;

const CANCEL_REASONS = ["CUSTOMER", "CUSTOMER", "CUSTOMER", "CUSTOMER", "INVENTORY", "FRAUD", "DECLINED", "OTHER", "STAFF"] as const;
const LINE_COUNT_WEIGHTS = cumulativeWeights([58, 27, 10, 5]);
const QUANTITY_WEIGHTS = cumulativeWeights([75, 18, 7]);
const ACCOUNT_STATES = ["ENABLED", "DISABLED", "INVITED", "DECLINED"] as const;
const ACCOUNT_STATE_WEIGHTS = cumulativeWeights([35, 58, 5, 2]);
const MARKETING_STATES: readonly MarketingState[] = ["SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING"];
const MARKETING_WEIGHTS = cumulativeWeights([42, 40, 15, 3]);
const SOURCE_NAMES = ["web", "pos", "iphone", "shopify_draft_order"] as const;
const SOURCE_WEIGHTS = cumulativeWeights([86, 6, 4, 4]);
const COUNTRY_WEIGHTS = cumulativeWeights(COUNTRIES.map((c) => c.weight));

/** Number of catalogue products for a shop of `orders` orders: 20 for tiny shops up to 200 at a million. */
export function productCountFor(orders: number): number {
  const t = (Math.log10(Math.max(orders, 60)) - Math.log10(60)) / (6 - Math.log10(60));
  return Math.max(20, Math.min(200, Math.round(20 + t * 180)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Prices that end in .90 / .00 like a real catalogue (or whole tens for zero-decimal currencies). */
function nicePrice(minor: number, currencyCode: CurrencyCode): number {
  if (currencyCode === "JPY") return Math.max(100, Math.round(minor / 10) * 10);
  return Math.max(90, Math.round(minor / 100) * 100 - 10);
}

interface VariantRef {
  product: DevProduct;
  variant: DevProductVariant;
  unitShopMinor: number;
}

/**
 * Generates a whole shop. Deterministic: the same options give deep-equal output.
 *
 * Invariants (shop and presentment money alike): per order subtotal = sum of line
 * discountedTotal; totalPrice = subtotal + shipping + tax; totalRefunded = sum of
 * refunds <= totalPrice; refunded quantities <= line quantities. Orders are sorted
 * by createdAt with ascending numeric ids; customers are created before their first order.
 * @throws Error when `orders` is not a non-negative integer or the currency has no fixed rate.
 * @example generateShop({ seed: 1, orders: SHOP_SIZES.small })
 */
export function generateShop(options: GenerateShopOptions): DevShopData {
  const orderCount = options.orders;
  if (!Number.isInteger(orderCount) || orderCount < 0) throw new Error(`orders must be a non-negative integer, got ${orderCount}`);
  const shopCurrency = options.currencyCode ?? "USD";
  if (USD_RATES_MICRO[shopCurrency] === undefined) {
    throw new Error(`unsupported shop currency ${shopCurrency}; use one of ${Object.keys(USD_RATES_MICRO).join(", ")}`);
  }
  const domain = options.domain ?? "demo-shop.myshopify.com";
  const nowMs = Date.parse(options.now ?? DEFAULT_NOW);
  if (Number.isNaN(nowMs)) throw new Error(`now is not an ISO date: ${options.now}`);
  const startMs = nowMs - HISTORY_DAYS * DAY_MS;
  const spanMs = nowMs - startMs;
  const rng = new Rng(options.seed);

  const shopName = domain.replace(/\.myshopify\.com$/, "").split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
  const shop: DevShop = {
    id: String(ID_BASES.shop),
    domain,
    name: shopName,
    email: `owner@${domain.replace(/\.myshopify\.com$/, "")}.example.com`,
    currencyCode: shopCurrency,
    ianaTimezone: "America/New_York",
    planName: orderCount >= 500_000 ? "Shopify Plus" : orderCount >= 50_000 ? "Advanced" : orderCount >= 5_000 ? "Shopify" : "Basic",
    createdAt: iso(startMs - 60 * DAY_MS),
  };

  // ---- Catalogue ----
  const { products, variantRefs, popularity, consumableRefs, consumableWeights } = generateCatalogue(rng, productCountFor(orderCount), shopCurrency, startMs, nowMs);

  // ---- Customers and when they order ----
  const guestOrders = Math.round(orderCount * GUEST_SHARE);
  const registeredTarget = orderCount - guestOrders;
  const evTime = new Float64Array(orderCount);
  const evCust = new Int32Array(orderCount);
  const evSeq = new Int32Array(orderCount);
  let ev = 0;

  const cArrival: number[] = [];
  const cSegment: number[] = [];
  const cCountry: number[] = [];
  const cPrimary: number[] = []; // index into variantRefs, -1 if none
  const cPresentment: string[] = [];
  const cLastOrder: number[] = [];
  const cOrders: number[] = [];

  const sampleArrival = (): number => {
    // Inverse CDF of a density growing like e^(GROWTH t) over [0, 1].
    const t = Math.log(1 + rng.next() * (Math.exp(GROWTH) - 1)) / GROWTH;
    return startMs + Math.floor(t * spanMs);
  };
  const presentmentFor = (countryIdx: number): string => {
    const local = COUNTRIES[countryIdx].currency;
    return local !== shopCurrency && rng.chance(0.7) ? local : shopCurrency;
  };

  while (ev < registeredTarget) {
    const c = cArrival.length;
    const arrival = sampleArrival();
    const country = rng.weightedIndex(COUNTRY_WEIGHTS);
    cArrival.push(arrival);
    cCountry.push(country);
    cPresentment.push(presentmentFor(country));
    let segment: number;
    const r = rng.next();
    if (r < ZERO_ORDER_ACCOUNT_SHARE) segment = SEGMENT_NO_ORDERS;
    else if (r < ZERO_ORDER_ACCOUNT_SHARE + ONE_OFF_INTENT) segment = SEGMENT_ONE_OFF;
    else {
      const s = rng.next();
      segment = s < SEGMENTS[0].share ? 0 : s < SEGMENTS[0].share + SEGMENTS[1].share ? 1 : 2;
    }
    cSegment.push(segment);
    let primary = -1;
    if (segment <= 2) primary = consumableRefs[rng.weightedIndex(consumableWeights)];
    else if (segment === SEGMENT_ONE_OFF) primary = rng.weightedIndex(popularity);
    cPrimary.push(primary);

    let orders = 0;
    let last = -1;
    if (segment !== SEGMENT_NO_ORDERS) {
      // Most accounts are made at checkout; some sign up days before buying.
      let t = arrival + (rng.chance(0.7) ? rng.int(0, 1_800_000) : Math.floor(rng.exponential(10 * DAY_MS)));
      const cycleDays = primary >= 0 && variantRefs[primary].product.repurchaseDays !== null
        ? (variantRefs[primary].product.repurchaseDays as number)
        : rng.int(60, 150);
      const seg = segment <= 2 ? SEGMENTS[segment] : null;
      let growthFactor = 1;
      while (t < nowMs && ev < registeredTarget) {
        evTime[ev] = t;
        evCust[ev] = c;
        evSeq[ev] = orders;
        ev++;
        orders++;
        last = t;
        if (seg === null) break;
        if (orders > 1 && rng.chance(seg.lapseChance)) break;
        // Loyal customers tighten their cycle a little as they grow into the brand.
        if (segment === SEGMENT_LOYAL && growthFactor > 0.75) growthFactor *= 0.97;
        const gapDays = cycleDays * seg.gapFactor * growthFactor * rng.logNormal(0.3);
        t += Math.max(3 * DAY_MS, Math.floor(gapDays * DAY_MS)) + rng.int(0, DAY_MS);
      }
    }
    cOrders.push(orders);
    cLastOrder.push(last);
  }
  for (let g = 0; g < guestOrders; g++) {
    evTime[ev] = sampleArrival();
    evCust[ev] = -1;
    evSeq[ev] = 0;
    ev++;
  }
  // Whole seconds, like Shopify's stamps.
  for (let i = 0; i < orderCount; i++) evTime[i] = Math.floor(evTime[i] / 1000) * 1000;

  // ---- Customers, ids in creation order ----
  const customerCount = cArrival.length;
  const byArrival = new Uint32Array(customerCount);
  for (let i = 0; i < customerCount; i++) byArrival[i] = i;
  byArrival.sort((a, b) => cArrival[a] - cArrival[b] || a - b);
  const customerIdOf = new Array<string>(customerCount);
  const customers = new Array<DevCustomer>(customerCount);
  for (let rank = 0; rank < customerCount; rank++) {
    const c = byArrival[rank];
    const customer = buildCustomer(rng, {
      id: String(ID_BASES.customer + rank),
      index: c,
      createdMs: Math.floor(cArrival[c] / 1000) * 1000,
      lastOrderMs: cLastOrder[c] >= 0 ? Math.floor(cLastOrder[c] / 1000) * 1000 : -1,
      country: cCountry[c],
      loyal: cSegment[c] === SEGMENT_LOYAL,
      nowMs,
    });
    customerIdOf[c] = customer.id;
    customers[rank] = customer;
  }
  const emailByIndex = new Array<string | null>(customerCount);
  for (let rank = 0; rank < customerCount; rank++) emailByIndex[byArrival[rank]] = customers[rank].email;

  // ---- Orders, in time order ----
  const order = new Uint32Array(orderCount);
  for (let i = 0; i < orderCount; i++) order[i] = i;
  order.sort((a, b) => evTime[a] - evTime[b] || a - b);

  const orders = new Array<DevOrder>(orderCount);
  let lineItemId = ID_BASES.lineItem;
  let refundId = ID_BASES.refund;
  const nextRefundId = (): string => String(refundId++);
  const bags = new BagCache(shopCurrency);
  const bfcmDays = new Set<string>();
  for (let y = new Date(startMs).getUTCFullYear(); y <= new Date(nowMs).getUTCFullYear(); y++) {
    for (let d = 20; d <= 30; d++) bfcmDays.add(`${y}-11-${d}`);
    bfcmDays.add(`${y}-12-01`);
  }
  const variantIdx = new Int32Array(4);
  const quantities: number[] = [];
  const units: number[] = [];

  for (let n = 0; n < orderCount; n++) {
    const e = order[n];
    const createdMs = evTime[e];
    const c = evCust[e];
    const seq = evSeq[e];
    const createdAt = iso(createdMs);
    let country: number;
    let presentment: string;
    let email: string | null;
    if (c >= 0) {
      country = cCountry[c];
      presentment = cPresentment[c];
      email = emailByIndex[c];
    } else {
      country = rng.weightedIndex(COUNTRY_WEIGHTS);
      presentment = presentmentFor(country);
      const profile = COUNTRIES[country];
      email = `${emailSafe(rng.pick(profile.firstNames))}.${emailSafe(rng.pick(profile.lastNames))}.g${n}@${EMAIL_DOMAINS[n % EMAIL_DOMAINS.length]}`;
    }

    // Lines: a repeater's repeat order starts with their staple product.
    const lineCount = 1 + rng.weightedIndex(LINE_COUNT_WEIGHTS);
    let lines = 0;
    const primary = c >= 0 ? cPrimary[c] : -1;
    if (primary >= 0 && (seq > 0 || cSegment[c] === SEGMENT_ONE_OFF || rng.chance(0.6))) variantIdx[lines++] = primary;
    let attempts = 0;
    while (lines < lineCount && attempts < 12) {
      attempts++;
      const v = rng.weightedIndex(popularity);
      let dup = false;
      for (let k = 0; k < lines; k++) if (variantIdx[k] === v) dup = true;
      if (!dup) variantIdx[lines++] = v;
    }
    quantities.length = lines;
    units.length = lines;
    for (let k = 0; k < lines; k++) {
      quantities[k] = 1 + rng.weightedIndex(QUANTITY_WEIGHTS);
      units[k] = variantRefs[variantIdx[k]].unitShopMinor;
    }

    // Discount codes: welcome offers on first orders, Black Friday, loyalty, the odd sitewide code.
    let code: (typeof GENERATED_DISCOUNT_CODES)[number] | null = null;
    const r = rng.next();
    if (bfcmDays.has(createdAt.slice(0, 10)) && r < 0.35) code = GENERATED_DISCOUNT_CODES[3];
    else if (c >= 0 && seq === 0 && r < 0.12) code = GENERATED_DISCOUNT_CODES[0];
    else if (c >= 0 && seq > 1 && r < 0.06) code = GENERATED_DISCOUNT_CODES[2];
    else if (r < 0.04) code = GENERATED_DISCOUNT_CODES[1];
    else if (r < 0.055) code = GENERATED_DISCOUNT_CODES[4];

    const priced = priceOrder({
      shopCurrency,
      presentmentCurrency: presentment,
      unitShopMinor: units,
      quantities,
      discountBasisPoints: code ? code.basisPoints : 0,
      fixedDiscountShopMinor: 0,
      freeShipping: code ? code.freeShipping : false,
      taxBasisPoints: COUNTRIES[country].taxBasisPoints,
    });

    const lineItems = new Array<DevLineItem>(lines);
    for (let k = 0; k < lines; k++) {
      const ref = variantRefs[variantIdx[k]];
      lineItems[k] = {
        id: String(lineItemId++),
        productId: ref.product.id,
        variantId: ref.variant.id,
        title: ref.product.title,
        variantTitle: ref.variant.title === "Default Title" ? null : ref.variant.title,
        sku: ref.variant.sku,
        quantity: quantities[k],
        originalUnitPrice: bags.bag(priced.unitShop[k], presentment, priced.unitPres[k]),
        discountedTotal: bags.bag(priced.lineShop[k], presentment, priced.linePres[k]),
        totalDiscount: bags.bag(priced.discountShop[k], presentment, priced.discountPres[k]),
      };
    }

    const tags: string[] = [];
    if (c >= 0 && cSegment[c] === SEGMENT_LOYAL && seq > 2 && rng.chance(0.3)) tags.push("subscription");
    if (rng.chance(0.03)) tags.push("gift");

    const record: DevOrder = {
      id: String(ID_BASES.order + n),
      name: `#${1001 + n}`,
      customerId: c >= 0 ? customerIdOf[c] : null,
      email,
      createdAt,
      processedAt: createdAt,
      updatedAt: createdAt,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      financialStatus: "PAID",
      fulfillmentStatus: "FULFILLED",
      currencyCode: shopCurrency,
      presentmentCurrencyCode: presentment,
      subtotalPrice: bags.bag(priced.subtotalShop, presentment, priced.subtotalPres),
      totalDiscounts: bags.bag(priced.discountsShop, presentment, priced.discountsPres),
      totalShipping: bags.bag(priced.shippingShop, presentment, priced.shippingPres),
      totalTax: bags.bag(priced.taxShop, presentment, priced.taxPres),
      totalPrice: bags.bag(priced.totalShop, presentment, priced.totalPres),
      totalRefunded: bags.bag(0, presentment, 0),
      discountCodes: code ? [code.code] : [],
      tags,
      test: false,
      sourceName: SOURCE_NAMES[rng.weightedIndex(SOURCE_WEIGHTS)],
      lineItems,
      refunds: [],
    };
    applyLifecycle(rng, record, createdMs, nowMs, nextRefundId);
    orders[n] = record;
  }

  const data = { shop, products, customers, orders };
  assignHouseholds(data);
  return data;
}

/** Payment, fulfilment, refunds and cancellation for one generated order (mutates it). */
function applyLifecycle(rng: Rng, o: DevOrder, createdMs: number, nowMs: number, nextId: () => string): void {
  const ageMs = nowMs - createdMs;
  const r = rng.next();
  let fulfillment: FulfillmentStatus = "FULFILLED";
  let status: FinancialStatus = "PAID";
  let updatedMs = createdMs;

  if (r < 0.02 && ageMs > 2 * DAY_MS) {
    const cancelledMs = createdMs + rng.int(10 * 60_000, 2 * DAY_MS);
    const reason = rng.pick(CANCEL_REASONS);
    const cancelledAt = iso(Math.floor(cancelledMs / 1000) * 1000);
    o.cancelledAt = cancelledAt;
    o.cancelReason = reason;
    o.closedAt = cancelledAt;
    o.fulfillmentStatus = "UNFULFILLED";
    o.updatedAt = cancelledAt;
    if (reason === "DECLINED" || rng.chance(0.5)) {
      o.financialStatus = "VOIDED";
    } else {
      applyRefund(o, computeRefund(o, "all"), nextId, cancelledAt, "Order cancelled");
    }
    return;
  }
  if (r < 0.06 && ageMs > 3 * DAY_MS) {
    const maxDelay = Math.min(30 * DAY_MS, ageMs - DAY_MS);
    let refundMs = createdMs + rng.int(2 * DAY_MS, Math.max(2 * DAY_MS, maxDelay));
    o.financialStatus = "PAID";
    if (rng.chance(0.45)) {
      applyRefund(o, computeRefund(o, "all"), nextId, iso(Math.floor(refundMs / 1000) * 1000), rng.chance(0.5) ? "Customer changed their mind" : null);
    } else {
      const rounds = rng.chance(0.15) ? 2 : 1;
      for (let round = 0; round < rounds; round++) {
        const request = partialRequest(rng, o);
        if (request.length === 0) break;
        applyRefund(o, computeRefund(o, request), nextId, iso(Math.floor(refundMs / 1000) * 1000), rng.chance(0.5) ? "Damaged in transit" : null);
        refundMs = Math.min(nowMs - 1000, refundMs + rng.int(DAY_MS, 10 * DAY_MS));
      }
    }
    o.fulfillmentStatus = "FULFILLED";
    o.updatedAt = o.refunds[o.refunds.length - 1].createdAt;
    return;
  }
  if ((ageMs < 14 * DAY_MS && rng.chance(0.1)) || rng.chance(0.002)) {
    status = "PENDING";
    fulfillment = "UNFULFILLED";
  } else if (ageMs < 2 * DAY_MS) {
    fulfillment = "UNFULFILLED";
  } else if (o.lineItems.length > 1 && rng.chance(0.02)) {
    fulfillment = "PARTIALLY_FULFILLED";
    updatedMs = createdMs + rng.int(DAY_MS / 2, 2 * DAY_MS);
  } else {
    // Fulfilling an order updates it.
    updatedMs = createdMs + rng.int(DAY_MS / 4, 2 * DAY_MS);
  }
  o.financialStatus = status;
  o.fulfillmentStatus = fulfillment;
  if (updatedMs !== createdMs) o.updatedAt = iso(Math.floor(Math.min(updatedMs, nowMs - 1000) / 1000) * 1000);
}

/** Some lines, some of their units: what a partial refund returns. */
function partialRequest(rng: Rng, o: DevOrder): RefundLineRequest[] {
  const refunded = new Map<string, number>();
  for (const refund of o.refunds) for (const rli of refund.refundLineItems) refunded.set(rli.lineItemId, (refunded.get(rli.lineItemId) ?? 0) + rli.quantity);
  const open = o.lineItems.filter((li) => li.quantity - (refunded.get(li.id) ?? 0) > 0);
  if (open.length === 0) return [];
  const request: RefundLineRequest[] = [];
  for (const li of open) {
    if (request.length === 0 || rng.chance(0.4)) {
      request.push({ lineItemId: li.id, quantity: rng.int(1, li.quantity - (refunded.get(li.id) ?? 0)) });
    }
  }
  // A partial refund leaves something behind when it can.
  if (request.length === o.lineItems.length && request.every((q, i) => q.quantity === o.lineItems[i].quantity) && request.length > 1) request.pop();
  return request;
}

/**
 * Interns money so a million orders fit in memory: one frozen MoneyV2 per
 * (currency, amount) and one frozen MoneyBag per amount when shop and
 * presentment currency agree (most orders). Frozen, so an accidental in-place
 * edit throws instead of changing every order that shares the object.
 */
class BagCache {
  private readonly v2s = new Map<CurrencyCode, Map<number, MoneyV2>>();
  private readonly sameCurrencyBags = new Map<number, MoneyBag>();
  constructor(private readonly shopCurrency: CurrencyCode) {}

  v2(minor: number, currency: CurrencyCode): MoneyV2 {
    let perCurrency = this.v2s.get(currency);
    if (!perCurrency) {
      perCurrency = new Map();
      this.v2s.set(currency, perCurrency);
    }
    let money = perCurrency.get(minor);
    if (!money) {
      money = Object.freeze({ amount: formatMinor(minor, currency), currencyCode: currency });
      perCurrency.set(minor, money);
    }
    return money;
  }

  bag(shopMinor: number, presentment: CurrencyCode, presMinor: number): MoneyBag {
    if (presentment === this.shopCurrency && shopMinor === presMinor) {
      let bag = this.sameCurrencyBags.get(shopMinor);
      if (!bag) {
        const money = this.v2(shopMinor, presentment);
        bag = Object.freeze({ shopMoney: money, presentmentMoney: money });
        this.sameCurrencyBags.set(shopMinor, bag);
      }
      return bag;
    }
    return { shopMoney: this.v2(shopMinor, this.shopCurrency), presentmentMoney: this.v2(presMinor, presentment) };
  }
}

function generateCatalogue(rng: Rng, count: number, shopCurrency: CurrencyCode, startMs: number, nowMs: number) {
  const templateWeights = cumulativeWeights(PRODUCT_TEMPLATES.map((t) => t.weight));
  const products: DevProduct[] = [];
  const variantRefs: VariantRef[] = [];
  const variantWeights: number[] = [];
  const usedTitles = new Map<string, number>();
  let variantId = ID_BASES.variant;
  // Rank-based (Zipf-like) popularity over a shuffled catalogue: a few best sellers, a long tail.
  const ranks = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  for (let p = 0; p < count; p++) {
    // Cover every template once before drawing by weight.
    const template = p < PRODUCT_TEMPLATES.length ? PRODUCT_TEMPLATES[p] : PRODUCT_TEMPLATES[rng.weightedIndex(templateWeights)];
    const name = rng.pick(template.names);
    const baseTitle = template.stem ? `${name} ${template.stem}` : name;
    const seen = usedTitles.get(baseTitle) ?? 0;
    usedTitles.set(baseTitle, seen + 1);
    const title = seen === 0 ? baseTitle : `${baseTitle} No. ${seen + 1}`;
    const createdMs = Math.floor((startMs - rng.int(30, 400) * DAY_MS - rng.int(0, DAY_MS)) / 1000) * 1000;
    const updatedMs = Math.floor((createdMs + rng.next() * (nowMs - createdMs)) / 1000) * 1000;
    const statusRoll = rng.next();
    const status: DevProduct["status"] = statusRoll < 0.03 ? "DRAFT" : statusRoll < 0.05 ? "ARCHIVED" : "ACTIVE";
    const productId = String(ID_BASES.product + p);
    const product: DevProduct = {
      id: productId,
      title,
      handle: slug(title),
      productType: template.productType,
      vendor: template.vendor,
      tags: [...template.tags],
      status,
      repurchaseDays: template.repurchaseDays,
      variants: [],
      createdAt: iso(createdMs),
      updatedAt: iso(updatedMs),
    };
    const baseUsd = rng.int(template.priceUsdMinor[0] / 100, template.priceUsdMinor[1] / 100) * 100;
    const variantCount = Math.min(template.variants.length, template.variants.length === 1 ? 1 : rng.int(1, 3));
    const popularity = status === "DRAFT" ? 0 : template.weight / Math.pow(ranks[p] + 1, 0.8);
    const skuStem = template.productType.replace(/[^A-Za-z]/g, "").slice(0, 3).toUpperCase();
    for (let v = 0; v < variantCount; v++) {
      const spec = template.variants[v];
      const unitShopMinor = nicePrice(convertMinor(Math.round((baseUsd * spec.priceFactorPct) / 100), "USD", shopCurrency), shopCurrency);
      const variant: DevProductVariant = {
        id: String(variantId++),
        productId,
        title: spec.title,
        sku: `${skuStem}-${String(p + 1).padStart(3, "0")}-${v + 1}`,
        price: formatMinor(unitShopMinor, shopCurrency),
        createdAt: product.createdAt,
        updatedAt: product.updatedAt,
      };
      product.variants.push(variant);
      variantRefs.push({ product, variant, unitShopMinor });
      // The smallest size sells most.
      variantWeights.push(popularity / (v + 1));
    }
    products.push(product);
  }
  const consumableRefs: number[] = [];
  const consumableWeightList: number[] = [];
  variantRefs.forEach((ref, i) => {
    if (ref.product.repurchaseDays !== null && variantWeights[i] > 0) {
      consumableRefs.push(i);
      consumableWeightList.push(variantWeights[i]);
    }
  });
  return {
    products,
    variantRefs,
    popularity: cumulativeWeights(variantWeights),
    consumableRefs,
    consumableWeights: cumulativeWeights(consumableWeightList),
  };
}

interface CustomerSeed {
  id: string;
  index: number;
  createdMs: number;
  lastOrderMs: number;
  country: number;
  loyal: boolean;
  nowMs: number;
}

function buildCustomer(rng: Rng, s: CustomerSeed): DevCustomer {
  const profile = COUNTRIES[s.country];
  const first = rng.pick(profile.firstNames);
  const last = rng.pick(profile.lastNames);
  const anonymous = rng.chance(0.03);
  const email = `${emailSafe(first)}.${emailSafe(last)}${s.index + 1}@${EMAIL_DOMAINS[s.index % EMAIL_DOMAINS.length]}`;
  const marketing = MARKETING_STATES[rng.weightedIndex(MARKETING_WEIGHTS)];
  let updatedMs = Math.max(s.createdMs, s.lastOrderMs >= 0 ? s.lastOrderMs + rng.int(0, 3600) * 1000 : s.createdMs);
  let consentMs: number | null = null;
  if (marketing === "SUBSCRIBED" || marketing === "PENDING") consentMs = s.createdMs;
  else if (marketing === "UNSUBSCRIBED") {
    consentMs = Math.floor((s.createdMs + rng.next() * (s.nowMs - s.createdMs)) / 1000) * 1000;
    updatedMs = Math.max(updatedMs, consentMs);
  }
  updatedMs = Math.max(s.createdMs, Math.min(updatedMs, s.nowMs - 1000));
  if (consentMs !== null && consentMs > updatedMs) consentMs = updatedMs;
  const tags: string[] = [];
  if (s.loyal && rng.chance(0.4)) tags.push("vip");
  if (marketing === "SUBSCRIBED" && rng.chance(0.3)) tags.push("newsletter");
  if (rng.chance(0.01)) tags.push("wholesale");
  let birthday: string | null = null;
  if (rng.chance(0.4)) {
    birthday = `${rng.int(1950, 2006)}-${String(rng.int(1, 12)).padStart(2, "0")}-${String(rng.int(1, 28)).padStart(2, "0")}`;
  }
  return {
    id: s.id,
    firstName: anonymous ? null : first,
    lastName: anonymous ? null : last,
    email,
    phone: rng.chance(0.35) ? `${profile.phonePrefix}${String(s.index).padStart(7, "0")}` : null,
    state: ACCOUNT_STATES[rng.weightedIndex(ACCOUNT_STATE_WEIGHTS)],
    tags,
    note: rng.chance(0.02) ? rng.pick(CUSTOMER_NOTES) : null,
    verifiedEmail: rng.chance(0.92),
    taxExempt: rng.chance(0.005),
    locale: rng.pick(profile.locales),
    countryCode: profile.code,
    emailMarketingState: marketing,
    emailMarketingConsentUpdatedAt: consentMs === null ? null : iso(consentMs),
    birthday,
    createdAt: iso(s.createdMs),
    updatedAt: iso(updatedMs),
    metafields: {},
  };
}
