/**
 * Order pricing and refund arithmetic shared by the generator and the store,
 * so a generated order and one created through `DevStore.createOrder` obey the
 * same invariants (in shop and presentment money alike):
 *
 * - line discountedTotal = unit price x quantity - line discount
 * - subtotal = sum of line discountedTotal; totalDiscounts = sum of line discounts
 * - totalPrice = subtotal + shipping + tax
 * - totalRefunded = sum of refund totals <= totalPrice
 *
 * Every amount is an integer in minor units; presentment amounts are converted
 * per component and then summed, never converted from a sum, so both currencies
 * add up exactly.
 */
import { bagMinor, convertMinor, moneyBag, parseMinor } from "../money";
import type { CurrencyCode, DevOrder, DevRefund, DevRefundLineItem } from "../model";

/** Free shipping from this subtotal, and the flat rate below it (USD minor units, converted per shop). */
export const FREE_SHIPPING_FROM_USD_MINOR = 5_000;
export const FLAT_SHIPPING_USD_MINOR = 599;

export interface PricingInput {
  shopCurrency: CurrencyCode;
  presentmentCurrency: CurrencyCode;
  /** Unit price in shop minor units and quantity per line. */
  unitShopMinor: readonly number[];
  quantities: readonly number[];
  /** Percentage discount on every line, in basis points (1000 = 10%). */
  discountBasisPoints: number;
  /** A fixed discount in shop minor units spread over the lines by value. */
  fixedDiscountShopMinor: number;
  /**
   * Lines the discount applies to (a code limited to some products); every
   * line when absent. Lines outside it get neither the percentage nor a share
   * of the fixed amount.
   */
  entitledLines?: readonly boolean[];
  freeShipping: boolean;
  /** Tax on the discounted subtotal, basis points. */
  taxBasisPoints: number;
}

/** Minor-unit amounts of a priced order; arrays are per line. */
export interface PricedOrder {
  unitShop: number[];
  unitPres: number[];
  discountShop: number[];
  discountPres: number[];
  lineShop: number[];
  linePres: number[];
  subtotalShop: number;
  subtotalPres: number;
  discountsShop: number;
  discountsPres: number;
  shippingShop: number;
  shippingPres: number;
  taxShop: number;
  taxPres: number;
  totalShop: number;
  totalPres: number;
}

/** `amount * basisPoints / 10000`, rounded half up; integers only. */
function basisPointsOf(amountMinor: number, basisPoints: number): number {
  return Math.floor((2 * amountMinor * basisPoints + 10_000) / 20_000);
}

/**
 * Prices an order exactly in shop and presentment currency.
 * Line discounts never exceed the line's value, so no amount goes negative.
 */
export function priceOrder(input: PricingInput): PricedOrder {
  const { shopCurrency: shop, presentmentCurrency: pres } = input;
  const n = input.unitShopMinor.length;
  const unitShop = new Array<number>(n);
  const unitPres = new Array<number>(n);
  const discountShop = new Array<number>(n);
  const discountPres = new Array<number>(n);
  const lineShop = new Array<number>(n);
  const linePres = new Array<number>(n);

  const entitled = (i: number) => input.entitledLines?.[i] ?? true;
  let grossShopTotal = 0;
  let lastEntitled = -1;
  for (let i = 0; i < n; i++) {
    if (!entitled(i)) continue;
    grossShopTotal += input.unitShopMinor[i] * input.quantities[i];
    lastEntitled = i;
  }
  const fixed = Math.min(input.fixedDiscountShopMinor, grossShopTotal);
  let fixedLeft = fixed;

  let subtotalShop = 0;
  let subtotalPres = 0;
  let discountsShop = 0;
  let discountsPres = 0;
  for (let i = 0; i < n; i++) {
    const q = input.quantities[i];
    const us = input.unitShopMinor[i];
    const up = convertMinor(us, shop, pres);
    const grossShop = us * q;
    const grossPres = up * q;
    const basisPoints = entitled(i) ? input.discountBasisPoints : 0;
    let ds = basisPointsOf(grossShop, basisPoints);
    let dp = basisPointsOf(grossPres, basisPoints);
    if (fixed > 0 && entitled(i)) {
      // Spread the fixed amount by line value; the last (entitled) line takes the remainder.
      const share = i === lastEntitled ? fixedLeft : Math.floor((fixed * grossShop) / grossShopTotal);
      fixedLeft -= share;
      ds += share;
      dp += convertMinor(share, shop, pres);
    }
    if (ds > grossShop) ds = grossShop;
    if (dp > grossPres) dp = grossPres;
    unitShop[i] = us;
    unitPres[i] = up;
    discountShop[i] = ds;
    discountPres[i] = dp;
    lineShop[i] = grossShop - ds;
    linePres[i] = grossPres - dp;
    subtotalShop += grossShop - ds;
    subtotalPres += grossPres - dp;
    discountsShop += ds;
    discountsPres += dp;
  }

  const freeFrom = convertMinor(FREE_SHIPPING_FROM_USD_MINOR, "USD", shop);
  const shippingShop = input.freeShipping || subtotalShop >= freeFrom || n === 0 ? 0 : convertMinor(FLAT_SHIPPING_USD_MINOR, "USD", shop);
  const shippingPres = convertMinor(shippingShop, shop, pres);
  const taxShop = basisPointsOf(subtotalShop, input.taxBasisPoints);
  const taxPres = basisPointsOf(subtotalPres, input.taxBasisPoints);
  return {
    unitShop, unitPres, discountShop, discountPres, lineShop, linePres,
    subtotalShop, subtotalPres, discountsShop, discountsPres,
    shippingShop, shippingPres, taxShop, taxPres,
    totalShop: subtotalShop + shippingShop + taxShop,
    totalPres: subtotalPres + shippingPres + taxPres,
  };
}

export class RefundError extends Error {
  override name = "RefundError";
  constructor(
    message: string,
    readonly code: "OVER_REFUND" | "UNKNOWN_LINE_ITEM" | "INVALID_QUANTITY" | "NOTHING_TO_REFUND",
  ) {
    super(message);
  }
}

export interface RefundLineRequest {
  lineItemId: string;
  quantity: number;
}

/** The amounts one refund moves, before ids and times are given to it. */
export interface ComputedRefund {
  lines: { lineItemId: string; quantity: number; shopMinor: number; presMinor: number }[];
  totalShopMinor: number;
  totalPresMinor: number;
  /** The tax going back with the lines (part of the totals), split over the lines by {@link applyRefund}. */
  taxShopMinor: number;
  taxPresMinor: number;
}

/**
 * `total` split over `weights` in proportion (largest remainder), so the parts
 * sum to `total` exactly: a refund's tax over its lines, as Shopify reports
 * each refund line's `totalTaxSet`. All of it on the first line when the weights are zero.
 */
export function splitByWeight(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = weights.map((w, i) => ({ i, r: (total * w) % sum })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) parts[byRemainder[k].i]++;
  return parts;
}

/** Cumulative tax refunded once `linesRefunded` of `subtotal` has gone back (telescopes to the full tax). */
function taxCumulative(tax: number, subtotal: number, linesRefunded: number): number {
  if (linesRefunded >= subtotal) return tax;
  return Math.floor((tax * linesRefunded) / subtotal);
}

/**
 * Works out what refunding `request` on `order` moves, given its earlier refunds.
 *
 * Line subtotals telescope (cumulative floor of discountedTotal x refunded / quantity),
 * so refunding a line in several steps returns exactly its discountedTotal; tax
 * follows the refunded share of the subtotal; shipping goes back only with "all".
 * @throws RefundError on unknown lines, bad or excessive quantities, or nothing to refund.
 */
export function computeRefund(order: DevOrder, request: readonly RefundLineRequest[] | "all"): ComputedRefund {
  const refundedQty = new Map<string, number>();
  for (const refund of order.refunds) {
    for (const rli of refund.refundLineItems) refundedQty.set(rli.lineItemId, (refundedQty.get(rli.lineItemId) ?? 0) + rli.quantity);
  }
  const wanted = new Map<string, number>();
  if (request === "all") {
    for (const li of order.lineItems) {
      const left = li.quantity - (refundedQty.get(li.id) ?? 0);
      if (left > 0) wanted.set(li.id, left);
    }
  } else {
    for (const r of request) {
      if (!Number.isInteger(r.quantity) || r.quantity < 1) {
        throw new RefundError(`refund quantity must be a positive integer, got ${r.quantity}`, "INVALID_QUANTITY");
      }
      wanted.set(r.lineItemId, (wanted.get(r.lineItemId) ?? 0) + r.quantity);
    }
    for (const id of wanted.keys()) {
      if (!order.lineItems.some((li) => li.id === id)) {
        throw new RefundError(`order ${order.id} has no line item ${id}`, "UNKNOWN_LINE_ITEM");
      }
    }
  }

  const subtotal = bagMinor(order.subtotalPrice);
  const tax = bagMinor(order.totalTax);
  const shipping = bagMinor(order.totalShipping);
  const refundedBefore = bagMinor(order.totalRefunded);

  let beforeShop = 0;
  let beforePres = 0;
  let afterShop = 0;
  let afterPres = 0;
  const lines: ComputedRefund["lines"] = [];
  for (const li of order.lineItems) {
    const d = bagMinor(li.discountedTotal);
    const a = refundedQty.get(li.id) ?? 0;
    const q = wanted.get(li.id) ?? 0;
    if (a + q > li.quantity) {
      throw new RefundError(
        `cannot refund ${q} of line item ${li.id}: ${li.quantity - a} of ${li.quantity} left to refund`,
        "OVER_REFUND",
      );
    }
    const bShop = Math.floor((d.shopMinor * a) / li.quantity);
    const bPres = Math.floor((d.presentmentMinor * a) / li.quantity);
    const aShop = Math.floor((d.shopMinor * (a + q)) / li.quantity);
    const aPres = Math.floor((d.presentmentMinor * (a + q)) / li.quantity);
    beforeShop += bShop;
    beforePres += bPres;
    afterShop += aShop;
    afterPres += aPres;
    if (q > 0) lines.push({ lineItemId: li.id, quantity: q, shopMinor: aShop - bShop, presMinor: aPres - bPres });
  }

  const taxShop = taxCumulative(tax.shopMinor, subtotal.shopMinor, afterShop) - taxCumulative(tax.shopMinor, subtotal.shopMinor, beforeShop);
  const taxPres = taxCumulative(tax.presentmentMinor, subtotal.presentmentMinor, afterPres) -
    taxCumulative(tax.presentmentMinor, subtotal.presentmentMinor, beforePres);
  let shipShop = 0;
  let shipPres = 0;
  if (request === "all") {
    // What earlier refunds returned beyond lines and tax was shipping.
    const shippedBackShop = refundedBefore.shopMinor - beforeShop - taxCumulative(tax.shopMinor, subtotal.shopMinor, beforeShop);
    const shippedBackPres = refundedBefore.presentmentMinor - beforePres - taxCumulative(tax.presentmentMinor, subtotal.presentmentMinor, beforePres);
    shipShop = shipping.shopMinor - shippedBackShop;
    shipPres = shipping.presentmentMinor - shippedBackPres;
  }
  const totalShopMinor = afterShop - beforeShop + taxShop + shipShop;
  const totalPresMinor = afterPres - beforePres + taxPres + shipPres;
  if (lines.length === 0 && totalShopMinor === 0) {
    throw new RefundError(`order ${order.id} has nothing left to refund`, "NOTHING_TO_REFUND");
  }
  const totalPrice = bagMinor(order.totalPrice);
  if (refundedBefore.shopMinor + totalShopMinor > totalPrice.shopMinor ||
      refundedBefore.presentmentMinor + totalPresMinor > totalPrice.presentmentMinor) {
    throw new RefundError(`refund would exceed order ${order.id}'s total`, "OVER_REFUND");
  }
  return { lines, totalShopMinor, totalPresMinor, taxShopMinor: taxShop, taxPresMinor: taxPres };
}

/**
 * Records a computed refund on `order` (mutating it): appends the DevRefund,
 * raises totalRefunded and sets financialStatus to REFUNDED or PARTIALLY_REFUNDED.
 * `nextId` hands out fresh numeric ids for the refund and its lines.
 */
export function applyRefund(
  order: DevOrder,
  computed: ComputedRefund,
  nextId: () => string,
  createdAt: string,
  note: string | null,
): DevRefund {
  const shopCur = order.currencyCode;
  const presCur = order.presentmentCurrencyCode;
  const refundId = nextId();
  const taxShop = splitByWeight(computed.taxShopMinor, computed.lines.map((l) => l.shopMinor));
  const taxPres = splitByWeight(computed.taxPresMinor, computed.lines.map((l) => l.presMinor));
  const refundLineItems: DevRefundLineItem[] = computed.lines.map((l, k) => ({
    id: nextId(),
    lineItemId: l.lineItemId,
    quantity: l.quantity,
    subtotal: moneyBag(l.shopMinor, shopCur, l.presMinor, presCur),
    totalTax: moneyBag(taxShop[k], shopCur, taxPres[k], presCur),
  }));
  const refund: DevRefund = {
    id: refundId,
    orderId: order.id,
    note,
    createdAt,
    totalRefunded: moneyBag(computed.totalShopMinor, shopCur, computed.totalPresMinor, presCur),
    refundLineItems,
  };
  const before = bagMinor(order.totalRefunded);
  const afterShop = before.shopMinor + computed.totalShopMinor;
  order.refunds.push(refund);
  order.totalRefunded = moneyBag(afterShop, shopCur, before.presentmentMinor + computed.totalPresMinor, presCur);
  const totalShop = parseMinor(order.totalPrice.shopMoney.amount, shopCur);
  order.financialStatus = afterShop >= totalShop ? "REFUNDED" : afterShop > 0 ? "PARTIALLY_REFUNDED" : order.financialStatus;
  return refund;
}

/**
 * The shipping one refund returned (Shopify's `refund_shipping_lines` /
 * `Refund.refundShippingLines`): what its total holds beyond its lines and their
 * tax. Only a refund of "all" returns shipping, and the model taxes goods only,
 * so refunded shipping carries no tax.
 */
export function refundShipping(refund: DevRefund): { shopMinor: number; presMinor: number } {
  const total = bagMinor(refund.totalRefunded);
  let shopMinor = total.shopMinor;
  let presMinor = total.presentmentMinor;
  for (const rli of refund.refundLineItems) {
    const subtotal = bagMinor(rli.subtotal);
    const tax = rli.totalTax ? bagMinor(rli.totalTax) : { shopMinor: 0, presentmentMinor: 0 };
    shopMinor -= subtotal.shopMinor + tax.shopMinor;
    presMinor -= subtotal.presentmentMinor + tax.presentmentMinor;
  }
  return { shopMinor, presMinor };
}

/**
 * Splits what an order's refunds returned into lines, tax and shipping (the
 * same arithmetic as {@link computeRefund}), for `current_*` totals in payloads.
 */
export function refundedParts(order: DevOrder): {
  linesShop: number; linesPres: number; taxShop: number; taxPres: number; shippingShop: number; shippingPres: number;
} {
  let linesShop = 0;
  let linesPres = 0;
  for (const refund of order.refunds) {
    for (const rli of refund.refundLineItems) {
      const m = bagMinor(rli.subtotal);
      linesShop += m.shopMinor;
      linesPres += m.presentmentMinor;
    }
  }
  const subtotal = bagMinor(order.subtotalPrice);
  const tax = bagMinor(order.totalTax);
  const refunded = bagMinor(order.totalRefunded);
  const taxShop = order.refunds.length === 0 ? 0 : taxCumulative(tax.shopMinor, subtotal.shopMinor, linesShop);
  const taxPres = order.refunds.length === 0 ? 0 : taxCumulative(tax.presentmentMinor, subtotal.presentmentMinor, linesPres);
  return {
    linesShop, linesPres, taxShop, taxPres,
    shippingShop: refunded.shopMinor - linesShop - taxShop,
    shippingPres: refunded.presentmentMinor - linesPres - taxPres,
  };
}
