/**
 * Tiers (docs/loyalty.md): a customer qualifies by rolling 12-month spend or
 * points earned (the rules' `tierBasis`). Upgrades apply at once; a lower
 * qualification waits for the end of the customer's 12-month tier period
 * ({@link closeTierPeriods}). Every change is a LoyaltyTierChange row, and
 * {@link writeTierMetafields} writes the current tier to the customer's
 * `$app.tier` metafield.
 */
import { randomUUID } from "node:crypto";
import { prisma as appPrisma } from "~/db.server";
import { LEDGER_TX_OPTIONS, lockAccount, type LedgerTx } from "~/db/loyalty-ledger.server";
import { loadActiveProgram, loadRules, saveEarnRules, type ActiveProgram } from "~/db/loyalty-program.server";
import { addMonthsUtc, DAY_MS } from "~/domain/loyalty/ledger";
import { keptEligibleMinor } from "~/domain/loyalty/order-points";
import { parseEarnRules, qualifyingTier, tierRank, type EarnRules, type Tier } from "~/domain/loyalty/rules";
import type { LoyaltyAccount, PrismaClient } from "~/generated/prisma/client";
import type { AdminClient } from "~/shopify/admin-client.server";
import { CustomerInsightMetafieldsSet } from "~/shopify/operations/customer-metafields";

type Db = LedgerTx | PrismaClient;

export const TIER_METAFIELD = { namespace: "$app", key: "tier" } as const;

/** The customer's tier under the rules in force: their stored tier, or the first tier when none (or one the rules dropped). */
export async function currentTier(db: Db, active: ActiveProgram, customerGid: string): Promise<Tier> {
  const account = await db.loyaltyAccount.findUnique({ where: { shopDomain_customerGid: { shopDomain: active.program.shopDomain, customerGid } }, select: { tier: true } });
  return tierOf(active, account?.tier);
}

/** The rules' tier for a stored tier id (the first tier for none, or for one the rules dropped). */
export function tierOf(active: ActiveProgram, tierId: string | null | undefined): Tier {
  const rank = tierRank(active.rules, tierId);
  return active.rules.tiers[rank >= 0 ? rank : 0];
}

/** The rolling 12-month value tiers qualify on: kept spend on goods (minor units) or net points earned. */
export async function qualifyingValue(db: Db, active: ActiveProgram, customerGid: string, now: Date): Promise<number> {
  const shopDomain = active.program.shopDomain;
  const since = new Date(now.getTime() - 365 * DAY_MS);
  if (active.rules.tierBasis === "points") {
    const sum = await db.loyaltyEntry.aggregate({ where: { shopDomain, customerGid, category: "earn", createdAt: { gt: since, lte: now } }, _sum: { points: true } });
    return sum._sum.points ?? 0;
  }
  const orders = await db.order.findMany({
    where: { shopDomain, customerGid, deletedAt: null, processedAt: { gt: since, lte: now } },
    select: { orderGid: true, currencyCode: true, financialStatus: true, subtotalMinor: true, totalPriceMinor: true, totalRefundedMinor: true, cancelledAt: true, test: true, tags: true, processedAt: true },
  });
  // Gift cards bought are not spend on goods (they count when spent).
  const giftCards = await db.orderLineItem.groupBy({
    by: ["orderGid"],
    where: { shopDomain, isGiftCard: true, orderGid: { in: orders.map((o) => o.orderGid) } },
    _sum: { discountedTotalMinor: true },
  });
  const giftCardOf = new Map(giftCards.map((g) => [g.orderGid, g._sum.discountedTotalMinor ?? 0n]));
  let spend = 0n;
  for (const o of orders) {
    const giftCardMinor = giftCardOf.get(o.orderGid) ?? 0n;
    const kept = keptEligibleMinor({ ...o, customerGid, giftCardMinor, refundedMinor: o.totalRefundedMinor, tags: o.tags ? o.tags.split(",") : [] }, active.rules.excludedOrderTags);
    if (kept.minor > 0n) spend += kept.minor / kept.total;
  }
  return Number(spend);
}

/**
 * Moves the customer up at once when they qualify for a higher tier (or gives
 * them their first tier), starting a new 12-month period. Never moves down.
 * Call inside the ledger transaction that changed their points or spend,
 * with the account as locked there (its tier is only changed under that lock).
 */
export async function upgradeTierIfQualified(tx: LedgerTx, active: ActiveProgram, account: Pick<LoyaltyAccount, "customerGid" | "tier">, now: Date): Promise<string | null> {
  const shopDomain = active.program.shopDomain;
  const customerGid = account.customerGid;
  const qualified = qualifyingTier(active.rules, await qualifyingValue(tx, active, customerGid, now));
  const held = tierRank(active.rules, account.tier);
  if (account.tier !== null && tierRank(active.rules, qualified.id) <= held) return null;
  await tx.loyaltyAccount.update({
    where: { shopDomain_customerGid: { shopDomain, customerGid } },
    data: { tier: qualified.id, tierPeriodEndsAt: addMonthsUtc(now, 12) },
  });
  await tx.loyaltyTierChange.create({
    data: { id: randomUUID(), shopDomain, customerGid, fromTier: account.tier, toTier: qualified.id, reason: account.tier === null ? "joined" : "upgrade", changedAt: now },
  });
  return qualified.id;
}

/**
 * Job: for every customer whose tier period ended by `now`, sets the tier
 * they qualify for then (which may be lower) and starts the next period.
 * Idempotent: a closed period is not closed again.
 *
 * @returns the number of customers whose tier changed.
 */
export async function closeTierPeriods(shopDomain: string, now: Date, deps: { db?: PrismaClient } = {}): Promise<number> {
  const db = deps.db ?? appPrisma;
  const active = await loadActiveProgram(db, shopDomain);
  if (!active) return 0;
  const due = await db.loyaltyAccount.findMany({ where: { shopDomain, tierPeriodEndsAt: { lte: now } }, select: { customerGid: true } });
  let changed = 0;
  for (const { customerGid } of due) {
    const moved = await db.$transaction(async (tx) => {
      const account = await lockAccount(tx, shopDomain, customerGid, now);
      if (!account.tierPeriodEndsAt || account.tierPeriodEndsAt > now) return false;
      let endsAt = account.tierPeriodEndsAt;
      while (endsAt <= now) endsAt = addMonthsUtc(endsAt, 12);
      const qualified = qualifyingTier(active.rules, await qualifyingValue(tx, active, customerGid, now));
      await tx.loyaltyAccount.update({ where: { shopDomain_customerGid: { shopDomain, customerGid } }, data: { tier: qualified.id, tierPeriodEndsAt: endsAt } });
      if (qualified.id === account.tier) return false;
      await tx.loyaltyTierChange.create({
        data: { id: randomUUID(), shopDomain, customerGid, fromTier: account.tier, toTier: qualified.id, reason: "period_end", changedAt: now },
      });
      return true;
    }, LEDGER_TX_OPTIONS);
    if (moved) changed++;
  }
  return changed;
}

/**
 * Writes each changed customer's current tier to `$app.tier` (25 per
 * metafieldsSet call, Shopify's limit) and marks their changes written.
 * Resending is harmless: metafieldsSet sets the same value again.
 */
export async function writeTierMetafields(shopDomain: string, deps: { client: AdminClient; db?: PrismaClient; now?: () => Date }): Promise<number> {
  const db = deps.db ?? appPrisma;
  const now = deps.now ?? (() => new Date());
  const pending = await db.loyaltyTierChange.findMany({ where: { shopDomain, metafieldWrittenAt: null }, select: { id: true, customerGid: true } });
  const customers = [...new Set(pending.map((p) => p.customerGid))];
  let written = 0;
  for (let i = 0; i < customers.length; i += 25) {
    const part = customers.slice(i, i + 25);
    const accounts = await db.loyaltyAccount.findMany({ where: { shopDomain, customerGid: { in: part } }, select: { customerGid: true, tier: true } });
    const metafields = accounts
      .filter((a) => a.tier)
      .map((a) => ({ ownerId: a.customerGid, namespace: TIER_METAFIELD.namespace, key: TIER_METAFIELD.key, type: "single_line_text_field", value: a.tier! }));
    if (metafields.length > 0) {
      const { metafieldsSet } = await deps.client.request(CustomerInsightMetafieldsSet, { metafields });
      if (metafieldsSet?.userErrors.length) throw new Error(`metafieldsSet: ${metafieldsSet.userErrors.map((e) => e.message).join("; ")}`);
    }
    await db.loyaltyTierChange.updateMany({ where: { shopDomain, customerGid: { in: part }, metafieldWrittenAt: null, id: { in: pending.filter((p) => part.includes(p.customerGid)).map((p) => p.id) } }, data: { metafieldWrittenAt: now() } });
    written += metafields.length;
  }
  return written;
}



/**
 * Where the members of removed tiers go: each removed tier maps to the
 * highest tier below it (in the old order) that the new rules keep, or to the
 * new rules' first tier when none below is kept. Pure.
 *
 * @example
 * removedTierTargets(["silver", "gold", "diamond"], ["silver", "diamond"]); // Map { "gold" => "silver" }
 */
export function removedTierTargets(oldTierIds: readonly string[], newTierIds: readonly string[]): Map<string, string> {
  const kept = new Set(newTierIds);
  const targets = new Map<string, string>();
  oldTierIds.forEach((id, i) => {
    if (kept.has(id)) return;
    let target = newTierIds[0];
    for (let j = i - 1; j >= 0; j--) {
      if (kept.has(oldTierIds[j])) {
        target = oldTierIds[j];
        break;
      }
    }
    targets.set(id, target);
  });
  return targets;
}

/**
 * Saves edited earn rules (a new rule version) and, in the same transaction,
 * moves the members of every tier the edit removed to the next lower tier the
 * rules keep ({@link removedTierTargets}), each move a LoyaltyTierChange with
 * reason `tier_removed` (so `writeTierMetafields` updates `$app.tier`). Their
 * tier period and points do not change: points live in the ledger, which this
 * never touches; the next period end re-qualifies them under the new tiers.
 *
 * @returns the new rule version and how many members moved.
 * @throws InvalidEarnRulesError (from parseEarnRules) when the rules do not validate.
 */
export async function saveEarnRulesAndTiers(
  db: PrismaClient,
  shopDomain: string,
  rules: unknown,
  now: Date,
): Promise<{ version: number; membersMoved: number }> {
  const next: EarnRules = parseEarnRules(rules);
  return db.$transaction(async (tx) => {
    const program = await tx.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain } });
    const { rules: current } = await loadRules(tx, shopDomain, program.currentRuleVersion);
    // saveEarnRules opens its own transaction: run it inside this one instead.
    const version = await saveEarnRules({ $transaction: ((fn: (t: typeof tx) => Promise<number>) => fn(tx)) as never }, shopDomain, next);
    const targets = removedTierTargets(current.tiers.map((t) => t.id), next.tiers.map((t) => t.id));
    let membersMoved = 0;
    for (const [removed, target] of targets) {
      const members = await tx.loyaltyAccount.findMany({ where: { shopDomain, tier: removed }, select: { customerGid: true } });
      if (members.length === 0) continue;
      await tx.loyaltyAccount.updateMany({ where: { shopDomain, tier: removed }, data: { tier: target } });
      await tx.loyaltyTierChange.createMany({
        data: members.map((m) => ({ id: randomUUID(), shopDomain, customerGid: m.customerGid, fromTier: removed, toTier: target, reason: "tier_removed", changedAt: now })),
      });
      membersMoved += members.length;
    }
    return { version, membersMoved };
  }, LEDGER_TX_OPTIONS);
}

/** Members per tier id (the settings page warns before a tier with members is removed). */
export async function tierMemberCounts(db: Pick<PrismaClient, "loyaltyAccount">, shopDomain: string): Promise<Record<string, number>> {
  const groups = await db.loyaltyAccount.groupBy({ by: ["tier"], where: { shopDomain, tier: { not: null } }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.tier!, g._count._all]));
}
