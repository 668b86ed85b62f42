/**
 * Campaign storage: campaigns, experiment assignments, the action log, and
 * the two row locks that make caps and budgets hold under concurrent runs.
 * A decision about one customer runs in one transaction that locks first the
 * campaign row, then the customer's lock row (always in that order, so two
 * runs never deadlock), on PostgreSQL row locks, on SQLite the write lock.
 */
import { Prisma, type Campaign, type CampaignAction, type CampaignAssignment, type PrismaClient } from "~/generated/prisma/client";

export type CampaignTx = Prisma.TransactionClient;
export type CampaignsDb = PrismaClient;

/** Generous: on PostgreSQL a campaign's decisions queue on its row lock. */
export const CAMPAIGN_TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export interface NewCampaignRow {
  id: string;
  shopDomain: string;
  name: string;
  playbookId: string | null;
  definition: string;
  holdoutShare: number;
  rolloutShare: number;
  createdAt: Date;
}

export function insertCampaign(db: CampaignsDb, row: NewCampaignRow): Promise<Campaign> {
  return db.campaign.create({ data: { ...row, status: "draft" } });
}

export function findCampaign(db: CampaignsDb | CampaignTx, shopDomain: string, id: string): Promise<Campaign | null> {
  return db.campaign.findFirst({ where: { id, shopDomain } });
}

export function runningCampaigns(db: CampaignsDb, shopDomain: string): Promise<Campaign[]> {
  return db.campaign.findMany({ where: { shopDomain, status: "running" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export function updateCampaign(db: CampaignsDb, id: string, data: Prisma.CampaignUpdateInput): Promise<Campaign> {
  return db.campaign.update({ where: { id }, data });
}

/** Takes the campaign's row lock for the rest of the transaction and returns the row as locked. */
export async function lockCampaign(tx: CampaignTx, id: string): Promise<Campaign> {
  await tx.$executeRaw`UPDATE "Campaign" SET "lockVersion" = "lockVersion" + 1 WHERE "id" = ${id}`;
  return tx.campaign.findUniqueOrThrow({ where: { id } });
}

/**
 * Takes the customers' campaign locks (creating rows on first use). Pass the
 * ids sorted: every run locks in the same order, so two never deadlock.
 */
export async function lockCustomers(tx: CampaignTx, shopDomain: string, customerGids: string[]): Promise<void> {
  if (customerGids.length === 0) return;
  const values = Prisma.join(customerGids.map((gid) => Prisma.sql`(${shopDomain}, ${gid}, 0)`));
  await tx.$executeRaw`INSERT INTO "CampaignCustomerLock" ("shopDomain","customerGid","lockVersion") VALUES ${values}
    ON CONFLICT ("shopDomain","customerGid") DO UPDATE SET "lockVersion" = "CampaignCustomerLock"."lockVersion" + 1`;
}

/** Which of these customers the campaign already assigned. */
export async function alreadyAssigned(tx: CampaignTx, campaignId: string, customerGids: string[]): Promise<Set<string>> {
  const rows = await tx.campaignAssignment.findMany({ where: { campaignId, customerGid: { in: customerGids } }, select: { customerGid: true } });
  return new Set(rows.map((r) => r.customerGid));
}

/** When each customer was treated by any of the shop's campaigns after `since` (epoch ms). */
export async function treatmentsSince(tx: CampaignTx, shopDomain: string, customerGids: string[], since: Date): Promise<Map<string, number[]>> {
  const rows = await tx.campaignAssignment.findMany({
    where: { shopDomain, customerGid: { in: customerGids }, arm: "treatment", exposedAt: { gt: since } },
    select: { customerGid: true, exposedAt: true },
  });
  const out = new Map<string, number[]>();
  for (const r of rows) out.set(r.customerGid, [...(out.get(r.customerGid) ?? []), r.exposedAt!.getTime()]);
  return out;
}

export async function insertAssignments(tx: CampaignTx, rows: CampaignAssignment[]): Promise<void> {
  if (rows.length) await tx.campaignAssignment.createMany({ data: rows });
}

/** Customers already assigned in a campaign. */
export async function assignedCustomers(db: CampaignsDb, campaignId: string): Promise<Set<string>> {
  const rows = await db.campaignAssignment.findMany({ where: { campaignId }, select: { customerGid: true } });
  return new Set(rows.map((r) => r.customerGid));
}

export function campaignAssignments(db: CampaignsDb, campaignId: string): Promise<CampaignAssignment[]> {
  return db.campaignAssignment.findMany({ where: { campaignId }, orderBy: { customerGid: "asc" } });
}

export interface ActionReservation {
  id: string;
  shopDomain: string;
  campaignId: string;
  customerGid: string;
  kind: string;
  points: number;
  costMinor: bigint;
  idempotencyKey: string;
  /** A code action's discount code, or a tag action's tag: recorded before anything is sent to Shopify. */
  code: string | null;
  createdAt: Date;
}

/** Records the actions and adds their cost to the campaign's spending; call with the campaign locked. */
export async function reserveActions(tx: CampaignTx, campaignId: string, actions: ActionReservation[]): Promise<void> {
  if (actions.length === 0) return;
  await tx.campaignAction.createMany({ data: actions.map((a) => ({ ...a, status: "reserved" })) });
  const points = actions.reduce((s, a) => s + a.points, 0);
  const minor = actions.reduce((s, a) => s + a.costMinor, 0n);
  await tx.campaign.update({ where: { id: campaignId }, data: { spentPoints: { increment: points }, spentMinor: { increment: minor } } });
}

/** Reserved actions, and "sending" ones whose claim is older than `staleBefore`, oldest first. */
export function actionsToApply(db: CampaignsDb, shopDomain: string, staleBefore: Date): Promise<CampaignAction[]> {
  return db.campaignAction.findMany({
    where: { shopDomain, OR: [{ status: "reserved" }, { status: "sending", claimedAt: { lt: staleBefore } }] },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/**
 * Takes an action to apply: only one run wins (compare-and-set on status and
 * claim time). Returns false when another run holds or finished it.
 */
export async function claimAction(db: CampaignsDb, action: CampaignAction, now: Date): Promise<boolean> {
  const { count } = await db.campaignAction.updateMany({
    where: { id: action.id, status: action.status, claimedAt: action.claimedAt },
    data: { status: "sending", claimedAt: now },
  });
  return count === 1;
}

/** Marks a claimed action applied (with the discount Shopify confirmed, for a code action). */
export async function markApplied(db: CampaignsDb, id: string, now: Date, extra: { discountGid?: string } = {}): Promise<void> {
  await db.campaignAction.updateMany({ where: { id, status: "sending" }, data: { status: "applied", appliedAt: now, error: null, ...extra } });
}

/**
 * Gives a claimed action back for a later run after a failure that may be
 * transient (its cost stays reserved). Only for actions safe to resend: a code
 * (looked up before it is created) or a tag (adding a present tag changes nothing).
 */
export async function releaseClaim(db: CampaignsDb, id: string, error: string): Promise<void> {
  await db.campaignAction.updateMany({ where: { id, status: "sending" }, data: { status: "reserved", claimedAt: null, error: error.slice(0, 1000) } });
}

/** The other actions of the same campaign for the same customer (a Flow message waits for the customer's code). */
export function actionsOfCustomer(db: CampaignsDb, campaignId: string, customerGid: string): Promise<CampaignAction[]> {
  return db.campaignAction.findMany({ where: { campaignId, customerGid } });
}

/** Applied customer_tag actions whose tag has not been removed again. */
export function appliedTagActions(db: CampaignsDb, shopDomain: string): Promise<CampaignAction[]> {
  return db.campaignAction.findMany({ where: { shopDomain, kind: "customer_tag", status: "applied", revertedAt: null }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/** Records that these tag actions' tag came off (or that another campaign still holds it). */
export async function markReverted(db: CampaignsDb, ids: string[], now: Date): Promise<void> {
  if (ids.length) await db.campaignAction.updateMany({ where: { id: { in: ids }, revertedAt: null }, data: { revertedAt: now } });
}

export function campaignsByIds(db: CampaignsDb, ids: string[]): Promise<Campaign[]> {
  return db.campaign.findMany({ where: { id: { in: ids } } });
}

/** A reward of the shop's loyalty catalogue, or null. */
export function findReward(db: CampaignsDb, shopDomain: string, rewardId: string) {
  return db.loyaltyReward.findFirst({ where: { id: rewardId, shopDomain } });
}

/** The shop's customers with a birthday (YYYY-MM-DD), synced from Shopify. */
export async function customerBirthdays(db: CampaignsDb, shopDomain: string): Promise<Map<string, string>> {
  const rows = await db.customer.findMany({ where: { shopDomain, deletedAt: null, birthday: { not: null } }, select: { customerGid: true, birthday: true } });
  return new Map(rows.map((r) => [r.customerGid, r.birthday!]));
}

/** Marks an action failed and gives its cost back to the campaign's budget, in one transaction. */
export async function failActionAndRelease(db: CampaignsDb, action: CampaignAction, error: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockCampaign(tx, action.campaignId);
    const updated = await tx.campaignAction.updateMany({ where: { id: action.id, status: { in: ["reserved", "sending"] } }, data: { status: "failed", error } });
    if (updated.count === 0) return;
    await tx.campaign.update({
      where: { id: action.campaignId },
      data: { spentPoints: { decrement: action.points }, spentMinor: { decrement: action.costMinor } },
    });
  }, CAMPAIGN_TX_OPTIONS);
}

export function campaignActions(db: CampaignsDb, campaignId: string): Promise<CampaignAction[]> {
  return db.campaignAction.findMany({ where: { campaignId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/** What audiences are evaluated on: each customer's stored insight, with their loyalty tier. */
export interface AudienceRow {
  customerGid: string;
  layerId: string;
  lifecycleStage: string;
  churnRisk: string | null;
  tier: string | null;
}

/**
 * The shop's customers with an insight, narrowed in SQL by layer, stage and
 * churn risk when given (the rest of the audience is matched in the domain).
 */
export async function audienceRows(
  db: CampaignsDb,
  shopDomain: string,
  narrow: { layerIds?: string[]; lifecycleStages?: string[]; churnRisks?: string[]; customerGids?: string[] },
): Promise<AudienceRow[]> {
  const where: Prisma.CustomerInsightWhereInput = { shopDomain };
  if (narrow.layerIds?.length) where.layerId = { in: narrow.layerIds };
  if (narrow.lifecycleStages?.length) where.lifecycleStage = { in: narrow.lifecycleStages };
  if (narrow.churnRisks?.length) where.churnRisk = { in: narrow.churnRisks };
  const select = { customerGid: true, layerId: true, lifecycleStage: true, churnRisk: true } as const;
  let insights: { customerGid: string; layerId: string; lifecycleStage: string; churnRisk: string | null }[] = [];
  if (narrow.customerGids) {
    // Chunked: SQLite binds at most 32,766 parameters a statement.
    for (let i = 0; i < narrow.customerGids.length; i += 1000) {
      insights.push(...(await db.customerInsight.findMany({ where: { ...where, customerGid: { in: narrow.customerGids.slice(i, i + 1000) } }, select })));
    }
    insights.sort((a, b) => (a.customerGid < b.customerGid ? -1 : a.customerGid > b.customerGid ? 1 : 0));
  } else {
    insights = await db.customerInsight.findMany({ where, select, orderBy: { customerGid: "asc" } });
  }
  const accounts = await db.loyaltyAccount.findMany({ where: { shopDomain, tier: { not: null } }, select: { customerGid: true, tier: true } });
  const tiers = new Map(accounts.map((a) => [a.customerGid, a.tier]));
  return insights.map((i) => ({ ...i, tier: tiers.get(i.customerGid) ?? null }));
}

/** Layers each customer moved into in (after, upTo]. */
export async function layersEntered(db: CampaignsDb, shopDomain: string, after: Date | null, upTo: Date): Promise<Map<string, string[]>> {
  const moves = await db.layerMove.findMany({
    where: { shopDomain, movedAt: { ...(after ? { gt: after } : {}), lte: upTo } },
    select: { customerGid: true, toLayer: true },
  });
  const entered = new Map<string, string[]>();
  for (const m of moves) entered.set(m.customerGid, [...(entered.get(m.customerGid) ?? []), m.toLayer]);
  return entered;
}

/** Paid, non-test, non-cancelled orders of these customers processed in [from, to). */
export async function ordersOfCustomers(db: CampaignsDb, shopDomain: string, customerGids: string[], from: Date, to: Date) {
  const out: { customerGid: string; processedAt: Date; netMinor: bigint }[] = [];
  for (let i = 0; i < customerGids.length; i += 500) {
    const rows = await db.order.findMany({
      where: { shopDomain, customerGid: { in: customerGids.slice(i, i + 500) }, processedAt: { gte: from, lt: to }, test: false, cancelledAt: null, deletedAt: null },
      select: { customerGid: true, processedAt: true, totalPriceMinor: true, totalRefundedMinor: true },
    });
    for (const r of rows) out.push({ customerGid: r.customerGid!, processedAt: r.processedAt, netMinor: r.totalPriceMinor - r.totalRefundedMinor });
  }
  return out;
}
