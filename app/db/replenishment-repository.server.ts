/**
 * Replenishment storage: the purchase lines learning reads (from synced
 * orders), learned intervals, overrides, settings and reminders
 * (prisma/schema.prisma, "Replenishment").
 *
 * What counts as a purchase is what counts for customer intelligence
 * (purchase-histories.server.ts): a not deleted customer's order that is not
 * cancelled, not a test, not deleted, and paid (PAID, PARTIALLY_PAID,
 * PARTIALLY_REFUNDED). Lines without a product (custom items, deleted
 * products) are left out.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";
import type {
  IntervalEstimate,
  LearnedIntervals,
  PlannedReminder,
  ProductInfo,
  ProductPurchase,
  ReminderStatus,
  ShopReplenishment,
  StoredReminder,
} from "~/domain/replenishment";
import type { SqlDialect } from "./adapter.server";
import { PURCHASE_FINANCIAL_STATUSES } from "./purchase-histories.server";

export type ReplenishmentDb = Pick<
  PrismaClient,
  | "$queryRawUnsafe"
  | "$transaction"
  | "replenishmentInterval"
  | "replenishmentOverride"
  | "replenishmentSettings"
  | "replenishmentReminder"
  | "product"
>;

export interface ReplenishmentSettingsRecord {
  shopDomain: string;
  enabled: boolean;
  reminderLeadDays: number;
  reminderExpireDays: number;
  minSamples: number;
  minCustomers: number;
  quantityElasticity: number | null;
  elasticityLearned: boolean;
  shrinkage: number | null;
  learnedAt: Date | null;
}

/** The schema's defaults. */
export const DEFAULT_REPLENISHMENT_SETTINGS = Object.freeze({
  enabled: true,
  reminderLeadDays: 7,
  reminderExpireDays: 30,
  minSamples: 5,
  minCustomers: 3,
  quantityElasticity: null,
  elasticityLearned: false,
  shrinkage: null,
  learnedAt: null,
});

interface LineRow {
  customerGid: string;
  productGid: string;
  variantGid: string | null;
  processedAt: Date | string | number;
  quantity: number | bigint | string;
}

function toMs(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`replenishment: unreadable timestamp ${JSON.stringify(value)}`);
  return ms;
}

const statusList = PURCHASE_FINANCIAL_STATUSES.map((s) => `'${s}'`).join(",");

/** Rows written per createMany (SQLite allows 32,766 bound values). */
const WRITE_CHUNK = 500;

function chunks<T>(items: readonly T[], size = WRITE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class ReplenishmentRepository {
  constructor(
    private readonly db: ReplenishmentDb,
    private readonly dialect: SqlDialect,
  ) {}

  private p(n: number): string {
    return this.dialect === "postgresql" ? `$${n}` : "?";
  }

  /**
   * Counted purchase lines with a product, of every customer of the shop, or
   * of one customer. One query; memory is one small object per line.
   */
  async purchaseLines(shopDomain: string, customerGid?: string): Promise<ProductPurchase[]> {
    const sql =
      `SELECT o."customerGid" AS "customerGid", l."productGid" AS "productGid", l."variantGid" AS "variantGid",` +
      ` o."processedAt" AS "processedAt", l."quantity" AS "quantity"` +
      ` FROM "Order" o` +
      ` JOIN "Customer" c ON c."shopDomain" = o."shopDomain" AND c."customerGid" = o."customerGid" AND c."deletedAt" IS NULL` +
      ` JOIN "OrderLineItem" l ON l."shopDomain" = o."shopDomain" AND l."orderGid" = o."orderGid"` +
      ` WHERE o."shopDomain" = ${this.p(1)}${customerGid ? ` AND o."customerGid" = ${this.p(2)}` : ""}` +
      ` AND o."cancelledAt" IS NULL AND o."deletedAt" IS NULL AND NOT o."test"` +
      ` AND o."financialStatus" IN (${statusList}) AND l."productGid" IS NOT NULL AND l."quantity" > 0`;
    const rows = await this.db.$queryRawUnsafe<LineRow[]>(sql, ...(customerGid ? [shopDomain, customerGid] : [shopDomain]));
    return rows.map((r) => ({
      customerGid: r.customerGid,
      productGid: r.productGid,
      variantGid: r.variantGid,
      at: toMs(r.processedAt),
      quantity: Number(r.quantity),
    }));
  }

  async products(shopDomain: string): Promise<(ProductInfo & { title: string; handle: string | null })[]> {
    return this.db.product.findMany({ where: { shopDomain }, select: { productGid: true, productType: true, title: true, handle: true } });
  }

  async settings(shopDomain: string): Promise<ReplenishmentSettingsRecord> {
    const row = await this.db.replenishmentSettings.findUnique({ where: { shopDomain } });
    return row ?? { shopDomain, ...DEFAULT_REPLENISHMENT_SETTINGS };
  }

  async updateSettings(
    shopDomain: string,
    patch: Partial<Omit<ReplenishmentSettingsRecord, "shopDomain">>,
  ): Promise<ReplenishmentSettingsRecord> {
    return this.db.replenishmentSettings.upsert({
      where: { shopDomain },
      create: { shopDomain, ...DEFAULT_REPLENISHMENT_SETTINGS, ...patch },
      update: patch,
    });
  }

  /** Replaces every learned interval of the shop and records the shop-level results, in one transaction. */
  async replaceIntervals(shopDomain: string, learned: LearnedIntervals, learnedAt: Date): Promise<number> {
    const estimates = [...learned.byVariant.values(), ...learned.byProduct.values(), ...learned.byProductType.values()];
    const rows = estimates.map((e) => ({ shopDomain, ...e, learnedAt }));
    const shop = learned.shop;
    await this.db.$transaction(async (tx) => {
      await tx.replenishmentInterval.deleteMany({ where: { shopDomain } });
      for (const chunk of chunks(rows)) await tx.replenishmentInterval.createMany({ data: chunk });
      await tx.replenishmentSettings.upsert({
        where: { shopDomain },
        create: { shopDomain, ...DEFAULT_REPLENISHMENT_SETTINGS, ...shopFields(shop), learnedAt },
        update: { ...shopFields(shop), learnedAt },
      });
    });
    return rows.length;
  }

  /** The shop's learned intervals as the domain's maps (empty before the first pass). */
  async intervals(shopDomain: string): Promise<LearnedIntervals> {
    const [rows, settings] = await Promise.all([this.db.replenishmentInterval.findMany({ where: { shopDomain } }), this.settings(shopDomain)]);
    const learned: LearnedIntervals = {
      shop: {
        quantityElasticity: settings.quantityElasticity ?? 1,
        elasticityLearned: settings.elasticityLearned,
        shrinkage: settings.shrinkage ?? 0,
        days: null,
      },
      byVariant: new Map(),
      byProduct: new Map(),
      byProductType: new Map(),
    };
    for (const row of rows) {
      const { shopDomain: _shop, learnedAt: _at, ...rest } = row;
      const estimate = rest as IntervalEstimate;
      const map = estimate.scope === "variant" ? learned.byVariant : estimate.scope === "product" ? learned.byProduct : learned.byProductType;
      map.set(estimate.key, estimate);
    }
    return learned;
  }

  async overrides(shopDomain: string): Promise<Map<string, number>> {
    const rows = await this.db.replenishmentOverride.findMany({ where: { shopDomain } });
    return new Map(rows.map((r) => [r.productGid, r.days]));
  }

  async setOverride(shopDomain: string, productGid: string, days: number | null): Promise<void> {
    if (days === null) {
      await this.db.replenishmentOverride.deleteMany({ where: { shopDomain, productGid } });
      return;
    }
    await this.db.replenishmentOverride.upsert({
      where: { shopDomain_productGid: { shopDomain, productGid } },
      create: { shopDomain, productGid, days },
      update: { days },
    });
  }

  /**
   * The stored reminders reconciliation must see: every open one (due, sent)
   * and every one whose cycle started at or after `sinceCycle` (the oldest
   * cycle that could be created now), whatever its status.
   */
  async remindersToReconcile(shopDomain: string, sinceCycle: Date | null): Promise<StoredReminder[]> {
    const rows = await this.db.replenishmentReminder.findMany({
      where: {
        shopDomain,
        OR: [{ status: { in: ["due", "sent"] } }, ...(sinceCycle ? [{ cycleStartedAt: { gte: sinceCycle } }] : [])],
      },
      select: { id: true, customerGid: true, productGid: true, cycleStartedAt: true, expiresAt: true, status: true },
    });
    return rows.map((r) => ({ ...r, cycleStartedAt: r.cycleStartedAt.getTime(), expiresAt: r.expiresAt.getTime(), status: r.status as ReminderStatus }));
  }

  /** Creates due reminders and applies status changes, in one transaction. */
  async applyReminderChanges(
    shopDomain: string,
    changes: { create: readonly PlannedReminder[]; update: readonly { id: string; status: ReminderStatus }[] },
    now: Date,
  ): Promise<void> {
    const rows = changes.create.map((p) => ({
      id: randomUUID(),
      shopDomain,
      customerGid: p.customerGid,
      productGid: p.productGid,
      variantGid: p.variantGid,
      cycleStartedAt: new Date(p.at),
      quantity: Math.round(p.quantity),
      intervalDays: p.intervalDays,
      intervalSource: p.intervalSource,
      dueAt: new Date(p.dueAt),
      remindAt: new Date(p.remindAt),
      expiresAt: new Date(p.expiresAt),
      status: "due",
      statusChangedAt: now,
      createdAt: now,
    }));
    const byStatus = new Map<ReminderStatus, string[]>();
    for (const u of changes.update) byStatus.set(u.status, [...(byStatus.get(u.status) ?? []), u.id]);
    await this.db.$transaction(async (tx) => {
      for (const chunk of chunks(rows)) await tx.replenishmentReminder.createMany({ data: chunk });
      for (const [status, ids] of byStatus) {
        for (const chunk of chunks(ids)) await tx.replenishmentReminder.updateMany({ where: { shopDomain, id: { in: chunk } }, data: { status, statusChangedAt: now } });
      }
    });
  }

  /** A customer's reminders that are open (due or sent) and not expired at `now`, soonest due first. */
  async openRemindersOf(shopDomain: string, customerGid: string, now: Date) {
    return this.db.replenishmentReminder.findMany({
      where: { shopDomain, customerGid, status: { in: ["due", "sent"] }, remindAt: { lte: now }, expiresAt: { gt: now } },
      orderBy: [{ dueAt: "asc" }, { productGid: "asc" }],
    });
  }

  /** Moves one of the customer's open reminders to `status`; false when there is none with that id for that customer. */
  async setReminderStatus(shopDomain: string, customerGid: string, id: string, status: ReminderStatus, now: Date): Promise<boolean> {
    const { count } = await this.db.replenishmentReminder.updateMany({
      where: { shopDomain, customerGid, id, status: { in: ["due", "sent"] } },
      data: { status, statusChangedAt: now },
    });
    return count > 0;
  }
}

function shopFields(shop: ShopReplenishment) {
  return { quantityElasticity: shop.quantityElasticity, elasticityLearned: shop.elasticityLearned, shrinkage: shop.shrinkage };
}
