/**
 * Loyalty's and referrals' scheduled work (docs/loyalty.md#jobs), per shop and
 * every step idempotent, so running it late, twice or concurrently is safe:
 *
 * - {@link runLoyaltyJobsForShop}: order earning sweep, birthdays, expiry,
 *   tier period ends, tier metafields, stuck redemptions;
 * - {@link runReferralJobsForShop}: referral payouts (settlement);
 * - {@link runLoyaltyJobs}: both, for every shop that has work (the hourly
 *   timer in boot.server.ts; a durable job queue calls the per-shop ones).
 */
import { prisma as appPrisma } from "~/db.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import { awardBirthdayPoints, earnForChangedOrders, expireInactivePoints } from "~/services/points.server";
import { offlineSignalsPort, referralPorts, settleReferralPayouts, type AbuseSignalsPort, type SettlementSummary } from "~/services/referrals.server";
import { resolveStuckRedemptions, shopifyDiscountCodeIssuer, type DiscountCodeIssuer } from "~/services/rewards.server";
import { closeTierPeriods, writeTierMetafields } from "~/services/tiers.server";
import { AdminClient, DEFAULT_IDEMPOTENT_MUTATIONS } from "~/shopify/admin-client.server";

/** Overlap with the previous run, so an order synced during a run is not skipped. */
export const SWEEP_LOOKBACK_MS = 2 * 3600_000;
/** A redemption younger than this may still be finishing in its request: leave it alone. */
export const STUCK_REDEMPTION_AFTER_MS = 5 * 60_000;

export interface LoyaltyJobDeps {
  db?: PrismaClient;
  /**
   * The shop's Admin API client, for tier metafields and stuck redemptions.
   * Default: built from the shop's offline session; null (or no session): those two steps are skipped.
   */
  admin?: AdminClient | null;
  /** Overrides the discount-code issuer built over `admin` (tests). */
  issuer?: DiscountCodeIssuer;
}

export interface LoyaltyJobSummary {
  shopDomain: string;
  /** Orders whose points moved in the sweep (webhooks lost after Shopify's retries). */
  ordersMoved: number;
  birthdays: number;
  expired: number;
  tierChanges: number;
  /** Customers whose tier metafield was written; null: no Admin client. */
  metafieldsWritten: number | null;
  /** null: no issuer (no Admin client). */
  redemptions: { issued: number; failed: number; stillIssuing: number } | null;
}

/**
 * Loyalty's work for one shop as of `now`. Does nothing (all zero) for a shop
 * without an enabled programme, except finishing stuck redemptions.
 */
export async function runLoyaltyJobsForShop(shopDomain: string, now: Date, deps: LoyaltyJobDeps = {}): Promise<LoyaltyJobSummary> {
  const db = deps.db ?? appPrisma;
  const ordersMoved = await earnForChangedOrders(shopDomain, new Date(now.getTime() - SWEEP_LOOKBACK_MS), { db, now: () => now });
  const birthdays = await awardBirthdayPoints(shopDomain, now, { db });
  const expired = await expireInactivePoints(shopDomain, now, { db });
  const tierChanges = await closeTierPeriods(shopDomain, now, { db });

  const admin = deps.admin === undefined ? await offlineAdminClient(db, shopDomain) : deps.admin;
  // Tier changes recorded by webhooks and activities since the last run are written too, not only this run's.
  const metafieldsWritten = admin ? await writeTierMetafields(shopDomain, { client: admin, db, now: () => now }) : null;
  const issuer = deps.issuer ?? (admin ? shopifyDiscountCodeIssuer(() => admin) : null);
  const redemptions = issuer ? await resolveStuckRedemptions(shopDomain, { db, issuer, now: () => now, olderThanMs: STUCK_REDEMPTION_AFTER_MS }) : null;
  return { shopDomain, ordersMoved, birthdays, expired, tierChanges, metafieldsWritten, redemptions };
}

/**
 * Referral payouts for one shop as of `now`: pays referrers whose friend's
 * order is past the return window, voids refunded ones, retries awards and
 * reversals an earlier run could not finish. Payouts need an enabled loyalty
 * programme; without one they are reported as failures and retried next run.
 */
export async function runReferralJobsForShop(
  shopDomain: string,
  now: Date,
  deps: { db?: PrismaClient; signals?: AbuseSignalsPort } = {},
): Promise<SettlementSummary> {
  const db = deps.db ?? appPrisma;
  // Payouts look again at address and card checks left unknown: over the shop's offline session unless given.
  const signals = deps.signals ?? offlineSignalsPort({ db, now: () => now });
  return settleReferralPayouts(shopDomain, now, { db, now: () => now, ports: referralPorts(null, { db, now: () => now }), signals });
}

/**
 * Every shop's loyalty and referral work. One shop's failure is logged and
 * does not stop the others (the next run retries it).
 *
 * @returns the shops worked on.
 */
export async function runLoyaltyJobs(now: Date = new Date(), deps: { db?: PrismaClient } = {}): Promise<string[]> {
  const db = deps.db ?? appPrisma;
  const loyaltyShops = (await db.loyaltyProgram.findMany({ where: { enabled: true }, select: { shopDomain: true } })).map((p) => p.shopDomain);
  const referralShops = await shopsWithReferralWork(db, now);
  const run = async (what: string, shopDomain: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      logger.warn(`${what} failed`, { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
    }
  };
  for (const shopDomain of loyaltyShops) await run("loyalty jobs", shopDomain, () => runLoyaltyJobsForShop(shopDomain, now, { db }));
  for (const shopDomain of referralShops) await run("referral jobs", shopDomain, () => runReferralJobsForShop(shopDomain, now, { db }));
  return [...new Set([...loyaltyShops, ...referralShops])];
}

/** Shops with a referral due for payout, or an award or reversal left unconfirmed. */
async function shopsWithReferralWork(db: PrismaClient, now: Date): Promise<string[]> {
  const rows = await db.referral.findMany({
    where: {
      OR: [
        { status: "ordered", payableAt: { lte: now } },
        { status: "rewarded", pointsEntryId: null },
        { status: "voided", rewardedAt: { not: null }, reversalEntryId: null },
      ],
    },
    select: { shopDomain: true },
    distinct: ["shopDomain"],
  });
  return rows.map((r) => r.shopDomain);
}

/** The shop's offline-token Admin client, or null when it has no offline session (not installed). */
async function offlineAdminClient(db: PrismaClient, shopDomain: string): Promise<AdminClient | null> {
  const session = await db.session.findFirst({ where: { shop: shopDomain, isOnline: false } });
  if (!session) return null;
  return new AdminClient({
    shop: shopDomain,
    accessToken: session.accessToken,
    // Setting the same metafield values twice is harmless: safe to resend after a 5xx.
    idempotentMutations: [...DEFAULT_IDEMPOTENT_MUTATIONS, "CustomerInsightMetafieldsSet"],
  });
}
