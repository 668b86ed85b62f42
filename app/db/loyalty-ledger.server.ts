/**
 * The points ledger's writes, inside a caller's transaction. Every write to a
 * customer's points starts with `lockAccount`, which bumps the account row:
 * on PostgreSQL that takes the row lock until commit, on SQLite the database
 * write lock; so a customer's ledger writes (and balance checks) serialise,
 * and a redemption can never spend points another one is spending.
 *
 * Entries are only ever inserted. The account row is a cache of them, moved
 * in the same transaction (docs/decisions/0006-points-ledger.md).
 */
import { randomUUID } from "node:crypto";
import { balancesFromEntries, categoryOfKind, entryContentHash, isActivity, type Balances } from "~/domain/loyalty/ledger";
import type { LoyaltyAccount, LoyaltyEntry, Prisma, PrismaClient } from "~/generated/prisma/client";

export type LedgerTx = Prisma.TransactionClient;

/** Generous limits: on PostgreSQL many redemptions for one customer queue on the row lock. */
export const LEDGER_TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

/** The same idempotency key was used before with different content. */
export class IdempotencyConflictError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency key ${idempotencyKey} was already used for a different ledger entry`);
    this.name = "IdempotencyConflictError";
  }
}

export interface NewEntry {
  customerGid: string;
  points: number;
  kind: string;
  idempotencyKey: string;
  /** Bound to the key: a replay with other content is a conflict. */
  hashContent: Record<string, string | number | boolean | null | undefined>;
  availableAt: Date;
  /**
   * The caller knows the key is unused (derived from state read under the
   * account lock): skips the lookup. The unique index still refuses a duplicate.
   */
  knownNew?: boolean;
  orderGid?: string | null;
  ruleVersion?: number | null;
  reversesEntryId?: string | null;
  redemptionId?: string | null;
  reason?: string | null;
  staffMember?: string | null;
  detail?: unknown;
}

/** Creates the account if missing and takes its lock; returns it as stored. */
export async function lockAccount(tx: LedgerTx, shopDomain: string, customerGid: string, now: Date): Promise<LoyaltyAccount> {
  await tx.$executeRaw`INSERT INTO "LoyaltyAccount" ("shopDomain","customerGid","available","pending","lifetimeEarned","settledThrough","lockVersion","createdAt")
    VALUES (${shopDomain}, ${customerGid}, 0, 0, 0, ${now}, 0, ${now})
    ON CONFLICT ("shopDomain","customerGid") DO UPDATE SET "lockVersion" = "LoyaltyAccount"."lockVersion" + 1`;
  return tx.loyaltyAccount.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain, customerGid } } });
}

/** Points of entries that became available in (settledThrough, now]. */
async function maturedSince(db: Pick<LedgerTx, "loyaltyEntry">, account: LoyaltyAccount, now: Date): Promise<number> {
  if (now <= account.settledThrough) return 0;
  const sum = await db.loyaltyEntry.aggregate({
    where: { shopDomain: account.shopDomain, customerGid: account.customerGid, availableAt: { gt: account.settledThrough, lte: now } },
    _sum: { points: true },
  });
  return sum._sum.points ?? 0;
}

/** Moves pending points whose time has come into available (a cache move; no entry). Call with the account locked. */
export async function settleAccount(tx: LedgerTx, account: LoyaltyAccount, now: Date): Promise<LoyaltyAccount> {
  if (now <= account.settledThrough) return account;
  const matured = await maturedSince(tx, account, now);
  return tx.loyaltyAccount.update({
    where: { shopDomain_customerGid: { shopDomain: account.shopDomain, customerGid: account.customerGid } },
    data: { available: { increment: matured }, pending: { decrement: matured }, settledThrough: now },
  });
}

/** Balances as of `now` without writing: the cache plus what matured since it was settled. */
export async function readBalances(db: Pick<PrismaClient, "loyaltyAccount" | "loyaltyEntry">, shopDomain: string, customerGid: string, now: Date): Promise<Balances> {
  const account = await db.loyaltyAccount.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } } });
  if (!account) return { available: 0, pending: 0, lifetimeEarned: 0, lastActivityAt: null };
  const matured = await maturedSince(db, account, now);
  return {
    available: account.available + matured,
    pending: account.pending - matured,
    lifetimeEarned: account.lifetimeEarned,
    lastActivityAt: account.lastActivityAt,
  };
}

export type AppendResult = { entry: LoyaltyEntry; created: boolean; account: LoyaltyAccount };

/**
 * Appends one entry and moves the cached balances, or recognises a replay.
 * The account must be locked (and settled) by this transaction.
 *
 * @throws IdempotencyConflictError when the key holds different content.
 */
export async function appendEntry(tx: LedgerTx, account: LoyaltyAccount, entry: NewEntry, now: Date): Promise<AppendResult> {
  const contentHash = entryContentHash(entry.hashContent);
  const existing = entry.knownNew ? null : await tx.loyaltyEntry.findUnique({
    where: { shopDomain_idempotencyKey: { shopDomain: account.shopDomain, idempotencyKey: entry.idempotencyKey } },
  });
  if (existing) {
    if (existing.contentHash !== contentHash) throw new IdempotencyConflictError(entry.idempotencyKey);
    return { entry: existing, created: false, account };
  }
  if (!Number.isInteger(entry.points)) throw new RangeError(`points must be an integer, got ${entry.points}`);
  const category = categoryOfKind(entry.kind);
  const created = await tx.loyaltyEntry.create({
    data: {
      id: randomUUID(),
      shopDomain: account.shopDomain,
      customerGid: entry.customerGid,
      points: entry.points,
      kind: entry.kind,
      category,
      idempotencyKey: entry.idempotencyKey,
      contentHash,
      availableAt: entry.availableAt,
      createdAt: now,
      orderGid: entry.orderGid ?? null,
      ruleVersion: entry.ruleVersion ?? null,
      reversesEntryId: entry.reversesEntryId ?? null,
      redemptionId: entry.redemptionId ?? null,
      reason: entry.reason ?? null,
      staffMember: entry.staffMember ?? null,
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    },
  });
  const settled = entry.availableAt <= account.settledThrough;
  const activity = isActivity({ points: entry.points, category, reversesEntryId: entry.reversesEntryId ?? null });
  const updated = await tx.loyaltyAccount.update({
    where: { shopDomain_customerGid: { shopDomain: account.shopDomain, customerGid: account.customerGid } },
    data: {
      available: settled ? { increment: entry.points } : undefined,
      pending: settled ? undefined : { increment: entry.points },
      lifetimeEarned: category === "earn" ? { increment: entry.points } : undefined,
      lastActivityAt: activity && (!account.lastActivityAt || now > account.lastActivityAt) ? now : undefined,
    },
  });
  return { entry: created, created: true, account: updated };
}

/**
 * Where the merchant does not allow negative balances, a debit that took
 * `available` below zero is followed by a write-off entry bringing it back to
 * zero: the reversal itself stays exact (orders still sum to their target) and
 * the shortfall the programme absorbs is visible in the ledger.
 */
export async function writeOffNegative(tx: LedgerTx, account: LoyaltyAccount, cause: LoyaltyEntry, allowNegative: boolean, now: Date): Promise<LoyaltyAccount> {
  if (allowNegative || account.available >= 0) return account;
  const { account: after } = await appendEntry(tx, account, {
    customerGid: account.customerGid,
    points: -account.available,
    kind: "writeoff",
    idempotencyKey: `writeoff:${cause.id}`,
    hashContent: { cause: cause.id, points: -account.available },
    availableAt: account.settledThrough,
    reason: "balance may not go below zero",
  }, now);
  return after;
}

/** The customers with a ledger in a shop (for rebuilds). */
export async function customersWithEntries(db: Pick<PrismaClient, "loyaltyEntry">, shopDomain: string): Promise<string[]> {
  const rows = await db.loyaltyEntry.groupBy({ by: ["customerGid"], where: { shopDomain } });
  return rows.map((r) => r.customerGid);
}

/** A customer's balances recomputed from the ledger alone, split at `settledThrough`. */
export async function balancesFromLedger(db: Pick<PrismaClient, "loyaltyEntry">, shopDomain: string, customerGid: string, settledThrough: Date): Promise<Balances> {
  const entries = await db.loyaltyEntry.findMany({
    where: { shopDomain, customerGid },
    select: { points: true, category: true, availableAt: true, createdAt: true, reversesEntryId: true },
  });
  return balancesFromEntries(entries, settledThrough);
}
