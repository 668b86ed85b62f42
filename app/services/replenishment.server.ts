/**
 * Replenishment use cases (docs/storefront.md#replenishment):
 *
 * - {@link learnReplenishmentIntervals}: after a sync, learn every variant's,
 *   product's and product type's repurchase interval from the synced orders.
 * - {@link refreshDueReminders}: daily (and after learning), create reminders
 *   that became due, close the ones bought again or expired.
 * - {@link dueRemindersFor}: the signed-in shopper's open reminders (app proxy).
 * - {@link setIntervalOverride}: the merchant's interval for a product.
 * - {@link dismissReminder}: the shopper's "not now".
 */
import { appDatabaseDialect, prisma as appPrisma, type PrismaClient } from "~/db.server";
import type { SqlDialect } from "~/db/adapter.server";
import { ReplenishmentRepository, type ReplenishmentSettingsRecord } from "~/db/replenishment-repository.server";
import {
  DAY_MS,
  DEFAULT_LEARN_OPTIONS,
  DEFAULT_REMINDER_SETTINGS,
  lastPurchases,
  learnIntervals,
  planReminders,
  reconcileReminders,
  resolveInterval,
  type ReminderSettings,
} from "~/domain/replenishment";
import { logger } from "~/logger.server";

export interface ReplenishmentDeps {
  db?: PrismaClient;
  dialect?: SqlDialect;
}

function repository(deps: ReplenishmentDeps = {}): ReplenishmentRepository {
  return new ReplenishmentRepository(deps.db ?? appPrisma, deps.dialect ?? appDatabaseDialect());
}

export interface LearnSummary {
  purchaseLines: number;
  products: number;
  productsWithInterval: number;
  variantsWithInterval: number;
  productTypesWithInterval: number;
  quantityElasticity: number;
  elasticityLearned: boolean;
  shrinkage: number;
}

/**
 * Learns and stores the shop's intervals from its synced orders (replacing
 * the previous pass's), with the shop's minimum sample settings.
 * Idempotent; safe to run after every sync.
 */
export async function learnReplenishmentIntervals(shopDomain: string, deps: ReplenishmentDeps & { now?: Date } = {}): Promise<LearnSummary> {
  const repo = repository(deps);
  const [settings, lines, products] = await Promise.all([repo.settings(shopDomain), repo.purchaseLines(shopDomain), repo.products(shopDomain)]);
  const learned = learnIntervals(lines, products, { ...DEFAULT_LEARN_OPTIONS, minSamples: settings.minSamples, minCustomers: settings.minCustomers });
  await repo.replaceIntervals(shopDomain, learned, deps.now ?? new Date());
  const withDays = <T extends { days: number | null }>(m: Map<string, T>) => [...m.values()].filter((e) => e.days !== null).length;
  const summary: LearnSummary = {
    purchaseLines: lines.length,
    products: learned.byProduct.size,
    productsWithInterval: withDays(learned.byProduct),
    variantsWithInterval: withDays(learned.byVariant),
    productTypesWithInterval: withDays(learned.byProductType),
    quantityElasticity: learned.shop.quantityElasticity,
    elasticityLearned: learned.shop.elasticityLearned,
    shrinkage: learned.shop.shrinkage,
  };
  logger.info("replenishment.learned", { shop: shopDomain, ...summary });
  return summary;
}

function reminderSettings(settings: ReplenishmentSettingsRecord): ReminderSettings {
  return { ...DEFAULT_REMINDER_SETTINGS, leadDays: settings.reminderLeadDays, expireAfterDays: settings.reminderExpireDays };
}

export interface RefreshSummary {
  /** Reminders that became due. */
  created: number;
  purchased: number;
  expired: number;
}

/**
 * Brings the stored reminders up to date at `now`: creates the ones due
 * (remind date reached, not expired, cycle never reminded), marks purchased
 * those bought again, expires the stale. Nothing happens when the shop
 * switched replenishment off. Idempotent for a given `now`.
 */
export async function refreshDueReminders(shopDomain: string, now: Date, deps: ReplenishmentDeps = {}): Promise<RefreshSummary> {
  const repo = repository(deps);
  const settings = await repo.settings(shopDomain);
  if (!settings.enabled) return { created: 0, purchased: 0, expired: 0 };
  const [learned, overrides, lines, products] = await Promise.all([
    repo.intervals(shopDomain),
    repo.overrides(shopDomain),
    repo.purchaseLines(shopDomain),
    repo.products(shopDomain),
  ]);
  const typeOf = new Map(products.map((p) => [p.productGid, p.productType]));
  const rs = reminderSettings(settings);
  const planned = planReminders(
    lastPurchases(lines, rs.minGapDays, rs.maxGapDays),
    (p) => resolveInterval({ productGid: p.productGid, variantGid: p.variantGid, productType: typeOf.get(p.productGid) ?? null }, learned, overrides),
    rs,
    now.getTime(),
  );
  const dueCycles = planned.filter((p) => p.phase === "due").map((p) => p.at);
  const since = dueCycles.length ? new Date(Math.min(...dueCycles)) : null;
  const stored = await repo.remindersToReconcile(shopDomain, since);
  const changes = reconcileReminders(stored, planned, now.getTime());
  await repo.applyReminderChanges(shopDomain, changes, now);
  const summary = {
    created: changes.create.length,
    purchased: changes.update.filter((u) => u.status === "purchased").length,
    expired: changes.update.filter((u) => u.status === "expired").length,
  };
  logger.info("replenishment.reminders_refreshed", { shop: shopDomain, ...summary });
  return summary;
}

/** A reminder as the storefront shows it. */
export interface DueReminder {
  id: string;
  productGid: string;
  /** The variant last bought: add-to-cart offers it (null when unknown). */
  variantGid: string | null;
  productTitle: string;
  productHandle: string | null;
  quantity: number;
  dueAt: Date;
  /** Whole days until the due date (negative: overdue). */
  daysLeft: number;
  status: "due" | "sent";
}

/**
 * The customer's open reminders at `now`, soonest due first. A reminder whose
 * product was deleted is left out.
 */
export async function dueRemindersFor(shopDomain: string, customerGid: string, now: Date, deps: ReplenishmentDeps = {}): Promise<DueReminder[]> {
  const repo = repository(deps);
  const rows = await repo.openRemindersOf(shopDomain, customerGid, now);
  if (rows.length === 0) return [];
  const db = deps.db ?? appPrisma;
  const products = await db.product.findMany({
    where: { shopDomain, productGid: { in: [...new Set(rows.map((r) => r.productGid))] } },
    select: { productGid: true, title: true, handle: true, status: true },
  });
  const byGid = new Map(products.map((p) => [p.productGid, p]));
  const out: DueReminder[] = [];
  for (const row of rows) {
    const product = byGid.get(row.productGid);
    if (!product || (product.status !== null && product.status !== "ACTIVE")) continue;
    out.push({
      id: row.id,
      productGid: row.productGid,
      variantGid: row.variantGid,
      productTitle: product.title,
      productHandle: product.handle,
      quantity: row.quantity,
      dueAt: row.dueAt,
      daysLeft: Math.round((row.dueAt.getTime() - now.getTime()) / DAY_MS),
      status: row.status as "due" | "sent",
    });
  }
  return out;
}

/**
 * Sets (days ≥ 1, integer) or removes (null) the merchant's interval for a
 * product. Takes effect at the next {@link refreshDueReminders}.
 *
 * @throws RangeError for days that are not a whole number from 1 to 730.
 */
export async function setIntervalOverride(shopDomain: string, productGid: string, days: number | null, deps: ReplenishmentDeps = {}): Promise<void> {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > 730)) {
    throw new RangeError(`An interval override is a whole number of days from 1 to 730, got ${days}`);
  }
  await repository(deps).setOverride(shopDomain, productGid, days);
}

/** The shopper's "not now": the reminder's cycle is over. False when the customer has no such open reminder. */
export async function dismissReminder(shopDomain: string, customerGid: string, reminderId: string, now: Date, deps: ReplenishmentDeps = {}): Promise<boolean> {
  return repository(deps).setReminderStatus(shopDomain, customerGid, reminderId, "dismissed", now);
}

/** Updates the shop's reminder settings. */
export async function updateReplenishmentSettings(
  shopDomain: string,
  patch: Partial<Pick<ReplenishmentSettingsRecord, "enabled" | "reminderLeadDays" | "reminderExpireDays" | "minSamples" | "minCustomers">>,
  deps: ReplenishmentDeps = {},
): Promise<ReplenishmentSettingsRecord> {
  for (const [key, value] of Object.entries(patch)) {
    if (typeof value === "number" && (!Number.isInteger(value) || value < (key === "minSamples" || key === "minCustomers" ? 1 : 0) || value > 365)) {
      throw new RangeError(`${key} must be a whole number from ${key.startsWith("min") ? 1 : 0} to 365, got ${value}`);
    }
  }
  return repository(deps).updateSettings(shopDomain, patch);
}
