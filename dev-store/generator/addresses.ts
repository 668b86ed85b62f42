/**
 * Postal addresses and payment cards of a dev-store shop, derived on demand
 * from the shop's domain and a customer's or order's id (a seeded draw per
 * id), so a million-order shop keeps no address objects in memory and every
 * read gives the same answer. Records may carry their own (`address`, `card`,
 * `shippingAddress`, `billingAddress` on the model) to override the derived ones.
 *
 * What the abuse checks need to see, as in a real shop:
 * - {@link assignHouseholds}: about one customer in 40 lives at the address of
 *   the customer created just before them (same street line and postal code,
 *   their own name), and about one in 60 pays with that customer's card;
 * - orders ship to and bill the customer's address and are paid with their
 *   card; a "gift" order ships elsewhere; some customers pay with PayPal (no card details).
 */
import type { DevAddress, DevCard, DevCustomer, DevOrder, DevShopData } from "../model";
import { Rng } from "../rng";
import { COUNTRIES } from "./people";

interface CityProfile {
  city: string;
  province: string | null;
  provinceCode: string | null;
  /** A postal code of the city from two draws in [0, 1). */
  zip: (a: number, b: number) => string;
}

interface AddressProfile {
  streets: readonly string[];
  /** "12 Main Street" or "Hauptstrasse 12". */
  numberFirst: boolean;
  cities: readonly CityProfile[];
}

const digits = (x: number, n: number) => String(Math.floor(x * 10 ** n)).padStart(n, "0");
const letter = (x: number) => "ABCDEFGHJKLMNPRSTUVWXYZ"[Math.floor(x * 23)];

const US: AddressProfile = {
  streets: ["Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Park Road", "Washington Boulevard", "Lake View Court"],
  numberFirst: true,
  cities: [
    { city: "Portland", province: "Oregon", provinceCode: "OR", zip: (a) => `972${digits(a, 2)}` },
    { city: "Austin", province: "Texas", provinceCode: "TX", zip: (a) => `787${digits(a, 2)}` },
    { city: "Columbus", province: "Ohio", provinceCode: "OH", zip: (a) => `432${digits(a, 2)}` },
    { city: "Denver", province: "Colorado", provinceCode: "CO", zip: (a) => `802${digits(a, 2)}` },
    { city: "Raleigh", province: "North Carolina", provinceCode: "NC", zip: (a) => `276${digits(a, 2)}` },
  ],
};

const PROFILES: Record<string, AddressProfile> = {
  US,
  MX: US,
  CN: US,
  CA: {
    streets: ["King Street West", "Rue Sainte-Catherine", "Granville Street", "Queen Street East"],
    numberFirst: true,
    cities: [
      { city: "Toronto", province: "Ontario", provinceCode: "ON", zip: (a, b) => `M5V ${digits(a, 1)}${letter(b)}${digits(b, 1)}` },
      { city: "Vancouver", province: "British Columbia", provinceCode: "BC", zip: (a, b) => `V6B ${digits(a, 1)}${letter(b)}${digits(b, 1)}` },
      { city: "Montréal", province: "Quebec", provinceCode: "QC", zip: (a, b) => `H2X ${digits(a, 1)}${letter(b)}${digits(b, 1)}` },
    ],
  },
  GB: {
    streets: ["Baker Street", "High Street", "Station Road", "Church Lane", "Victoria Road"],
    numberFirst: true,
    cities: [
      { city: "London", province: null, provinceCode: null, zip: (a, b) => `NW1 ${digits(a, 1)}${letter(b)}${letter(a)}` },
      { city: "Manchester", province: null, provinceCode: null, zip: (a, b) => `M1 ${digits(a, 1)}${letter(b)}${letter(a)}` },
      { city: "Bristol", province: null, provinceCode: null, zip: (a, b) => `BS1 ${digits(a, 1)}${letter(b)}${letter(a)}` },
    ],
  },
  DE: {
    streets: ["Hauptstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße", "Müllerstraße"],
    numberFirst: false,
    cities: [
      { city: "Berlin", province: null, provinceCode: null, zip: (a) => `10${digits(a, 3)}` },
      { city: "Hamburg", province: null, provinceCode: null, zip: (a) => `20${digits(a, 3)}` },
      { city: "München", province: null, provinceCode: null, zip: (a) => `80${digits(a, 3)}` },
    ],
  },
  FR: {
    streets: ["rue de la République", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire"],
    numberFirst: true,
    cities: [
      { city: "Paris", province: null, provinceCode: null, zip: (a) => `750${digits(a * 0.2 + 0.01, 2)}` },
      { city: "Lyon", province: null, provinceCode: null, zip: (a) => `6900${1 + Math.floor(a * 9)}` },
    ],
  },
  AU: {
    streets: ["George Street", "Collins Street", "Beach Road", "Church Street"],
    numberFirst: true,
    cities: [
      { city: "Sydney", province: "New South Wales", provinceCode: "NSW", zip: (a) => `20${digits(a, 2)}` },
      { city: "Melbourne", province: "Victoria", provinceCode: "VIC", zip: (a) => `30${digits(a, 2)}` },
    ],
  },
  JP: {
    streets: ["Chiyoda 1-chome", "Shibuya 2-chome", "Nakano 3-chome"],
    numberFirst: false,
    cities: [{ city: "Tokyo", province: "Tokyo", provinceCode: "JP-13", zip: (a, b) => `1${digits(a, 2)}-${digits(b, 4)}` }],
  },
  NL: {
    streets: ["Keizersgracht", "Prinsengracht", "Dorpsstraat", "Kerkstraat"],
    numberFirst: false,
    cities: [{ city: "Amsterdam", province: "North Holland", provinceCode: "NH", zip: (a, b) => `10${digits(a, 2)} ${letter(a)}${letter(b)}` }],
  },
};

const CARD_BRANDS = [
  { company: "Visa", bins: ["424242", "411111", "453201", "476173"] },
  { company: "Mastercard", bins: ["555555", "522222", "510510"] },
  { company: "American Express", bins: ["378282", "371449"] },
] as const;
const WALLETS = [null, null, null, "APPLE_PAY", "GOOGLE_PAY", "SHOPIFY_PAY"] as const;
/** Shoppers who pay with PayPal: their transactions carry no card details. */
const PAYPAL_SHARE = 0.08;
const HOUSEHOLD_EVERY = 40;
const SHARED_CARD_EVERY = 60;

function draw(shopDomain: string, what: string, id: string): Rng {
  return new Rng(`${shopDomain}:${what}:${id}`);
}

/** A plausible address in `countryCode` for this draw (`name` on the label). */
function addressFrom(rng: Rng, countryCode: string, name: { firstName: string | null; lastName: string | null }): DevAddress {
  const profile = PROFILES[countryCode] ?? US;
  const city = rng.pick(profile.cities);
  const street = rng.pick(profile.streets);
  const number = rng.int(1, 240);
  const flat = rng.chance(0.25) ? `Apt ${rng.int(1, 40)}` : null;
  return {
    ...name,
    company: null,
    address1: profile.numberFirst ? `${number} ${street}` : `${street} ${number}`,
    address2: flat,
    city: city.city,
    province: city.province,
    provinceCode: city.provinceCode,
    zip: city.zip(rng.next(), rng.next()),
    countryCode: PROFILES[countryCode] ? countryCode : "US",
    phone: null,
  };
}

/** The customer's own address (their record's, else the derived one); null for a customer without a country. */
export function customerAddress(shopDomain: string, customer: DevCustomer): DevAddress | null {
  if (customer.address !== undefined) return customer.address;
  if (!customer.countryCode) return null;
  return addressFrom(draw(shopDomain, "address", customer.id), customer.countryCode, { firstName: customer.firstName, lastName: customer.lastName });
}

function cardFrom(rng: Rng, name: string, issuedAtYear: number): DevCard {
  const brand = rng.pick(CARD_BRANDS);
  return {
    bin: rng.pick(brand.bins),
    last4: String(rng.int(0, 9999)).padStart(4, "0"),
    expirationMonth: rng.int(1, 12),
    expirationYear: issuedAtYear + rng.int(2, 5),
    name,
    company: brand.company,
    wallet: rng.pick(WALLETS),
  };
}

/** The card the customer pays with (their record's, else a derived one); null for a PayPal payer. */
export function customerCard(shopDomain: string, customer: DevCustomer): DevCard | null {
  if (customer.card !== undefined) return customer.card;
  const rng = draw(shopDomain, "card", customer.id);
  if (rng.chance(PAYPAL_SHARE)) return null;
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ") || "Card Holder";
  return cardFrom(rng, name, Number(customer.createdAt.slice(0, 4)));
}

/** Where the order shipped: its own, else a gift's recipient, else the customer's (a guest's derived from the order). */
export function orderShippingAddress(shopDomain: string, order: DevOrder, customer: DevCustomer | undefined): DevAddress | null {
  if (order.shippingAddress !== undefined) return order.shippingAddress;
  if (order.tags.includes("gift") || !customer) return guestAddress(shopDomain, order, order.tags.includes("gift") ? "gift" : "guest");
  return customerAddress(shopDomain, customer);
}

/** Who was billed: the order's own, else the customer's address (a guest's: the shipping address). */
export function orderBillingAddress(shopDomain: string, order: DevOrder, customer: DevCustomer | undefined): DevAddress | null {
  if (order.billingAddress !== undefined) return order.billingAddress;
  return customer ? customerAddress(shopDomain, customer) : guestAddress(shopDomain, order, "guest");
}

/** The card that paid the order: its own, else the customer's (a guest's derived from the order); null when not paid by card. */
export function orderCard(shopDomain: string, order: DevOrder, customer: DevCustomer | undefined): DevCard | null {
  if (order.card !== undefined) return order.card;
  if (customer) return customerCard(shopDomain, customer);
  const rng = draw(shopDomain, "guest-card", order.id);
  if (rng.chance(PAYPAL_SHARE)) return null;
  return cardFrom(rng, "Guest Shopper", Number(order.createdAt.slice(0, 4)));
}

function guestAddress(shopDomain: string, order: DevOrder, what: "guest" | "gift"): DevAddress {
  const rng = draw(shopDomain, what, order.id);
  const country = COUNTRIES[rng.int(0, COUNTRIES.length - 1)].code;
  return addressFrom(rng, country, { firstName: null, lastName: null });
}

/**
 * Households in a generated shop (mutates `data`): every {@link HOUSEHOLD_EVERY}th
 * customer by a hash of the id gets the address of the customer created just
 * before them (with their own name), every {@link SHARED_CARD_EVERY}th that
 * customer's card. Deterministic; draws from its own streams, so the rest of
 * the generated shop is unchanged.
 */
export function assignHouseholds(data: DevShopData): void {
  const { shop, customers } = data;
  for (let i = 1; i < customers.length; i++) {
    const customer = customers[i];
    const previous = customers[i - 1];
    const roll = draw(shop.domain, "household", customer.id).nextUint32();
    // Same country only: the generator priced their orders' tax by it.
    if (roll % HOUSEHOLD_EVERY === 0 && previous.countryCode && previous.countryCode === customer.countryCode) {
      const shared = customerAddress(shop.domain, previous);
      if (shared) customer.address = { ...shared, firstName: customer.firstName, lastName: customer.lastName };
    }
    if (roll % SHARED_CARD_EVERY === 1) {
      const card = customerCard(shop.domain, previous);
      if (card) customer.card = card;
    }
  }
}
