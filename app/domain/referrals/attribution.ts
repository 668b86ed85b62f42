/**
 * Whether a friend's order earns the referrer a reward: attribution rules and
 * abuse checks, as a list of named reasons (empty: accepted).
 *
 * Rules (docs/referrals.md):
 * - one referral per friend: the first valid referral wins; a friend already
 *   attributed to any referral is not attributed again;
 * - a referral attaches to the friend's FIRST paid order only;
 * - the order must come within the attribution window of the referral's start;
 * - self-referral: same customer, same normalised email, same normalised
 *   shipping or billing address, same card fingerprint — each compared only
 *   when both sides carry the signal;
 * - the order's subtotal must reach the minimum order value.
 * The per-referrer reward cap is checked at payout ({@link capAllows}).
 */
import { normaliseAddress, normaliseEmail, type AddressInput } from "./identity";
import { DAY_MS, type ReferralProgramSettings } from "./settings";

export type RejectionReason =
  | "program_disabled"
  | "self_referral_customer"
  | "self_referral_email"
  | "self_referral_address"
  | "self_referral_payment"
  | "not_first_order"
  | "already_referred"
  | "attribution_window_expired"
  | "below_minimum_order"
  | "referrer_cap_reached";

export const REJECTION_REASONS: readonly RejectionReason[] = [
  "program_disabled",
  "self_referral_customer",
  "self_referral_email",
  "self_referral_address",
  "self_referral_payment",
  "not_first_order",
  "already_referred",
  "attribution_window_expired",
  "below_minimum_order",
  "referrer_cap_reached",
];

/** What is known about the referrer. Addresses and fingerprints: from their own orders, when available. */
export interface ReferrerFacts {
  customerGid: string;
  email: string | null;
  addresses: AddressInput[];
  /** Address keys already normalised (and hashed) by the signals adapter; compared with the friend's alike. */
  addressKeys?: string[];
  paymentFingerprints: string[];
}

/** What is known about the friend: from the order, or from the sign-up before any order. */
export interface FriendFacts {
  customerGid: string | null;
  email: string | null;
  addresses: AddressInput[];
  addressKeys?: string[];
  paymentFingerprints: string[];
}

function addressKeysOf(facts: ReferrerFacts | FriendFacts): Set<string> {
  const keys = new Set(facts.addressKeys ?? []);
  for (const address of facts.addresses) {
    const key = normaliseAddress(address);
    if (key !== null) keys.add(key);
  }
  return keys;
}

/** The self-referral checks alone: usable at sign-up, before there is an order. */
export function selfReferralReasons(referrer: ReferrerFacts, friend: FriendFacts): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  if (friend.customerGid && friend.customerGid === referrer.customerGid) reasons.push("self_referral_customer");
  const a = normaliseEmail(referrer.email);
  const b = normaliseEmail(friend.email);
  if (a && b && a === b) reasons.push("self_referral_email");
  const theirs = addressKeysOf(referrer);
  if ([...addressKeysOf(friend)].some((k) => theirs.has(k))) reasons.push("self_referral_address");
  const cards = new Set(referrer.paymentFingerprints.filter(Boolean));
  if (friend.paymentFingerprints.some((f) => f && cards.has(f))) reasons.push("self_referral_payment");
  return reasons;
}

/** Why a side had no address or card to compare (for logs and the stored check). */
export type SignalUnavailability = Partial<Record<"address" | "payment", "access_denied" | "missing">>;

/**
 * Signals for the address and card checks, which the sync does not store
 * (docs/referrals.md#signals): raw addresses (tests, sign-up forms) or keys
 * the adapter already normalised and hashed, and hashed card fingerprints.
 */
export interface AbuseSignals {
  addresses: AddressInput[];
  addressKeys?: string[];
  paymentFingerprints: string[];
  unavailable?: SignalUnavailability;
}

/**
 * What the address and card checks could tell: "match" (a self-referral),
 * "clear" (both sides had the signal and they differ) or "unknown" (a side
 * had nothing comparable: redacted, access denied, not paid by card, a guest
 * without an address). Unknown never rejects a referral; it is recorded so the
 * merchant can see which payouts went out unchecked.
 */
export type SignalCheck = "match" | "clear" | "unknown";

export interface SignalChecks {
  address: SignalCheck;
  payment: SignalCheck;
}

export function signalChecks(referrer: ReferrerFacts, friend: FriendFacts): SignalChecks {
  const check = (theirs: Set<string>, ours: Set<string>): SignalCheck => {
    if (theirs.size === 0 || ours.size === 0) return "unknown";
    return [...ours].some((k) => theirs.has(k)) ? "match" : "clear";
  };
  return {
    address: check(addressKeysOf(referrer), addressKeysOf(friend)),
    payment: check(new Set(referrer.paymentFingerprints.filter(Boolean)), new Set(friend.paymentFingerprints.filter(Boolean))),
  };
}

export interface AttributionInput {
  settings: Pick<ReferralProgramSettings, "enabled" | "minimumOrderMinor" | "attributionWindowDays">;
  referrer: ReferrerFacts;
  friend: FriendFacts;
  /** When the referral started (its click, or its sign-up without a click), epoch ms. */
  referralStartedAt: number;
  order: {
    /** Epoch ms. */
    processedAt: number;
    /** Subtotal after discounts, before shipping and tax, shop currency minor units. */
    subtotalMinor: bigint;
    /** The friend's paid, non-test orders processed before this one (by customer or normalised email). */
    earlierPaidOrders: number;
  };
  /** The friend is already attributed to another referral of this shop. */
  friendAlreadyAttributed: boolean;
}

/**
 * Every reason the order cannot be attributed to the referral, in
 * {@link REJECTION_REASONS} order; empty when it can.
 */
export function attributionRejections(input: AttributionInput): RejectionReason[] {
  const reasons = new Set<RejectionReason>();
  if (!input.settings.enabled) reasons.add("program_disabled");
  for (const r of selfReferralReasons(input.referrer, input.friend)) reasons.add(r);
  if (input.order.earlierPaidOrders > 0) reasons.add("not_first_order");
  if (input.friendAlreadyAttributed) reasons.add("already_referred");
  if (input.order.processedAt > input.referralStartedAt + input.settings.attributionWindowDays * DAY_MS) reasons.add("attribution_window_expired");
  if (input.order.subtotalMinor < input.settings.minimumOrderMinor) reasons.add("below_minimum_order");
  return REJECTION_REASONS.filter((r) => reasons.has(r));
}

/**
 * The key under which a friend is attributed at most once per shop: their
 * normalised email's hash when there is one (it survives guest checkout and a
 * later account), else their customer GID.
 */
export function friendKey(friendEmailHash: string | null, friendCustomerGid: string | null): string | null {
  if (friendEmailHash) return `email:${friendEmailHash}`;
  if (friendCustomerGid) return `customer:${friendCustomerGid}`;
  return null;
}
