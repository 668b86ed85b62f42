/**
 * Referral codes and friends' discount codes: short, typed by people, never
 * derived from anything about the customer.
 *
 * The alphabet drops the characters people confuse when reading a code aloud
 * or off a phone (0/O, 1/I/L): 31 symbols. Symbols are drawn by rejection
 * sampling from uniform random bytes, so every symbol is equally likely
 * (a plain `byte % 31` would favour the first eight).
 */

/** Digits 2-9 and the capital letters without I, L and O. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/** A referral code's length: 31^8 ≈ 8.5e11 codes. */
export const REFERRAL_CODE_LENGTH = 8;

/** The friend's discount code: a prefix and 10 symbols (31^10 ≈ 8.2e14), because guessing one is worth money. */
export const FRIEND_CODE_PREFIX = "FRIEND-";
export const FRIEND_CODE_LENGTH = 10;

/** `n` uniformly random bytes (crypto.randomBytes in the service; a seeded source in tests). */
export type RandomBytes = (n: number) => Uint8Array;

const LIMIT = 256 - (256 % CODE_ALPHABET.length); // 248: bytes at or above it are redrawn

/**
 * `length` symbols of {@link CODE_ALPHABET}, uniformly distributed.
 *
 * @throws RangeError when `length` is not a positive integer.
 */
export function randomCode(random: RandomBytes, length: number): string {
  if (!Number.isInteger(length) || length <= 0) throw new RangeError(`code length must be a positive integer, got ${length}`);
  let out = "";
  while (out.length < length) {
    for (const byte of random(length - out.length + 4)) {
      if (byte >= LIMIT) continue;
      out += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new referral code, e.g. "K7M2QX9D". Uniqueness is the caller's: retry on a collision. */
export function generateReferralCode(random: RandomBytes): string {
  return randomCode(random, REFERRAL_CODE_LENGTH);
}

/** A new friend discount code, e.g. "FRIEND-4HX9KQ2MTA". */
export function generateFriendDiscountCode(random: RandomBytes): string {
  return FRIEND_CODE_PREFIX + randomCode(random, FRIEND_CODE_LENGTH);
}

/**
 * A code as typed or pasted ("k7m2-qx9d ", from a URL) in its stored form, or
 * null when it cannot be one of ours (so a landing hit with junk never reaches
 * the database).
 */
export function normaliseReferralCode(input: string): string | null {
  const code = input.trim().toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== REFERRAL_CODE_LENGTH) return null;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return null;
  return code;
}
