/**
 * Campaign actions through the Admin API of the local dev store: reward codes
 * (single use, limited to the customer, valid for the window, never issued
 * twice, even across a crash between the create and the record), tier perks
 * (the tier's free shipping as a code), customer tags (batched, taken off
 * after the window), the Flow message carrying the code, and the birthday
 * audience. SQLite locally, PostgreSQL with `npm run test:postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid } from "../../dev-store/model";
import { withDefaults, type CampaignAction as ActionDef, type CampaignDefinition } from "~/domain/campaigns";
import type { PrismaClient } from "~/generated/prisma/client";
import {
  ACTION_CLAIM_LEASE_MS,
  CAMPAIGN_STEP_DUE_HANDLE,
  CampaignStateError,
  CampaignValidationError,
  createCampaign,
  createCampaignFromPlaybook,
  dryRunCampaign,
  launchCampaign,
  runCampaignsForShop,
  stopCampaign,
} from "~/services/campaigns.server";
import { createReward, shopifyDiscountCodeIssuer, type DiscountCodeIssuer } from "~/services/rewards.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createProgram } from "../loyalty/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let tdb: TestDatabase;
let db: PrismaClient;
let dev: TestDevStore;
let client: AdminClient;
/** Operation names the app sent, in order. */
const sent: string[] = [];
const NOW = new Date("2026-11-01T09:00:00Z");
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
let shopSeq = 0;
const newShop = () => `campaign-actions-${++shopSeq}.myshopify.com`;
/** Dev-store customers (discount codes and tags need customers the shop has). */
let customers: string[];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.prisma;
  dev = await startTestDevStore({ seed: 21, orders: 900, webhooks: { subscriptions: [] }, bucket: { max: 1_000_000, restoreRate: 1_000_000 } });
  client = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
  const request = client.request.bind(client) as (document: string, variables?: object) => Promise<unknown>;
  (client as unknown as { request: typeof request }).request = (document, variables) => {
    sent.push(/(?:mutation|query)\s+(\w+)/.exec(document)?.[1] ?? "?");
    return request(document, variables);
  };
  customers = dev.store.customers().map((c) => gid("Customer", c.id));
}, 60_000);

afterAll(async () => {
  await dev?.close();
  await tdb?.cleanup();
});

async function seedInsights(shopDomain: string, gids: string[], layerId = "about-to-sleep") {
  await db.customerInsight.createMany({
    data: gids.map((customerGid) => ({
      shopDomain, customerGid, layerId, lifecycleStage: "at-risk", orders: 2, monetaryMinor: 10_000n, churnRisk: "medium", layerReason: "{}", computedAt: NOW,
    })),
  });
}

const definition = (actions: ActionDef[], edits: Partial<CampaignDefinition> = {}): CampaignDefinition =>
  withDefaults({ name: `Actions ${shopSeq}`, audience: { layerIds: ["about-to-sleep"] }, actions, trigger: { kind: "once" }, rolloutShare: 1, holdoutShare: 0.2, ...edits });

async function launched(shopDomain: string, def: CampaignDefinition) {
  const c = await createCampaign(shopDomain, def, { db, now: () => NOW });
  await launchCampaign(shopDomain, c.id, {}, { db, now: () => NOW });
  return c;
}

const idOf = (customerGid: string) => customerGid.split("/").pop()!;
const arms = async (campaignId: string) => {
  const rows = await db.campaignAssignment.findMany({ where: { campaignId } });
  return { treated: rows.filter((a) => a.arm === "treatment").map((a) => a.customerGid).sort(), control: rows.filter((a) => a.arm === "control").map((a) => a.customerGid) };
};

describe("reward_code", () => {
  it("GIVEN a reward code and a Flow step WHEN run THEN each treated customer gets one single-use code limited to them for the window, the message carries it, and the money budget holds", async () => {
    const shop = newShop();
    const audience = customers.slice(0, 120);
    await seedInsights(shop, audience);
    const reward = await createReward(shop, { title: "$10 off", kind: "fixed_amount", pointsCost: 0, amountMinor: 1000n, currencyCode: "USD" }, { db });
    const c = await launched(shop, definition(
      [{ kind: "reward_code", rewardId: reward.id, costMinor: 1000 }, { kind: "flow_trigger", step: "come-back" }],
      { name: "Come back with $10", budgetMinor: 60 * 1000 },
    ));

    const run = await runCampaignsForShop(shop, NOW, { db, client });
    const { treated, control } = await arms(c.id);
    // 120 customers, 80% not held out: the money budget (60 codes) is what stops treatment
    expect(treated).toHaveLength(60);
    expect(control.length).toBeGreaterThan(5);
    expect(run.actionsApplied).toBe(120);
    const actions = await db.campaignAction.findMany({ where: { campaignId: c.id, kind: "reward_code" } });
    expect(actions.map((a) => a.customerGid).sort()).toEqual(treated);
    const messages = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).filter((f) => f.payload.campaign_id === c.id);
    for (const action of actions) {
      expect(action).toMatchObject({ status: "applied", costMinor: 1000n, code: expect.stringMatching(/^EGC-[0-9A-Z]{11}$/) });
      const code = dev.store.discountCodeByCode(action.code!)!;
      expect(code).toMatchObject({
        title: `Come back with $10: $10 off (${action.code})`, kind: "basic", value: { amount: "10.00" },
        customerIds: [idOf(action.customerGid)], usageLimit: 1, appliesOncePerCustomer: true,
        startsAt: NOW.toISOString(), endsAt: at(30).toISOString(),
      });
      expect(action.discountGid).toBe(gid("DiscountCodeNode", code.id));
      const message = messages.find((m) => m.payload.customer_id === Number(idOf(action.customerGid)))!;
      expect(message.payload).toMatchObject({ step: "come-back", discount_code: action.code });
    }
    expect(messages).toHaveLength(60);
    const row = await db.campaign.findUniqueOrThrow({ where: { id: c.id } });
    expect(Number(row.spentMinor)).toBe(60 * 1000);
    expect(dev.store.discountCodes().filter((d) => d.customerIds !== "all" && control.some((g) => d.customerIds.includes(idOf(g))) && d.title.startsWith("Come back"))).toEqual([]);

    // A re-run issues nothing new.
    const before = dev.store.discountCodes().length;
    await runCampaignsForShop(shop, at(1), { db, client });
    expect(dev.store.discountCodes().length).toBe(before);
  });

  it("GIVEN a crash after Shopify created the code but before it was recorded WHEN the next runs retry THEN the same code is found, never a second one", async () => {
    const shop = newShop();
    const audience = customers.slice(120, 170);
    await seedInsights(shop, audience);
    const reward = await createReward(shop, { title: "15% off", kind: "percentage", pointsCost: 0, percentage: 15 }, { db });
    const c = await launched(shop, definition([{ kind: "reward_code", rewardId: reward.id, costMinor: 700 }], { name: "Crash test" }));
    const real = shopifyDiscountCodeIssuer(() => client);
    let created = 0;
    // The code is created in Shopify, then the process "dies" before the record (a transient, unknown outcome).
    const crashing: DiscountCodeIssuer = {
      async ensureCode(shopDomain, spec) {
        const result = await real.ensureCode(shopDomain, spec);
        if (result.created) created++;
        throw new Error("connection reset after the create");
      },
    };
    await runCampaignsForShop(shop, NOW, { db, client, issuer: crashing });
    const { treated } = await arms(c.id);
    expect(treated.length).toBeGreaterThan(20);
    expect(created).toBe(treated.length);
    const waiting = await db.campaignAction.findMany({ where: { campaignId: c.id } });
    expect(waiting.every((a) => a.status === "reserved" && a.error === "connection reset after the create")).toBe(true);

    // A hard kill mid-send: one action left "sending", its claim older than the lease.
    await db.campaignAction.update({ where: { id: waiting[0].id }, data: { status: "sending", claimedAt: NOW } });
    const codesBefore = dev.store.discountCodes().length;
    const retry = await runCampaignsForShop(shop, new Date(NOW.getTime() + ACTION_CLAIM_LEASE_MS + 1000), { db, client });
    expect(retry.actionsApplied).toBe(treated.length);
    expect(dev.store.discountCodes().length).toBe(codesBefore);
    const applied = await db.campaignAction.findMany({ where: { campaignId: c.id } });
    for (const a of applied) {
      expect(a.status).toBe("applied");
      expect(dev.store.discountCodes().filter((d) => d.code === a.code)).toHaveLength(1);
      expect(a.discountGid).toBe(gid("DiscountCodeNode", dev.store.discountCodeByCode(a.code!)!.id));
    }
  });

  it("GIVEN Shopify refuses the code (it exists for someone else) THEN the action fails, its cost is released, and the Flow message goes out without a code", async () => {
    const shop = newShop();
    await seedInsights(shop, customers.slice(170, 200));
    const reward = await createReward(shop, { title: "$5 off", kind: "fixed_amount", pointsCost: 0, amountMinor: 500n, currencyCode: "USD" }, { db });
    const c = await launched(shop, definition([{ kind: "reward_code", rewardId: reward.id, costMinor: 500 }, { kind: "flow_trigger", step: "five-off" }], { name: "Refused" }));
    await runCampaignsForShop(shop, NOW, { db }); // no client: everything stays reserved
    const one = await db.campaignAction.findFirstOrThrow({ where: { campaignId: c.id, kind: "reward_code" } });
    const other = customers.find((g) => g !== one.customerGid)!;
    await shopifyDiscountCodeIssuer(() => client).ensureCode(shop, { code: one.code!, title: "Someone else's", kind: "fixed_amount", amountMinor: 100n, currencyCode: "USD", customerGid: other, startsAt: NOW });
    const spentBefore = Number((await db.campaign.findUniqueOrThrow({ where: { id: c.id } })).spentMinor);

    await runCampaignsForShop(shop, at(1), { db, client });
    expect(await db.campaignAction.findUniqueOrThrow({ where: { id: one.id } })).toMatchObject({ status: "failed", error: expect.stringMatching(/already exists/) });
    expect(Number((await db.campaign.findUniqueOrThrow({ where: { id: c.id } })).spentMinor)).toBe(spentBefore - 500);
    const message = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).find((f) => f.payload.campaign_id === c.id && f.payload.customer_id === Number(idOf(one.customerGid)))!;
    expect(message.payload.discount_code).toBe("");
  });

  it("refuses to launch with a reward that is not in the shop's catalogue", async () => {
    const shop = newShop();
    const c = await createCampaign(shop, definition([{ kind: "reward_code", rewardId: "no-such-reward", costMinor: 100 }]), { db, now: () => NOW });
    await expect(launchCampaign(shop, c.id, {}, { db, now: () => NOW })).rejects.toThrow(/not in the shop's reward catalogue/);
  });
});

describe("tier_perk", () => {
  it("GIVEN gold's free shipping as a perk THEN treated customers get a free-shipping code for the window; silver (no free shipping) is refused at launch", async () => {
    const shop = newShop();
    await createProgram(db, shop);
    await seedInsights(shop, customers.slice(200, 240));
    const silver = await createCampaign(shop, definition([{ kind: "tier_perk", tier: "silver" }]), { db, now: () => NOW });
    await expect(launchCampaign(shop, silver.id, {}, { db, now: () => NOW })).rejects.toThrow(CampaignStateError);
    await expect(launchCampaign(shop, silver.id, {}, { db, now: () => NOW })).rejects.toThrow(/no free shipping/);

    const c = await launched(shop, definition([{ kind: "tier_perk", tier: "gold", costMinor: 800 }], { name: "Gold shipping", windowDays: 14 }));
    await runCampaignsForShop(shop, NOW, { db, client });
    const { treated } = await arms(c.id);
    const actions = await db.campaignAction.findMany({ where: { campaignId: c.id } });
    expect(actions.map((a) => a.customerGid).sort()).toEqual(treated);
    for (const a of actions) {
      expect(a.status).toBe("applied");
      expect(dev.store.discountCodeByCode(a.code!)).toMatchObject({
        kind: "free_shipping", title: `Gold shipping: Gold free shipping (${a.code})`, customerIds: [idOf(a.customerGid)], usageLimit: 1, endsAt: at(14).toISOString(),
      });
    }
    expect(Number((await db.campaign.findUniqueOrThrow({ where: { id: c.id } })).spentMinor)).toBe(800 * treated.length);
  });
});

describe("customer_tag", () => {
  it.each([
    ["a comma", "vip,winback"],
    ["over 255 characters", "x".repeat(256)],
    ["surrounding spaces", " vip"],
    ["a line break", "vip\nx"],
    ["nothing", ""],
  ])("refuses a tag with %s", async (_name, tag) => {
    const error = await createCampaign(newShop(), definition([{ kind: "customer_tag", tag }]), { db }).catch((e) => e);
    expect(error).toBeInstanceOf(CampaignValidationError);
    expect((error as CampaignValidationError).errors.map((e) => e.path)).toEqual(["actions[0].tag"]);
  });

  it("GIVEN a tag removed after the window WHEN run THEN treated customers are tagged ten to a request, and the tag comes off when the window ends, except where another campaign still holds it", async () => {
    const shop = newShop();
    const audience = customers.slice(240, 300);
    await seedInsights(shop, audience);
    const tag = `evergreen-winback-${shopSeq}`;
    const c = await launched(shop, definition([{ kind: "customer_tag", tag, removeAfterWindow: true }], { name: "Tag test", windowDays: 10 }));
    const first = sent.length;
    const run = await runCampaignsForShop(shop, NOW, { db, client });
    const { treated, control } = await arms(c.id);
    expect(run.actionsApplied).toBe(treated.length);
    const tagged = (g: string) => dev.store.customer(idOf(g))!.tags.includes(tag);
    expect(treated.every(tagged)).toBe(true);
    expect(control.some(tagged)).toBe(false);
    expect(sent.slice(first).filter((n) => n === "CustomerInsightTagsUpdate")).toHaveLength(Math.ceil(treated.length / 10));

    // A second campaign, keeping the tag, reaches some of the same customers later.
    const keeper = await createCampaign(shop, { ...definition([{ kind: "customer_tag", tag }], { name: "Keeper" }), audience: { layerIds: ["vip"] } }, { db, now: () => NOW });
    const shared = treated.slice(0, 3);
    await db.customerInsight.updateMany({ where: { shopDomain: shop, customerGid: { in: shared } }, data: { layerId: "vip" } });
    await launchCampaign(shop, keeper.id, {}, { db, now: () => at(1) });
    await runCampaignsForShop(shop, at(1), { db, client });
    const keptBy = (await arms(keeper.id)).treated;

    const before = await runCampaignsForShop(shop, at(9), { db, client });
    expect(before.tagsRemoved).toBe(0);
    const after = await runCampaignsForShop(shop, at(10), { db, client });
    const stillTagged = treated.filter(tagged);
    expect(stillTagged.sort()).toEqual(keptBy.filter((g) => treated.includes(g)).sort());
    expect(after.tagsRemoved).toBe(treated.length - stillTagged.length);
    expect(await db.campaignAction.count({ where: { campaignId: c.id, revertedAt: null } })).toBe(0);
    // Nothing left to remove: a later run sends nothing.
    const quiet = sent.length;
    expect((await runCampaignsForShop(shop, at(11), { db, client })).tagsRemoved).toBe(0);
    expect(sent.slice(quiet).filter((n) => n === "CustomerInsightTagsUpdate")).toEqual([]);
  });

  it("GIVEN a stopped campaign THEN its temporary tags come off at the next run", async () => {
    const shop = newShop();
    await seedInsights(shop, customers.slice(300, 330));
    const tag = `evergreen-stop-${shopSeq}`;
    const c = await launched(shop, definition([{ kind: "customer_tag", tag, removeAfterWindow: true }], { name: "Stop test" }));
    await runCampaignsForShop(shop, NOW, { db, client });
    const { treated } = await arms(c.id);
    expect(treated.length).toBeGreaterThan(0);
    await stopCampaign(shop, c.id, { db });
    const run = await runCampaignsForShop(shop, at(1), { db, client });
    expect(run.tagsRemoved).toBe(treated.length);
    expect(treated.some((g) => dev.store.customer(idOf(g))!.tags.includes(tag))).toBe(false);
  });
});

describe("birthday playbook", () => {
  it("GIVEN customers' birthdays WHEN the birthday playbook runs THEN it reaches those whose birthday is within the next 7 days", async () => {
    const shop = newShop();
    await createProgram(db, shop);
    const gids = customers.slice(330, 350);
    await seedInsights(shop, gids, "vip");
    // NOW is 1 November: birthdays from 1 to 8 November are within 7 days (today counts as 0).
    const birthdays = ["1990-11-01", "1985-11-08", "1985-11-09", "1970-10-31", null, "2000-02-29", "1999-11-05"];
    await db.customer.createMany({
      data: gids.map((customerGid, i) => ({
        shopDomain: shop, customerGid, birthday: birthdays[i % birthdays.length], shopifyCreatedAt: NOW, shopifyUpdatedAt: NOW,
      })),
    });
    const expected = gids.filter((_, i) => ["1990-11-01", "1985-11-08", "1999-11-05"].includes(birthdays[i % birthdays.length] ?? "")).sort();
    const c = await createCampaignFromPlaybook(shop, "birthday", { rolloutShare: 1, holdoutShare: 0.1 }, { db, now: () => NOW });
    const dry = await dryRunCampaign(shop, c.id, NOW, { db });
    expect(dry.audience).toBe(expected.length);
    await launchCampaign(shop, c.id, {}, { db, now: () => NOW });
    await runCampaignsForShop(shop, NOW, { db, client });
    const assigned = (await db.campaignAssignment.findMany({ where: { campaignId: c.id } })).map((a) => a.customerGid).sort();
    expect(assigned).toEqual(expected);
    const treated = (await arms(c.id)).treated;
    expect((await db.loyaltyEntry.findMany({ where: { shopDomain: shop, kind: "bonus" } })).map((e) => e.customerGid).sort()).toEqual(treated);
    const messages = dev.store.flowTriggers(CAMPAIGN_STEP_DUE_HANDLE).filter((f) => f.payload.campaign_id === c.id);
    expect(messages.map((m) => m.payload.step)).toEqual(treated.map(() => "birthday"));
  });
});
