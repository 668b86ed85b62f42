import { describe, expect, it } from "vitest";
import { cardFingerprint, emailHash, normaliseAddress, normaliseEmail, shopHash } from "~/domain/referrals";

describe("normaliseEmail", () => {
  it.each([
    ["Jane.Doe@example.com", "jane.doe@example.com"],
    ["  jane.doe+promo@example.com ", "jane.doe@example.com"],
    ["J.a.n.e.Doe+x@gmail.com", "janedoe@gmail.com"],
    ["janedoe@GoogleMail.com", "janedoe@gmail.com"],
    ["jane.doe@outlook.com", "jane.doe@outlook.com"], // dots matter outside Gmail
    ["+only@example.com", "+only@example.com"], // a leading + is the mailbox, not a tag
    ["not-an-email", null],
    ["@example.com", null],
    ["", null],
    [null, null],
  ])("%j -> %j", (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });
});

describe("normaliseAddress", () => {
  it("treats spelling variants of one address as the same", () => {
    const a = normaliseAddress({ address1: "12 Baker Street", address2: "Apartment 4", zip: "NW1 6XE", countryCode: "GB", city: "London" });
    const b = normaliseAddress({ address1: "12 baker st.", address2: "apt 4", zip: "nw16xe", countryCode: "gb", city: "LONDON " });
    expect(a).toBe("12 baker st apt 4|nw16xe|gb");
    expect(b).toBe(a);
    expect(normaliseAddress({ address1: "Müllerstraße 5", zip: "10115", countryCode: "DE" })).toBe(normaliseAddress({ address1: "Mullerstrasse 5", zip: "10115", countryCode: "DE" }));
  });

  it("tells different addresses apart and refuses partial ones", () => {
    expect(normaliseAddress({ address1: "12 Baker Street", zip: "NW1 6XE", countryCode: "GB" })).not.toBe(
      normaliseAddress({ address1: "14 Baker Street", zip: "NW1 6XE", countryCode: "GB" }),
    );
    expect(normaliseAddress({ address1: "12 Baker Street", countryCode: "GB" })).toBeNull();
    expect(normaliseAddress({ zip: "NW1 6XE" })).toBeNull();
    expect(normaliseAddress(null)).toBeNull();
  });
});

describe("cardFingerprint", () => {
  it("uses BIN, last four, expiry and brand from Shopify's CardPaymentDetails", () => {
    const card = { bin: "424242", number: "•••• •••• •••• 4242", expirationMonth: 4, expirationYear: 2030, company: "Visa" };
    expect(cardFingerprint(card)).toBe("card:424242:4242:4/2030:visa");
    expect(cardFingerprint({ ...card, number: "4242" })).toBe(cardFingerprint(card));
    expect(cardFingerprint({ ...card, expirationYear: 2031 })).not.toBe(cardFingerprint(card));
    expect(cardFingerprint({ ...card, bin: null })).toBeNull();
    expect(cardFingerprint({ ...card, number: "•••• 42" })).toBeNull();
  });
});

describe("hashes", () => {
  it("hash normalised emails per shop, never storing them", () => {
    expect(emailHash("a.myshopify.com", "Jane.Doe+x@gmail.com")).toBe(emailHash("a.myshopify.com", "janedoe@gmail.com"));
    expect(emailHash("a.myshopify.com", "janedoe@gmail.com")).not.toBe(emailHash("b.myshopify.com", "janedoe@gmail.com"));
    expect(emailHash("a.myshopify.com", "janedoe@gmail.com")).toMatch(/^[0-9a-f]{64}$/);
    expect(emailHash("a.myshopify.com", null)).toBeNull();
    expect(shopHash("a", "visitor", "x")).not.toBe(shopHash("a", "email", "x"));
  });
});
