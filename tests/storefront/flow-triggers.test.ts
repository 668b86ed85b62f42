/**
 * fireDueFlowTriggers end to end: events written by intelligence, loyalty and
 * replenishment reach the dev store's flowTriggerReceive (which accepts only
 * the handles of the app's extensions/flow-* folders) once each; a second run
 * sends nothing; Flow's refusals are not retried; a send left unfinished by a
 * crash is not resent; certain failures are retried a bounded number of times.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { AdminClient } from "~/shopify/admin-client.server";
import { AdminRetriesExhaustedError } from "~/shopify/errors";
import { FLOW_TRIGGER_PAYLOAD_MAX_BYTES } from "~/shopify/flow.server";
import { addMonthsUtc } from "~/domain/loyalty/ledger";
import { FLOW_TRIGGERS, fireDueFlowTriggers, MAX_ATTEMPTS } from "~/services/flow-triggers.server";
import { readFlowTriggerHandles } from "../../dev-store/app-extensions";

const DAY = 86_400_000;
const NOW = new Date("2026-06-15T12:00:00.000Z");
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

let db: TestDatabase;
let dev: TestDevStore;
let shop: string;
let ids: string[];
const gid = (i: number) => `gid://shopify/Customer/${ids[i]}`;

function client(store: TestDevStore = dev) {
  return new AdminClient({ shop: new URL(store.server.url).host, protocol: "http", accessToken: store.accessToken });
}

async function insight(customerGid: string, churnRisk: string | null, computedAt: Date, reasons: unknown[] = []) {
  const data = {
    layerId: "potential-growth", lifecycleStage: "growing", orders: 2, monetaryMinor: 5000n, layerReason: "{}",
    churnRisk, churnReason: JSON.stringify(reasons), computedAt,
  };
  await db.prisma.customerInsight.upsert({
    where: { shopDomain_customerGid: { shopDomain: shop, customerGid } },
    create: { shopDomain: shop, customerGid, ...data },
    update: data,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  // No handle list: the store reads the app's flow_trigger extensions, as Shopify would after a deploy.
  dev = await startTestDevStore({ seed: 61, orders: 60, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
  shop = dev.shop;
  ids = dev.store.customers().slice(0, 8).map((c) => String(c.id).replace(/^.*\//, ""));
  const p = db.prisma;
  await p.layerMove.createMany({ data: [
    { id: "move-recent", shopDomain: shop, customerGid: gid(0), fromLayer: "potential-growth", toLayer: "high-value-active", direction: "up", movedAt: ago(1) },
    { id: "move-old", shopDomain: shop, customerGid: gid(1), fromLayer: "potential-growth", toLayer: "churn-risk", direction: "down", movedAt: ago(30) },
    { id: "move-first", shopDomain: shop, customerGid: gid(2), fromLayer: null, toLayer: "new", direction: "lateral", movedAt: ago(1) },
  ] });
  await p.loyaltyTierChange.create({ data: { id: "tier-1", shopDomain: shop, customerGid: gid(1), fromTier: "silver", toTier: "gold", reason: "upgrade", changedAt: ago(2) } });
  await p.product.create({ data: { shopDomain: shop, productGid: "gid://shopify/Product/901", title: "Morning Blend Coffee", handle: "morning-blend", status: "ACTIVE", shopifyUpdatedAt: ago(100) } });
  await p.replenishmentReminder.create({ data: {
    id: "reminder-1", shopDomain: shop, customerGid: gid(2), productGid: "gid://shopify/Product/901", variantGid: null,
    cycleStartedAt: ago(25), quantity: 2, intervalDays: 30, intervalSource: "product",
    dueAt: new Date(NOW.getTime() + 5 * DAY), remindAt: ago(2), expiresAt: new Date(NOW.getTime() + 35 * DAY),
    status: "due", statusChangedAt: ago(2), createdAt: ago(2),
  } });
  await p.loyaltyProgram.create({ data: { shopDomain: shop, expiryMonths: 12 } });
  const expiringActivity = new Date(addMonthsUtc(NOW, -12).getTime() + 10 * DAY); // expires in 10 days
  await p.loyaltyAccount.createMany({ data: [
    { shopDomain: shop, customerGid: gid(3), available: 250, lastActivityAt: expiringActivity, settledThrough: NOW },
    { shopDomain: shop, customerGid: gid(4), available: 90, lastActivityAt: ago(30), settledThrough: NOW }, // far from expiry
    { shopDomain: shop, customerGid: gid(5), available: 0, lastActivityAt: expiringActivity, settledThrough: NOW }, // nothing to lose
  ] });
  await insight(gid(6), "low", ago(3));
  await insight(gid(7), "medium", ago(3));
});

afterAll(async () => {
  await dev?.close();
  await db?.cleanup();
});

describe("the flow_trigger extensions", () => {
  it("declare the five handles this service fires", () => {
    expect(readFlowTriggerHandles()).toEqual(expect.arrayContaining(Object.values(FLOW_TRIGGERS)));
  });
});

describe("fireDueFlowTriggers", () => {
  it("fires each due event once, with the payload its extension declares", async () => {
    const result = await fireDueFlowTriggers(shop, NOW, { db: db.prisma, client: client() });
    expect(result).toEqual({ fired: 4, failed: 0 });
    const received = dev.store.flowTriggers().map((r) => [r.handle, r.payload]);
    expect(received).toEqual(expect.arrayContaining([
      [FLOW_TRIGGERS.layerChanged, { customer_id: Number(ids[0]), layer: "high-value-active", previous_layer: "potential-growth", direction: "up" }],
      [FLOW_TRIGGERS.tierChanged, { customer_id: Number(ids[1]), tier: "gold", previous_tier: "silver", reason: "upgrade" }],
      [FLOW_TRIGGERS.replenishmentDue, { customer_id: Number(ids[2]), product_id: 901, product_title: "Morning Blend Coffee", due_date: "2026-06-20", days_left: 5, quantity: 2 }],
      [FLOW_TRIGGERS.pointsExpiring, { customer_id: Number(ids[3]), points: 250, expires_on: new Date(NOW.getTime() + 10 * DAY).toISOString().slice(0, 10) }],
    ]));
    expect(received).toHaveLength(4); // not the old move, nor the first assignment, nor the far or empty accounts
    expect((await db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: "reminder-1" } })).status).toBe("sent");
    // Churn risk: the first look only sets the baseline.
    expect(await db.prisma.flowChurnRiskSeen.count({ where: { shopDomain: shop } })).toBe(2);
  });

  it("sends nothing the second time", async () => {
    const before = dev.store.flowTriggers().length;
    const admin = client();
    expect(await fireDueFlowTriggers(shop, new Date(NOW.getTime() + 3_600_000), { db: db.prisma, client: admin })).toEqual({ fired: 0, failed: 0 });
    expect(dev.store.flowTriggers()).toHaveLength(before);
    expect(admin.counters.requests).toBe(0);
    expect(await db.prisma.flowTriggerEvent.count({ where: { shopDomain: shop, status: "sent" } })).toBe(4);
  });

  it("fires 'churn risk rose' when a recomputation raises a customer's risk, not when it falls", async () => {
    const later = new Date(NOW.getTime() + DAY);
    await insight(gid(6), "high", later, [{ rule: "gapExceeded", daysSinceLastOrder: 130, expectedGapDays: 40, multiple: 2, limitDays: 80 }]);
    await insight(gid(7), "low", later);
    expect(await fireDueFlowTriggers(shop, later, { db: db.prisma, client: client() })).toEqual({ fired: 1, failed: 0 });
    expect(dev.store.flowTriggers(FLOW_TRIGGERS.churnRiskRose).map((r) => r.payload)).toEqual([
      { customer_id: Number(ids[6]), churn_risk: "high", previous_churn_risk: "low", reasons: "130 days since the last order (limit 80)" },
    ]);
    // Back up from low to medium for customer 7 is a rise again.
    const later2 = new Date(later.getTime() + DAY);
    await insight(gid(7), "medium", later2);
    expect(await fireDueFlowTriggers(shop, later2, { db: db.prisma, client: client() })).toEqual({ fired: 1, failed: 0 });
    expect(await fireDueFlowTriggers(shop, later2, { db: db.prisma, client: client() })).toEqual({ fired: 0, failed: 0 });
    expect(dev.store.flowTriggers(FLOW_TRIGGERS.churnRiskRose)).toHaveLength(2);
  });

  it("a send a crashed run left unfinished is not resent; one still in progress is left alone", async () => {
    const at = new Date(NOW.getTime() + 3 * DAY);
    const base = { shopDomain: shop, handle: FLOW_TRIGGERS.tierChanged, payload: JSON.stringify({ customer_id: Number(ids[0]), tier: "gold", previous_tier: "", reason: "upgrade" }), status: "sending", attempts: 1, createdAt: at };
    await db.prisma.flowTriggerEvent.createMany({ data: [
      { ...base, id: "crashed", eventKey: "test:crashed", customerGid: gid(0), claimedAt: new Date(at.getTime() - 3_600_000) },
      { ...base, id: "in-flight", eventKey: "test:in-flight", customerGid: gid(0), claimedAt: new Date(at.getTime() - 1_000) },
    ] });
    const before = dev.store.flowTriggers().length;
    expect(await fireDueFlowTriggers(shop, at, { db: db.prisma, client: client() })).toEqual({ fired: 0, failed: 1 });
    expect(dev.store.flowTriggers()).toHaveLength(before);
    const rows = await db.prisma.flowTriggerEvent.findMany({ where: { id: { in: ["crashed", "in-flight"] } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.id, r.status])).toEqual([["crashed", "unknown"], ["in-flight", "sending"]]);
  });
});

describe("failures", () => {
  it("Flow's refusal is recorded once and never retried; an oversized payload is never sent", async () => {
    // A store where the points-expiring extension is not deployed.
    const partial = await startTestDevStore({
      seed: 62, orders: 40, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] },
      flowTriggerHandles: [FLOW_TRIGGERS.layerChanged, FLOW_TRIGGERS.replenishmentDue],
    });
    // Its own database: the generated shop has the same domain as the first store's.
    const own = await createTestDatabase();
    const p = own.prisma;
    const s = partial.shop;
    const c = partial.store.customers().slice(0, 3).map((x) => `gid://shopify/Customer/${String(x.id).replace(/^.*\//, "")}`);
    try {
      await p.loyaltyProgram.create({ data: { shopDomain: s, expiryMonths: 6 } });
      await p.loyaltyAccount.create({ data: { shopDomain: s, customerGid: c[0], available: 40, lastActivityAt: new Date(addMonthsUtc(NOW, -6).getTime() + 2 * DAY), settledThrough: NOW } });
      await p.layerMove.create({ data: { id: "partial-move", shopDomain: s, customerGid: c[1], fromLayer: "new", toLayer: "growing", direction: "up", movedAt: ago(1) } });
      await p.product.create({ data: { shopDomain: s, productGid: "gid://shopify/Product/77", title: "x".repeat(FLOW_TRIGGER_PAYLOAD_MAX_BYTES), status: "ACTIVE", shopifyUpdatedAt: ago(10) } });
      await p.replenishmentReminder.create({ data: {
        id: "huge-reminder", shopDomain: s, customerGid: c[2], productGid: "gid://shopify/Product/77", quantity: 1, intervalDays: 30, intervalSource: "product",
        cycleStartedAt: ago(28), dueAt: ago(-2), remindAt: ago(1), expiresAt: ago(-30), status: "due", statusChangedAt: ago(1), createdAt: ago(1),
      } });

      const first = client(partial);
      expect(await fireDueFlowTriggers(s, NOW, { db: p, client: first })).toEqual({ fired: 1, failed: 1 });
      expect(first.counters.requests).toBe(2); // the move and the refused one; not the oversized one
      expect(partial.store.flowTriggers().map((r) => r.handle)).toEqual([FLOW_TRIGGERS.layerChanged]);
      const rows = await p.flowTriggerEvent.findMany({ where: { shopDomain: s }, orderBy: { eventKey: "asc" } });
      expect(rows.map((r) => [r.handle, r.status, r.attempts])).toEqual([
        [FLOW_TRIGGERS.layerChanged, "sent", 1],
        [FLOW_TRIGGERS.pointsExpiring, "rejected", 1],
        [FLOW_TRIGGERS.replenishmentDue, "rejected", 0],
      ]);
      expect(rows[1].lastError).toContain("Invalid handle 'evergreen-points-expiring'");
      expect(rows[2].lastError).toMatch(/payload is \d+ bytes/);

      const second = client(partial);
      expect(await fireDueFlowTriggers(s, new Date(NOW.getTime() + DAY), { db: p, client: second })).toEqual({ fired: 0, failed: 0 });
      expect(second.counters.requests).toBe(0);
      expect((await p.replenishmentReminder.findUniqueOrThrow({ where: { id: "huge-reminder" } })).status).toBe("due");
    } finally {
      await partial.close();
      await own.cleanup();
    }
  });

  it("a send that certainly failed is retried on later runs, at most MAX_ATTEMPTS times", async () => {
    const s = "retry-shop.myshopify.com";
    await db.prisma.layerMove.create({ data: { id: "retry-move", shopDomain: s, customerGid: "gid://shopify/Customer/5", fromLayer: "new", toLayer: "growing", direction: "up", movedAt: ago(1) } });
    let calls = 0;
    // Throttled until the client gave up: Shopify did not run it.
    const failing = { request: async () => { calls++; throw new AdminRetriesExhaustedError("FlowTriggerReceive", 4, new Error("THROTTLED")); } } as unknown as AdminClient;
    const statuses: string[] = [];
    for (let run = 0; run < MAX_ATTEMPTS + 2; run++) {
      const result = await fireDueFlowTriggers(s, new Date(NOW.getTime() + run * 3_600_000), { db: db.prisma, client: failing });
      expect(result.fired).toBe(0);
      statuses.push((await db.prisma.flowTriggerEvent.findFirstOrThrow({ where: { shopDomain: s } })).status);
    }
    expect(calls).toBe(MAX_ATTEMPTS);
    expect(statuses).toEqual([...Array(MAX_ATTEMPTS - 1).fill("pending"), "dead", "dead", "dead"]);
  });
});
