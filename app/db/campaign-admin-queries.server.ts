/**
 * The campaign admin pages' reads (app/services/campaign-admin.server.ts):
 * a keyset page of the shop's campaigns and, per campaign on the page, the
 * customers reached per arm, counted in the database.
 */
import type { Campaign, PrismaClient } from "~/generated/prisma/client";

export type CampaignAdminDb = PrismaClient;

/** Campaigns newest first; `after` is the last row of the previous page. */
export async function campaignPage(
  db: CampaignAdminDb,
  shopDomain: string,
  options: { after?: { createdAt: Date; id: string } | null; take: number },
): Promise<Campaign[]> {
  const { after, take } = options;
  return db.campaign.findMany({
    where: {
      shopDomain,
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
  });
}

export async function countCampaigns(db: CampaignAdminDb, shopDomain: string): Promise<Record<string, number>> {
  const groups = await db.campaign.groupBy({ by: ["status"], where: { shopDomain }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

/** Assigned customers per campaign and arm. */
export async function reachedByArm(db: CampaignAdminDb, campaignIds: string[]): Promise<Map<string, { treatment: number; control: number }>> {
  const out = new Map<string, { treatment: number; control: number }>(campaignIds.map((id) => [id, { treatment: 0, control: 0 }]));
  if (campaignIds.length === 0) return out;
  const groups = await db.campaignAssignment.groupBy({ by: ["campaignId", "arm"], where: { campaignId: { in: campaignIds } }, _count: { _all: true } });
  for (const g of groups) {
    const row = out.get(g.campaignId);
    if (row && (g.arm === "treatment" || g.arm === "control")) row[g.arm] = g._count._all;
  }
  return out;
}
