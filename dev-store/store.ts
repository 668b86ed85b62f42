/**
 * The mutable in-memory shop the dev-store server resolves against.
 *
 * It owns the records it is given (mutations edit them in place and never
 * touch the arrays passed in), keeps each list sorted by numeric id, answers
 * Shopify-style cursor pages and search queries, and turns every mutation into
 * the webhook events Shopify would send, with REST payloads built at the moment
 * of the change (later edits do not alter an earlier event's payload).
 *
 * Times: every mutation stamps with the injected clock, but stamps are
 * strictly increasing (+1 ms past the previous one when the clock stands still
 * or lags the data), so `updated_at:>` sync cursors never miss a change.
 */
import { GENERATED_DISCOUNT_CODES, ID_BASES } from "./generator";
import { applyRefund, computeRefund, FLAT_SHIPPING_USD_MINOR, priceOrder, RefundError, type RefundLineRequest } from "./generator/order-math";
import { COUNTRIES } from "./generator/people";
import { convertMinor, moneyBag, parseMinor, USD_RATES_MICRO } from "./money";
import {
  gid, parseGid,
  type DevCustomer, type DevDiscountCode, type DevLineItem, type DevOrder, type DevProduct, type DevProductVariant,
  type DevRefund, type DevShop, type DevShopData, type FinancialStatus, type DevAddress, type DevCard,
} from "./model";
import { Rng } from "./rng";
import { customerDeletePayload, customerPayload, orderPayload, productPayload, refundPayload } from "./webhook-payloads";

export type WebhookTopic =
  | "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" | "refunds/create"
  | "customers/create" | "customers/update" | "customers/delete" | "products/update" | "app/uninstalled"
  | "customers/data_request" | "customers/redact" | "shop/redact" | "bulk_operations/finish";

export interface StoreEvent {
  topic: WebhookTopic;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** stable id of the thing that changed, e.g. order gid */
  subjectGid: string;
}

export type DevStoreErrorCode =
  | "NOT_FOUND" | "INVALID_INPUT" | "TAKEN" | "CUSTOMER_HAS_ORDERS" | "INVALID_DISCOUNT_CODE" | "INVALID_STATE"
  | "OVER_REFUND" | "UNKNOWN_LINE_ITEM" | "INVALID_QUANTITY" | "NOTHING_TO_REFUND"
  | "INVALID_SEARCH";

/** Every refusal of the store: a message for people and a code for the server to map onto userErrors. */
export class DevStoreError extends Error {
  override name = "DevStoreError";
  constructor(message: string, readonly code: DevStoreErrorCode) {
    super(message);
  }
}

/** A Flow trigger the app fired (flowTriggerReceive), as the dev store recorded it. */
export interface FlowTriggerReceipt {
  handle: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

export interface CreateOrderInput {
  customerId: string | null;
  email?: string | null;
  lines: { variantId: string; quantity: number }[];
  presentmentCurrencyCode?: string;
  discountCode?: string | null;
  financialStatus?: FinancialStatus;
  /** Where it ships, who is billed, the card that pays; omitted: the customer's (generator/addresses.ts), null: none. */
  shippingAddress?: DevAddress | null;
  billingAddress?: DevAddress | null;
  card?: DevCard | null;
}

const CANCEL_REASONS = new Set(["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"]);

/** Whether a discount code applies to a line of this variant (every line unless it names products or variants). */
function isEntitled(code: DevDiscountCode, variant: DevProductVariant): boolean {
  if (!code.items || code.items === "all") return true;
  return code.items.variantIds.includes(variant.id) || code.items.productIds.includes(variant.productId);
}

/** Numeric-string ids compared as numbers (no parse: shorter is smaller, then lexicographic). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedById<T extends { id: string }>(items: readonly T[]): T[] {
  const copy = items.slice();
  for (let i = 1; i < copy.length; i++) {
    if (compareIds(copy[i - 1].id, copy[i].id) >= 0) return copy.sort((a, b) => compareIds(a.id, b.id));
  }
  return copy;
}

/** Index of the first element whose id is >= `id` in an ascending list. */
function lowerBound(items: readonly { id: string }[], id: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(items[mid].id, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Binary search by id in an ascending list. Orders and customers are found this
 * way rather than through a Map: a million-entry Map of string ids costs seconds
 * to build and hundreds of MB, a sorted array costs nothing extra.
 */
function findById<T extends { id: string }>(items: readonly T[], id: string): T | undefined {
  const idx = lowerBound(items, id);
  return idx < items.length && items[idx].id === id ? items[idx] : undefined;
}

function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags) {
    for (const part of raw.split(",")) {
      const tag = part.trim();
      if (tag && !seen.has(tag.toLowerCase())) {
        seen.add(tag.toLowerCase());
        out.push(tag);
      }
    }
  }
  return out;
}

export class DevStore {
  readonly shop: DevShop;
  private readonly clock: () => Date;
  private lastStampMs: number;

  private readonly productList: DevProduct[];
  private readonly productById = new Map<string, DevProduct>();
  private readonly variantById = new Map<string, DevProductVariant>();
  private readonly customerList: DevCustomer[];
  private readonly orderList: DevOrder[];
  private readonly refundById = new Map<string, DevRefund>();
  private readonly codeList: DevDiscountCode[] = [];
  private readonly codeByCode = new Map<string, DevDiscountCode>();
  private readonly codeUsage = new Map<string, number>();
  private ordersByCustomerIndex: Map<string, DevOrder[]> | null = null;
  private emailIndex: Map<string, string> | null = null;

  private nextCustomerId: number;
  private nextOrderId: number;
  private nextOrderNumber: number;
  private nextLineItemId: number;
  private nextRefundId: number;
  private nextDiscountId: number;

  private readonly flowTriggerLog: FlowTriggerReceipt[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly log: StoreEvent[] = [];

  /**
   * @param data a generated (or hand-made) shop; the store takes ownership of its records.
   * @param options.clock the store's time source; defaults to the real clock.
   */
  constructor(data: DevShopData, options?: { clock?: () => Date }) {
    this.shop = data.shop;
    this.clock = options?.clock ?? (() => new Date());
    this.productList = sortedById(data.products);
    this.customerList = sortedById(data.customers);
    this.orderList = sortedById(data.orders);

    let latest = data.shop.createdAt;
    const later = (stamp: string | null) => {
      if (stamp !== null && stamp > latest) latest = stamp;
    };
    // Ids compare as strings (compareIds) in the hot loop; parse only the winners.
    let maxLineItem = String(ID_BASES.lineItem - 1);
    let maxRefund = String(ID_BASES.refund - 1);
    let maxOrderNumber = 1000;
    for (const p of this.productList) {
      this.productById.set(p.id, p);
      for (const v of p.variants) this.variantById.set(v.id, v);
      later(p.updatedAt);
    }
    for (const c of this.customerList) {
      later(c.updatedAt);
    }
    for (const o of this.orderList) {
      later(o.updatedAt);
      for (const li of o.lineItems) if (compareIds(li.id, maxLineItem) > 0) maxLineItem = li.id;
      for (const r of o.refunds) {
        this.refundById.set(r.id, r);
        if (compareIds(r.id, maxRefund) > 0) maxRefund = r.id;
        for (const rli of r.refundLineItems) if (compareIds(rli.id, maxRefund) > 0) maxRefund = rli.id;
      }
      const number = Number(o.name.charCodeAt(0) === 35 ? o.name.slice(1) : o.name);
      if (Number.isSafeInteger(number)) maxOrderNumber = Math.max(maxOrderNumber, number);
      for (let k = 0; k < o.discountCodes.length; k++) {
        const code = o.discountCodes[k].toLowerCase();
        this.codeUsage.set(code, (this.codeUsage.get(code) ?? 0) + 1);
      }
    }
    const lastId = (list: readonly { id: string }[], base: number) => (list.length ? Math.max(Number(list[list.length - 1].id), base - 1) : base - 1);
    this.nextCustomerId = lastId(this.customerList, ID_BASES.customer) + 1;
    this.nextOrderId = lastId(this.orderList, ID_BASES.order) + 1;
    this.nextOrderNumber = maxOrderNumber + 1;
    this.nextLineItemId = Number(maxLineItem) + 1;
    this.nextRefundId = Number(maxRefund) + 1;
    this.nextDiscountId = ID_BASES.discount;
    this.lastStampMs = Date.parse(latest);

    // The generator's codes exist in the shop, so orders can reuse them.
    for (const seed of GENERATED_DISCOUNT_CODES) {
      this.insertDiscountCode({
        code: seed.code,
        title: seed.title,
        kind: seed.freeShipping ? "free_shipping" : "basic",
        value: seed.freeShipping ? null : { percentage: seed.basisPoints / 10_000 },
        customerIds: "all",
        usageLimit: null,
        appliesOncePerCustomer: seed.firstOrderOnly,
        minimumSubtotal: null,
        startsAt: data.shop.createdAt,
        endsAt: null,
      }, data.shop.createdAt);
    }
  }

  // ---------------------------------------------------------------- reads

  product(id: string): DevProduct | undefined {
    return this.productById.get(id);
  }
  variant(id: string): DevProductVariant | undefined {
    return this.variantById.get(id);
  }
  customer(id: string): DevCustomer | undefined {
    return findById(this.customerList, id);
  }
  order(id: string): DevOrder | undefined {
    return findById(this.orderList, id);
  }
  refund(id: string): DevRefund | undefined {
    return this.refundById.get(id);
  }
  /** Sorted by numeric id ascending. The live list: do not mutate it. */
  products(): readonly DevProduct[] {
    return this.productList;
  }
  /** Sorted by numeric id ascending; deleted customers excluded. The live list: do not mutate it. */
  customers(): readonly DevCustomer[] {
    return this.customerList;
  }
  /** Sorted by numeric id ascending (= createdAt order). The live list: do not mutate it. */
  orders(): readonly DevOrder[] {
    return this.orderList;
  }
  /** A customer's orders, oldest first (empty for unknown customers). */
  ordersOfCustomer(customerId: string): DevOrder[] {
    return (this.ordersByCustomer().get(customerId) ?? []).slice();
  }
  /** Every event emitted so far, oldest first. */
  events(): readonly StoreEvent[] {
    return this.log;
  }


  /**
   * Parses the subset of Shopify's search syntax the app uses into a predicate:
   * `field:value`, `field:>value`, `>=`, `<`, `<=`, quoted values, terms joined by
   * spaces or AND, `-field:value` / `NOT field:value` to negate, `value*` prefixes,
   * and bare words (substring of email/name/title). Times compare as instants
   * (`2025-01-01` means midnight UTC); ids compare numerically (GIDs accepted).
   *
   * Fields: id, created_at, updated_at everywhere; order: processed_at, customer_id,
   * email, name, financial_status, fulfillment_status, status (open|closed|cancelled), tag;
   * customer: email, first_name, last_name, state, country, tag, email_marketing_state;
   * product: title, handle, product_type, vendor, status, tag.
   * @throws DevStoreError INVALID_SEARCH for unknown fields, OR, parentheses or bad values.
   */
  searchFilter<T>(query: string | null | undefined, kind: "order" | "customer" | "product"): (item: T) => boolean {
    return compileSearch(query, kind) as (item: T) => boolean;
  }

  // ---------------------------------------------------------------- customers

  /**
   * Creates a customer (customers/create). Needs an email, phone or name; emails are unique (case-insensitive).
   * @throws DevStoreError INVALID_INPUT, TAKEN
   */
  createCustomer(input: Partial<Omit<DevCustomer, "id" | "createdAt" | "updatedAt">>): DevCustomer {
    if (!input.email && !input.phone && !input.firstName && !input.lastName) {
      throw new DevStoreError("a customer needs an email, phone or name", "INVALID_INPUT");
    }
    if (input.email) this.assertEmailFree(input.email, null);
    const now = this.stamp();
    const customer: DevCustomer = {
      firstName: null, lastName: null, email: null, phone: null, state: "DISABLED", note: null,
      verifiedEmail: false, taxExempt: false, locale: "en", countryCode: null,
      emailMarketingState: "NOT_SUBSCRIBED", emailMarketingConsentUpdatedAt: null, birthday: null,
      ...input,
      tags: normalizeTags(input.tags ?? []),
      metafields: { ...(input.metafields ?? {}) },
      id: String(this.nextCustomerId++),
      createdAt: now,
      updatedAt: now,
    };
    if (input.emailMarketingState && input.emailMarketingState !== "NOT_SUBSCRIBED" && !input.emailMarketingConsentUpdatedAt) {
      customer.emailMarketingConsentUpdatedAt = now;
    }
    this.customerList.push(customer); // new ids are the largest, so the list stays sorted
    if (customer.email) this.emails().set(customer.email.toLowerCase(), customer.id);
    this.emit("customers/create", customerPayload(customer, { shop: this.shop }), gid("Customer", customer.id), now);
    return customer;
  }

  /**
   * Updates a customer (customers/update). A changed marketing state without a
   * consent time is stamped with the update's time.
   * @throws DevStoreError NOT_FOUND, TAKEN
   */
  updateCustomer(id: string, patch: Partial<Omit<DevCustomer, "id" | "createdAt">>): DevCustomer {
    const customer = this.requireCustomer(id);
    if (patch.email && patch.email.toLowerCase() !== customer.email?.toLowerCase()) this.assertEmailFree(patch.email, id);
    const now = this.stamp();
    const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = patch as Partial<DevCustomer>;
    const oldEmail = customer.email;
    const oldMarketing = customer.emailMarketingState;
    Object.assign(customer, fields);
    if (fields.tags) customer.tags = normalizeTags(fields.tags);
    if (fields.metafields) customer.metafields = { ...fields.metafields };
    if (fields.emailMarketingState && fields.emailMarketingState !== oldMarketing && !fields.emailMarketingConsentUpdatedAt) {
      customer.emailMarketingConsentUpdatedAt = now;
    }
    customer.updatedAt = now;
    if (oldEmail !== customer.email) {
      if (oldEmail) this.emails().delete(oldEmail.toLowerCase());
      if (customer.email) this.emails().set(customer.email.toLowerCase(), id);
    }
    this.emit("customers/update", customerPayload(customer, { shop: this.shop }), gid("Customer", id), now);
    return customer;
  }

  /**
   * Deletes a customer (customers/delete). Like Shopify, only customers without orders can be deleted.
   * @throws DevStoreError NOT_FOUND, CUSTOMER_HAS_ORDERS
   */
  deleteCustomer(id: string): void {
    const customer = this.requireCustomer(id);
    if ((this.ordersByCustomer().get(id)?.length ?? 0) > 0) {
      throw new DevStoreError(`customer ${id} has orders and cannot be deleted`, "CUSTOMER_HAS_ORDERS");
    }
    const now = this.stamp();
    const idx = lowerBound(this.customerList, id);
    if (this.customerList[idx]?.id === id) this.customerList.splice(idx, 1);
    else this.customerList.splice(this.customerList.indexOf(customer), 1);
    if (customer.email) this.emails().delete(customer.email.toLowerCase());
    this.emit("customers/delete", customerDeletePayload(customer), gid("Customer", id), now);
  }

  // ---------------------------------------------------------------- orders

  /**
   * Creates an order priced like generated ones (orders/create, plus orders/paid when PAID).
   * Tax follows the customer's country; discount codes must exist, be active and apply.
   * @throws DevStoreError NOT_FOUND (customer, variant), INVALID_INPUT, INVALID_DISCOUNT_CODE
   */
  createOrder(input: CreateOrderInput): DevOrder {
    const customer = input.customerId === null ? null : this.requireCustomer(input.customerId);
    if (input.lines.length === 0) throw new DevStoreError("an order needs at least one line", "INVALID_INPUT");
    const shopCurrency = this.shop.currencyCode;
    const presentment = input.presentmentCurrencyCode ?? shopCurrency;
    if (USD_RATES_MICRO[presentment] === undefined) {
      throw new DevStoreError(`presentment currency ${presentment} is not enabled in the dev store`, "INVALID_INPUT");
    }
    const financialStatus = input.financialStatus ?? "PAID";
    if (!["PENDING", "AUTHORIZED", "PAID"].includes(financialStatus)) {
      throw new DevStoreError(`a new order cannot be ${financialStatus}`, "INVALID_INPUT");
    }
    const refs = input.lines.map((line) => {
      if (!Number.isInteger(line.quantity) || line.quantity < 1) {
        throw new DevStoreError(`quantity must be a positive integer, got ${line.quantity}`, "INVALID_INPUT");
      }
      const variant = this.variantById.get(line.variantId);
      if (!variant) throw new DevStoreError(`no variant ${line.variantId}`, "NOT_FOUND");
      return { variant, product: this.productById.get(variant.productId) as DevProduct, quantity: line.quantity };
    });
    const units = refs.map((r) => parseMinor(r.variant.price, shopCurrency));
    const quantities = refs.map((r) => r.quantity);
    const gross = units.reduce((sum, u, i) => sum + u * quantities[i], 0);

    let discountBasisPoints = 0;
    let fixedDiscountShopMinor = 0;
    let freeShipping = false;
    let codeUsed: string | null = null;
    let entitledLines: boolean[] | undefined;
    if (input.discountCode) {
      const found = this.discountCodeByCode(input.discountCode);
      entitledLines = found ? refs.map((r) => isEntitled(found, r.variant)) : undefined;
      // A basic code's minimum subtotal counts the lines it applies to; free shipping counts the whole cart.
      const entitledGross = entitledLines && found?.kind === "basic"
        ? units.reduce((sum, u, i) => (entitledLines![i] ? sum + u * quantities[i] : sum), 0)
        : gross;
      const code = this.checkDiscountCode(input.discountCode, customer?.id ?? null, entitledGross);
      if (code.kind === "basic" && !entitledLines!.some(Boolean)) {
        throw new DevStoreError(`discount code ${input.discountCode} does not apply to any item in the cart`, "INVALID_DISCOUNT_CODE");
      }
      codeUsed = code.code;
      if (code.kind === "free_shipping") {
        const flatShopMinor = convertMinor(FLAT_SHIPPING_USD_MINOR, "USD", shopCurrency);
        freeShipping = code.maximumShippingPrice == null || flatShopMinor <= parseMinor(code.maximumShippingPrice, shopCurrency);
        entitledLines = undefined;
      } else if (code.value && "percentage" in code.value) {
        discountBasisPoints = Math.round(code.value.percentage * 10_000);
      } else if (code.value && "amount" in code.value) {
        const amount = parseMinor(code.value.amount, shopCurrency);
        const entitledUnits = code.value.appliesOnEachItem ? refs.reduce((n, r, i) => (entitledLines![i] ? n + r.quantity : n), 0) : 1;
        fixedDiscountShopMinor = amount * entitledUnits;
      }
    }
    const country = COUNTRIES.find((c) => c.code === customer?.countryCode);
    const priced = priceOrder({
      shopCurrency, presentmentCurrency: presentment, unitShopMinor: units, quantities,
      discountBasisPoints, fixedDiscountShopMinor, freeShipping, taxBasisPoints: country?.taxBasisPoints ?? 0,
      ...(entitledLines && { entitledLines }),
    });

    const now = this.stamp();
    const bag = (s: number, p: number) => moneyBag(s, shopCurrency, p, presentment);
    const lineItems: DevLineItem[] = refs.map((r, k) => ({
      id: String(this.nextLineItemId++),
      productId: r.product.id,
      variantId: r.variant.id,
      title: r.product.title,
      variantTitle: r.variant.title === "Default Title" ? null : r.variant.title,
      sku: r.variant.sku,
      quantity: r.quantity,
      originalUnitPrice: bag(priced.unitShop[k], priced.unitPres[k]),
      discountedTotal: bag(priced.lineShop[k], priced.linePres[k]),
      totalDiscount: bag(priced.discountShop[k], priced.discountPres[k]),
    }));
    const order: DevOrder = {
      id: String(this.nextOrderId++),
      name: `#${this.nextOrderNumber++}`,
      customerId: customer?.id ?? null,
      email: input.email !== undefined ? input.email : customer?.email ?? null,
      createdAt: now,
      processedAt: now,
      updatedAt: now,
      cancelledAt: null,
      cancelReason: null,
      closedAt: null,
      financialStatus,
      fulfillmentStatus: "UNFULFILLED",
      currencyCode: shopCurrency,
      presentmentCurrencyCode: presentment,
      subtotalPrice: bag(priced.subtotalShop, priced.subtotalPres),
      totalDiscounts: bag(priced.discountsShop, priced.discountsPres),
      totalShipping: bag(priced.shippingShop, priced.shippingPres),
      totalTax: bag(priced.taxShop, priced.taxPres),
      totalPrice: bag(priced.totalShop, priced.totalPres),
      totalRefunded: bag(0, 0),
      discountCodes: codeUsed ? [codeUsed] : [],
      tags: [],
      test: false,
      sourceName: "web",
      lineItems,
      refunds: [],
      ...(input.shippingAddress !== undefined && { shippingAddress: input.shippingAddress }),
      ...(input.billingAddress !== undefined && { billingAddress: input.billingAddress }),
      ...(input.card !== undefined && { card: input.card }),
    };
    this.orderList.push(order);
    if (codeUsed) this.codeUsage.set(codeUsed.toLowerCase(), (this.codeUsage.get(codeUsed.toLowerCase()) ?? 0) + 1);
    if (customer) {
      this.ordersByCustomer().get(customer.id)?.push(order) ?? this.ordersByCustomer().set(customer.id, [order]);
      // Shopify bumps the customer (order count, amount spent) without a customers/update webhook.
      customer.updatedAt = now;
    }
    const subject = gid("Order", order.id);
    this.emit("orders/create", orderPayload(order, this), subject, now);
    if (financialStatus === "PAID") this.emit("orders/paid", orderPayload(order, this), subject, now);
    return order;
  }

  /**
   * Captures payment on a pending or authorized order (orders/paid, orders/updated).
   * @throws DevStoreError NOT_FOUND, INVALID_STATE
   */
  markOrderPaid(id: string): DevOrder {
    const order = this.requireOrder(id);
    if (order.cancelledAt || !["PENDING", "AUTHORIZED", "PARTIALLY_PAID"].includes(order.financialStatus)) {
      throw new DevStoreError(`order ${id} is ${order.cancelledAt ? "cancelled" : order.financialStatus} and cannot be marked paid`, "INVALID_STATE");
    }
    const now = this.stamp();
    order.financialStatus = "PAID";
    order.updatedAt = now;
    const subject = gid("Order", id);
    this.emit("orders/paid", orderPayload(order, this), subject, now);
    this.emit("orders/updated", orderPayload(order, this), subject, now);
    return order;
  }

  /**
   * Cancels an order (orders/cancelled, orders/updated). Money already taken is
   * refunded in full (refunds/create first, as Shopify does); an unpaid order is voided.
   * @param reason Shopify's OrderCancelReason (CUSTOMER, DECLINED, FRAUD, INVENTORY, OTHER, STAFF), any case; default OTHER.
   * @throws DevStoreError NOT_FOUND, INVALID_STATE (already cancelled), INVALID_INPUT (reason)
   */
  cancelOrder(id: string, reason = "OTHER"): DevOrder {
    const order = this.requireOrder(id);
    const cancelReason = reason.toUpperCase();
    if (!CANCEL_REASONS.has(cancelReason)) {
      throw new DevStoreError(`unknown cancel reason ${reason}; use one of ${[...CANCEL_REASONS].join(", ")}`, "INVALID_INPUT");
    }
    if (order.cancelledAt) throw new DevStoreError(`order ${id} is already cancelled`, "INVALID_STATE");
    const now = this.stamp();
    const subject = gid("Order", id);
    let refund: DevRefund | null = null;
    if (order.financialStatus === "PAID" || order.financialStatus === "PARTIALLY_REFUNDED" || order.financialStatus === "PARTIALLY_PAID") {
      refund = applyRefund(order, computeRefund(order, "all"), () => String(this.nextRefundId++), now, "Order cancelled");
      this.refundById.set(refund.id, refund);
    } else if (order.financialStatus !== "REFUNDED") {
      order.financialStatus = "VOIDED";
    }
    order.cancelledAt = now;
    order.cancelReason = cancelReason;
    order.closedAt = now;
    order.updatedAt = now;
    if (refund) this.emit("refunds/create", refundPayload(refund, order, this), gid("Refund", refund.id), now);
    this.emit("orders/cancelled", orderPayload(order, this), subject, now);
    this.emit("orders/updated", orderPayload(order, this), subject, now);
    return order;
  }

  /**
   * Refunds lines (or "all": every remaining unit, tax and shipping) of a paid order
   * (refunds/create, orders/updated), updating totalRefunded and financialStatus.
   * @throws DevStoreError NOT_FOUND, INVALID_STATE (nothing was paid), OVER_REFUND,
   *   UNKNOWN_LINE_ITEM, INVALID_QUANTITY, NOTHING_TO_REFUND
   */
  refundOrder(id: string, lines: RefundLineRequest[] | "all", note?: string): DevRefund {
    const order = this.requireOrder(id);
    if (!["PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID", "REFUNDED"].includes(order.financialStatus)) {
      throw new DevStoreError(`order ${id} is ${order.financialStatus}: nothing was paid to refund`, "INVALID_STATE");
    }
    if (lines !== "all" && lines.length === 0) throw new DevStoreError("a refund needs at least one line", "INVALID_INPUT");
    let computed;
    try {
      computed = computeRefund(order, lines);
    } catch (error) {
      if (error instanceof RefundError) throw new DevStoreError(error.message, error.code);
      throw error;
    }
    const now = this.stamp();
    const refund = applyRefund(order, computed, () => String(this.nextRefundId++), now, note ?? null);
    order.updatedAt = now;
    this.refundById.set(refund.id, refund);
    this.emit("refunds/create", refundPayload(refund, order, this), gid("Refund", refund.id), now);
    this.emit("orders/updated", orderPayload(order, this), gid("Order", id), now);
    return refund;
  }

  // ---------------------------------------------------------------- metafields and tags

  /**
   * Sets a customer metafield (customers/update). `facts.birth_date` also sets the birthday.
   * @throws DevStoreError NOT_FOUND, INVALID_INPUT (owner other than a Customer)
   */
  setMetafield(ownerGid: string, namespace: string, key: string, type: string, value: string): void {
    const owner = parseGid(ownerGid);
    if (!owner || owner.type !== "Customer") {
      throw new DevStoreError(`metafields are supported on Customer owners only, got ${ownerGid}`, "INVALID_INPUT");
    }
    const customer = this.requireCustomer(owner.id);
    const now = this.stamp();
    customer.metafields = { ...customer.metafields, [`${namespace}.${key}`]: { type, value, updatedAt: now } };
    if (namespace === "facts" && key === "birth_date") customer.birthday = value;
    customer.updatedAt = now;
    this.emit("customers/update", customerPayload(customer, { shop: this.shop }), ownerGid, now);
  }

  /**
   * Deletes a customer metafield (customers/update, like setMetafield). Deleting
   * `facts.birth_date` clears the birthday.
   * @returns false (and changes nothing) when the owner or the metafield does not exist:
   *   Shopify's metafieldsDelete answers null for that identifier instead of failing.
   */
  deleteMetafield(ownerGid: string, namespace: string, key: string): boolean {
    const owner = parseGid(ownerGid);
    const customer = owner?.type === "Customer" ? findById(this.customerList, owner.id) : undefined;
    if (!customer) return false;
    const fullKey = `${namespace}.${key}`;
    const isBirthday = namespace === "facts" && key === "birth_date";
    if (!(fullKey in customer.metafields) && !(isBirthday && customer.birthday)) return false;
    const now = this.stamp();
    const { [fullKey]: _removed, ...rest } = customer.metafields;
    customer.metafields = rest;
    if (isBirthday) customer.birthday = null;
    customer.updatedAt = now;
    this.emit("customers/update", customerPayload(customer, { shop: this.shop }), ownerGid, now);
    return true;
  }

  /** Adds tags to a Customer, Order or Product (customers/update, orders/updated, products/update); a no-op when none is new. */
  addTags(ownerGid: string, tags: string[]): void {
    this.changeTags(ownerGid, (current) => normalizeTags([...current, ...tags]));
  }

  /** Removes tags (case-insensitive) from a Customer, Order or Product; a no-op when none was there. */
  removeTags(ownerGid: string, tags: string[]): void {
    const drop = new Set(normalizeTags(tags).map((t) => t.toLowerCase()));
    this.changeTags(ownerGid, (current) => current.filter((t) => !drop.has(t.toLowerCase())));
  }

  // ---------------------------------------------------------------- discount codes

  /**
   * Creates a discount code (no webhook: Shopify sends none to this app). Codes are unique, case-insensitive.
   * @throws DevStoreError TAKEN, INVALID_INPUT
   */
  createDiscountCode(input: Omit<DevDiscountCode, "id" | "createdAt">): DevDiscountCode {
    if (!input.code.trim()) throw new DevStoreError("a discount code needs a code", "INVALID_INPUT");
    if (this.codeByCode.has(input.code.toLowerCase())) throw new DevStoreError(`discount code ${input.code} already exists`, "TAKEN");
    return this.insertDiscountCode(input, this.stamp());
  }
  discountCodes(): readonly DevDiscountCode[] {
    return this.codeList;
  }
  /** Case-insensitive, like Shopify. */
  discountCodeByCode(code: string): DevDiscountCode | undefined {
    return this.codeByCode.get(code.toLowerCase());
  }
  /** By DiscountCodeNode id (numeric part). */
  discountCode(id: string): DevDiscountCode | undefined {
    return this.codeList.find((d) => d.id === id);
  }
  /** Orders that used the code so far (Shopify's asyncUsageCount, here always up to date). */
  discountCodeUsage(code: string): number {
    return this.codeUsage.get(code.toLowerCase()) ?? 0;
  }

  /**
   * Deletes a discount code (no webhook). Orders that used it keep the code's
   * text; the code can be created again afterwards.
   * @throws DevStoreError NOT_FOUND
   */
  deleteDiscountCode(id: string): DevDiscountCode {
    const idx = this.codeList.findIndex((d) => d.id === id);
    if (idx < 0) throw new DevStoreError(`no discount code ${id}`, "NOT_FOUND");
    const [code] = this.codeList.splice(idx, 1);
    this.codeByCode.delete(code.code.toLowerCase());
    return code;
  }

  /**
   * Deactivates a discount code the way Shopify does: its end is set to now,
   * so it reads EXPIRED and checkout refuses it. A no-op when it already ended.
   * @throws DevStoreError NOT_FOUND
   */
  deactivateDiscountCode(id: string): DevDiscountCode {
    const code = this.discountCode(id);
    if (!code) throw new DevStoreError(`no discount code ${id}`, "NOT_FOUND");
    const now = this.stamp();
    if (code.endsAt === null || code.endsAt > now) {
      code.endsAt = now;
      code.updatedAt = now;
    }
    return code;
  }

  /**
   * A shopper uses a discount code at checkout: creates a paid order with the
   * code applied (orders/create, orders/paid) and counts the use, exactly as
   * `createOrder` with `discountCode` does. Without `lines`, the cart is the
   * first entitled variant (or the first active product's), one unit, with the
   * quantity raised until a minimum subtotal is met.
   * @throws DevStoreError INVALID_DISCOUNT_CODE (unknown, expired, another customer's,
   *   used up, minimum not met), NOT_FOUND, INVALID_INPUT
   */
  redeemDiscountCode(
    code: string,
    options: { customerId: string | null; email?: string | null; lines?: CreateOrderInput["lines"]; presentmentCurrencyCode?: string } &
      Pick<CreateOrderInput, "shippingAddress" | "billingAddress" | "card">,
  ): DevOrder {
    const found = this.discountCodeByCode(code);
    if (!found) throw new DevStoreError(`discount code ${code} does not exist`, "INVALID_DISCOUNT_CODE");
    let lines = options.lines;
    if (!lines) {
      const items = found.kind === "basic" && found.items && found.items !== "all" ? found.items : null;
      const variant = items
        ? (items.variantIds.map((id) => this.variantById.get(id)).find(Boolean)
          ?? items.productIds.map((id) => this.productById.get(id)?.variants[0]).find(Boolean))
        : this.productList.find((p) => p.status === "ACTIVE" && p.variants.length > 0)?.variants[0];
      if (!variant) throw new DevStoreError(`no variant to buy with discount code ${code}`, "NOT_FOUND");
      const unitMinor = parseMinor(variant.price, this.shop.currencyCode);
      const minimumMinor = found.minimumSubtotal === null ? 0 : parseMinor(found.minimumSubtotal, this.shop.currencyCode);
      const quantity = Math.max(1, unitMinor > 0 ? Math.ceil(minimumMinor / unitMinor) : 1);
      lines = [{ variantId: variant.id, quantity }];
    }
    return this.createOrder({
      customerId: options.customerId,
      ...(options.email !== undefined && { email: options.email }),
      lines,
      presentmentCurrencyCode: options.presentmentCurrencyCode,
      discountCode: code,
      ...(options.shippingAddress !== undefined && { shippingAddress: options.shippingAddress }),
      ...(options.billingAddress !== undefined && { billingAddress: options.billingAddress }),
      ...(options.card !== undefined && { card: options.card }),
    });
  }

  // ---------------------------------------------------------------- Flow triggers

  /** Records a Flow trigger the app fired (validated by the flowTriggerReceive resolver). */
  receiveFlowTrigger(handle: string, payload: Record<string, unknown>): FlowTriggerReceipt {
    const receipt: FlowTriggerReceipt = { handle, payload: structuredClone(payload), receivedAt: this.stamp() };
    this.flowTriggerLog.push(receipt);
    return receipt;
  }

  /** Flow triggers received so far, oldest first; only those of `handle` when given. */
  flowTriggers(handle?: string): readonly FlowTriggerReceipt[] {
    return handle === undefined ? this.flowTriggerLog : this.flowTriggerLog.filter((r) => r.handle === handle);
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to every event; returns the unsubscribe function. */
  on(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Runs `act` and returns what it returned with the events the store emitted meanwhile (they are still delivered as usual). */
  capture<T>(act: () => T): { result: T; events: StoreEvent[] } {
    const events: StoreEvent[] = [];
    const off = this.on((e) => events.push(e));
    try {
      return { result: act(), events };
    } finally {
      off();
    }
  }

  /**
   * Deterministic random activity: repeat and first orders, guest checkouts, payments,
   * refunds, cancellations, sign-ups and customer updates. Runs actions until at least
   * `events` store events were emitted and returns them (an action can emit several).
   * The same seed on the same store state gives the same activity.
   */
  simulate(options: { seed: number | string; events: number }): StoreEvent[] {
    const rng = new Rng(`simulate:${options.seed}`);
    const emitted: StoreEvent[] = [];
    const off = this.on((event) => emitted.push(event));
    try {
      let guard = 0;
      while (emitted.length < options.events && guard++ < options.events * 20 + 20) this.simulateStep(rng);
    } finally {
      off();
    }
    return emitted;
  }

  // ---------------------------------------------------------------- internals

  private simulateStep(rng: Rng): void {
    const roll = rng.next();
    const recent = this.orderList.slice(-300);
    if (roll < 0.3 && this.customerList.length > 0) {
      const customer = rng.pick(this.customerList);
      this.createOrder({ customerId: customer.id, lines: this.randomLines(rng), presentmentCurrencyCode: this.presentmentFor(customer, rng), discountCode: rng.chance(0.08) ? "LOYAL20" : null, financialStatus: rng.chance(0.1) ? "PENDING" : "PAID" });
    } else if (roll < 0.45) {
      const customer = this.createCustomer(this.randomCustomerInput(rng));
      if (rng.chance(0.85)) {
        this.createOrder({ customerId: customer.id, lines: this.randomLines(rng), presentmentCurrencyCode: this.presentmentFor(customer, rng), discountCode: rng.chance(0.2) ? "WELCOME10" : null });
      }
    } else if (roll < 0.52) {
      this.createOrder({ customerId: null, email: `guest.sim${this.nextOrderId}@example.com`, lines: this.randomLines(rng) });
    } else if (roll < 0.6) {
      const pending = recent.filter((o) => o.financialStatus === "PENDING" && !o.cancelledAt);
      if (pending.length) this.markOrderPaid(rng.pick(pending).id);
    } else if (roll < 0.68) {
      const refundable = recent.filter((o) => !o.cancelledAt && (o.financialStatus === "PAID" || o.financialStatus === "PARTIALLY_REFUNDED"));
      if (refundable.length) {
        const order = rng.pick(refundable);
        const refunded = new Map<string, number>();
        for (const r of order.refunds) for (const rli of r.refundLineItems) refunded.set(rli.lineItemId, (refunded.get(rli.lineItemId) ?? 0) + rli.quantity);
        const open = order.lineItems.filter((li) => li.quantity > (refunded.get(li.id) ?? 0));
        if (rng.chance(0.4) || open.length === 0) {
          if (open.length) this.refundOrder(order.id, "all", "Simulated full refund");
        } else {
          const li = rng.pick(open);
          this.refundOrder(order.id, [{ lineItemId: li.id, quantity: rng.int(1, li.quantity - (refunded.get(li.id) ?? 0)) }], "Simulated partial refund");
        }
      }
    } else if (roll < 0.72) {
      const open = recent.filter((o) => !o.cancelledAt && o.fulfillmentStatus === "UNFULFILLED");
      if (open.length) this.cancelOrder(rng.pick(open).id, rng.pick(["CUSTOMER", "INVENTORY", "FRAUD", "OTHER"]));
    } else if (roll < 0.9 && this.customerList.length > 0) {
      const customer = rng.pick(this.customerList);
      const change = rng.int(0, 2);
      if (change === 0) this.updateCustomer(customer.id, { emailMarketingState: customer.emailMarketingState === "SUBSCRIBED" ? "UNSUBSCRIBED" : "SUBSCRIBED" });
      else if (change === 1) this.updateCustomer(customer.id, { note: `Simulated note ${rng.int(1, 9999)}` });
      else this.updateCustomer(customer.id, { state: customer.state === "ENABLED" ? "DISABLED" : "ENABLED" });
    } else if (this.customerList.length > 0) {
      const customer = rng.pick(this.customerList);
      const tag = rng.pick(["vip", "wholesale", "newsletter", "churn-risk", "birthday-club"]);
      if (customer.tags.includes(tag)) this.removeTags(gid("Customer", customer.id), [tag]);
      else this.addTags(gid("Customer", customer.id), [tag]);
    }
  }

  private randomLines(rng: Rng): { variantId: string; quantity: number }[] {
    const active = this.productList.filter((p) => p.status === "ACTIVE" && p.variants.length > 0);
    const count = rng.chance(0.65) ? 1 : rng.int(2, 3);
    const lines = new Map<string, number>();
    for (let i = 0; i < count; i++) lines.set(rng.pick(rng.pick(active).variants).id, rng.chance(0.8) ? 1 : 2);
    return [...lines].map(([variantId, quantity]) => ({ variantId, quantity }));
  }

  private presentmentFor(customer: DevCustomer, rng: Rng): string {
    const local = COUNTRIES.find((c) => c.code === customer.countryCode)?.currency;
    return local && USD_RATES_MICRO[local] !== undefined && rng.chance(0.7) ? local : this.shop.currencyCode;
  }

  private randomCustomerInput(rng: Rng): Partial<DevCustomer> {
    const country = rng.pick(COUNTRIES);
    const first = rng.pick(country.firstNames);
    const last = rng.pick(country.lastNames);
    const n = this.nextCustomerId;
    return {
      firstName: first,
      lastName: last,
      email: `${first}.${last}.sim${n}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ""),
      countryCode: country.code,
      locale: rng.pick(country.locales),
      state: rng.chance(0.4) ? "ENABLED" : "DISABLED",
      emailMarketingState: rng.chance(0.45) ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      verifiedEmail: true,
      birthday: rng.chance(0.4) ? `19${rng.int(60, 99)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}` : null,
    };
  }

  private changeTags(ownerGid: string, change: (current: string[]) => string[]): void {
    const owner = parseGid(ownerGid);
    const record =
      owner?.type === "Customer" ? findById(this.customerList, owner.id)
      : owner?.type === "Order" ? findById(this.orderList, owner.id)
      : owner?.type === "Product" ? this.productById.get(owner.id)
      : undefined;
    if (!owner || !["Customer", "Order", "Product"].includes(owner.type)) {
      throw new DevStoreError(`tags are supported on Customer, Order and Product, got ${ownerGid}`, "INVALID_INPUT");
    }
    if (!record) throw new DevStoreError(`no ${owner.type} ${owner.id}`, "NOT_FOUND");
    const next = change(record.tags);
    if (next.length === record.tags.length && next.every((t, i) => t === record.tags[i])) return;
    const now = this.stamp();
    record.tags = next;
    record.updatedAt = now;
    if (owner.type === "Customer") this.emit("customers/update", customerPayload(record as DevCustomer, { shop: this.shop }), ownerGid, now);
    else if (owner.type === "Order") this.emit("orders/updated", orderPayload(record as DevOrder, this), ownerGid, now);
    else this.emit("products/update", productPayload(record as DevProduct, this.shop), ownerGid, now);
  }

  private insertDiscountCode(input: Omit<DevDiscountCode, "id" | "createdAt">, createdAt: string): DevDiscountCode {
    const code: DevDiscountCode = {
      ...input,
      customerIds: input.customerIds === "all" ? "all" : [...input.customerIds],
      id: String(this.nextDiscountId++),
      createdAt,
    };
    this.codeList.push(code);
    this.codeByCode.set(code.code.toLowerCase(), code);
    return code;
  }

  private checkDiscountCode(text: string, customerId: string | null, grossShopMinor: number): DevDiscountCode {
    const code = this.discountCodeByCode(text);
    const refuse = (why: string): never => {
      throw new DevStoreError(`discount code ${text} ${why}`, "INVALID_DISCOUNT_CODE");
    };
    if (!code) return refuse("does not exist");
    const nowIso = new Date(Math.max(this.clock().getTime(), this.lastStampMs)).toISOString();
    if (code.startsAt > nowIso) refuse("is not active yet");
    if (code.endsAt !== null && code.endsAt <= nowIso) refuse("has expired");
    if (code.customerIds !== "all" && (customerId === null || !code.customerIds.includes(customerId))) refuse("is not available to this customer");
    if (code.usageLimit !== null && (this.codeUsage.get(code.code.toLowerCase()) ?? 0) >= code.usageLimit) refuse("has reached its usage limit");
    if (code.minimumSubtotal !== null && grossShopMinor < parseMinor(code.minimumSubtotal, this.shop.currencyCode)) refuse(`needs a subtotal of ${code.minimumSubtotal}`);
    if (code.appliesOncePerCustomer && customerId !== null) {
      const lower = code.code.toLowerCase();
      if ((this.ordersByCustomer().get(customerId) ?? []).some((o) => o.discountCodes.some((c) => c.toLowerCase() === lower))) {
        refuse("was already used by this customer");
      }
    }
    return code;
  }

  private ordersByCustomer(): Map<string, DevOrder[]> {
    if (!this.ordersByCustomerIndex) {
      const index = new Map<string, DevOrder[]>();
      for (const o of this.orderList) {
        if (o.customerId === null) continue;
        const list = index.get(o.customerId);
        if (list) list.push(o);
        else index.set(o.customerId, [o]);
      }
      this.ordersByCustomerIndex = index;
    }
    return this.ordersByCustomerIndex;
  }

  private emails(): Map<string, string> {
    if (!this.emailIndex) {
      this.emailIndex = new Map();
      for (const c of this.customerList) if (c.email) this.emailIndex.set(c.email.toLowerCase(), c.id);
    }
    return this.emailIndex;
  }

  private assertEmailFree(email: string, exceptId: string | null): void {
    const owner = this.emails().get(email.toLowerCase());
    if (owner !== undefined && owner !== exceptId) throw new DevStoreError(`email ${email} has already been taken`, "TAKEN");
  }

  private requireCustomer(id: string): DevCustomer {
    const customer = findById(this.customerList, id);
    if (!customer) throw new DevStoreError(`no customer ${id}`, "NOT_FOUND");
    return customer;
  }

  private requireOrder(id: string): DevOrder {
    const order = findById(this.orderList, id);
    if (!order) throw new DevStoreError(`no order ${id}`, "NOT_FOUND");
    return order;
  }

  /** The next mutation time: the clock, but always at least 1 ms after the previous stamp. */
  private stamp(): string {
    const ms = Math.max(this.clock().getTime(), this.lastStampMs + 1);
    this.lastStampMs = ms;
    return new Date(ms).toISOString();
  }

  private emit(topic: WebhookTopic, payload: Record<string, unknown>, subjectGid: string, occurredAt: string): void {
    const event: StoreEvent = { topic, payload, occurredAt, subjectGid };
    this.log.push(event);
    let failure: unknown = null;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One failing listener must not starve the others; the first failure is rethrown after all ran.
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
  }
}

// ---------------------------------------------------------------- search

type Comparator = ":" | ">" | ">=" | "<" | "<=";
type Getter = (item: Record<string, unknown>) => unknown;
interface FieldSpec {
  kind: "time" | "id" | "text" | "enum" | "tags" | "status";
  get: Getter;
}

const COMMON_FIELDS: Record<string, FieldSpec> = {
  id: { kind: "id", get: (i) => i.id },
  created_at: { kind: "time", get: (i) => i.createdAt },
  updated_at: { kind: "time", get: (i) => i.updatedAt },
};
const SEARCH_FIELDS: Record<"order" | "customer" | "product", Record<string, FieldSpec>> = {
  order: {
    ...COMMON_FIELDS,
    processed_at: { kind: "time", get: (i) => i.processedAt },
    customer_id: { kind: "id", get: (i) => i.customerId },
    email: { kind: "text", get: (i) => i.email },
    name: { kind: "text", get: (i) => i.name },
    financial_status: { kind: "enum", get: (i) => i.financialStatus },
    fulfillment_status: { kind: "enum", get: (i) => i.fulfillmentStatus },
    status: { kind: "status", get: (i) => i },
    tag: { kind: "tags", get: (i) => i.tags },
  },
  customer: {
    ...COMMON_FIELDS,
    email: { kind: "text", get: (i) => i.email },
    first_name: { kind: "text", get: (i) => i.firstName },
    last_name: { kind: "text", get: (i) => i.lastName },
    state: { kind: "enum", get: (i) => i.state },
    country: { kind: "text", get: (i) => i.countryCode },
    email_marketing_state: { kind: "enum", get: (i) => i.emailMarketingState },
    tag: { kind: "tags", get: (i) => i.tags },
  },
  product: {
    ...COMMON_FIELDS,
    title: { kind: "text", get: (i) => i.title },
    handle: { kind: "text", get: (i) => i.handle },
    product_type: { kind: "text", get: (i) => i.productType },
    vendor: { kind: "text", get: (i) => i.vendor },
    status: { kind: "enum", get: (i) => i.status },
    tag: { kind: "tags", get: (i) => i.tags },
  },
};
const BARE_WORD_FIELDS: Record<"order" | "customer" | "product", string[]> = {
  order: ["name", "email"],
  customer: ["email", "firstName", "lastName"],
  product: ["title", "handle"],
};

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of query) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      current += ch;
      quote = ch;
    } else if (/\s/.test(ch)) {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (quote) throw new DevStoreError(`unterminated quote in search query: ${query}`, "INVALID_SEARCH");
  if (current) tokens.push(current);
  return tokens;
}

function unquote(value: string): string {
  return value.length >= 2 && (value[0] === "'" || value[0] === '"') && value[value.length - 1] === value[0] ? value.slice(1, -1) : value;
}

/** Normalises a search time to the stores' stamp format so strings compare as instants. */
function normalizeTime(value: string, query: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new DevStoreError(`not a date in search query ${JSON.stringify(query)}: ${value}`, "INVALID_SEARCH");
  return new Date(ms).toISOString();
}

function compare(cmp: Comparator, order: number): boolean {
  switch (cmp) {
    case ":": return order === 0;
    case ">": return order > 0;
    case ">=": return order >= 0;
    case "<": return order < 0;
    case "<=": return order <= 0;
  }
}

function compileTerm(token: string, kind: "order" | "customer" | "product", query: string): (item: Record<string, unknown>) => boolean {
  const match = /^([A-Za-z_]+):(>=|<=|>|<)?(.*)$/.exec(token);
  if (!match) {
    const word = unquote(token).toLowerCase().replace(/\*$/, "");
    const fields = BARE_WORD_FIELDS[kind];
    return (item) => fields.some((f) => typeof item[f] === "string" && (item[f] as string).toLowerCase().includes(word));
  }
  const field = match[1].toLowerCase();
  const cmp = (match[2] ?? ":") as Comparator;
  const raw = unquote(match[3]);
  const spec = SEARCH_FIELDS[kind][field];
  if (!spec) {
    throw new DevStoreError(
      `unsupported search field "${field}" for ${kind}s in ${JSON.stringify(query)}; supported: ${Object.keys(SEARCH_FIELDS[kind]).join(", ")}`,
      "INVALID_SEARCH",
    );
  }
  if (raw === "") throw new DevStoreError(`empty value for ${field} in ${JSON.stringify(query)}`, "INVALID_SEARCH");
  switch (spec.kind) {
    case "time": {
      const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(raw);
      const value = normalizeTime(raw, query);
      if (cmp === ":" && dayOnly) return (item) => typeof spec.get(item) === "string" && (spec.get(item) as string).startsWith(raw);
      return (item) => {
        const v = spec.get(item);
        return typeof v === "string" && compare(cmp, v < value ? -1 : v > value ? 1 : 0);
      };
    }
    case "id": {
      const value = parseGid(raw)?.id ?? raw;
      if (!/^\d+$/.test(value)) throw new DevStoreError(`not an id in search query ${JSON.stringify(query)}: ${raw}`, "INVALID_SEARCH");
      return (item) => {
        const v = spec.get(item);
        return typeof v === "string" && compare(cmp, compareIds(v, value));
      };
    }
    case "text":
    case "enum": {
      if (cmp !== ":") throw new DevStoreError(`${field} supports only ":" in ${JSON.stringify(query)}`, "INVALID_SEARCH");
      const prefix = raw.endsWith("*");
      const value = (prefix ? raw.slice(0, -1) : raw).toLowerCase();
      return (item) => {
        const v = spec.get(item);
        if (typeof v !== "string") return false;
        const lower = v.toLowerCase();
        return prefix ? lower.startsWith(value) : lower === value;
      };
    }
    case "tags": {
      const value = raw.toLowerCase();
      return (item) => (spec.get(item) as string[]).some((t) => t.toLowerCase() === value);
    }
    case "status": {
      const value = raw.toLowerCase();
      if (!["open", "closed", "cancelled", "any"].includes(value)) {
        throw new DevStoreError(`status must be open, closed, cancelled or any, got ${raw}`, "INVALID_SEARCH");
      }
      return (item) => {
        const o = item as unknown as DevOrder;
        if (value === "any") return true;
        if (value === "cancelled") return o.cancelledAt !== null;
        if (value === "closed") return o.closedAt !== null;
        return o.closedAt === null && o.cancelledAt === null;
      };
    }
  }
}

function compileSearch(query: string | null | undefined, kind: "order" | "customer" | "product"): (item: unknown) => boolean {
  if (!query || !query.trim()) return () => true;
  const terms: ((item: Record<string, unknown>) => boolean)[] = [];
  let negateNext = false;
  for (const token of tokenize(query)) {
    if (token === "AND") continue;
    if (token === "OR" || token.includes("(") || token.includes(")")) {
      throw new DevStoreError(`OR and parentheses are not supported by the dev store: ${JSON.stringify(query)}`, "INVALID_SEARCH");
    }
    if (token === "NOT") {
      negateNext = true;
      continue;
    }
    let text = token;
    let negate = negateNext;
    negateNext = false;
    if (text.startsWith("-") && text.length > 1) {
      negate = !negate;
      text = text.slice(1);
    }
    const test = compileTerm(text, kind, query);
    terms.push(negate ? (item) => !test(item) : test);
  }
  if (negateNext) throw new DevStoreError(`NOT without a term in ${JSON.stringify(query)}`, "INVALID_SEARCH");
  return (item) => {
    const record = item as Record<string, unknown>;
    for (const term of terms) if (!term(record)) return false;
    return true;
  };
}
