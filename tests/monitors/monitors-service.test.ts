/**
 * The monitors service on a real database (SQLite locally, PostgreSQL with
 * `npm run test:postgres`) and the local dev store: a run measures the
 * level-one metrics from synced orders and churn-risk scores, stores each new
 * alert once with one Flow trigger in the outbox, a rerun (or a concurrent
 * run) adds nothing, the outbox delivers each trigger to flowTriggerReceive
 * once, recovered metrics resolve, and the admin's list, acknowledge and
 * threshold edits behave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { fireDueFlowTriggers } from "~/services/flow-triggers.server";
import {
  acknowledgeMetricAlert,
  getMonitorThresholds,
  listMetricAlerts,
  METRIC_ALERT_HANDLE,
  MetricAlertNotFoundError,
  openMetricAlerts,
  runMonitorsForShop,
  setMonitorThresholds,
  type MonitorDeps,
} from "~/services/monitors.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { readFlowTriggerHandles } from "../../dev-store/app-extensions";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let tdb: TestDatabase;
let db: PrismaClient;
let deps: MonitorDeps;
let dev: TestDevStore;
const NOW = new Date("2026-12-15T09:00:00Z");
const DAY = 86_400_000;
let seq = 0;

/**
 * Three cohorts (June, July, August 2026) of ten buyers each; one buyer per
 * cohort orders again 10 days later: 30/60/90-day retention 10% in every
 * cohort (below 30-day's 15%, above 60/90-day's 8%), repeat rate 10% (above 8%).
 * `highRisk` of the 30 are at high churn risk, the rest low.
 */
async function seedShop(shop: string, highRisk: number) {
  for (const [m, month] of [[5, "06"], [6, "07"], [7, "08"]] as const) {
    for (let i = 0; i < 10; i++) {
      const customerGid = `gid://shopify/Customer/${m}${String(i).padStart(2, "0")}`;
      const first = new Date(Date.UTC(2026, m, 3 + i, 12));
      await db.customer.create({ data: { shopDomain: shop, customerGid, shopifyCreatedAt: first, shopifyUpdatedAt: first } });
      const orders = i === 0 ? [first, new Date(first.getTime() + 10 * DAY)] : [first];
      for (const processedAt of orders) {
        await db.order.create({
          data: {
            shopDomain: shop, orderGid: `gid://shopify/Order/${shop}-${++seq}`, name: `#${seq}`, customerGid, currencyCode: "USD",
            financialStatus: "PAID", subtotalMinor: 5000n, totalPriceMinor: 5000n, processedAt, shopifyCreatedAt: processedAt, shopifyUpdatedAt: processedAt,
          },
        });
      }
      await db.customerInsight.create({
        data: {
          shopDomain: shop, customerGid, layerId: "loyal", lifecycleStage: "growing", orders: orders.length, monetaryMinor: 5000n,
          churnRisk: Number(`${m - 5}${i}`) < highRisk ? "high" : "low", layerReason: "{}", computedAt: NOW,
        },
      });
    }
    void month;
  }
}

async function setChurnHigh(shop: string, highRisk: number) {
  const rows = await db.customerInsight.findMany({ where: { shopDomain: shop }, orderBy: { customerGid: "asc" } });
  for (const [i, r] of rows.entries()) {
    await db.customerInsight.update({ where: { shopDomain_customerGid: { shopDomain: shop, customerGid: r.customerGid } }, data: { churnRisk: i < highRisk ? "high" : "low" } });
  }
}

const outbox = (shop: string) => db.flowTriggerEvent.findMany({ where: { shopDomain: shop, handle: METRIC_ALERT_HANDLE }, orderBy: { eventKey: "asc" } });

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.prisma;
  deps = { db, dialect: dialectOf(tdb.url) };
  // No handle list: the store accepts the app's flow_trigger extensions, as Shopify would after a deploy.
  dev = await startTestDevStore({ seed: 71, orders: 10, webhooks: { subscriptions: [] }, bucket: { max: 1_000_000, restoreRate: 1_000_000 } });
}, 60_000);

afterAll(async () => {
  await dev?.close();
  await tdb?.cleanup();
});

describe("the metric alert Flow trigger extension", () => {
  it("is one of the app's flow_trigger extensions, so flowTriggerReceive accepts its handle", () => {
    expect(readFlowTriggerHandles()).toContain(METRIC_ALERT_HANDLE);
  });
});

describe("runMonitorsForShop", () => {
  it("GIVEN 30-day retention under 15% in three consecutive cohorts and 40% at high churn risk WHEN run THEN alerts, one escalation, one trigger each; a rerun adds nothing", async () => {
    const shop = dev.shop;
    await seedShop(shop, 12);
    const run = await runMonitorsForShop(shop, NOW, deps);
    expect(run.raised).toEqual([
      { metric: "retention30", level: "alert", period: "2026-08" },
      { metric: "retention30", level: "escalation", period: "2026-08" },
      { metric: "highChurnRiskShare", level: "alert", period: "2026-12" },
    ]);
    expect(run.statuses.find((s) => s.metric === "retention60")).toMatchObject({ latest: { period: "2026-08", value: 0.1 }, breached: false });
    expect(run.statuses.find((s) => s.metric === "repeatRate")).toMatchObject({ latest: { period: "2026-12", value: 0.1 }, breached: false });
    // No CAC entered: LTV/CAC is not measured, so neither alerted nor "recovered".
    expect(run.statuses.find((s) => s.metric === "ltvToCac")?.latest).toBeNull();

    const alerts = await db.metricAlert.findMany({ where: { shopDomain: shop }, orderBy: [{ metric: "asc" }, { level: "asc" }] });
    expect(alerts.map((a) => [a.metric, a.period, a.level, a.status, a.value, a.threshold])).toEqual([
      ["highChurnRiskShare", "2026-12", "alert", "open", 0.4, 0.25],
      ["retention30", "2026-08", "alert", "open", 0.1, 0.15],
      ["retention30", "2026-08", "escalation", "open", 0.1, 0.15],
    ]);
    const queued = await outbox(shop);
    expect(queued.map((e) => [e.eventKey, e.status, e.customerGid])).toEqual([
      ["metric-alert:highChurnRiskShare:2026-12:alert", "pending", ""],
      ["metric-alert:retention30:2026-08:alert", "pending", ""],
      ["metric-alert:retention30:2026-08:escalation", "pending", ""],
    ]);
    expect(JSON.parse(queued[2].payload)).toEqual({ metric: "retention30", value: 0.1, threshold: 0.15, level: "escalation", period: "2026-08" });

    // Rerun, and two runs at once: the alerts' unique key keeps one of each, with one trigger each.
    const again = await Promise.all([runMonitorsForShop(shop, NOW, deps), runMonitorsForShop(shop, new Date(NOW.getTime() + 3600_000), deps)]);
    expect(again.flatMap((r) => r.raised)).toEqual([]);
    expect(await db.metricAlert.count({ where: { shopDomain: shop } })).toBe(3);
    expect(await outbox(shop)).toHaveLength(3);

    // The Flow trigger job sends each exactly once to flowTriggerReceive.
    const client = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
    await fireDueFlowTriggers(shop, NOW, { db, client });
    await fireDueFlowTriggers(shop, new Date(NOW.getTime() + 60_000), { db, client });
    const received = dev.store.flowTriggers(METRIC_ALERT_HANDLE);
    expect(received.map((t) => t.payload).sort((a, b) => `${a.metric}${a.level}`.localeCompare(`${b.metric}${b.level}`))).toEqual([
      { metric: "highChurnRiskShare", value: 0.4, threshold: 0.25, level: "alert", period: "2026-12" },
      { metric: "retention30", value: 0.1, threshold: 0.15, level: "alert", period: "2026-08" },
      { metric: "retention30", value: 0.1, threshold: 0.15, level: "escalation", period: "2026-08" },
    ]);
    expect((await outbox(shop)).map((e) => e.status)).toEqual(["sent", "sent", "sent"]);

    // High churn risk back to 10%: its alert resolves; retention's stay open.
    await setChurnHigh(shop, 3);
    const recovered = await runMonitorsForShop(shop, new Date(NOW.getTime() + DAY), deps);
    expect([recovered.raised, recovered.resolved]).toEqual([[], 1]);
    expect((await db.metricAlert.findMany({ where: { shopDomain: shop, status: "resolved" } })).map((a) => a.metric)).toEqual(["highChurnRiskShare"]);
    expect((await openMetricAlerts(shop, { db })).open).toBe(2);

    // High again in January: a new month's alert. December's reading is its latest (the recovered 10%), so the run restarts at one month.
    await setChurnHigh(shop, 12);
    const january = await runMonitorsForShop(shop, new Date("2027-01-05T09:00:00Z"), deps);
    expect(january.raised).toEqual([{ metric: "highChurnRiskShare", level: "alert", period: "2027-01" }]);
    expect(january.statuses.find((s) => s.metric === "highChurnRiskShare")).toMatchObject({ breached: true, breachedMonths: 1 });
    expect(await db.monitorReading.findMany({ where: { shopDomain: shop, metric: "highChurnRiskShare" }, orderBy: { period: "asc" }, select: { period: true, value: true } }))
      .toEqual([{ period: "2026-12", value: 0.1 }, { period: "2027-01", value: 0.4 }]);
    // February and March still high: the third consecutive month escalates, once.
    await runMonitorsForShop(shop, new Date("2027-02-05T09:00:00Z"), deps);
    const march = await runMonitorsForShop(shop, new Date("2027-03-05T09:00:00Z"), deps);
    expect(march.raised).toEqual([
      { metric: "highChurnRiskShare", level: "alert", period: "2027-03" },
      { metric: "highChurnRiskShare", level: "escalation", period: "2027-03" },
    ]);
    expect((await runMonitorsForShop(shop, new Date("2027-03-06T09:00:00Z"), deps)).raised).toEqual([]);
  });

  it("GIVEN the merchant lowers 30-day retention's threshold under the shop's figure WHEN run THEN retention's alerts resolve", async () => {
    const shop = "monitors-threshold.myshopify.com";
    await seedShop(shop, 0);
    expect((await runMonitorsForShop(shop, NOW, deps)).raised.map((r) => r.level)).toEqual(["alert", "escalation"]);
    const saved = await setMonitorThresholds(shop, { retention30: "5", retention60: "8", retention90: "8", repeatRate: "8", highChurnRiskShare: "25" }, { db });
    expect(saved).toMatchObject({ ok: true, thresholds: { retention30: 0.05, ltvToCac: 2.5 } });
    const run = await runMonitorsForShop(shop, NOW, deps);
    expect([run.raised, run.resolved]).toEqual([[], 2]);
  });

  it("takes LTV/CAC's threshold from the acquisition-cost settings", async () => {
    const shop = "monitors-cac.myshopify.com";
    await db.shopSettings.create({ data: { shopDomain: shop, ltvCacAlert: 1.8, ltvCacHealthy: 2.2 } });
    expect((await getMonitorThresholds(shop, { db })).ltvToCac).toBe(1.8);
  });
});

describe("thresholds, list and acknowledge", () => {
  it("refuses thresholds out of range or not numbers, per field, and saves nothing", async () => {
    const shop = "monitors-bad.myshopify.com";
    const result = await setMonitorThresholds(shop, { retention30: "abc", retention60: "150", retention90: "8", repeatRate: "", highChurnRiskShare: "-1" }, { db });
    expect(result).toEqual({
      ok: false,
      errors: { retention30: { min: 0, max: 100 }, retention60: { min: 0, max: 100 }, repeatRate: { min: 0, max: 100 }, highChurnRiskShare: { min: 0, max: 100 } },
    });
    expect(await db.monitorSettings.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("pages alerts newest first, filters active ones, and acknowledges only the shop's open alerts", async () => {
    const shop = "monitors-list.myshopify.com";
    for (let i = 0; i < 5; i++) {
      await db.metricAlert.create({
        data: {
          id: `alert-${i}`, shopDomain: shop, metric: "retention30", period: `2026-0${i + 1}`, level: "alert", value: 0.1, threshold: 0.15,
          status: i === 0 ? "resolved" : "open", createdAt: new Date(NOW.getTime() + i * 1000),
        },
      });
    }
    const first = await listMetricAlerts(shop, { pageSize: 2 }, { db });
    expect(first.alerts.map((a) => a.id)).toEqual(["alert-4", "alert-3"]);
    expect(first.open).toBe(4);
    const second = await listMetricAlerts(shop, { pageSize: 2, cursor: first.nextCursor }, { db });
    expect([second.alerts.map((a) => a.id), second.nextCursor]).toEqual([["alert-2", "alert-1"], null]);
    expect((await listMetricAlerts(shop, { filter: "all", pageSize: 10 }, { db })).alerts).toHaveLength(5);
    // A malformed cursor is the first page, not an error.
    expect((await listMetricAlerts(shop, { pageSize: 2, cursor: "'; drop" }, { db })).alerts[0].id).toBe("alert-4");

    await acknowledgeMetricAlert(shop, "alert-4", { db, now: () => NOW });
    expect(await db.metricAlert.findUniqueOrThrow({ where: { id: "alert-4" } })).toMatchObject({ status: "acknowledged", acknowledgedAt: NOW });
    await expect(acknowledgeMetricAlert(shop, "alert-4", { db })).rejects.toBeInstanceOf(MetricAlertNotFoundError);
    await expect(acknowledgeMetricAlert(shop, "alert-0", { db })).rejects.toBeInstanceOf(MetricAlertNotFoundError);
    await expect(acknowledgeMetricAlert("other.myshopify.com", "alert-3", { db })).rejects.toBeInstanceOf(MetricAlertNotFoundError);
    expect((await openMetricAlerts(shop, { db })).alerts.map((a) => a.id)).toEqual(["alert-3", "alert-2", "alert-1"]);
  });
});
