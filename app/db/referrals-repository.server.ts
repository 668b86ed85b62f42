/**
 * Referral tables (prisma/schema.prisma, "Referrals"): codes, shares, clicks,
 * referrals and settings. Inserts that can race (a second click, a second
 * code for the same customer) are `INSERT … ON CONFLICT DO NOTHING` so neither
 * database aborts the surrounding transaction on a duplicate.
 */
import { DEFAULT_REFERRAL_SETTINGS, type ReferralProgramSettings, type FriendDiscountKind } from "~/domain/referrals";
import type { Prisma, PrismaClient, Referral, ReferralCode, ReferralSettings } from "~/generated/prisma/client";

export type ReferralTx = Prisma.TransactionClient;
/** The client or a transaction: every model the repository reads or writes. */
export type ReferralDb = Pick<
  PrismaClient,
  "referral" | "referralCode" | "referralClick" | "referralShare" | "referralSettings" | "order" | "refund" | "customer" | "$executeRaw"
>;

/** Waits long enough for another settlement of the same referrer (they queue on its code row). */
export const REFERRAL_TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export const PENDING_STATUSES = ["clicked", "signed_up"];

export function settingsFromRow(row: ReferralSettings): ReferralProgramSettings {
  return {
    enabled: row.enabled,
    friendDiscountKind: row.friendDiscountKind as FriendDiscountKind,
    friendDiscountPercentage: row.friendDiscountPercentage,
    friendDiscountAmountMinor: row.friendDiscountAmountMinor,
    friendDiscountCurrencyCode: row.friendDiscountCurrencyCode,
    referrerRewardPoints: row.referrerRewardPoints,
    rewardCapPerPeriod: row.rewardCapPerPeriod,
    capPeriodDays: row.capPeriodDays,
    minimumOrderMinor: row.minimumOrderMinor,
    attributionWindowDays: row.attributionWindowDays,
    returnWindowDays: row.returnWindowDays,
    version: row.version,
  };
}

/** The shop's settings, created with the defaults on first read. */
export async function loadSettings(db: ReferralDb, shopDomain: string, now: Date): Promise<ReferralProgramSettings> {
  const existing = await db.referralSettings.findUnique({ where: { shopDomain } });
  if (existing) return settingsFromRow(existing); // the common case: no write on the storefront's path
  const d = DEFAULT_REFERRAL_SETTINGS;
  await db.$executeRaw`INSERT INTO "ReferralSettings" ("shopDomain","enabled","friendDiscountKind","friendDiscountPercentage","referrerRewardPoints","rewardCapPerPeriod","capPeriodDays","minimumOrderMinor","attributionWindowDays","returnWindowDays","version","updatedAt")
    VALUES (${shopDomain}, ${d.enabled}, ${d.friendDiscountKind}, ${d.friendDiscountPercentage}, ${d.referrerRewardPoints}, ${d.rewardCapPerPeriod}, ${d.capPeriodDays}, ${d.minimumOrderMinor}, ${d.attributionWindowDays}, ${d.returnWindowDays}, ${d.version}, ${now})
    ON CONFLICT DO NOTHING`;
  return settingsFromRow(await db.referralSettings.findUniqueOrThrow({ where: { shopDomain } }));
}

/** Writes new settings and bumps the version. */
export async function saveSettings(db: ReferralDb, shopDomain: string, s: ReferralProgramSettings): Promise<ReferralProgramSettings> {
  const { version: _ignored, ...data } = s;
  const row = await db.referralSettings.update({ where: { shopDomain }, data: { ...data, version: { increment: 1 } } });
  return settingsFromRow(row);
}

export async function codeOfCustomer(db: ReferralDb, shopDomain: string, customerGid: string): Promise<ReferralCode | null> {
  return db.referralCode.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } } });
}

export async function findCode(db: ReferralDb, shopDomain: string, code: string): Promise<ReferralCode | null> {
  return db.referralCode.findUnique({ where: { shopDomain_code: { shopDomain, code } } });
}

/** Inserts a code unless the customer already has one or the code is taken. */
export async function insertCode(db: ReferralDb, shopDomain: string, code: string, customerGid: string, now: Date): Promise<void> {
  await db.$executeRaw`INSERT INTO "ReferralCode" ("shopDomain","code","customerGid","createdAt","payoutVersion") VALUES (${shopDomain}, ${code}, ${customerGid}, ${now}, 0) ON CONFLICT DO NOTHING`;
}

/** Records a share; false when this code, channel and day already had one. */
export async function insertShare(db: ReferralDb, shopDomain: string, code: string, channel: string, day: string, now: Date): Promise<boolean> {
  const n = await db.$executeRaw`INSERT INTO "ReferralShare" ("shopDomain","code","channel","day","sharedAt") VALUES (${shopDomain}, ${code}, ${channel}, ${day}, ${now}) ON CONFLICT DO NOTHING`;
  return n > 0;
}

/** Records a click; false when this visitor already clicked this code today. */
export async function insertClick(db: ReferralDb, shopDomain: string, code: string, visitorHash: string, day: string, now: Date): Promise<boolean> {
  const n = await db.$executeRaw`INSERT INTO "ReferralClick" ("shopDomain","code","visitorHash","day","clickedAt") VALUES (${shopDomain}, ${code}, ${visitorHash}, ${day}, ${now}) ON CONFLICT DO NOTHING`;
  return n > 0;
}

export interface NewReferral {
  id: string;
  shopDomain: string;
  code: string;
  referrerCustomerGid: string;
  visitorHash: string | null;
  friendCustomerGid: string | null;
  friendDiscountCode: string;
  status: "clicked" | "signed_up" | "rejected";
  rejectionReasons: string | null;
  settingsVersion: number;
  clickedAt: Date | null;
  signedUpAt: Date | null;
  rejectedAt: Date | null;
  now: Date;
}

/** Inserts a referral; false on any conflict (the visitor's referral exists, or the friend code collided). */
export async function insertReferral(db: ReferralDb, r: NewReferral): Promise<boolean> {
  const n = await db.$executeRaw`INSERT INTO "Referral" ("id","shopDomain","code","referrerCustomerGid","visitorHash","friendCustomerGid","friendDiscountCode","status","rejectionReasons","settingsVersion","clickedAt","signedUpAt","rejectedAt","createdAt","updatedAt")
    VALUES (${r.id}, ${r.shopDomain}, ${r.code}, ${r.referrerCustomerGid}, ${r.visitorHash}, ${r.friendCustomerGid}, ${r.friendDiscountCode}, ${r.status}, ${r.rejectionReasons}, ${r.settingsVersion}, ${r.clickedAt}, ${r.signedUpAt}, ${r.rejectedAt}, ${r.now}, ${r.now})
    ON CONFLICT DO NOTHING`;
  return n > 0;
}

export async function referralOfVisitor(db: ReferralDb, shopDomain: string, code: string, visitorHash: string): Promise<Referral | null> {
  return db.referral.findUnique({ where: { shopDomain_code_visitorHash: { shopDomain, code, visitorHash } } });
}

/** New referrals a code started since `since` (the landing's throttle). */
export async function referralsStartedSince(db: ReferralDb, shopDomain: string, code: string, since: Date): Promise<number> {
  return db.referral.count({ where: { shopDomain, code, createdAt: { gte: since } } });
}

/**
 * Takes the referrer's lock for the rest of the transaction: a write on their
 * code row, so a second settlement of the same referrer waits (PostgreSQL row
 * lock; SQLite's single writer) and then reads what the first committed.
 */
export async function lockReferrer(tx: ReferralTx, shopDomain: string, code: string): Promise<void> {
  await tx.$executeRaw`UPDATE "ReferralCode" SET "payoutVersion" = "payoutVersion" + 1 WHERE "shopDomain" = ${shopDomain} AND "code" = ${code}`;
}

/** The order and the refunds we hold for it, or null when it is not synced (or deleted). */
export async function loadOrder(db: ReferralDb, shopDomain: string, orderGid: string) {
  const order = await db.order.findUnique({ where: { shopDomain_orderGid: { shopDomain, orderGid } } });
  if (!order || order.deletedAt) return null;
  const refunds = await db.refund.findMany({ where: { shopDomain, orderGid }, select: { shopifyCreatedAt: true } });
  return { order, refundedAt: refunds.map((r) => r.shopifyCreatedAt.getTime()) };
}

/** The friend's paid, non-test orders processed before `before`, by customer or exact email. */
export async function earlierPaidOrders(
  db: ReferralDb,
  shopDomain: string,
  friend: { customerGid: string | null; email: string | null },
  exceptOrderGid: string,
  before: Date,
): Promise<number> {
  const who = [
    ...(friend.customerGid ? [{ customerGid: friend.customerGid }] : []),
    ...(friend.email ? [{ email: friend.email }] : []),
  ];
  if (who.length === 0) return 0;
  return db.order.count({
    where: {
      shopDomain,
      OR: who,
      orderGid: { not: exceptOrderGid },
      test: false,
      deletedAt: null,
      processedAt: { lt: before },
      financialStatus: { in: ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"] },
    },
  });
}

/** Whether the friend is already attributed to a referral other than `exceptId`. */
export async function friendAttributedElsewhere(
  db: ReferralDb,
  shopDomain: string,
  friend: { key: string | null; customerGid: string | null; emailHash: string | null },
  exceptId: string,
): Promise<boolean> {
  const who = [
    ...(friend.key ? [{ attributedFriendKey: friend.key }] : []),
    ...(friend.customerGid ? [{ friendCustomerGid: friend.customerGid, attributedFriendKey: { not: null } }] : []),
    ...(friend.emailHash ? [{ friendEmailHash: friend.emailHash, attributedFriendKey: { not: null } }] : []),
  ];
  if (who.length === 0) return false;
  return (await db.referral.count({ where: { shopDomain, id: { not: exceptId }, OR: who } })) > 0;
}

/**
 * The shop's salt for address and card hashes, created on first use: the
 * first writer wins (conditional update), every later read returns that one.
 */
export async function signalSaltOf(db: ReferralDb, shopDomain: string, now: Date, fresh: () => string): Promise<string> {
  await loadSettings(db, shopDomain, now);
  const row = await db.referralSettings.findUniqueOrThrow({ where: { shopDomain }, select: { signalSalt: true } });
  if (row.signalSalt) return row.signalSalt;
  // No version bump and no updatedAt: this is not a settings change.
  await db.$executeRaw`UPDATE "ReferralSettings" SET "signalSalt" = ${fresh()} WHERE "shopDomain" = ${shopDomain} AND "signalSalt" IS NULL`;
  const after = await db.referralSettings.findUniqueOrThrow({ where: { shopDomain }, select: { signalSalt: true } });
  return after.signalSalt!;
}
