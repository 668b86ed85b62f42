/**
 * Loyalty's scheduled work for every shop with an enabled programme, each
 * step idempotent (docs/loyalty.md): order earning sweep, birthdays, expiry,
 * tier period ends, stuck redemptions (when a code issuer is available).
 */
import { prisma } from "~/db.server";
import { awardBirthdayPoints, earnForChangedOrders, expireInactivePoints } from "~/services/points.server";
import { closeTierPeriods } from "~/services/tiers.server";

/** Overlap with the previous run, so an order synced during a run is not skipped. */
const SWEEP_LOOKBACK_MS = 2 * 3600_000;

export async function runLoyaltyJobs(now: Date = new Date()): Promise<string[]> {
  const programs = await prisma.loyaltyProgram.findMany({ where: { enabled: true }, select: { shopDomain: true } });
  for (const { shopDomain } of programs) {
    await earnForChangedOrders(shopDomain, new Date(now.getTime() - SWEEP_LOOKBACK_MS), { db: prisma, now: () => now });
    await awardBirthdayPoints(shopDomain, now, { db: prisma });
    await expireInactivePoints(shopDomain, now, { db: prisma });
    await closeTierPeriods(shopDomain, now, { db: prisma });
  }
  return programs.map((p) => p.shopDomain);
}
