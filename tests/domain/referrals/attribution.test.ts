import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DEFAULT_REFERRAL_SETTINGS,
  attributionRejections,
  friendKey,
  selfReferralReasons,
  type AttributionInput,
  type RejectionReason,
} from "~/domain/referrals";

const T0 = Date.parse("2026-06-01T00:00:00Z");
const home = { address1: "12 Baker Street", zip: "NW1 6XE", countryCode: "GB" };
const card = "card:424242:4242:4/2030:visa";

function base(): AttributionInput {
  return {
    settings: { enabled: true, minimumOrderMinor: 2000n, attributionWindowDays: 30 },
    referrer: { customerGid: "gid://shopify/Customer/1", email: "anna.smith@gmail.com", addresses: [home], paymentFingerprints: [card] },
    friend: { customerGid: "gid://shopify/Customer/2", email: "bob@example.com", addresses: [{ address1: "1 Main St", zip: "10001", countryCode: "US" }], paymentFingerprints: ["card:555555:4444:1/2029:mastercard"] },
    referralStartedAt: T0,
    order: { processedAt: T0 + 2 * DAY_MS, subtotalMinor: 5000n, earlierPaidOrders: 0 },
    friendAlreadyAttributed: false,
  };
}

type Case = [name: string, change: (i: AttributionInput) => void, expected: RejectionReason[]];

const cases: Case[] = [
  ["a clean first order", () => {}, []],
  ["the programme is off", (i) => { i.settings.enabled = false; }, ["program_disabled"]],
  ["the same customer", (i) => { i.friend.customerGid = i.referrer.customerGid; }, ["self_referral_customer"]],
  ["the same email, differently written (Gmail dots, +tag, case)", (i) => { i.friend.email = "Anna.Smith+friend@GoogleMail.com"; }, ["self_referral_email"]],
  ["a similar email at another provider", (i) => { i.friend.email = "annasmith@outlook.com"; }, []],
  ["the same shipping address, spelt differently", (i) => { i.friend.addresses = [{ address1: "12 baker st.", zip: "nw16xe", countryCode: "gb" }]; }, ["self_referral_address"]],
  ["the same billing address among several", (i) => { i.friend.addresses = [i.friend.addresses[0], { ...home }]; }, ["self_referral_address"]],
  ["an address too partial to compare", (i) => { i.friend.addresses = [{ address1: "12 Baker Street" }]; i.referrer.addresses = [{ address1: "12 Baker Street" }]; }, []],
  ["the same card fingerprint", (i) => { i.friend.paymentFingerprints = [card]; }, ["self_referral_payment"]],
  ["no signals on the friend's side", (i) => { i.friend = { customerGid: null, email: null, addresses: [], paymentFingerprints: [] }; }, []],
  ["not the friend's first paid order", (i) => { i.order.earlierPaidOrders = 1; }, ["not_first_order"]],
  ["the friend was already attributed elsewhere", (i) => { i.friendAlreadyAttributed = true; }, ["already_referred"]],
  ["an order on the last moment of the window", (i) => { i.order.processedAt = T0 + 30 * DAY_MS; }, []],
  ["an order after the window", (i) => { i.order.processedAt = T0 + 30 * DAY_MS + 1; }, ["attribution_window_expired"]],
  ["exactly the minimum order", (i) => { i.order.subtotalMinor = 2000n; }, []],
  ["below the minimum order", (i) => { i.order.subtotalMinor = 1999n; }, ["below_minimum_order"]],
  [
    "everything at once, in the documented order",
    (i) => {
      i.settings.enabled = false;
      i.friend = { customerGid: i.referrer.customerGid, email: i.referrer.email, addresses: [home], paymentFingerprints: [card] };
      i.order = { processedAt: T0 + 40 * DAY_MS, subtotalMinor: 1n, earlierPaidOrders: 3 };
      i.friendAlreadyAttributed = true;
    },
    ["program_disabled", "self_referral_customer", "self_referral_email", "self_referral_address", "self_referral_payment", "not_first_order", "already_referred", "attribution_window_expired", "below_minimum_order"],
  ],
];

describe("attribution and abuse checks", () => {
  it.each(cases)("%s", (_name, change, expected) => {
    const input = base();
    change(input);
    expect(attributionRejections(input)).toEqual(expected);
  });

  it("checks self-referral at sign-up without an order", () => {
    const { referrer } = base();
    expect(selfReferralReasons(referrer, { customerGid: "gid://shopify/Customer/9", email: "annasmith@gmail.com", addresses: [], paymentFingerprints: [] })).toEqual(["self_referral_email"]);
  });

  it("keys friends by email hash first, then by customer", () => {
    expect(friendKey("abc", "gid://shopify/Customer/2")).toBe("email:abc");
    expect(friendKey(null, "gid://shopify/Customer/2")).toBe("customer:gid://shopify/Customer/2");
    expect(friendKey(null, null)).toBeNull();
  });

  it("defaults are a valid programme", () => {
    expect(DEFAULT_REFERRAL_SETTINGS.enabled).toBe(true);
  });
});
