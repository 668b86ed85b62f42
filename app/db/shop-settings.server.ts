/**
 * A shop's write-back choices (`ShopSettings`): whether Evergreen also tags
 * customers with their layer, lifecycle stage and churn risk, and the prefix
 * its tags start with. One row per shop; a shop without a row has the
 * defaults, and the row is created on the first update.
 */
import type { PrismaClient } from "~/generated/prisma/client";

export type ShopSettingsDb = Pick<PrismaClient, "shopSettings">;

export interface ShopSettingsRecord {
  shopDomain: string;
  insightTagsEnabled: boolean;
  insightTagPrefix: string;
  /** null until the shop's row exists (defaults in force). */
  updatedAt: Date | null;
}

/** The schema's defaults (prisma/schema.prisma): tags off, prefix "evergreen-". */
export const DEFAULT_SHOP_SETTINGS = Object.freeze({ insightTagsEnabled: false, insightTagPrefix: "evergreen-" });

export class ShopSettingsRepository {
  constructor(private readonly db: ShopSettingsDb) {}

  /** The shop's settings, or the defaults when it has no row (nothing is written). */
  async get(shopDomain: string): Promise<ShopSettingsRecord> {
    const row = await this.db.shopSettings.findUnique({ where: { shopDomain } });
    return row ?? { shopDomain, ...DEFAULT_SHOP_SETTINGS, updatedAt: null };
  }

  /** Writes the given fields (creating the row with defaults for the others). */
  async update(shopDomain: string, patch: Partial<Pick<ShopSettingsRecord, "insightTagsEnabled" | "insightTagPrefix">>): Promise<ShopSettingsRecord> {
    return this.db.shopSettings.upsert({
      where: { shopDomain },
      create: { shopDomain, ...DEFAULT_SHOP_SETTINGS, ...patch },
      update: patch,
    });
  }
}
