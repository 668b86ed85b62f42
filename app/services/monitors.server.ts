/**
 * Monitors and alerts on the strategy's level-one metrics (docs/campaigns.md,
 * "Monitors and alerts"): the job `runMonitorsForShop` (daily on the job
 * queue) measures each metric's monthly series, judges it with
 * app/domain/analytics/monitors.ts, stores each new alert once per (metric,
 * period, level) with one "metric alert" Flow trigger in the outbox
 * (extensions/evergreen-metric-alert, sent at most once by the Flow trigger
 * job), and resolves the alerts of metrics that recovered. The admin lists
 * alerts, acknowledges them, and edits the thresholds.
 *
 * Where each series comes from:
 * - 30/60/90-day retention: per first-purchase cohort month, once every member
 *   of the cohort has had the window (matured), so history is there from the
 *   first run;
 * - LTV/CAC: per cohort month, blended CAC against the merchant's alert
 *   threshold (ShopSettings.ltvCacAlert, edited with the CAC in settings);
 * - repeat-purchase rate and the share of customers at high churn risk: no
 *   history of their own, so each run records the month's reading
 *   (MonitorReading) and escalation looks back on those.
 */
import type { SqlDialect } from "~/db/adapter.server";
import {
  acknowledge,
  alertPage,
  churnRiskCounts,
  countAlerts,
  insertAlertWithTrigger,
  readings,
  resolveAlerts,
  saveThresholds,
  storedThresholds,
  upsertReading,
  type AlertStatus,
} from "~/db/monitors-repository.server";
import { cohortLtvAt, formatMonth, monthIndexOf, type MonthlyValue } from "~/domain/analytics";
import { ltvToCac } from "~/domain/analytics/ltv-cac";
import {
  EDITABLE_MONITOR_METRICS,
  ESCALATION_MONTHS,
  evaluateMonitors,
  isMonitorMetric,
  MONITOR_SPECS,
  resolveThresholds,
  type MetricStatus,
  type MonitorLevel,
  type MonitorMetric,
  type MonitorThresholds,
} from "~/domain/analytics/monitors";
import type { PrismaClient } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import { getAcquisitionCost, LTV_CAC_HORIZON_MONTHS } from "./acquisition-cost.server";
import { getRetentionAnalytics } from "./intelligence.server";

/** The "metric alert" Flow trigger (extensions/evergreen-metric-alert). */
export const METRIC_ALERT_HANDLE = "evergreen-metric-alert";
/** Readings older than this are not needed for escalation. */
const READING_LOOKBACK_MONTHS = 12;

export interface MonitorDeps {
  db: PrismaClient;
  dialect: SqlDialect;
}


/** The shop's thresholds: its own over the defaults; LTV/CAC's from the acquisition-cost settings. */
export async function getMonitorThresholds(shopDomain: string, deps: { db: PrismaClient }): Promise<MonitorThresholds> {
  const [stored, cost] = await Promise.all([storedThresholds(deps.db, shopDomain), getAcquisitionCost(shopDomain, { db: deps.db })]);
  // A stored value that no longer validates (a range narrowed since) falls back to the default.
  const { thresholds } = resolveThresholds(Object.fromEntries(Object.entries(stored).filter(([k, v]) => resolveThresholds({ [k]: v }).errors.length === 0)));
  return { ...thresholds, ltvToCac: cost.thresholds.alert };
}

export type ThresholdFieldErrors = Partial<Record<MonitorMetric, { min: number; max: number }>>;

/**
 * Saves the merchant's thresholds from the alerts page's form: shares are
 * typed as percentages ("15" = 15%). Every field is checked; nothing is saved
 * when one is wrong.
 */
export async function setMonitorThresholds(
  shopDomain: string,
  form: Record<string, string | undefined>,
  deps: { db: PrismaClient; now?: () => Date },
): Promise<{ ok: true; thresholds: MonitorThresholds } | { ok: false; errors: ThresholdFieldErrors }> {
  const values: Record<string, unknown> = {};
  const errors: ThresholdFieldErrors = {};
  for (const metric of EDITABLE_MONITOR_METRICS) {
    const spec = MONITOR_SPECS[metric];
    const scale = spec.unit === "share" ? 100 : 1;
    const raw = form[metric]?.trim() ?? "";
    const typed = raw === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(typed)) {
      errors[metric] = { min: spec.min * scale, max: spec.max * scale };
      continue;
    }
    values[metric] = typed / scale;
  }
  for (const e of resolveThresholds(values).errors) {
    const scale = MONITOR_SPECS[e.metric].unit === "share" ? 100 : 1;
    errors[e.metric] = { min: e.min * scale, max: e.max * scale };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  await saveThresholds(deps.db, shopDomain, values as Record<string, number>, (deps.now ?? (() => new Date()))());
  return { ok: true, thresholds: await getMonitorThresholds(shopDomain, deps) };
}

/** The monthly series of every monitored metric as of `now` (readings for this month are recorded on the way). */
async function measureSeries(shopDomain: string, now: Date, deps: MonitorDeps): Promise<Partial<Record<MonitorMetric, MonthlyValue[]>>> {
  const { db } = deps;
  const [analysis, cost, churn] = await Promise.all([
    getRetentionAnalytics(shopDomain, { ...deps, asOf: now }),
    getAcquisitionCost(shopDomain, { db }),
    churnRiskCounts(db, shopDomain),
  ]);
  const series: Partial<Record<MonitorMetric, MonthlyValue[]>> = {};
  for (const [metric, days] of [["retention30", 30], ["retention60", 60], ["retention90", 90]] as const) {
    // Only cohorts whose every member has had the window: a maturing cohort's rate still moves.
    series[metric] = analysis.cohorts
      .filter((c) => c.retention[days] && c.retention[days].maturing === 0 && c.retention[days].rate !== null)
      .map((c) => ({ month: c.month, value: c.retention[days].rate }));
  }
  try {
    series.ltvToCac = ltvToCac(cohortLtvAt(analysis.cohorts, LTV_CAC_HORIZON_MONTHS - 1), cost.cacByMonth, cost.thresholds)
      .filter((p) => p.channel === null && Number.isFinite(p.ratio))
      .map((p) => ({ month: p.month, value: p.ratio }));
  } catch (error) {
    // Thresholds or CAC the settings page should have refused: skip the metric rather than fail every monitor.
    if (!(error instanceof RangeError)) throw error;
    logger.warn("monitors.ltv_cac_skipped", { shop: shopDomain, error: error.message });
  }

  const period = formatMonth(monthIndexOf(now.getTime()));
  const scored = Object.values(churn).reduce((a, b) => a + b, 0);
  const current: [MonitorMetric, number | null][] = [
    ["repeatRate", analysis.shop.repeatRate],
    ["highChurnRiskShare", scored > 0 ? (churn.high ?? 0) / scored : null],
  ];
  for (const [metric, value] of current) {
    if (value !== null) await upsertReading(db, { shopDomain, metric, period, value, measuredAt: now });
  }
  const from = formatMonth(monthIndexOf(now.getTime()) - READING_LOOKBACK_MONTHS);
  for (const r of await readings(db, shopDomain, current.map(([m]) => m), from)) {
    if (!isMonitorMetric(r.metric)) continue;
    (series[r.metric] ??= []).push({ month: r.period, value: r.value });
  }
  return series;
}

export interface MonitorRun {
  /** New alerts stored (each with one Flow trigger queued). */
  raised: { metric: MonitorMetric; level: MonitorLevel; period: string }[];
  /** Alerts resolved because their metric recovered. */
  resolved: number;
  statuses: MetricStatus[];
}

/**
 * Measures every monitored metric, stores new alerts (with their Flow
 * trigger) and resolves recovered metrics' alerts. Idempotent: a rerun in the
 * same period raises nothing new and queues no trigger; safe concurrently (the
 * alert's unique key decides).
 */
export async function runMonitorsForShop(shopDomain: string, now: Date, deps: MonitorDeps): Promise<MonitorRun> {
  const [series, thresholds] = await Promise.all([measureSeries(shopDomain, now, deps), getMonitorThresholds(shopDomain, deps)]);
  const evaluation = evaluateMonitors(series, thresholds, ESCALATION_MONTHS);
  const raised: MonitorRun["raised"] = [];
  for (const f of evaluation.findings) {
    const inserted = await insertAlertWithTrigger(
      deps.db,
      { shopDomain, metric: f.metric, period: f.period, level: f.level, value: f.value, threshold: f.threshold },
      {
        handle: METRIC_ALERT_HANDLE,
        eventKey: `metric-alert:${f.metric}:${f.period}:${f.level}`,
        payload: { metric: f.metric, value: roundForFlow(f.value), threshold: roundForFlow(f.threshold), level: f.level, period: f.period },
      },
      now,
    );
    if (inserted) raised.push({ metric: f.metric, level: f.level, period: f.period });
  }
  const resolved = await resolveAlerts(deps.db, shopDomain, evaluation.recovered, now);
  if (raised.length || resolved) logger.info("monitors.ran", { shop: shopDomain, raised: raised.length, resolved });
  return { raised, resolved, statuses: evaluation.statuses };
}

const roundForFlow = (x: number) => Math.round(x * 10_000) / 10_000;

export interface MetricAlertView {
  id: string;
  metric: MonitorMetric;
  unit: "share" | "ratio";
  period: string;
  level: MonitorLevel;
  value: number;
  threshold: number;
  status: AlertStatus;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

const view = (a: { id: string; metric: string; period: string; level: string; value: number; threshold: number; status: string; createdAt: Date; acknowledgedAt: Date | null; resolvedAt: Date | null }): MetricAlertView => {
  const metric = a.metric as MonitorMetric;
  return {
    id: a.id, metric, unit: MONITOR_SPECS[metric]?.unit ?? "share", period: a.period, level: a.level as MonitorLevel, value: a.value, threshold: a.threshold,
    status: a.status as AlertStatus, createdAt: a.createdAt.toISOString(), acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null, resolvedAt: a.resolvedAt?.toISOString() ?? null,
  };
};

export const ALERTS_PAGE_SIZE = 25;

/** Cursor of a page of alerts: "<createdAt ms>.<id>". */
export function alertCursor(a: MetricAlertView): string {
  return `${new Date(a.createdAt).getTime()}.${a.id}`;
}

function parseCursor(cursor: string | null | undefined): { createdAt: Date; id: string } | null {
  const match = cursor ? /^(\d{1,15})\.([\w-]{1,64})$/.exec(cursor) : null;
  return match ? { createdAt: new Date(Number(match[1])), id: match[2] } : null;
}

/**
 * A page of alerts, newest first; `filter` "active" (open and acknowledged) or "all".
 * A malformed cursor starts from the first page.
 */
export async function listMetricAlerts(
  shopDomain: string,
  options: { filter?: "active" | "all"; cursor?: string | null; pageSize?: number },
  deps: { db: PrismaClient },
): Promise<{ alerts: MetricAlertView[]; nextCursor: string | null; open: number }> {
  const take = options.pageSize ?? ALERTS_PAGE_SIZE;
  const statuses: AlertStatus[] | undefined = options.filter === "all" ? undefined : ["open", "acknowledged"];
  const [rows, open] = await Promise.all([
    alertPage(deps.db, shopDomain, { statuses, after: parseCursor(options.cursor), take: take + 1 }),
    countAlerts(deps.db, shopDomain, ["open"]),
  ]);
  const alerts = rows.slice(0, take).map(view);
  return { alerts, nextCursor: rows.length > take ? alertCursor(alerts[alerts.length - 1]) : null, open };
}

/** The dashboard's open alerts: the newest few and how many are open in all. */
export async function openMetricAlerts(shopDomain: string, deps: { db: PrismaClient }, limit = 5): Promise<{ alerts: MetricAlertView[]; open: number }> {
  const [rows, open] = await Promise.all([alertPage(deps.db, shopDomain, { statuses: ["open"], take: limit }), countAlerts(deps.db, shopDomain, ["open"])]);
  return { alerts: rows.map(view), open };
}

export class MetricAlertNotFoundError extends Error {
  constructor(readonly alertId: string) {
    super(`No open alert ${alertId}`);
    this.name = "MetricAlertNotFoundError";
  }
}

/**
 * Marks an open alert acknowledged (it stays listed until its metric recovers).
 * @throws MetricAlertNotFoundError when the shop has no open alert with that id.
 */
export async function acknowledgeMetricAlert(shopDomain: string, alertId: string, deps: { db: PrismaClient; now?: () => Date }): Promise<void> {
  if (!(await acknowledge(deps.db, shopDomain, alertId, (deps.now ?? (() => new Date()))()))) throw new MetricAlertNotFoundError(alertId);
}
