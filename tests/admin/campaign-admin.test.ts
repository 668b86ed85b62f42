/**
 * The campaign admin pages' service (app/services/campaign-admin.server.ts)
 * on a migrated database, as the routes call it: the new-campaign form
 * (from a playbook or blank) with the domain's validation errors on their
 * fields and nothing stored when wrong, the paged list with reach per arm and
 * its conversion headline, the detail (dry run for a draft, results once
 * launched), and the lifecycle buttons with 4xx-style errors for requests
 * that do not fit the campaign's state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "~/generated/prisma/client";
import {
  applyCampaignIntent,
  campaignDetail,
  campaignFormOptions,
  campaignHeadlines,
  createCampaignFromForm,
  initialDefinition,
  listCampaigns,
} from "~/services/campaign-admin.server";
import { CampaignNotFoundError, runCampaignsForShop } from "~/services/campaigns.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let tdb: TestDatabase;
let db: PrismaClient;
const NOW = new Date("2026-11-01T09:00:00Z");
const DAY = 86_400_000;
let seq = 0;
const newShop = async (currencyCode = "USD") => {
  const shop = `campaign-admin-${++seq}.myshopify.com`;
  await db.shop.create({ data: { domain: shop, currencyCode } });
  return shop;
};
const gid = (n: number) => `gid://shopify/Customer/${n}`;

/** The form as the new-campaign page posts it for a playbook, with overrides ("" clears a field). */
function playbookForm(playbookId: string, overrides: Record<string, string | string[]> = {}): FormData {
  const def = initialDefinition(playbookId)!;
  const fields: Record<string, string | string[]> = {
    playbookId, name: def.name, trigger: def.trigger.kind, everyDays: def.trigger.kind === "schedule" ? String(def.trigger.everyDays) : "",
    layerIds: def.audience.layerIds ?? [], enteredLayerIds: def.audience.enteredLayerIds ?? [], churnRisks: def.audience.churnRisks ?? [],
    lifecycleStages: def.audience.lifecycleStages ?? [], tiers: "",
    bonusPoints: String(def.actions.find((a) => a.kind === "bonus_points")?.points ?? ""),
    flowStep: def.actions.find((a) => a.kind === "flow_trigger")?.step ?? "", customerTag: "",
    windowDays: String(def.windowDays), budgetPoints: "", budgetMoney: "", holdoutPct: "10", rolloutPct: "5",
    ...overrides,
  };
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) fd.append(k, x);
  return fd;
}

const intent = (fields: Record<string, string>) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
};

async function seedAudience(shop: string, from: number, to: number, churnRisk: string) {
  await db.customerInsight.createMany({
    data: Array.from({ length: to - from }, (_, i) => ({
      shopDomain: shop, customerGid: gid(from + i), layerId: "about-to-sleep", lifecycleStage: "at-risk", orders: 2, monetaryMinor: 10_000n,
      churnRisk, layerReason: "{}", computedAt: NOW,
    })),
  });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.prisma;
});
afterAll(async () => tdb?.cleanup());

describe("the new-campaign form", () => {
  it("offers the playbooks, the default layers, churn-risk levels and lifecycle stages", async () => {
    const options = await campaignFormOptions(await newShop(), { db });
    expect(options.playbooks.map((p) => p.id)).toContain("win-back-gift");
    expect(options.layers.map((l) => l.id)).toContain("about-to-sleep");
    expect([options.churnRisks, options.tiers, options.currencyCode]).toEqual([["low", "medium", "high"], [], "USD"]);
    expect(initialDefinition(null)).toMatchObject({ holdoutShare: 0.1, rolloutShare: 0.05, actions: [] });
    expect(initialDefinition("no-such-playbook")).toBeNull();
  });

  it("GIVEN a playbook's form with edits WHEN posted THEN a draft with those edits, the money budget in minor units", async () => {
    const shop = await newShop("JPY");
    const result = await createCampaignFromForm(shop, playbookForm("churn-risk-medium", { name: "Medium risk, autumn", bonusPoints: "250", budgetPoints: "50000", budgetMoney: "12000", holdoutPct: "20" }), { db, now: () => NOW });
    expect(result.ok).toBe(true);
    const stored = await db.campaign.findFirstOrThrow({ where: { shopDomain: shop } });
    expect(stored).toMatchObject({ status: "draft", name: "Medium risk, autumn", playbookId: "churn-risk-medium", holdoutShare: 0.2, rolloutShare: 0.05 });
    // JPY has no minor digits: 12,000 yen is 12,000 minor units.
    expect(JSON.parse(stored.definition)).toMatchObject({
      audience: { churnRisks: ["medium"] }, actions: [{ kind: "bonus_points", points: 250 }, { kind: "flow_trigger", step: "churn-risk-medium" }],
      trigger: { kind: "schedule", everyDays: 7 }, budgetPoints: 50_000, budgetMinor: 12_000,
    });
  });

  it("GIVEN the birthday playbook's form WHEN posted THEN its birthday window is kept; out of range is an error on that field", async () => {
    const shop = await newShop();
    const ok = await createCampaignFromForm(shop, playbookForm("birthday", { birthdayWithinDays: "7" }), { db, now: () => NOW });
    expect(ok.ok).toBe(true);
    const stored = await db.campaign.findFirstOrThrow({ where: { shopDomain: shop } });
    expect(JSON.parse(stored.definition).audience).toEqual({ birthdayWithinDays: 7 });
    const bad = await createCampaignFromForm(shop, playbookForm("birthday", { birthdayWithinDays: "40" }), { db, now: () => NOW });
    expect(bad).toMatchObject({ ok: false, errors: { birthdayWithinDays: { key: "campaigns.err.birthdayDays" } } });
    expect(await db.campaign.count({ where: { shopDomain: shop } })).toBe(1);
  });

  it("GIVEN wrong values WHEN posted THEN every problem is on its field, from the domain's validation, and nothing is stored", async () => {
    const shop = await newShop();
    const result = await createCampaignFromForm(
      shop,
      playbookForm("churn-risk-medium", { name: "", churnRisks: [], bonusPoints: "0", flowStep: "Not A Step", holdoutPct: "0", windowDays: "400", trigger: "on_enter" }),
      { db },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(["audience", "bonusPoints", "enteredLayerIds", "flowStep", "holdoutPct", "name", "windowDays"]);
    expect(result.errors.holdoutPct).toMatchObject({ key: "campaigns.err.holdout" });
    expect(result.errors.bonusPoints).toMatchObject({ key: "campaigns.err.bonusPoints" });
    expect(await db.campaign.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("refuses numbers that are not numbers, a layer the shop does not have, and a tampered carried-over action list", async () => {
    const shop = await newShop();
    const notNumbers = await createCampaignFromForm(shop, playbookForm("churn-risk-low", { windowDays: "thirty", rolloutPct: "" }), { db });
    expect(notNumbers).toEqual({ ok: false, errors: { windowDays: { key: "campaigns.err.number" }, rolloutPct: { key: "campaigns.err.number" } } });
    const layer = await createCampaignFromForm(shop, playbookForm("exclusive-perks", { layerIds: ["vip", "no-such-layer"] }), { db });
    expect(layer).toMatchObject({ ok: false, errors: { layerIds: { key: "campaigns.err.layers" } } });
    const tampered = playbookForm("churn-risk-low");
    tampered.set("keptActions", "{not json");
    expect(await createCampaignFromForm(shop, tampered, { db })).toMatchObject({ ok: false, errors: { actions: { key: "campaigns.err.actions" } } });
    expect(await db.campaign.count({ where: { shopDomain: shop } })).toBe(0);
  });
});

describe("list, detail and the lifecycle buttons", () => {
  it("GIVEN a draft WHEN its page opens THEN the dry run shows who would be reached and the cost; launch, widen, roll back, stop follow", async () => {
    const shop = await newShop();
    await seedAudience(shop, 1, 401, "medium");
    const created = await createCampaignFromForm(shop, playbookForm("churn-risk-medium", { rolloutPct: "50" }), { db, now: () => NOW });
    if (!created.ok) throw new Error("not created");
    const id = created.campaignId;

    const draft = await campaignDetail(shop, id, NOW, { db });
    expect(draft.results).toBeNull();
    expect(draft.dryRun!.audience).toBe(400);
    expect(draft.dryRun!.treatment + draft.dryRun!.control + draft.dryRun!.notYet).toBe(400);
    expect(draft.dryRun!.costPoints).toBe(draft.dryRun!.treatable * 200);
    expect(draft.widenTo).toEqual([1]);

    // Not launched yet: a widen is fine (drafts may change), a bad step is refused, an unknown button too.
    expect(await applyCampaignIntent(shop, id, intent({ intent: "widen", rolloutShare: "0.3" }), { db })).toEqual({ ok: false, error: { key: "campaigns.err.rollout" } });
    expect(await applyCampaignIntent(shop, id, intent({ intent: "explode" }), { db })).toEqual({ ok: false, error: { key: "campaigns.err.intent" } });
    expect(await applyCampaignIntent(shop, id, intent({ intent: "launch", horizon: "50" }), { db })).toEqual({ ok: false, error: { key: "campaigns.err.horizon" } });

    expect(await applyCampaignIntent(shop, id, intent({ intent: "launch", horizon: "" }), { db, now: () => NOW })).toEqual({ ok: true, intent: "launch" });
    expect(await applyCampaignIntent(shop, id, intent({ intent: "launch" }), { db })).toMatchObject({ ok: false, error: { key: "campaigns.err.state" } });

    // A run without an Admin client assigns (Flow actions wait), so results have both arms.
    await runCampaignsForShop(shop, NOW, { db });
    const running = await campaignDetail(shop, id, new Date(NOW.getTime() + DAY), { db });
    const reached = running.campaign.reached;
    expect(reached.treatment + reached.control).toBe(await db.campaignAssignment.count({ where: { campaignId: id } }));
    expect(reached.control).toBeGreaterThan(0);
    expect(running.dryRun).toBeNull();
    expect(running.results!.arms.map((a) => [a.arm, a.customers])).toEqual([["treatment", reached.treatment], ["control", reached.control]]);
    expect(running.results!.verdict.kind).toBe("collecting");
    // JSON-safe all the way (an unbounded interval end is null, not Infinity).
    expect(JSON.parse(JSON.stringify(running))).toEqual(running);

    expect(await applyCampaignIntent(shop, id, intent({ intent: "widen", rolloutShare: "1" }), { db })).toEqual({ ok: true, intent: "widen" });
    expect(await applyCampaignIntent(shop, id, intent({ intent: "rollback" }), { db })).toEqual({ ok: true, intent: "rollback" });
    expect(await db.campaign.findUniqueOrThrow({ where: { id } })).toMatchObject({ rolloutShare: 0, status: "running" });
    expect(await applyCampaignIntent(shop, id, intent({ intent: "stop" }), { db })).toEqual({ ok: true, intent: "stop" });
    expect((await campaignDetail(shop, id, NOW, { db })).widenTo).toEqual([]);

    // Another shop's campaign does not exist for this one.
    await expect(campaignDetail("someone-else.myshopify.com", id, NOW, { db })).rejects.toBeInstanceOf(CampaignNotFoundError);
    await expect(applyCampaignIntent("someone-else.myshopify.com", id, intent({ intent: "stop" }), { db })).rejects.toBeInstanceOf(CampaignNotFoundError);
  });

  it("pages the list newest first with reach per arm, and heads each launched campaign with conversion per arm", async () => {
    const shop = await newShop();
    await seedAudience(shop, 1, 301, "high");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await createCampaignFromForm(shop, playbookForm("churn-risk-high", { name: `High ${i}`, rolloutPct: "100", bonusPoints: "" }), { db, now: () => new Date(NOW.getTime() + i * 1000) });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      ids.push(r.campaignId);
    }
    await applyCampaignIntent(shop, ids[2], intent({ intent: "launch" }), { db, now: () => NOW });
    await runCampaignsForShop(shop, NOW, { db });
    // Treated customers 1–30 order within the window; one control customer too.
    const assignments = await db.campaignAssignment.findMany({ where: { campaignId: ids[2] }, orderBy: { customerGid: "asc" } });
    const treated = assignments.filter((a) => a.arm === "treatment").slice(0, 30);
    const control = assignments.filter((a) => a.arm === "control").slice(0, 1);
    for (const a of [...treated, ...control]) {
      const processedAt = new Date(NOW.getTime() + 2 * DAY);
      await db.order.create({
        data: {
          shopDomain: shop, orderGid: `gid://shopify/Order/${a.customerGid.split("/").pop()}-${shop}`, name: "#1", customerGid: a.customerGid, currencyCode: "USD",
          subtotalMinor: 4000n, totalPriceMinor: 4000n, processedAt, shopifyCreatedAt: processedAt, shopifyUpdatedAt: processedAt,
        },
      });
    }

    const first = await listCampaigns(shop, { pageSize: 2 }, { db });
    expect(first.campaigns.map((c) => c.name)).toEqual(["High 2", "High 1"]);
    expect(first.counts).toEqual({ draft: 2, running: 1 });
    const arms = { treatment: assignments.filter((a) => a.arm === "treatment").length, control: assignments.filter((a) => a.arm === "control").length };
    expect(first.campaigns[0].reached).toEqual(arms);
    expect(first.campaigns[1].reached).toEqual({ treatment: 0, control: 0 });
    const second = await listCampaigns(shop, { pageSize: 2, cursor: first.nextCursor }, { db });
    expect([second.campaigns.map((c) => c.name), second.nextCursor]).toEqual([["High 0"], null]);

    const headlines = await campaignHeadlines(shop, first.campaigns, new Date(NOW.getTime() + 10 * DAY), { db });
    expect(headlines).toHaveLength(1); // drafts have none
    expect(headlines[0]).toMatchObject({ campaignId: ids[2], treatmentRate: 30 / arms.treatment, controlRate: 1 / arms.control });
    expect(headlines[0].difference).toBeCloseTo(30 / arms.treatment - 1 / arms.control, 12);
  });
});
