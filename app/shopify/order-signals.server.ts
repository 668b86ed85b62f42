/**
 * The Shopify side of the referral abuse checks (docs/referrals.md#signals):
 * reads an order's or a customer's shipping and billing addresses and the
 * card details of their payments (operations: app/shopify/operations/order-signals.ts)
 * and turns them at once into salted hashes (`signalHash`). No raw address,
 * card detail or name leaves this module, none is logged and none is stored.
 *
 * Degrades to "unknown", never to an error, when Shopify withholds the data:
 * protected customer data not approved (ACCESS_DENIED on the fields, partial
 * data kept), a token without the scope (HTTP 401/403), a deleted order or
 * customer, redacted or empty fields, a payment without card details. The
 * caller treats unknown as "no signal": it never rejects a referral by itself.
 * Transient failures (network, 5xx, throttling beyond the client's retries)
 * are thrown, so the webhook or job that asked runs again.
 */
import { cardFingerprint, normaliseAddress, signalHash, type AbuseSignals, type SignalUnavailability } from "~/domain/referrals";
import type { OrderSignalFieldsFragment, SignalAddressFieldsFragment } from "~/types/admin.generated";
import type { AdminClient } from "./admin-client.server";
import { AdminAuthError, AdminGraphqlError } from "./errors";
import { ReferralCustomerSignals, ReferralOrderSignals } from "./operations/order-signals";

type Admin = Pick<AdminClient, "request">;

/** How many of the referrer's most recent orders are read: the addresses and cards they use now. */
export const REFERRER_ORDERS_READ = 25;

interface Collected {
  addressKeys: Set<string>;
  paymentFingerprints: Set<string>;
}

function addAddress(into: Collected, salt: string, address: SignalAddressFieldsFragment | null | undefined): void {
  const key = address ? normaliseAddress({ address1: address.address1, address2: address.address2, zip: address.zip, countryCode: address.countryCodeV2 }) : null;
  if (key) into.addressKeys.add(signalHash(salt, "address", key));
}

function addOrder(into: Collected, salt: string, order: OrderSignalFieldsFragment | null | undefined): void {
  if (!order) return;
  addAddress(into, salt, order.shippingAddress);
  addAddress(into, salt, order.billingAddress);
  for (const transaction of order.transactions ?? []) {
    const details = transaction.paymentDetails;
    if (transaction.status !== "SUCCESS" || details?.__typename !== "CardPaymentDetails") continue;
    const fingerprint = cardFingerprint(details);
    if (fingerprint) into.paymentFingerprints.add(signalHash(salt, "card", fingerprint));
  }
}

function result(collected: Collected, denied: boolean): AbuseSignals {
  const unavailable: SignalUnavailability = {};
  if (collected.addressKeys.size === 0) unavailable.address = denied ? "access_denied" : "missing";
  if (collected.paymentFingerprints.size === 0) unavailable.payment = denied ? "access_denied" : "missing";
  return { addresses: [], addressKeys: [...collected.addressKeys], paymentFingerprints: [...collected.paymentFingerprints], unavailable };
}

/**
 * Runs a signals query; Shopify's refusals become partial or no data with
 * `denied` set. Anything else (network, 5xx, retries exhausted) is thrown.
 */
async function readDegrading<T>(run: () => Promise<T>): Promise<{ data: T | null; denied: boolean }> {
  try {
    return { data: await run(), denied: false };
  } catch (error) {
    if (error instanceof AdminGraphqlError && error.codes.length > 0 && error.codes.every((c) => c === "ACCESS_DENIED")) {
      return { data: (error.data as T | undefined) ?? null, denied: true };
    }
    if (error instanceof AdminAuthError) return { data: null, denied: true };
    throw error;
  }
}

/**
 * The friend's order: its shipping and billing address keys and the
 * fingerprints of the cards that paid it, hashed under `salt`.
 *
 * @example
 * const friend = await readOrderSignals(admin, "gid://shopify/Order/1", salt);
 * // { addresses: [], addressKeys: ["9f1c…"], paymentFingerprints: ["04be…"], unavailable: {} }
 * @throws AdminApiError for transient failures only (retry later).
 */
export async function readOrderSignals(admin: Admin, orderGid: string, salt: string): Promise<AbuseSignals> {
  const { data, denied } = await readDegrading(() => admin.request(ReferralOrderSignals, { id: orderGid }));
  const collected: Collected = { addressKeys: new Set(), paymentFingerprints: new Set() };
  addOrder(collected, salt, data?.order);
  return result(collected, denied);
}

/**
 * The referrer: their default address and, from their {@link REFERRER_ORDERS_READ}
 * most recent orders, every shipping and billing address and card, hashed under `salt`.
 *
 * @throws AdminApiError for transient failures only (retry later).
 */
export async function readCustomerSignals(admin: Admin, customerGid: string, salt: string): Promise<AbuseSignals> {
  const { data, denied } = await readDegrading(() => admin.request(ReferralCustomerSignals, { id: customerGid, orders: REFERRER_ORDERS_READ }));
  const collected: Collected = { addressKeys: new Set(), paymentFingerprints: new Set() };
  const customer = data?.customer;
  addAddress(collected, salt, customer?.defaultAddress);
  for (const order of customer?.orders?.nodes ?? []) addOrder(collected, salt, order);
  return result(collected, denied);
}
