/**
 * Exact money for the dev store: amounts are integers in the currency's minor
 * unit (cents; yen have none) and become Shopify's decimal strings only at the
 * edge. No float ever touches an amount, so sums and invariants hold exactly.
 */
import type { CurrencyCode, MoneyBag, MoneyV2 } from "./model";

/** ISO 4217 minor-unit exponents that differ from the default of 2. */
const EXPONENT_OVERRIDES: Record<string, number> = {
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, UGX: 0, XAF: 0, XOF: 0, PYG: 0, RWF: 0,
  BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3, IQD: 3, LYD: 3,
};

const POW10 = [1, 10, 100, 1000, 10000];

/** Number of decimals Shopify shows for `currencyCode` (JPY 0, USD 2, KWD 3). */
export function currencyExponent(currencyCode: CurrencyCode): number {
  return EXPONENT_OVERRIDES[currencyCode] ?? 2;
}

export class MoneyFormatError extends Error {
  override name = "MoneyFormatError";
}

/**
 * Formats integer minor units as Shopify's decimal string.
 * @example formatMinor(1990, "USD") // "19.90"; formatMinor(2000, "JPY") // "2000"
 */
export function formatMinor(amountMinor: number, currencyCode: CurrencyCode): string {
  if (!Number.isSafeInteger(amountMinor)) throw new MoneyFormatError(`not an integer amount: ${amountMinor}`);
  const exponent = currencyExponent(currencyCode);
  if (exponent === 0) return String(amountMinor);
  const negative = amountMinor < 0;
  const digits = String(negative ? -amountMinor : amountMinor).padStart(exponent + 1, "0");
  const cut = digits.length - exponent;
  return `${negative ? "-" : ""}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/**
 * Parses a decimal string ("19.9", "19.90", "-3", "2000") into integer minor
 * units of `currencyCode`. Throws when the string has more decimals than the
 * currency allows (that would need rounding, which is never silent here).
 */
export function parseMinor(amount: string, currencyCode: CurrencyCode): number {
  const match = /^(-)?(\d+)(?:\.(\d*))?$/.exec(amount.trim());
  if (!match) throw new MoneyFormatError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const exponent = currencyExponent(currencyCode);
  const fraction = (match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > exponent) {
    throw new MoneyFormatError(`${amount} has more than ${exponent} decimals for ${currencyCode}`);
  }
  const minor = Number(match[2]) * POW10[exponent] + Number(fraction.padEnd(exponent, "0") || "0");
  if (!Number.isSafeInteger(minor)) throw new MoneyFormatError(`amount out of range: ${amount}`);
  return match[1] ? -minor : minor;
}

/** A MoneyV2 from minor units. */
export function moneyV2(amountMinor: number, currencyCode: CurrencyCode): MoneyV2 {
  return { amount: formatMinor(amountMinor, currencyCode), currencyCode };
}

/** A MoneyBag from minor units in shop and presentment currency. */
export function moneyBag(
  shopMinor: number,
  shopCurrency: CurrencyCode,
  presentmentMinor: number,
  presentmentCurrency: CurrencyCode,
): MoneyBag {
  return {
    shopMoney: moneyV2(shopMinor, shopCurrency),
    presentmentMoney: moneyV2(presentmentMinor, presentmentCurrency),
  };
}

/** Reads a MoneyBag back into minor units. */
export function bagMinor(bag: MoneyBag): { shopMinor: number; presentmentMinor: number } {
  return {
    shopMinor: parseMinor(bag.shopMoney.amount, bag.shopMoney.currencyCode),
    presentmentMinor: parseMinor(bag.presentmentMoney.amount, bag.presentmentMoney.currencyCode),
  };
}

/**
 * Fixed dev-store exchange rates: units of the currency per 1 USD, in
 * millionths (so 0.92 EUR is 920_000). Fixed so generated shops are stable.
 */
export const USD_RATES_MICRO: Readonly<Record<string, number>> = {
  USD: 1_000_000,
  EUR: 920_000,
  GBP: 790_000,
  CAD: 1_360_000,
  JPY: 151_500_000,
  AUD: 1_520_000,
};

/**
 * Converts minor units between two currencies with {@link USD_RATES_MICRO},
 * rounding half away from zero to the target's minor unit. Integer arithmetic only (BigInt
 * past 2^53).
 */
export function convertMinor(amountMinor: number, from: CurrencyCode, to: CurrencyCode): number {
  if (from === to) return amountMinor;
  const fromRate = USD_RATES_MICRO[from];
  const toRate = USD_RATES_MICRO[to];
  if (fromRate === undefined || toRate === undefined) {
    throw new MoneyFormatError(`no dev-store exchange rate for ${from} -> ${to}`);
  }
  // amount / 10^eFrom / fromRate * toRate * 10^eTo, as one fraction.
  const numerator = amountMinor * toRate * POW10[currencyExponent(to)];
  const denominator = fromRate * POW10[currencyExponent(from)];
  const twiceNumeratorPlus = 2 * numerator + denominator;
  if (amountMinor >= 0 && Number.isSafeInteger(twiceNumeratorPlus)) {
    const d2 = 2 * denominator;
    let q = Math.floor(twiceNumeratorPlus / d2);
    // Float division may land one off near an integer; correct with exact integer products.
    if (q * d2 > twiceNumeratorPlus) q -= 1;
    else if ((q + 1) * d2 <= twiceNumeratorPlus) q += 1;
    return q;
  }
  const n = BigInt(amountMinor) * BigInt(toRate) * BigInt(POW10[currencyExponent(to)]);
  const d = BigInt(denominator);
  const sign = n < 0n ? -1n : 1n;
  return Number((sign * (2n * sign * n + d)) / (2n * d));
}
