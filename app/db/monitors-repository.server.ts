/**
 * Storage of the monitors (app/services/monitors.server.ts): alerts
 * (MetricAlert), monthly readings (MonitorReading), the merchant's thresholds
 * (MonitorSettings), and the alert's Flow trigger written into the existing
 * outbox (FlowTriggerEvent, sent by app/services/flow-triggers.server.ts) in
 * the same transaction as the alert, so an alert and its trigger exist
 * together or not at all.
 */
import { randomUUID } from "node:crypto";
import { Prisma, type MetricAlert, type PrismaClient } from "~/generated/prisma/client";

export type MonitorsDb = PrismaClient;

export type AlertStatus = "open" | "acknowledged" | "resolved";
export const ALERT_STATUSES: readonly AlertStatus[] = ["open", "acknowledged", "resolved"];

export async function storedThresholds(db: MonitorsDb, shopDomain: string): Promise<Record<string, unknown>> {
  const row = await db.monitorSettings.findUnique({ where: { shopDomain } });
  if (!row) return {};
  try {
    const parsed = JSON.parse(row.thresholds) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function saveThresholds(db: MonitorsDb, shopDomain: string, thresholds: Record<string, number>, now: Date): Promise<void> {
  const json = JSON.stringify(thresholds);
  await db.monitorSettings.upsert({ where: { shopDomain }, create: { shopDomain, thresholds: json, updatedAt: now }, update: { thresholds: json, updatedAt: now } });
}

/** The month's reading, replaced by later readings in the same month. */
export async function upsertReading(db: MonitorsDb, row: { shopDomain: string; metric: string; period: string; value: number; measuredAt: Date }): Promise<void> {
  const { shopDomain, metric, period, value, measuredAt } = row;
  await db.monitorReading.upsert({
    where: { shopDomain_metric_period: { shopDomain, metric, period } },
    create: row,
    update: { value, measuredAt },
  });
}

export async function readings(db: MonitorsDb, shopDomain: string, metrics: string[], fromPeriod: string): Promise<{ metric: string; period: string; value: number }[]> {
  return db.monitorReading.findMany({
    where: { shopDomain, metric: { in: metrics }, period: { gte: fromPeriod } },
    select: { metric: true, period: true, value: true },
    orderBy: [{ metric: "asc" }, { period: "asc" }],
  });
}

export interface NewAlert {
  shopDomain: string;
  metric: string;
  period: string;
  level: string;
  value: number;
  threshold: number;
}

export interface AlertTrigger {
  handle: string;
  eventKey: string;
  payload: Record<string, string | number>;
}

/**
 * Inserts the alert and its Flow trigger (a "pending" outbox row) in one
 * transaction. Returns false, writing nothing, when the shop already has the
 * alert (same metric, period and level), whether found first or lost to a
 * concurrent run at the unique key.
 */
export async function insertAlertWithTrigger(db: MonitorsDb, alert: NewAlert, trigger: AlertTrigger, now: Date): Promise<boolean> {
  const key = { shopDomain: alert.shopDomain, metric: alert.metric, period: alert.period, level: alert.level };
  if (await db.metricAlert.findUnique({ where: { shopDomain_metric_period_level: key }, select: { id: true } })) return false;
  try {
    await db.$transaction(async (tx) => {
      await tx.metricAlert.create({ data: { id: randomUUID(), ...alert, status: "open", createdAt: now } });
      await tx.flowTriggerEvent.create({
        data: {
          id: randomUUID(), shopDomain: alert.shopDomain, eventKey: trigger.eventKey,
          // A shop-level event: about no customer (customers/redact never matches it).
          customerGid: "",
          handle: trigger.handle, payload: JSON.stringify(trigger.payload), status: "pending", createdAt: now,
        },
      });
    });
    return true;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
    throw error;
  }
}

/** Open and acknowledged alerts of these metrics become resolved; returns how many. */
export async function resolveAlerts(db: MonitorsDb, shopDomain: string, metrics: string[], now: Date): Promise<number> {
  if (metrics.length === 0) return 0;
  const { count } = await db.metricAlert.updateMany({
    where: { shopDomain, metric: { in: metrics }, status: { in: ["open", "acknowledged"] } },
    data: { status: "resolved", resolvedAt: now },
  });
  return count;
}

/** Open -> acknowledged; false when the shop has no such open alert. */
export async function acknowledge(db: MonitorsDb, shopDomain: string, id: string, now: Date): Promise<boolean> {
  const { count } = await db.metricAlert.updateMany({ where: { shopDomain, id, status: "open" }, data: { status: "acknowledged", acknowledgedAt: now } });
  return count === 1;
}

/**
 * A page of the shop's alerts, newest first (keyset on createdAt, id: the
 * index [shopDomain, status, createdAt] serves the status filter).
 * @param after the last row of the previous page
 */
export async function alertPage(
  db: MonitorsDb,
  shopDomain: string,
  options: { statuses?: AlertStatus[]; after?: { createdAt: Date; id: string } | null; take: number },
): Promise<MetricAlert[]> {
  const { statuses, after, take } = options;
  return db.metricAlert.findMany({
    where: {
      shopDomain,
      ...(statuses ? { status: { in: statuses } } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
  });
}

export async function findAlert(db: MonitorsDb, shopDomain: string, id: string): Promise<MetricAlert | null> {
  return db.metricAlert.findFirst({ where: { shopDomain, id } });
}

export async function countAlerts(db: MonitorsDb, shopDomain: string, statuses: AlertStatus[]): Promise<number> {
  return db.metricAlert.count({ where: { shopDomain, status: { in: statuses } } });
}

/** Customers with a churn-risk level, by level (aggregated in the database). */
export async function churnRiskCounts(db: MonitorsDb, shopDomain: string): Promise<Record<string, number>> {
  const groups = await db.customerInsight.groupBy({ by: ["churnRisk"], where: { shopDomain, churnRisk: { not: null } }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.churnRisk as string, g._count._all]));
}
