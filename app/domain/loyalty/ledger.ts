/**
 * The points ledger's rules, pure: entry kinds and categories, content hashes
 * for idempotency, and balances derived from entries (what the cached
 * LoyaltyAccount row must always equal).
 */
import { createHash } from "node:crypto";

/** What a movement does to the customer's balance. Only "earn" counts towards lifetime earned and tiers by points. */
export type EntryCategory = "earn" | "spend" | "expire" | "adjust" | "writeoff";

export const EARN_KINDS = ["order", "first_order", "account_created", "signup", "birthday", "review", "social", "referral", "bonus"] as const;

export function categoryOfKind(kind: string): EntryCategory {
  switch (kind) {
    case "redeem":
    case "redeem_restore":
      return "spend";
    case "expiry":
      return "expire";
    case "adjustment":
      return "adjust";
    case "writeoff":
      return "writeoff";
    default:
      return "earn";
  }
}

export interface LedgerEntryView {
  points: number;
  category: string;
  availableAt: Date;
  createdAt: Date;
  reversesEntryId: string | null;
}

export interface Balances {
  available: number;
  pending: number;
  lifetimeEarned: number;
  lastActivityAt: Date | null;
}

/**
 * An entry is activity (it keeps points from expiring) when the customer did
 * something: earned (a positive earn entry other than a reversal) or redeemed.
 */
export function isActivity(entry: Pick<LedgerEntryView, "points" | "category" | "reversesEntryId">): boolean {
  if (entry.reversesEntryId) return false;
  return (entry.category === "earn" && entry.points > 0) || (entry.category === "spend" && entry.points < 0);
}

/** Balances from scratch: the definition the cache is checked against. */
export function balancesFromEntries(entries: LedgerEntryView[], settledThrough: Date): Balances {
  const out: Balances = { available: 0, pending: 0, lifetimeEarned: 0, lastActivityAt: null };
  for (const e of entries) {
    if (e.availableAt.getTime() <= settledThrough.getTime()) out.available += e.points;
    else out.pending += e.points;
    if (e.category === "earn") out.lifetimeEarned += e.points;
    if (isActivity(e) && (!out.lastActivityAt || e.createdAt > out.lastActivityAt)) out.lastActivityAt = e.createdAt;
  }
  return out;
}

/**
 * The content an idempotency key is bound to: the same key with the same
 * content is a replay (no-op), with different content a conflict.
 */
export function entryContentHash(content: Record<string, string | number | boolean | null | undefined>): string {
  const keys = Object.keys(content).filter((k) => content[k] !== undefined).sort();
  const canonical = JSON.stringify(keys.map((k) => [k, content[k]]));
  return createHash("sha256").update(canonical).digest("base64url");
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The discount code of a redemption: deterministic, so a retried issue finds the code it may already have created. */
export function redemptionCode(redemptionId: string): string {
  return `EG-${redemptionId}`;
}

/** Adds whole calendar months in UTC (day clamped to the month's length). */
export function addMonthsUtc(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export const DAY_MS = 24 * 3600_000;
