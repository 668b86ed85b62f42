import { describe, expect, it } from "vitest";
import { cardFingerprint, normaliseAddress, referralRefFromNote, signalChecks, signalHash, type FriendFacts, type ReferrerFacts } from "~/domain/referrals";
import { splitByWeight } from "../../../dev-store/generator/order-math";

const salt = "a".repeat(64);
const key = (address1: string, zip: string, countryCode = "GB") => signalHash(salt, "address", normaliseAddress({ address1, zip, countryCode })!);
const referrer = (over: Partial<ReferrerFacts> = {}): ReferrerFacts => ({ customerGid: "gid://shopify/Customer/1", email: null, addresses: [], paymentFingerprints: [], ...over });
const friend = (over: Partial<FriendFacts> = {}): FriendFacts => ({ customerGid: "gid://shopify/Customer/2", email: null, addresses: [], paymentFingerprints: [], ...over });

describe("signalHash", () => {
  it("keys an address or card under the shop's salt: the same value, the same key; another salt or kind, another key", () => {
    expect(key("12 Baker Street", "NW1 6XE")).toBe(key("12 baker st.", "nw16xe", "gb"));
    expect(key("12 Baker Street", "NW1 6XE")).toMatch(/^[0-9a-f]{64}$/);
    expect(signalHash("b".repeat(64), "address", "12 baker st|nw16xe|gb")).not.toBe(signalHash(salt, "address", "12 baker st|nw16xe|gb"));
    expect(signalHash(salt, "card", "12 baker st|nw16xe|gb")).not.toBe(signalHash(salt, "address", "12 baker st|nw16xe|gb"));
  });
});

describe("cardFingerprint with the cardholder's name", () => {
  it("normalises the name and tells two holders of one number apart", () => {
    const card = { bin: "424242", number: "•••• 4242", expirationMonth: 4, expirationYear: 2030, company: "Visa" };
    expect(cardFingerprint({ ...card, name: " Anna  Müller " })).toBe("card:424242:4242:4/2030:visa:anna muller");
    expect(cardFingerprint({ ...card, name: "ANNA MULLER" })).toBe(cardFingerprint({ ...card, name: "Anna Müller" }));
    expect(cardFingerprint({ ...card, name: "Ben Muller" })).not.toBe(cardFingerprint({ ...card, name: "Anna Muller" }));
    expect(cardFingerprint({ ...card, name: null })).toBe("card:424242:4242:4/2030:visa");
  });
});

describe("signalChecks", () => {
  it.each<[string, Partial<ReferrerFacts>, Partial<FriendFacts>, ReturnType<typeof signalChecks>]>([
    ["hashed keys that meet", { addressKeys: [key("12 Baker Street", "NW1 6XE")], paymentFingerprints: ["c1"] }, { addressKeys: [key("12 baker st", "NW16XE")], paymentFingerprints: ["c2"] }, { address: "match", payment: "clear" }],
    ["raw addresses compared alike", { addresses: [{ address1: "1 Main St", zip: "10001", countryCode: "US" }] }, { addresses: [{ address1: "1 main street", zip: "10001", countryCode: "us" }], paymentFingerprints: ["c1"] }, { address: "match", payment: "unknown" }],
    ["the same card", { paymentFingerprints: ["c1", "c2"] }, { paymentFingerprints: ["c2"] }, { address: "unknown", payment: "match" }],
    ["nothing on the friend's side", { addressKeys: ["k1"], paymentFingerprints: ["c1"] }, {}, { address: "unknown", payment: "unknown" }],
    ["nothing on the referrer's side", {}, { addressKeys: ["k1"], paymentFingerprints: ["c1"] }, { address: "unknown", payment: "unknown" }],
    ["an address too partial to key", { addresses: [{ address1: "1 Main St" }] }, { addresses: [{ address1: "1 Main St" }] }, { address: "unknown", payment: "unknown" }],
  ])("%s", (_name, r, f, expected) => {
    expect(signalChecks(referrer(r), friend(f))).toEqual(expected);
  });
});

describe("referralRefFromNote", () => {
  it.each([
    ["evergreen_ref: FRIEND-4HX9KQ2MTA", { kind: "friend_code", code: "FRIEND-4HX9KQ2MTA" }],
    ["Birthday: 1990-01-01\r\nEvergreen_Ref:  friend-4hx9kq2mta ", { kind: "friend_code", code: "FRIEND-4HX9KQ2MTA" }],
    ["evergreen_ref: k7m2-qx9d", { kind: "referral_code", code: "K7M2QX9D" }],
    ["evergreen_ref: FRIEND-4HX9KQ2MT0", null], // 0 is not in the alphabet
    ["evergreen_ref: FRIEND-SHORT", null],
    ["evergreen_ref: '); DROP TABLE", null],
    ["please ship fast", null],
    ["", null],
  ])("%j", (note, expected) => {
    expect(referralRefFromNote(note)).toEqual(expected);
  });
  it("ignores a missing note", () => expect(referralRefFromNote(null)).toBeNull());
});

describe("splitByWeight (the dev store's refund tax per line)", () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [7, [1000, 3000], [2, 5]],
    [0, [5, 5], [0, 0]],
    [9, [0, 0], [9, 0]],
    [1234, [999, 1, 1000], [616, 1, 617]],
  ])("splits %d over %j exactly", (total, weights, expected) => {
    const parts = splitByWeight(total, weights);
    expect(parts).toEqual(expected);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
  });
});
