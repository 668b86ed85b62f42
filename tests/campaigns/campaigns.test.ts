/**
 * Campaign service on a real database (SQLite locally, PostgreSQL with
 * `npm run test:postgres`) and the local dev store for Flow triggers:
 * playbooks and dry runs, runs that assign deterministically and treat only
 * the treatment arm, widening without moving anyone, "entered" moves, caps and
 * budgets under concurrent runs, results from synced orders.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeCustomer } from "~/domain/campaigns";
import type { PrismaClient } from "~/generated/prisma/client";
import {
  CAMPAIGN_STEP_DUE_HANDLE,
  campaignResults,
  CampaignStateError,
  CampaignValidationError,
  createCampaign,
  createCampaignFromPlaybook,
  dryRunCampaign,
  launchCampaign,
  runCampaignsForShop,
  setRollout,
} from "~/services/campaigns.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createProgram } from "../loyalty/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let tdb: TestDatabase;
let db: PrismaClient;
let dev: TestDevStore;
let client: AdminClient;
const NOW = new Date("2026-11-01T09:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
let shopSeq = 0;
const newShop = () => `campaigns-${++shopSeq}.myshopify.com`;
const gid = (n: number) => `gid://shopify/Customer/${n}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.prisma;
  dev = await startTestDevStore({ seed: 3, orders: 10, webhooks: { subscriptions: [] }, bucket: { max: 1_000_000, restoreRate: 1_000_000 } });
  client = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
}, 60_000);

afterAll(async () => {
  await dev?.close();
  await tdb?.cleanup();
});

/** Insight rows as the intelligence service writes them. */
async function seedInsights(shopDomain: string, customers: { n: number; layerId: string; churnRisk?: string | null; stage?: string }[]) {
  await db.customerInsight.createMany({
    data: customers.map((c) => ({
      shopDomain, customerGid: gid(c.n), layerId: c.layerId, lifecycleStage: c.stage ?? "at-risk", orders: 2, monetaryMinor: 10_000n,
      churnRisk: c.churnRisk ?? "medium", layerReason: "{}", computedAt: NOW,
    })),
  });
}

async function seedOrder(shopDomain: string, customerN: number, processedAt: Date, totalMinor: bigint, extra: { cancelled?: boolean; test?: boolean } = {}) {
  const orderGid = `gid://shopify/Order/${shopDomain}-${customerN}-${processedAt.getTime()}-${extra.cancelled ? "c" : ""}${extra.test ? "t" : ""}`;
  await db.order.create({
    data: {
      shopDomain, orderGid, name: "#1", customerGid: gid(customerN), currencyCode: "USD", subtotalMinor: totalMinor, totalPriceMinor: totalMinor,
      processedAt, shopifyCreatedAt: processedAt, shopifyUpdatedAt: processedAt, test: extra.test ?? false, cancelledAt: extra.cancelled ? processedAt : null,
    },
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("creating campaigns", () => {
  it("creates a draft from a playbook with edits, and refuses an invalid definition listing every problem", async () => {
    const shop = newShop();
    const campaign = await createCampaignFromPlaybook(shop, "churn-risk-medium", { budgetPoints: 10_000 }, { db, now: () => NOW });
    expect(campaign).toMatchObject({ status: "draft", holdoutShare: 0.1, rolloutShare: 0.05, playbookId: "churn-risk-medium" });
    expect(JSON.parse(campaign.definition).budgetPoints).toBe(10_000);

    const error = await createCampaignFromPlaybook(shop, "churn-risk-medium", { holdoutShare: 0, windowDays: 0 }, { db, now: () => NOW }).catch((e) => e);
    expect(error).toBeInstanceOf(CampaignValidationError);
    expect((error as CampaignValidationError).errors.map((e) => e.path).sort()).toEqual(["holdoutShare", "windowDays"]);
    const bad = await createCampaignFromPlaybook(shop, "exclusive-perks", { audience: { layerIds: ["no-such-layer"] } }, { db }).catch((e) => e);
    expect(bad.errors).toEqual([{ path: "audience.layerIds", message: 'unknown layer "no-such-layer"' }]);
    expect(await db.campaign.count({ where: { shopDomain: shop } })).toBe(1);
  });

  it("refuses to launch twice or to narrow a rollout; every action kind can launch", async () => {
    const shop = newShop();
    const c = await createCampaignFromPlaybook(shop, "churn-risk-low", {}, { db, now: () => NOW });
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    await expect(launchCampaign(shop, c.id, {}, { db, now: () => NOW })).rejects.toThrow(CampaignStateError);
    const tag = await createCampaign(shop, { ...JSON.parse(c.definition), actions: [{ kind: "customer_tag", tag: "vip-offer" }] }, { db, now: () => NOW });
    expect((await launchCampaign(shop, tag.id, {}, { db, now: () => NOW })).status).toBe("running");
    await expect(setRollout(shop, c.id, 0.01, { db })).rejects.toThrow(/only widen/);
  });
});

describe("dry run, run, widen, results", () => {
  const shop = `campaigns-main.myshopify.com`;
  let campaignId: string;
  const audience = range(1, 1001); // medium churn risk
  const others = range(1001, 1201); // high churn risk: outside the audience

  beforeAll(async () => {
    await createProgram(db, shop);
    await seedInsights(shop, [
      ...audience.map((n) => ({ n, layerId: "about-to-sleep", churnRisk: "medium" })),
      ...others.map((n) => ({ n, layerId: "churn-risk", churnRisk: "high" })),
    ]);
    const c = await createCampaignFromPlaybook(shop, "churn-risk-medium", { rolloutShare: 0.2, budgetPoints: 200 * 250 }, { db, now: () => NOW });
    campaignId = c.id;
  });

  it("GIVEN 1,000 medium-risk customers WHEN dry run THEN it reports who would be reached and the cost, within budget, writing nothing", async () => {
    const dry = await dryRunCampaign(shop, campaignId, NOW, { db });
    const expected = { control: 0, treatment: 0, not_yet: 0 };
    for (const n of audience) expected[placeCustomer(shop, campaignId, gid(n), { holdoutShare: 0.1, rolloutShare: 0.2 })]++;
    expect(dry).toMatchObject({ audience: 1000, control: expected.control, treatment: expected.treatment, notYet: expected.not_yet });
    // 200 points each, budget 50,000 points: at most 250 treated
    expect(expected.treatment).toBeLessThan(250);
    expect(dry.treatable).toBe(expected.treatment);
    expect(dry.costPoints).toBe(dry.treatable * 200);
    expect(dry.costMinor).toBe(dry.treatable * 200); // 1 minor unit a point by default
    expect(await db.campaignAssignment.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("GIVEN a launched campaign WHEN run THEN arms follow the hash, only treatment gets points and the Flow trigger, and a re-run changes nothing", async () => {
    await launchCampaign(shop, campaignId, {}, { db, now: () => NOW });
    const run = await runCampaignsForShop(shop, NOW, { db, client });
    const assignments = await db.campaignAssignment.findMany({ where: { campaignId } });
    for (const a of assignments) expect(a.arm).toBe(placeCustomer(shop, campaignId, a.customerGid, { holdoutShare: 0.1, rolloutShare: 0.2 }));
    const treated = assignments.filter((a) => a.arm === "treatment").map((a) => a.customerGid).sort();
    const control = assignments.filter((a) => a.arm === "control").map((a) => a.customerGid);
    expect(run.campaigns[0]).toMatchObject({ ran: true, audience: 1000, treatment: treated.length, control: control.length });
    expect(assignments.every((a) => audience.includes(Number(a.customerGid.split("/").pop())))).toBe(true);

    const entries = await db.loyaltyEntry.findMany({ where: { shopDomain: shop, kind: "bonus" } });
    expect(entries.map((e) => e.customerGid).sort()).toEqual(treated);
    expect(entries.every((e) => e.points === 200)).toBe(true);
    const fired = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).filter((f) => (f.payload as { campaign_id: string }).campaign_id === campaignId);
    expect(fired.map((f) => gid((f.payload as { customer_id: number }).customer_id)).sort()).toEqual(treated);
    expect(fired[0].payload).toMatchObject({ step: "churn-risk-medium", bonus_points: 200, window_ends_on: "2026-11-22" });
    expect(run.actionsApplied).toBe(2 * treated.length);

    const again = await runCampaignsForShop(shop, at(7), { db, client });
    expect(again.campaigns[0]).toMatchObject({ ran: true, treatment: 0, control: 0, alreadyAssigned: assignments.length });
    expect(await db.loyaltyEntry.count({ where: { shopDomain: shop, kind: "bonus" } })).toBe(treated.length);
  });

  it("GIVEN the rollout widened to 100% WHEN run THEN nobody changes arm and the budget stops treatment, and control, at its limit", async () => {
    const before = new Map((await db.campaignAssignment.findMany({ where: { campaignId } })).map((a) => [a.customerGid, a.arm]));
    await setRollout(shop, campaignId, 1, { db });
    await runCampaignsForShop(shop, at(14), { db, client });
    const after = await db.campaignAssignment.findMany({ where: { campaignId } });
    for (const a of after) if (before.has(a.customerGid)) expect(a.arm).toBe(before.get(a.customerGid));
    const campaign = await db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign.spentPoints).toBeLessThanOrEqual(50_000);
    const treated = after.filter((a) => a.arm === "treatment").length;
    expect(campaign.spentPoints).toBe(treated * 200);
    // the budget covers 250 treatments; customers beyond it are left out of both arms
    expect(treated).toBe(250);
    expect(after.length).toBeLessThan(1000);
  });

  it("computes conversion and revenue per arm from orders within each customer's window", async () => {
    const assignments = await db.campaignAssignment.findMany({ where: { campaignId } });
    const expected = { treatment: { converted: 0, orders: 0, revenue: 0 }, control: { converted: 0, orders: 0, revenue: 0 } };
    let i = 0;
    for (const a of assignments) {
      const n = Number(a.customerGid.split("/").pop());
      const arm = expected[a.arm as "treatment" | "control"];
      i++;
      if (i % 3 === 0) { // an order inside the window (30 days): counts
        await seedOrder(shop, n, new Date(a.assignedAt.getTime() + 5 * DAY), 5_000n);
        arm.converted++; arm.orders++; arm.revenue += 5_000;
      }
      if (i % 5 === 0) { // outside the window, before assignment, cancelled or a test: never count
        await seedOrder(shop, n, new Date(a.assignedAt.getTime() + 31 * DAY), 9_000n);
        await seedOrder(shop, n, new Date(a.assignedAt.getTime() - DAY), 9_000n);
        await seedOrder(shop, n, new Date(a.assignedAt.getTime() + DAY), 9_000n, { cancelled: true });
        await seedOrder(shop, n, new Date(a.assignedAt.getTime() + DAY), 9_000n, { test: true });
      }
    }
    const results = await campaignResults(shop, campaignId, at(60), { db });
    for (const arm of ["treatment", "control"] as const) {
      expect(results[arm]).toMatchObject({
        customers: assignments.filter((a) => a.arm === arm).length,
        converted: expected[arm].converted, orders: expected[arm].orders, revenueMinor: expected[arm].revenue,
      });
    }
    expect(results.costPoints).toBe(250 * 200);
    expect(results.costMinor).toBe(250 * 200);
    expect(results.revenueDifference).not.toBeNull();
    expect(results.returnOnCost!.costMinor).toBe(50_000);
    expect(results.returnOnCost!.incrementalRevenueMinor).toBeCloseTo(
      (results.treatment.revenuePerCustomerMinor - results.control.revenuePerCustomerMinor) * results.treatment.customers, 6);
    // the same data gives the same bootstrap interval
    expect((await campaignResults(shop, campaignId, at(60), { db })).revenueDifference).toEqual(results.revenueDifference);
    expect(["collecting", "no_winner_yet"]).toContain(results.verdict.kind);
  });
});

describe("triggers", () => {
  it("on_enter reaches only customers who entered the layer since the previous run", async () => {
    const shop = newShop();
    await createProgram(db, shop);
    await seedInsights(shop, range(1, 401).map((n) => ({ n, layerId: "churn-risk" })));
    const c = await createCampaignFromPlaybook(shop, "win-back-gift", { rolloutShare: 1, actions: [{ kind: "bonus_points", points: 50 }] }, { db, now: () => NOW });
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    const move = (n: number, movedAt: Date, toLayer = "churn-risk") =>
      db.layerMove.create({ data: { id: `${shop}-${n}-${movedAt.getTime()}`, shopDomain: shop, customerGid: gid(n), fromLayer: "about-to-sleep", toLayer, direction: "down", movedAt } });
    for (const n of range(1, 101)) await move(n, at(1));
    for (const n of range(101, 121)) await move(n, at(1), "lost"); // entered another layer
    await move(300, at(-1)); // before launch

    const first = await runCampaignsForShop(shop, at(2), { db });
    expect(first.campaigns[0].audience).toBe(100);
    for (const n of range(201, 251)) await move(n, at(3));
    const second = await runCampaignsForShop(shop, at(4), { db });
    expect(second.campaigns[0].audience).toBe(50);
    const assigned = await db.campaignAssignment.findMany({ where: { campaignId: c.id } });
    expect(new Set(assigned.map((a) => Number(a.customerGid.split("/").pop())))).toEqual(new Set([...range(1, 101), ...range(201, 251)]));
  });

  it("a schedule runs again only when due; once runs once", async () => {
    const shop = newShop();
    await seedInsights(shop, range(1, 11).map((n) => ({ n, layerId: "vip", stage: "mature" })));
    const weekly = await createCampaignFromPlaybook(shop, "churn-risk-low", { audience: { layerIds: ["vip"] }, trigger: { kind: "schedule", everyDays: 7 } }, { db, now: () => NOW });
    const once = await createCampaignFromPlaybook(shop, "churn-risk-low", { audience: { layerIds: ["vip"] }, trigger: { kind: "once" } }, { db, now: () => NOW });
    for (const c of [weekly, once]) await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    const ran = async (now: Date) => {
      const run = await runCampaignsForShop(shop, now, { db });
      return [weekly, once].map((c) => run.campaigns.find((s) => s.campaignId === c.id)!.ran);
    };
    expect(await ran(NOW)).toEqual([true, true]);
    expect(await ran(at(6))).toEqual([false, false]);
    expect(await ran(at(7))).toEqual([true, false]);
  });
});

describe("rollback", () => {
  it("GIVEN a rollout rolled back to 0 THEN later runs assign nobody, in either arm, and earlier assignments stay", async () => {
    const shop = newShop();
    await seedInsights(shop, range(1, 201).map((n) => ({ n, layerId: "vip", stage: "mature" })));
    const c = await createCampaignFromPlaybook(shop, "churn-risk-low", { audience: { layerIds: ["vip"] }, rolloutShare: 0.3 }, { db, now: () => NOW });
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    await runCampaignsForShop(shop, NOW, { db });
    const before = await db.campaignAssignment.count({ where: { campaignId: c.id } });
    expect(before).toBeGreaterThan(0);
    await seedInsights(shop, range(201, 401).map((n) => ({ n, layerId: "vip", stage: "mature" })));
    await setRollout(shop, c.id, 0, { db });
    expect((await dryRunCampaign(shop, c.id, at(7), { db })).control).toBe(0);
    const run = await runCampaignsForShop(shop, at(7), { db });
    expect(run.campaigns[0]).toMatchObject({ ran: true, control: 0, treatment: 0, notYet: 400 - before, alreadyAssigned: before });
    expect(await db.campaignAssignment.count({ where: { campaignId: c.id } })).toBe(before);
  });
});

describe("failures", () => {
  it("GIVEN loyalty is off THEN points actions fail, their cost is released, and Flow actions wait for a run with an Admin client", async () => {
    const shop = newShop();
    await seedInsights(shop, range(1, 201).map((n) => ({ n, layerId: "about-to-sleep" })));
    const c = await createCampaignFromPlaybook(shop, "churn-risk-medium", { rolloutShare: 1 }, { db, now: () => NOW });
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    const run = await runCampaignsForShop(shop, NOW, { db });
    const treated = await db.campaignAssignment.count({ where: { campaignId: c.id, arm: "treatment" } });
    expect(run.actionsFailed).toBe(treated);
    expect(await db.campaignAction.count({ where: { campaignId: c.id, kind: "bonus_points", status: "failed", error: "loyalty is off" } })).toBe(treated);
    expect(await db.campaignAction.count({ where: { campaignId: c.id, kind: "flow_trigger", status: "reserved" } })).toBe(treated);
    expect((await db.campaign.findUniqueOrThrow({ where: { id: c.id } })).spentPoints).toBe(0);

    const later = await runCampaignsForShop(shop, at(1), { db, client });
    const flowActions = await db.campaignAction.findMany({ where: { campaignId: c.id, kind: "flow_trigger" } });
    const applied = flowActions.filter((a) => a.status === "applied");
    // After the dev store's 5 s keep-alive closes an idle socket, the first request may die as
    // "fetch failed": the Admin client calls that ambiguous and the action fails, never resent.
    const ambiguous = flowActions.filter((a) => a.status === "failed" && /may have applied it/.test(a.error ?? ""));
    expect(ambiguous.length).toBeLessThanOrEqual(1);
    expect(applied.length + ambiguous.length).toBe(treated);
    expect(later.actionsApplied).toBe(applied.length);
    const received = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).filter((f) => (f.payload as { campaign_id: string }).campaign_id === c.id);
    expect(received.map((f) => gid((f.payload as { customer_id: number }).customer_id)).sort()).toEqual(applied.map((a) => a.customerGid).sort());
  });

  it("a Flow action interrupted while sending is failed, never resent", async () => {
    const shop = newShop();
    await seedInsights(shop, range(1, 51).map((n) => ({ n, layerId: "about-to-sleep", churnRisk: "low" })));
    const c = await createCampaignFromPlaybook(shop, "churn-risk-low", { rolloutShare: 1 }, { db, now: () => NOW });
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    await runCampaignsForShop(shop, NOW, { db }); // no client: Flow actions stay reserved
    const one = await db.campaignAction.findFirstOrThrow({ where: { campaignId: c.id } });
    await db.campaignAction.update({ where: { id: one.id }, data: { status: "sending", claimedAt: NOW } });
    const before = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).length;
    await runCampaignsForShop(shop, at(1), { db, client });
    expect(await db.campaignAction.findUniqueOrThrow({ where: { id: one.id } })).toMatchObject({ status: "failed" });
    const total = await db.campaignAction.count({ where: { campaignId: c.id } });
    expect(dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).length - before).toBe(total - 1);
  });
});

describe("caps and budgets under concurrent runs", () => {
  it("GIVEN two campaigns over the same customers, a tight budget and a cap of one WHEN four runs race THEN neither is ever exceeded and nothing is applied twice", async () => {
    const shop = newShop();
    await createProgram(db, shop);
    await seedInsights(shop, range(1, 301).map((n) => ({ n, layerId: "about-to-sleep" })));
    const edits = { rolloutShare: 1, budgetPoints: 40 * 200, frequencyCap: { maxActions: 1, perDays: 30 }, actions: [{ kind: "bonus_points" as const, points: 200 }] };
    const a = await createCampaignFromPlaybook(shop, "churn-risk-medium", edits, { db, now: () => NOW });
    const b = await createCampaignFromPlaybook(shop, "churn-risk-medium", { ...edits, budgetPoints: 60 * 200 }, { db, now: () => NOW });
    for (const c of [a, b]) await launchCampaign(shop, c.id, {}, { db, now: () => NOW });

    await Promise.all([0, 1, 2, 3].map(() => runCampaignsForShop(shop, NOW, { db })));

    for (const [c, limit] of [[a, 40], [b, 60]] as const) {
      const row = await db.campaign.findUniqueOrThrow({ where: { id: c.id } });
      const treated = await db.campaignAssignment.count({ where: { campaignId: c.id, arm: "treatment" } });
      expect(row.spentPoints).toBeLessThanOrEqual(limit * 200);
      expect(row.spentPoints).toBe(treated * 200);
      expect(treated).toBe(limit); // 300 customers are plenty: the budget is what stops it
    }
    const treatments = await db.campaignAssignment.groupBy({ by: ["customerGid"], where: { shopDomain: shop, arm: "treatment" }, _count: true });
    expect(Math.max(...treatments.map((t) => t._count))).toBe(1);
    const entries = await db.loyaltyEntry.findMany({ where: { shopDomain: shop, kind: "bonus" } });
    expect(entries).toHaveLength(100);
    expect(new Set(entries.map((e) => e.idempotencyKey)).size).toBe(100);
    expect(await db.campaignAction.count({ where: { shopDomain: shop, status: "applied" } })).toBe(100);
  }, 120_000);
});
