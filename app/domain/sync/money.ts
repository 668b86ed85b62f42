/**
 * Money as integer minor units, parsed exactly from Shopify's decimal strings.
 * Floats never touch an amount: "0.1" + "0.2" must be 30 cents, not 30.000000000000004.
 */

// ISO 4217 exponents that differ from 2 (every other currency uses 2).
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export class InvalidAmountError extends Error {
  constructor(amount: unknown, currencyCode: string, reason: string) {
    super(`Invalid ${currencyCode} amount ${JSON.stringify(amount)}: ${reason}`);
    this.name = "InvalidAmountError";
  }
}

/** Number of decimal places of a currency's minor unit (2 unless ISO 4217 says otherwise). */
export function currencyExponent(currencyCode: string): number {
  return EXPONENTS[currencyCode.toUpperCase()] ?? 2;
}

/**
 * Parses a decimal amount ("19.99", "-5", "2000", 12.5) into minor units of the
 * currency. Extra decimal places beyond the currency's exponent must be zeros;
 * anything else is refused rather than rounded, so no money is made up or lost.
 */
export function toMinorUnits(amount: string | number, currencyCode: string): bigint {
  const text = typeof amount === "number" ? numberToPlainString(amount) : amount.trim();
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new InvalidAmountError(amount, currencyCode, "not a decimal number");
  const [, sign, whole, fraction = ""] = match;
  const exponent = currencyExponent(currencyCode);
  const kept = fraction.slice(0, exponent).padEnd(exponent, "0");
  const dropped = fraction.slice(exponent);
  if (/[1-9]/.test(dropped)) {
    throw new InvalidAmountError(amount, currencyCode, `more than ${exponent} decimal places`);
  }
  const minor = BigInt(whole + kept);
  return sign ? -minor : minor;
}

/** Formats minor units back to Shopify's decimal string ("19.90", JPY "2000"). */
export function formatMinorUnits(minor: bigint, currencyCode: string): string {
  const exponent = currencyExponent(currencyCode);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? "" : `.${digits.slice(-exponent)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // toString() may use exponent notation for tiny/huge values; amounts never need it.
  return Math.abs(value) < 1e21 ? value.toFixed(Math.min(20, Math.max(0, decimals(value)))) : String(value);
}

function decimals(value: number): number {
  const text = String(value);
  const e = /e-(\d+)$/.exec(text);
  if (e) return Number(e[1]);
  const dot = text.indexOf(".");
  return dot === -1 ? 0 : text.length - dot - 1;
}
