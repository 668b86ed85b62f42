import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CODE_ALPHABET,
  FRIEND_CODE_LENGTH,
  FRIEND_CODE_PREFIX,
  REFERRAL_CODE_LENGTH,
  generateFriendDiscountCode,
  generateReferralCode,
  normaliseReferralCode,
  randomCode,
} from "~/domain/referrals";

const cryptoRandom = (n: number) => new Uint8Array(randomBytes(n));

describe("referral codes", () => {
  it("uses an alphabet without look-alike characters", () => {
    for (const ch of "01ILO") expect(CODE_ALPHABET).not.toContain(ch);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    expect(CODE_ALPHABET).toHaveLength(31);
  });

  it("generates codes of the documented shape", () => {
    const code = generateReferralCode(cryptoRandom);
    expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${REFERRAL_CODE_LENGTH}}$`));
    const friend = generateFriendDiscountCode(cryptoRandom);
    expect(friend.startsWith(FRIEND_CODE_PREFIX)).toBe(true);
    expect(friend.slice(FRIEND_CODE_PREFIX.length)).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${FRIEND_CODE_LENGTH}}$`));
  });

  it("GIVEN 20,000 codes from a real random source THEN they are distinct", () => {
    const codes = new Set(Array.from({ length: 20_000 }, () => generateReferralCode(cryptoRandom)));
    expect(codes.size).toBe(20_000);
  });

  it("draws every symbol about equally often (no modulo bias)", () => {
    const counts = new Map<string, number>();
    for (const ch of randomCode(cryptoRandom, 310_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(31);
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(600); // ~6 sigma
  });

  it("redraws bytes at or above 248 instead of folding them onto the first symbols", () => {
    let call = 0;
    const source = (n: number) => new Uint8Array(n).fill(call++ === 0 ? 250 : 0);
    expect(randomCode(source, 3)).toBe("222");
  });

  it("is the same for the same random bytes and different for different ones (nothing comes from the customer)", () => {
    const fixed = () => (n: number) => new Uint8Array(n).map((_, i) => i * 7);
    expect(generateReferralCode(fixed())).toBe(generateReferralCode(fixed()));
    expect(() => randomCode(cryptoRandom, 0)).toThrow(RangeError);
  });

  it.each([
    ["k7m2qx9d", "K7M2QX9D"],
    [" K7M2-QX9D ", "K7M2QX9D"],
    ["K7M2QX9", null],
    ["K7M2QX9O", null], // O is not in the alphabet
    ["", null],
    ["../../etc", null],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseReferralCode(input)).toBe(expected);
  });
});
