/**
 * The dev store's simulated shopper responses (dev-store/campaign-simulation.ts):
 * who counts as treated (only what the app did through the Admin API), the
 * injected rates, codes used at checkout, once per customer and campaign, and
 * the /_dev/campaign-responses endpoint's answers to bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateCampaignResponses } from "../../dev-store/campaign-simulation";
import { gid } from "../../dev-store/model";
import { compareProportions, placeCustomer, sequentialConversionTest } from "~/domain/campaigns";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";

let dev: TestDevStore;

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 44, orders: 3000, webhooks: { subscriptions: [] } });
}, 60_000);

afterAll(async () => {
  await dev?.close();
});

const codeFor = (customerId: string, code: string, title: string) =>
  dev.store.createDiscountCode({
    code, title, kind: "basic", value: { amount: "10.00" }, customerIds: [customerId], usageLimit: 1, appliesOncePerCustomer: true,
    minimumSubtotal: null, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: null,
  });

describe("simulated responses", () => {
  it("GIVEN p0 = 0 and p1 = 1 THEN exactly the customers the app treated (Flow, code or tag) order, with their code; nobody is decided twice", () => {
    const ids = dev.store.customers().slice(0, 60).map((c) => c.id);
    const [flowOnly, withCode, tagged] = [ids.slice(0, 10), ids.slice(10, 20), ids.slice(20, 25)];
    for (const id of flowOnly) dev.store.receiveFlowTrigger("evergreen-campaign-step-due", { campaign_id: "c-1", customer_id: Number(id) });
    for (const id of withCode) codeFor(id, `SIMC1-${id}`, `Spring back: $10 off (SIMC1-${id})`);
    // Another campaign's code and Flow trigger do not count for this one.
    codeFor(ids[30], `OTHER-${ids[30]}`, `Other campaign: $10 off`);
    dev.store.receiveFlowTrigger("evergreen-campaign-step-due", { campaign_id: "c-2", customer_id: Number(ids[31]) });
    for (const id of tagged) dev.store.addTags(gid("Customer", id), ["spring-back"]);

    const { result: summary, events } = dev.store.capture(() => simulateCampaignResponses(dev.store, {
      campaignId: "c-1", customerIds: ids.map((id) => gid("Customer", id)), baselineRate: 0, treatedRate: 1, codeTitlePrefix: "Spring back: ", tag: "spring-back",
    }));
    expect(summary).toMatchObject({ decided: 60, treated: 25, untreated: 35, orders: { treated: 25, untreated: 0 }, codesUsed: 10 });
    const buyers = summary.orderIds.map((o) => dev.store.order(o.split("/").pop()!)!);
    expect(buyers.map((o) => o.customerId).sort()).toEqual([...flowOnly, ...withCode, ...tagged].sort());
    for (const o of buyers.filter((b) => withCode.includes(b.customerId!))) {
      expect(o.discountCodes).toEqual([`SIMC1-${o.customerId}`]);
      expect(Number(o.totalDiscounts.shopMoney.amount)).toBeGreaterThan(0);
    }
    // Orders go through the store's normal creation: the app hears of them as webhooks.
    expect(events.filter((e) => e.topic === "orders/create").map((e) => e.subjectGid).sort()).toEqual([...summary.orderIds].sort());

    const again = simulateCampaignResponses(dev.store, { campaignId: "c-1", customerIds: ids, baselineRate: 1, treatedRate: 1 });
    expect(again).toMatchObject({ decided: 0, alreadyDecided: 60, orderIds: [] });
  });

  it("GIVEN p0 = 0.2 and p1 = 0.5 THEN the arms order at about those rates, the same for the same seed", () => {
    const ids = dev.store.customers().slice(100, 1100).map((c) => c.id);
    const treated = ids.filter((_, i) => i % 2 === 0);
    for (const id of treated) dev.store.receiveFlowTrigger("evergreen-campaign-step-due", { campaign_id: "c-rates", customer_id: Number(id) });
    const summary = simulateCampaignResponses(dev.store, { campaignId: "c-rates", customerIds: ids, baselineRate: 0.2, treatedRate: 0.5, seed: 7 });
    expect(summary.treated).toBe(500);
    // sd of a rate over 500 customers: 2.2 points at 0.5, 1.8 at 0.2; 4 sd either side
    expect(Math.abs(summary.orders.treated / 500 - 0.5)).toBeLessThan(0.09);
    expect(Math.abs(summary.orders.untreated / 500 - 0.2)).toBeLessThan(0.072);
  });

  it("GIVEN 200 simulated campaigns with a true effect of +10 points THEN the app's intervals cover it at their nominal rate", () => {
    // The app's own assignment and statistics over the simulator's responses: the pieces of the loop without the network.
    const ids = dev.store.customers().slice(0, 400).map((c) => c.id);
    const effect = 0.1;
    let fixedCovers = 0;
    let sequentialCovers = 0;
    const experiments = 200;
    for (let k = 0; k < experiments; k++) {
      const campaignId = `coverage-${k}`;
      const arm = new Map(ids.map((id) => [id, placeCustomer(dev.shop, campaignId, gid("Customer", id), { holdoutShare: 0.5, rolloutShare: 1 })]));
      for (const id of ids) if (arm.get(id) === "treatment") dev.store.receiveFlowTrigger("evergreen-campaign-step-due", { campaign_id: campaignId, customer_id: Number(id) });
      const summary = simulateCampaignResponses(dev.store, { campaignId, customerIds: ids, baselineRate: 0.15, treatedRate: 0.15 + effect, seed: "coverage" });
      const treated = { customers: summary.treated, converted: summary.orders.treated };
      const control = { customers: summary.untreated, converted: summary.orders.untreated };
      expect(summary.treated).toBe([...arm.values()].filter((a) => a === "treatment").length);
      const fixed = compareProportions(treated, control).interval;
      const sequential = sequentialConversionTest(treated, control).interval;
      if (fixed[0] <= effect && effect <= fixed[1]) fixedCovers++;
      if (sequential[0] <= effect && effect <= sequential[1]) sequentialCovers++;
    }
    console.info(`coverage of the injected +10 points over ${experiments} simulated campaigns: fixed-horizon ${fixedCovers / experiments}, always-valid ${sequentialCovers / experiments}`);
    // 95% nominal; the sd of a coverage rate over 200 experiments is 1.5 points
    expect(fixedCovers / experiments).toBeGreaterThan(0.9);
    expect(fixedCovers / experiments).toBeLessThan(0.99);
    // The always-valid interval is wider at any single look: at least nominal.
    expect(sequentialCovers / experiments).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it("the endpoint answers 400 for bad input or an unknown customer, 201 with the summary", async () => {
    const post = (body: unknown) => fetch(`${dev.server.url}/_dev/campaign-responses`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const bad = await post({ campaignId: "", customerIds: "all", baselineRate: 2, treatedRate: -1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors).toMatch(/campaignId is required; customerIds must be a list.*baselineRate.*treatedRate/);
    expect((await post({ campaignId: "c-x", customerIds: ["999999999"], baselineRate: 0.1, treatedRate: 0.2 })).status).toBe(400);
    const ok = await post({ campaignId: "c-http", customerIds: dev.store.customers().slice(-10).map((c) => c.id), baselineRate: 1, treatedRate: 1 });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ campaignId: "c-http", decided: 10, orders: { untreated: 10 } });
  });
});
