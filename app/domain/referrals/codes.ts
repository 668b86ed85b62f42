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

/** The key a referral travels under on a customer's note: the classic sign-up form's `customer[note][evergreen_ref]` field. */
export const REFERRAL_NOTE_KEY = "evergreen_ref";

export type ReferralRef = { kind: "friend_code"; code: string } | { kind: "referral_code"; code: string };

/**
 * The referral a customer note carries. Shopify saves a sign-up form's
 * `customer[note][evergreen_ref]` field as a line `evergreen_ref: VALUE` of
 * the note; the value is the friend's discount code (what the landing shows)
 * or the member's referral code (a shared link's). Null when there is none or
 * it cannot be one of ours.
 *
 * @example referralRefFromNote("Birthday: 1990-01-01\nevergreen_ref: friend-4hx9kq2mta") // { kind: "friend_code", code: "FRIEND-4HX9KQ2MTA" }
 */
export function referralRefFromNote(note: string | null | undefined): ReferralRef | null {
  if (!note) return null;
  for (const line of note.split(/\r?\n/)) {
    const match = /^\s*evergreen_ref\s*:\s*(\S.*?)\s*$/i.exec(line);
    if (!match) continue;
    const value = match[1].toUpperCase().replace(/\s/g, "");
    if (value.startsWith(FRIEND_CODE_PREFIX)) {
      const symbols = value.slice(FRIEND_CODE_PREFIX.length);
      if (symbols.length === FRIEND_CODE_LENGTH && [...symbols].every((ch) => CODE_ALPHABET.includes(ch))) return { kind: "friend_code", code: value };
      return null;
    }
    const code = normaliseReferralCode(value);
    return code ? { kind: "referral_code", code } : null;
  }
  return null;
}
