/**
 * Normalising the signals the abuse checks compare: emails, addresses and
 * card fingerprints, and the hashes we store instead of personal data.
 */
import { createHash, createHmac } from "node:crypto";

/** Mail providers that ignore dots in the local part (one mailbox for a.b@ and ab@). */
const DOT_INSENSITIVE = new Set(["gmail.com", "googlemail.com"]);

/**
 * An email reduced to the mailbox it delivers to: lower case, trimmed, the
 * "+tag" sub-address dropped (Gmail, Outlook, iCloud, Fastmail and Proton all
 * deliver a+x@ to a@), and for Gmail dots dropped and googlemail.com read as
 * gmail.com. Null for an empty or malformed address.
 *
 * @example normaliseEmail(" Jane.Doe+promo@GoogleMail.com") === "janedoe@gmail.com"
 */
export function normaliseEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1) return null;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (DOT_INSENSITIVE.has(domain)) {
    domain = "gmail.com";
    local = local.replace(/\./g, "");
  }
  return local ? `${local}@${domain}` : null;
}

/** A postal address as Shopify's MailingAddress carries it (the fields the check uses). */
export interface AddressInput {
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  zip?: string | null;
  countryCode?: string | null;
}

const ABBREVIATIONS: Record<string, string> = {
  street: "st", str: "st", strasse: "str", avenue: "ave", av: "ave", road: "rd", drive: "dr", lane: "ln",
  boulevard: "blvd", court: "ct", place: "pl", square: "sq", apartment: "apt", suite: "ste", unit: "unit",
  floor: "fl", north: "n", south: "s", east: "e", west: "w", number: "", no: "",
};

function words(text: string | null | undefined): string[] {
  return (text ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // accents: "Müller" and "Muller" are the same street
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean)
    .map((w) => ABBREVIATIONS[w] ?? w)
    .filter(Boolean);
}

/**
 * An address reduced to a comparable key: street lines, postal code and
 * country, lower case, punctuation and accents removed, common street words
 * abbreviated. The city is left out (postal code and street identify the
 * place, and city spellings vary). Null when there is no street or no postal
 * code: too little to call two addresses the same.
 *
 * @example normaliseAddress({ address1: "12 Baker Street, Apt. 4", zip: "nw1 6xe", countryCode: "GB" }) === "12 baker st apt 4|nw16xe|gb"
 */
export function normaliseAddress(address: AddressInput | null | undefined): string | null {
  if (!address) return null;
  const street = [...words(address.address1), ...words(address.address2)].join(" ");
  const zip = (address.zip ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
  if (!street || !zip) return null;
  return `${street}|${zip}|${(address.countryCode ?? "").toLowerCase()}`;
}

/** What Shopify's Admin API tells about a card (OrderTransaction.paymentDetails: CardPaymentDetails). */
export interface CardDetailsInput {
  bin?: string | null;
  /** Masked, e.g. "•••• •••• •••• 4242": only the last four digits are used. */
  number?: string | null;
  expirationMonth?: number | null;
  expirationYear?: number | null;
  company?: string | null;
  /** The cardholder's name as typed at checkout (protected customer data): normalised like a street. */
  name?: string | null;
}

/**
 * A card fingerprint built from what Shopify exposes: Shopify gives apps no
 * real payment fingerprint, so this is BIN, last four digits, expiry, brand
 * and, when Shopify gives it, the cardholder's name (lower case, accents and
 * punctuation dropped). Two different cards agree on all of them only rarely;
 * the same card always does. Null when the BIN, the last four or the expiry is missing.
 *
 * @example cardFingerprint({ bin: "424242", number: "•••• 4242", expirationMonth: 4, expirationYear: 2030, company: "Visa", name: "Anna Müller" }) === "card:424242:4242:4/2030:visa:anna muller"
 */
export function cardFingerprint(card: CardDetailsInput | null | undefined): string | null {
  if (!card) return null;
  const last4 = (card.number ?? "").replace(/\D/g, "").slice(-4);
  const bin = (card.bin ?? "").replace(/\D/g, "");
  if (!bin || last4.length !== 4 || !card.expirationMonth || !card.expirationYear) return null;
  const holder = words(card.name).join(" ");
  return `card:${bin}:${last4}:${card.expirationMonth}/${card.expirationYear}:${(card.company ?? "").toLowerCase()}${holder ? `:${holder}` : ""}`;
}

/**
 * An address key or card fingerprint as the abuse checks hold it: HMAC-SHA256
 * under the shop's own random salt (`ReferralSettings.signalSalt`), so a key
 * means nothing outside its shop, cannot be looked up in a table of known
 * addresses, and becomes meaningless when the shop's data (and salt) is erased.
 */
export function signalHash(salt: string, kind: "address" | "card", normalised: string): string {
  return createHmac("sha256", salt).update(`${kind}\u0000${normalised}`).digest("hex");
}

/** SHA-256 hex of `value` in a shop's namespace: what is stored instead of an email or a visitor token. */
export function shopHash(shopDomain: string, kind: "email" | "visitor", value: string): string {
  return createHash("sha256").update(`${shopDomain}\u0000${kind}\u0000${value}`).digest("hex");
}

/** The stored hash of an email (normalised first), or null for none. */
export function emailHash(shopDomain: string, email: string | null | undefined): string | null {
  const normalised = normaliseEmail(email);
  return normalised ? shopHash(shopDomain, "email", normalised) : null;
}
