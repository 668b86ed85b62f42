/**
 * A delivery that arrives while the process is at its webhook limit is
 * answered 503 with Retry-After before anything is applied; Shopify's
 * redelivery of the same payload is then applied once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fixture from "../fixtures/orders-create.json";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { TEST_API_KEY, TEST_API_SECRET } from "../helpers/dev-store";
import { postSignedWebhook } from "../helpers/signed-webhook";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

const SHOP = "admission.myshopify.com";
let db: TestDatabase;
let app: TestAppServer;
let webhookGate: typeof import("~/webhooks.server").webhookGate;

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: "http://localhost:3999", DATABASE_URL: db.url,
    EVERGREEN_WEBHOOK_CONCURRENCY: "1",
  });
  // Imported after the environment is set: shopify.server, db.server and the gate read it once.
  ({ webhookGate } = await import("~/webhooks.server"));
  const { action } = (await import("../../app/routes/webhooks.orders.tsx")) as { action: RouteAction };
  app = await startAppServer({ "/webhooks/orders": action });
  await db.prisma.shop.create({ data: { domain: SHOP, currencyCode: "USD" } });
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const deliver = (payload: unknown, eventId: string) => postSignedWebhook(`${app.url}/webhooks/orders`, { shop: SHOP, topic: "orders/create", payload, eventId });

describe("webhook admission", () => {
  it("GIVEN the limit is reached and the queue is full WHEN an order arrives THEN 503 with Retry-After and nothing stored; the redelivery is stored once", async () => {
    const gate = webhookGate();
    expect(gate.limits).toEqual({ limit: 1, maxQueued: 4, maxWaitMs: 2_000 });
    const order = { ...fixture, id: 7001, admin_graphql_api_id: "gid://shopify/Order/7001", updated_at: new Date().toISOString() };
    const eventId = randomUUID();

    // One slot busy and four waiting: the fifth waiter is refused at once.
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: 5 }, () => gate.run(() => busy));
    const refused = await deliver(order, eventId);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await db.prisma.order.count({ where: { shopDomain: SHOP } })).toBe(0);

    release();
    await Promise.all(holders);
    const accepted = await deliver(order, eventId);
    expect(accepted.status).toBe(200);
    const again = await deliver(order, eventId);
    expect(again.status).toBe(200);
    expect(await db.prisma.order.count({ where: { shopDomain: SHOP, orderGid: "gid://shopify/Order/7001" } })).toBe(1);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });
});
