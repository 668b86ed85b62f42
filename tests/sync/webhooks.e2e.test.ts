/**
 * Webhooks end to end: the dev store signs and delivers (as Shopify does) to
 * the app's route actions over HTTP; the Shopify library verifies; sync
 * applies. Duplicates and reordering are switched on.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { startTestDevStore, steppingClock, TEST_API_KEY, TEST_API_SECRET, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore } from "../helpers/compare";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { gid } from "../../dev-store/model";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { runReconciliation } from "~/services/reconcile.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

let db: TestDatabase;
let app: TestAppServer;
let devStore: TestDevStore;
let restoreFetch: () => void;

const hmac = (body: string, secret = TEST_API_SECRET) => createHmac("sha256", secret).update(body).digest("base64");

async function post(path: string, body: string, headers: Record<string, string>) {
  return fetch(`${app.url}${path}`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });
}

function shopifyHeaders(topic: string, body: string, overrides: Record<string, string> = {}) {
  return {
    "X-Shopify-Topic": topic,
    "X-Shopify-Hmac-Sha256": hmac(body),
    "X-Shopify-Shop-Domain": devStore.shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": crypto.randomUUID(),
    "X-Shopify-Event-Id": crypto.randomUUID(),
    "X-Shopify-Triggered-At": new Date().toISOString(),
    ...overrides,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_APP_URL: "http://localhost:3999",
    DATABASE_URL: db.url,
  });
  // Imported after the environment is set: shopify.server and db.server read it once.
  const route = async (name: string) => ((await import(`../../app/routes/${name}.tsx`)) as { action: RouteAction }).action;
  app = await startAppServer({
    "/webhooks/orders": await route("webhooks.orders"),
    "/webhooks/refunds": await route("webhooks.refunds"),
    "/webhooks/customers": await route("webhooks.customers"),
    "/webhooks/compliance": await route("webhooks.compliance"),
    "/webhooks/app/uninstalled": await route("webhooks.app.uninstalled"),
    "/webhooks/bulk_operations/finish": await route("webhooks.bulk_operations.finish"),
  });
  devStore = await startTestDevStore({
    seed: 9,
    orders: 400,
    appUrl: app.url,
    // 400 ms a change: several changes share a second, as they do on Shopify.
    storeClock: steppingClock(new Date().toISOString(), 400),
    // Retries as Shopify's, compressed: a delivery the app defers (503 past its webhook limit) comes again.
    // Backing off as Shopify does (here 0.2 s doubling to 2 s), so a burst deferred under load is not retried into the same queue.
    webhooks: { duplicateRate: 0.3, reorder: 5, seed: 3, retry: { attempts: 10, backoffMs: (n) => Math.min(2_000, 200 * 2 ** (n - 1)) } },
  });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  await runFullSync(devStore.shop, {
    db: db.prisma,
    dialect: dialectOf(db.url),
    bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }),
  });
});

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await app?.close();
  await db?.cleanup();
});

describe("webhooks after the first sync", () => {
  it("GIVEN duplicated and reordered deliveries of real shop activity WHEN reconciled THEN the database equals the shop exactly", async () => {
    const events = devStore.store.simulate({ seed: 11, events: 150 });
    expect(events.length).toBeGreaterThan(100);
    await devStore.server.sender.flush();

    const deliveries = devStore.server.sender.deliveries;
    expect(deliveries.some((d) => d.duplicate)).toBe(true);
    // Every delivery applied; the only other answer allowed is a deferral (503 before any work), redelivered.
    expect(app.responses.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(deliveries.filter((d) => d.state !== "delivered")).toEqual([]);
    // New orders arrived through webhooks alone.
    const newOrders = events.filter((e) => e.topic === "orders/create").map((e) => e.subjectGid);
    expect(newOrders.length).toBeGreaterThan(10);
    expect(await db.prisma.order.count({ where: { orderGid: { in: newOrders } } })).toBe(newOrders.length);

    // Reconciliation picks up what webhooks cannot carry (customer tags and
    // consent since API 2025-01) and settles same-second ties delivered out of order.
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runReconciliation(devStore.shop, { db: db.prisma, dialect: dialectOf(db.url), client });
    expect(run.status).toBe("completed");
    await expectDatabaseToMatchStore(db.prisma, devStore.store);

    // One delivery record per event, however often it was delivered.
    const eventIds = new Set(deliveries.filter((d) => /\/webhooks\/(orders|refunds|customers)$/.test(d.url)).map((d) => d.eventId));
    expect(await db.prisma.webhookDelivery.count({ where: { shopDomain: devStore.shop } })).toBe(eventIds.size);
  });

  it("GIVEN an order's older payload after its newer one THEN the newer version stays", async () => {
    const order = devStore.store.orders().find((o) => o.financialStatus === "PAID" && !o.cancelledAt)!;
    const before = devStore.store.events().length;
    devStore.store.cancelOrder(order.id, "CUSTOMER");
    await devStore.server.sender.flush();
    const cancelled = await db.prisma.order.findUniqueOrThrow({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: gid("Order", order.id) } } });
    expect(cancelled.cancelledAt).not.toBeNull();

    // Replay an older snapshot of the order (as a late retry would bring it).
    const current = devStore.store.events().slice(before).find((e) => e.topic === "orders/updated" && e.subjectGid === gid("Order", order.id))!;
    const body = JSON.stringify({ ...current.payload, cancelled_at: null, cancel_reason: null, updated_at: "2020-01-01T00:00:00Z" });
    const response = await post("/webhooks/orders", body, shopifyHeaders("orders/updated", body));
    expect([response.status, await response.text()]).toEqual([200, ""]);
    const after = await db.prisma.order.findUniqueOrThrow({ where: { shopDomain_orderGid: { shopDomain: devStore.shop, orderGid: gid("Order", order.id) } } });
    expect(after.cancelledAt).toEqual(cancelled.cancelledAt);
    expect(after.shopifyUpdatedAt).toEqual(cancelled.shopifyUpdatedAt);
  });

  it("GIVEN a forged signature, a missing header or a wrong secret THEN 401/400 and nothing is stored", async () => {
    const count = await db.prisma.webhookDelivery.count();
    const body = JSON.stringify({ admin_graphql_api_id: "gid://shopify/Customer/999", id: 999, created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-01T00:00:00Z" });
    const forged = await post("/webhooks/customers", body, shopifyHeaders("customers/create", body, { "X-Shopify-Hmac-Sha256": hmac(body, "not-the-secret") }));
    expect(forged.status).toBe(401);
    const tampered = await post("/webhooks/customers", body.replace("999", "998"), shopifyHeaders("customers/create", body));
    expect(tampered.status).toBe(401);
    const headers = shopifyHeaders("customers/create", body) as Record<string, string>;
    delete headers["X-Shopify-Topic"];
    const missing = await post("/webhooks/customers", body, headers);
    expect(missing.status).toBe(400);
    expect(await db.prisma.webhookDelivery.count()).toBe(count);
    expect(await db.prisma.customer.count({ where: { customerGid: "gid://shopify/Customer/999" } })).toBe(0);
  });

  it("GIVEN a signed but malformed payload THEN 400 with the reason, and it can be applied once fixed", async () => {
    const eventId = crypto.randomUUID();
    const broken = JSON.stringify({ admin_graphql_api_id: "gid://shopify/Order/77", name: "#77", currency: "USD", created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-01T00:00:00Z" });
    const response = await post("/webhooks/orders", broken, shopifyHeaders("orders/create", broken, { "X-Shopify-Event-Id": eventId }));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/line_items/);
    expect(await db.prisma.webhookDelivery.count({ where: { eventId } })).toBe(0);
  });

  it("GIVEN the same event twice THEN it is applied once", async () => {
    const customer = devStore.store.customers()[0];
    const eventId = crypto.randomUUID();
    const body = JSON.stringify({
      id: Number(customer.id),
      admin_graphql_api_id: gid("Customer", customer.id),
      email: customer.email,
      created_at: customer.createdAt,
      updated_at: new Date(Date.parse(customer.updatedAt) + 60_000).toISOString(),
      tags: "first-delivery",
    });
    const first = await post("/webhooks/customers", body, shopifyHeaders("customers/update", body, { "X-Shopify-Event-Id": eventId }));
    const again = body.replace("first-delivery", "second-delivery");
    // Same event id, new webhook id: what a Shopify retry looks like (here with a changed body to prove it is skipped).
    const second = await post("/webhooks/customers", again, shopifyHeaders("customers/update", again, { "X-Shopify-Event-Id": eventId }));
    expect([first.status, second.status]).toEqual([200, 200]);
    const stored = await db.prisma.customer.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: gid("Customer", customer.id) } } });
    expect(stored.tags).toBe("first-delivery");
    expect(await db.prisma.webhookDelivery.count({ where: { eventId } })).toBe(1);
  });

  it("GIVEN a deleted customer WHEN an older update arrives late THEN the customer stays deleted", async () => {
    // Shopify only deletes customers without orders.
    const customer = devStore.store.createCustomer({ email: "short-lived@example.com", firstName: "Short", lastName: "Lived" });
    await devStore.server.sender.flush();
    const customerGid = gid("Customer", customer.id);
    const oldPayload = JSON.stringify({ id: Number(customer.id), admin_graphql_api_id: customerGid, created_at: customer.createdAt, updated_at: customer.updatedAt, tags: "late" });
    devStore.store.deleteCustomer(customer.id);
    await devStore.server.sender.flush();
    const late = await post("/webhooks/customers", oldPayload, shopifyHeaders("customers/update", oldPayload));
    expect(late.status).toBe(200);
    const stored = await db.prisma.customer.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid } } });
    expect(stored.deletedAt).not.toBeNull();
    expect(stored.tags).not.toBe("late");
  });

  it("GIVEN computed insights WHEN a customer's order webhook arrives THEN their insight is rescored at once", async () => {
    const { recomputeShop } = await import("~/services/intelligence.server");
    await recomputeShop(devStore.shop, { db: db.prisma, dialect: dialectOf(db.url), asOf: new Date() });
    const customer = devStore.store.customers().find((c) => devStore.store.ordersOfCustomer(c.id).filter((o) => o.financialStatus === "PAID").length === 1)!;
    const key = { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: gid("Customer", customer.id) } };
    const before = await db.prisma.customerInsight.findUniqueOrThrow({ where: key });

    const variant = devStore.store.products()[0].variants[0];
    devStore.store.createOrder({ customerId: customer.id, lines: [{ variantId: variant.id, quantity: 1 }], financialStatus: "PAID" });
    await devStore.server.sender.flush();

    const after = await db.prisma.customerInsight.findUniqueOrThrow({ where: key });
    expect(after.orders).toBe(before.orders + 1);
    expect(after.computedAt.getTime()).toBeGreaterThan(before.computedAt.getTime());
  });
});
