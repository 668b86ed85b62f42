/**
 * Loyalty points: the public API of the points ledger (docs/loyalty.md,
 * docs/decisions/0006-points-ledger.md).
 *
 * - {@link awardPoints}, {@link reversePoints}, {@link getBalance}: for other
 *   features (referrals) to earn and take back points by idempotency key.
 * - {@link onOrderChanged}, {@link onCustomerCreated}: called after a webhook
 *   was applied to the synced data; order earning converges on a target.
 * - {@link adjustPoints}, {@link customerHistory}, {@link rebuildBalances}:
 *   staff corrections, the per-customer history, and the cache check.
 * - Jobs: {@link expireInactivePoints}, {@link awardBirthdayPoints}.
 *
 * Every write runs in one transaction that first locks the customer's account
 * row (app/db/loyalty-ledger.server.ts).
 */
import { prisma as appPrisma } from "~/db.server";
import {
  appendEntry,
  balancesFromLedger,
  customersWithEntries,
  LEDGER_TX_OPTIONS,
  lockAccount,
  readBalances,
  settleAccount,
  writeOffNegative,
  type LedgerTx,
} from "~/db/loyalty-ledger.server";
import { loadActiveProgram, loadRules } from "~/db/loyalty-program.server";
import { addMonthsUtc, DAY_MS } from "~/domain/loyalty/ledger";
import { orderTarget, pinOrderRules, type OrderSnapshot, type PinnedOrderRules } from "~/domain/loyalty/order-points";
import type { EarnRules } from "~/domain/loyalty/rules";
import type { LoyaltyEntry, PrismaClient } from "~/generated/prisma/client";
import { currentTier, tierOf, upgradeTierIfQualified } from "./tiers.server";

export { IdempotencyConflictError } from "~/db/loyalty-ledger.server";

export interface LedgerDeps {
  db?: PrismaClient;
  now?: () => Date;
}

const resolve = (deps: LedgerDeps = {}) => ({ db: deps.db ?? appPrisma, now: deps.now ?? (() => new Date()) });

/** The shop has no loyalty programme, or it is switched off. */
export class LoyaltyProgramOffError extends Error {
  constructor(readonly shopDomain: string) {
    super(`Loyalty is off for ${shopDomain}`);
    this.name = "LoyaltyProgramOffError";
  }
}

export class InsufficientPointsError extends Error {
  constructor(readonly available: number, readonly requested: number) {
    super(`Not enough points: ${available} available, ${requested} needed`);
    this.name = "InsufficientPointsError";
  }
}

export interface AwardPointsInput {
  shopDomain: string;
  customerGid: string;
  /** > 0, integer. */
  points: number;
  /** "referral" | "signup" | "birthday" | "review" | "social" | "bonus" | … */
  kind: string;
  /** Unique per shop: the same key with the same customer, points and kind is a no-op; with others an IdempotencyConflictError. */
  idempotencyKey: string;
  reason?: string;
  /** Pending until then; default now. */
  availableAt?: Date;
}

/**
 * Credits earned points. The content bound to the key is (customer, points,
 * kind, and availableAt when given), so a retry with the same input returns
 * the first entry with `created: false`.
 *
 * @throws LoyaltyProgramOffError, IdempotencyConflictError, RangeError (points not a positive integer).
 * @example
 * await awardPoints({ shopDomain, customerGid, points: 500, kind: "referral", idempotencyKey: `referral:${referralId}:referrer` });
 */
export async function awardPoints(input: AwardPointsInput, deps?: LedgerDeps): Promise<{ entryId: string; created: boolean }> {
  const { db, now } = resolve(deps);
  if (!Number.isInteger(input.points) || input.points <= 0) throw new RangeError(`points must be a positive integer, got ${input.points}`);
  if (!input.idempotencyKey) throw new RangeError("idempotencyKey is required");
  const active = await loadActiveProgram(db, input.shopDomain);
  if (!active) throw new LoyaltyProgramOffError(input.shopDomain);
  return db.$transaction(async (tx) => {
    const at = now();
    // A credit needs no settlement: the cache stays exact whichever side of settledThrough the entry lands.
    const account = await lockAccount(tx, input.shopDomain, input.customerGid, at);
    const { entry, created } = await appendEntry(tx, account, {
      customerGid: input.customerGid,
      points: input.points,
      kind: input.kind,
      idempotencyKey: input.idempotencyKey,
      hashContent: { customerGid: input.customerGid, points: input.points, kind: input.kind, availableAt: input.availableAt?.toISOString() },
      availableAt: input.availableAt ?? at,
      ruleVersion: active.ruleVersion,
      reason: input.reason ?? null,
    }, at);
    if (created && active.rules.tierBasis === "points") await upgradeTierIfQualified(tx, active, account, at);
    return { entryId: entry.id, created };
  }, LEDGER_TX_OPTIONS);
}

/**
 * Appends the exact opposite of the entry with that key (same kind, same
 * availableAt, so a pending award is taken from pending). No-op if already
 * reversed or absent: returns null. Works when the programme is off too.
 */
export async function reversePoints(
  input: { shopDomain: string; idempotencyKey: string; reason: string },
  deps?: LedgerDeps,
): Promise<{ entryId: string } | null> {
  const { db, now } = resolve(deps);
  const original = await db.loyaltyEntry.findUnique({ where: { shopDomain_idempotencyKey: { shopDomain: input.shopDomain, idempotencyKey: input.idempotencyKey } } });
  if (!original || original.points === 0) return null;
  const program = await db.loyaltyProgram.findUnique({ where: { shopDomain: input.shopDomain } });
  return db.$transaction(async (tx) => {
    const at = now();
    const account = await settleAccount(tx, await lockAccount(tx, input.shopDomain, original.customerGid, at), at);
    const reversalKey = `reverse:${input.idempotencyKey}`;
    if (await tx.loyaltyEntry.findUnique({ where: { shopDomain_idempotencyKey: { shopDomain: input.shopDomain, idempotencyKey: reversalKey } } })) return null;
    const { entry, account: after } = await appendEntry(tx, account, {
      customerGid: original.customerGid,
      points: -original.points,
      kind: original.kind,
      idempotencyKey: reversalKey,
      hashContent: { reverses: original.id },
      availableAt: original.availableAt,
      orderGid: original.orderGid,
      ruleVersion: original.ruleVersion,
      reversesEntryId: original.id,
      reason: input.reason,
    }, at);
    await writeOffNegative(tx, after, entry, program?.allowNegativeBalance ?? false, at);
    return { entryId: entry.id };
  }, LEDGER_TX_OPTIONS);
}

/** A customer's points now: available to spend, pending (within the return window), and earned over their lifetime (net of reversals). */
export async function getBalance(
  shopDomain: string,
  customerGid: string,
  deps?: LedgerDeps,
): Promise<{ available: number; pending: number; lifetimeEarned: number }> {
  const { db, now } = resolve(deps);
  const { available, pending, lifetimeEarned } = await readBalances(db, shopDomain, customerGid, now());
  return { available, pending, lifetimeEarned };
}

/** The order as earning reads it: its synced row and every refund synced for it. */
async function loadOrderSnapshot(db: LedgerTx | PrismaClient, shopDomain: string, orderGid: string): Promise<OrderSnapshot | null> {
  const order = await db.order.findUnique({ where: { shopDomain_orderGid: { shopDomain, orderGid } } });
  if (!order || order.deletedAt) return null;
  const refunds = await db.refund.findMany({ where: { shopDomain, orderGid }, select: { totalMinor: true, goodsMinor: true } });
  const refundedRows = refunds.reduce((sum, r) => sum + r.totalMinor, 0n);
  const giftCards = await db.orderLineItem.aggregate({ where: { shopDomain, orderGid, isGiftCard: true }, _sum: { discountedTotalMinor: true } });
  return {
    orderGid,
    customerGid: order.customerGid,
    currencyCode: order.currencyCode,
    financialStatus: order.financialStatus,
    subtotalMinor: order.subtotalMinor,
    giftCardMinor: giftCards._sum.discountedTotalMinor ?? 0n,
    totalPriceMinor: order.totalPriceMinor,
    // refunds/create adds a Refund row before the order's next update carries it: take whichever knows more.
    refundedMinor: refundedRows > order.totalRefundedMinor ? refundedRows : order.totalRefundedMinor,
    // Points come back on the goods each refund returned (domain/loyalty/order-points.ts).
    refunds,
    cancelledAt: order.cancelledAt,
    test: order.test,
    tags: order.tags ? order.tags.split(",") : [],
    processedAt: order.processedAt,
  };
}

interface OrderPin extends PinnedOrderRules {
  availableAt: string;
}

const ORDER_KINDS = ["order", "first_order"] as const;

/**
 * Earning's entry point for an order, after the sync layer applied an
 * order/refund/cancel webhook (or a reconciliation changed the order). Appends,
 * per customer and kind, the difference between what the order should hold now
 * and what its entries sum to. Safe to call any number of times, in any order.
 *
 * @returns the entries appended (empty when the order already holds its target or loyalty is off).
 */
export async function onOrderChanged(shopDomain: string, orderGid: string, deps?: LedgerDeps): Promise<LoyaltyEntry[]> {
  const { db, now } = resolve(deps);
  const active = await loadActiveProgram(db, shopDomain);
  if (!active) return [];
  // Who to lock: the order's customer and anyone already holding points for it (the full state is read under the lock).
  const order = await db.order.findUnique({ where: { shopDomain_orderGid: { shopDomain, orderGid } }, select: { customerGid: true } });
  if (!order) return [];
  const holders = (await db.loyaltyEntry.groupBy({ by: ["customerGid"], where: { shopDomain, orderGid } })).map((r) => r.customerGid);
  const customers = [...new Set([...holders, ...(order.customerGid ? [order.customerGid] : [])])].sort();
  if (customers.length === 0) return [];

  return db.$transaction(async (tx) => {
    const at = now();
    // Lock every account involved, in a fixed order, before reading what the order holds.
    const accounts = new Map<string, Awaited<ReturnType<typeof lockAccount>>>();
    // Not settled up front: credits may land in pending and mature lazily; a debit settles first (below).
    for (const customerGid of customers) accounts.set(customerGid, await lockAccount(tx, shopDomain, customerGid, at));
    const current = await loadOrderSnapshot(tx, shopDomain, orderGid);
    if (!current || (current.customerGid && !accounts.has(current.customerGid))) return []; // changed hands meanwhile: the next call settles it
    const entries = await tx.loyaltyEntry.findMany({ where: { shopDomain, orderGid, kind: { in: [...ORDER_KINDS] } }, orderBy: { createdAt: "asc" } });

    let pin: OrderPin | null = null;
    const firstPinned = entries.find((e) => e.detail && e.reversesEntryId === null);
    if (firstPinned) pin = (JSON.parse(firstPinned.detail!) as { pin: OrderPin }).pin;
    else if (current.customerGid) {
      const tier = tierOf(active, accounts.get(current.customerGid)!.tier);
      const earlierOrders = await tx.loyaltyEntry.count({ where: { shopDomain, customerGid: current.customerGid, kind: "order", NOT: { orderGid } } });
      const candidate = pinOrderRules(active.rules, active.ruleVersion, tier.multiplierPct, earlierOrders === 0);
      const releaseAt = new Date(current.processedAt.getTime() + active.program.returnWindowDays * DAY_MS);
      if (orderTarget(current, candidate).purchase > 0) pin = { ...candidate, availableAt: releaseAt.toISOString() };
    }
    if (!pin) return []; // has never earned and does not earn now

    const target = orderTarget(current, pin);
    const appended: LoyaltyEntry[] = [];
    for (const customerGid of customers) {
      for (const kind of ORDER_KINDS) {
        const mine = entries.filter((e) => e.customerGid === customerGid && e.kind === kind);
        const held = mine.reduce((sum, e) => sum + e.points, 0);
        const want = customerGid === current.customerGid ? (kind === "order" ? target.purchase : target.firstOrder) : 0;
        if (want === held) continue;
        const sequence = mine.length;
        let account = accounts.get(customerGid)!;
        if (want < held) account = await settleAccount(tx, account, at); // the write-off check needs `available` as of now
        const { entry, account: after } = await appendEntry(tx, account, {
          customerGid,
          points: want - held,
          kind,
          idempotencyKey: `order:${orderGid}:${kind}:${customerGid}:${sequence}`,
          hashContent: { points: want - held, target: want },
          knownNew: true, // the key's sequence number was read under the account lock
          availableAt: new Date(pin.availableAt),
          orderGid,
          ruleVersion: pin.ruleVersion,
          reason: kind === "first_order" ? "first order" : want > held ? (sequence === 0 ? "order paid" : "order changed") : "order refunded or cancelled",
          detail: { pin, target: want, refundedMinor: current.refundedMinor.toString(), financialStatus: current.financialStatus, cancelled: current.cancelledAt !== null },
        }, at);
        account = after;
        if (entry.points < 0) account = await writeOffNegative(tx, account, entry, active.program.allowNegativeBalance, at);
        accounts.set(customerGid, account);
        appended.push(entry);
      }
    }
    // Tiers only move up here, and only more spend or points can move them.
    if (current.customerGid && appended.some((e) => e.points > 0 && e.customerGid === current.customerGid)) {
      await upgradeTierIfQualified(tx, active, accounts.get(current.customerGid)!, at);
    }
    return appended;
  }, LEDGER_TX_OPTIONS);
}

/** customers/create: the account-creation points of the rules in force, once per customer. */
export async function onCustomerCreated(shopDomain: string, customerGid: string, deps?: LedgerDeps): Promise<{ entryId: string; created: boolean } | null> {
  const { db } = resolve(deps);
  const active = await loadActiveProgram(db, shopDomain);
  if (!active || active.rules.accountCreatedPoints <= 0) return null;
  return awardPoints({
    shopDomain, customerGid, points: active.rules.accountCreatedPoints, kind: "account_created",
    idempotencyKey: `account_created:${customerGid}`, reason: "created an account",
  }, deps);
}

/**
 * A staff member's correction: signed points with a reason and who did it.
 * Refused when it would take the balance below zero and the programme does not allow that.
 *
 * @throws InsufficientPointsError, LoyaltyProgramOffError, IdempotencyConflictError
 */
export async function adjustPoints(
  input: { shopDomain: string; customerGid: string; points: number; reason: string; staffMember: string; idempotencyKey: string },
  deps?: LedgerDeps,
): Promise<{ entryId: string; created: boolean }> {
  const { db, now } = resolve(deps);
  if (!Number.isInteger(input.points) || input.points === 0) throw new RangeError("points must be a non-zero integer");
  if (!input.reason.trim() || !input.staffMember.trim()) throw new RangeError("a reason and the staff member are required");
  const active = await loadActiveProgram(db, input.shopDomain);
  if (!active) throw new LoyaltyProgramOffError(input.shopDomain);
  return db.$transaction(async (tx) => {
    const at = now();
    const account = await settleAccount(tx, await lockAccount(tx, input.shopDomain, input.customerGid, at), at);
    const existing = await tx.loyaltyEntry.findUnique({ where: { shopDomain_idempotencyKey: { shopDomain: input.shopDomain, idempotencyKey: input.idempotencyKey } } });
    if (!existing && input.points < 0 && !active.program.allowNegativeBalance && account.available + input.points < 0) {
      throw new InsufficientPointsError(account.available, -input.points);
    }
    const { entry, created } = await appendEntry(tx, account, {
      customerGid: input.customerGid,
      points: input.points,
      kind: "adjustment",
      idempotencyKey: input.idempotencyKey,
      hashContent: { customerGid: input.customerGid, points: input.points, reason: input.reason, staffMember: input.staffMember },
      availableAt: at,
      reason: input.reason,
      staffMember: input.staffMember,
    }, at);
    return { entryId: entry.id, created };
  }, LEDGER_TX_OPTIONS);
}

export interface HistoryEntry {
  id: string;
  points: number;
  kind: string;
  category: string;
  reason: string | null;
  staffMember: string | null;
  orderGid: string | null;
  redemptionId: string | null;
  ruleVersion: number | null;
  reversesEntryId: string | null;
  availableAt: Date;
  createdAt: Date;
}

/** A customer's full ledger, newest first (page with `before`). */
export async function customerHistory(
  shopDomain: string,
  customerGid: string,
  options: { limit?: number; before?: Date } = {},
  deps?: LedgerDeps,
): Promise<HistoryEntry[]> {
  const { db } = resolve(deps);
  return db.loyaltyEntry.findMany({
    where: { shopDomain, customerGid, ...(options.before ? { createdAt: { lt: options.before } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit ?? 100,
    select: { id: true, points: true, kind: true, category: true, reason: true, staffMember: true, orderGid: true, redemptionId: true, ruleVersion: true, reversesEntryId: true, availableAt: true, createdAt: true },
  });
}

export interface RebuildResult {
  customers: number;
  /** Accounts whose cache differed from the ledger (and were corrected). */
  corrected: { customerGid: string; cached: { available: number; pending: number; lifetimeEarned: number }; ledger: { available: number; pending: number; lifetimeEarned: number } }[];
}

/**
 * Recomputes every cached balance of a shop from the ledger (each customer in
 * its own locked transaction) and corrects any that differ.
 */
export async function rebuildBalances(shopDomain: string, deps?: LedgerDeps): Promise<RebuildResult> {
  const { db, now } = resolve(deps);
  const customers = await customersWithEntries(db, shopDomain);
  const corrected: RebuildResult["corrected"] = [];
  for (const customerGid of customers) {
    await db.$transaction(async (tx) => {
      const at = now();
      const account = await lockAccount(tx, shopDomain, customerGid, at);
      const ledger = await balancesFromLedger(tx, shopDomain, customerGid, account.settledThrough);
      const cached = { available: account.available, pending: account.pending, lifetimeEarned: account.lifetimeEarned };
      const fromLedger = { available: ledger.available, pending: ledger.pending, lifetimeEarned: ledger.lifetimeEarned };
      const sameActivity = (ledger.lastActivityAt?.getTime() ?? null) === (account.lastActivityAt?.getTime() ?? null);
      if (cached.available !== fromLedger.available || cached.pending !== fromLedger.pending || cached.lifetimeEarned !== fromLedger.lifetimeEarned || !sameActivity) {
        corrected.push({ customerGid, cached, ledger: fromLedger });
        await tx.loyaltyAccount.update({
          where: { shopDomain_customerGid: { shopDomain, customerGid } },
          data: { ...fromLedger, lastActivityAt: ledger.lastActivityAt },
        });
      }
    }, LEDGER_TX_OPTIONS);
  }
  return { customers: customers.length, corrected };
}

/**
 * Job: expires the available points of customers with no activity (earning or
 * redeeming) for the programme's `expiryMonths`, as an "expiry" entry keyed by
 * the customer's last activity, so rerunning it (or running it twice at once)
 * expires each inactive stretch once.
 *
 * @returns the number of customers whose points expired.
 */
export async function expireInactivePoints(shopDomain: string, now: Date, deps?: Omit<LedgerDeps, "now">): Promise<number> {
  const { db } = resolve(deps);
  const program = await db.loyaltyProgram.findUnique({ where: { shopDomain } });
  if (!program?.enabled || !program.expiryMonths) return 0;
  const cutoff = addMonthsUtc(now, -program.expiryMonths);
  const candidates = await db.loyaltyAccount.findMany({
    where: {
      shopDomain,
      OR: [{ available: { gt: 0 } }, { pending: { gt: 0 } }],
      AND: [{ OR: [{ lastActivityAt: { lte: cutoff } }, { lastActivityAt: null, createdAt: { lte: cutoff } }] }],
    },
    select: { customerGid: true },
  });
  let expired = 0;
  for (const { customerGid } of candidates) {
    const done = await db.$transaction(async (tx) => {
      const account = await settleAccount(tx, await lockAccount(tx, shopDomain, customerGid, now), now);
      const since = account.lastActivityAt ?? account.createdAt;
      if (since > cutoff || account.available <= 0) return false;
      const { created } = await appendEntry(tx, account, {
        customerGid,
        points: -account.available,
        kind: "expiry",
        idempotencyKey: `expiry:${customerGid}:${since.toISOString()}`,
        hashContent: { customerGid, since: since.toISOString() },
        availableAt: now,
        reason: `no activity since ${since.toISOString().slice(0, 10)} (${program.expiryMonths} months)`,
      }, now);
      return created;
    }, LEDGER_TX_OPTIONS);
    if (done) expired++;
  }
  return expired;
}

/**
 * Job: birthday points (plus the tier's birthday bonus) for customers whose
 * birthday (Customer.birthday, YYYY-MM-DD) falls on `now`'s UTC date; once per
 * customer per year by key. 29 February birthdays are celebrated on 28 February in other years.
 */
export async function awardBirthdayPoints(shopDomain: string, now: Date, deps?: Omit<LedgerDeps, "now">): Promise<number> {
  const { db } = resolve(deps);
  const active = await loadActiveProgram(db, shopDomain);
  if (!active) return 0;
  const year = now.getUTCFullYear();
  const monthDay = now.toISOString().slice(5, 10);
  const isLeap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
  const days = monthDay === "02-28" && !isLeap ? ["02-28", "02-29"] : [monthDay];
  const customers = await db.customer.findMany({
    where: { shopDomain, deletedAt: null, OR: days.map((d) => ({ birthday: { endsWith: `-${d}` } })) },
    select: { customerGid: true },
  });
  let awarded = 0;
  for (const { customerGid } of customers) {
    const tier = await currentTier(db, active, customerGid);
    const points = active.rules.birthdayPoints + tier.birthdayBonusPoints;
    if (points <= 0) continue;
    const { created } = await awardPoints({ shopDomain, customerGid, points, kind: "birthday", idempotencyKey: `birthday:${customerGid}:${year}`, reason: `birthday ${year}` }, { db, now: () => now });
    if (created) awarded++;
  }
  return awarded;
}

/** The rules a past entry was computed with (for explaining it). */
export async function rulesOfVersion(shopDomain: string, version: number, deps?: LedgerDeps): Promise<EarnRules> {
  const { db } = resolve(deps);
  return (await loadRules(db, shopDomain, version)).rules;
}

/**
 * Job: runs order earning for every order synced since `since` (webhooks lost
 * after Shopify's retries, orders changed by reconciliation or a full sync).
 * Cheap when nothing changed: each call finds the order already at its target.
 *
 * @returns the number of orders whose points moved.
 */
export async function earnForChangedOrders(shopDomain: string, since: Date, deps?: LedgerDeps): Promise<number> {
  const { db } = resolve(deps);
  if (!(await loadActiveProgram(db, shopDomain))) return 0;
  let moved = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await db.order.findMany({
      where: { shopDomain, syncedAt: { gte: since }, ...(cursor ? { orderGid: { gt: cursor } } : {}) },
      orderBy: { orderGid: "asc" },
      select: { orderGid: true },
      take: 500,
    });
    for (const { orderGid } of page) if ((await onOrderChanged(shopDomain, orderGid, deps)).length > 0) moved++;
    if (page.length < 500) return moved;
    cursor = page[page.length - 1].orderGid;
  }
}
