/**
 * The whole behaviour loop offline: the dev store's shoppers browse
 * consistently with their orders (dev-store/browsing.ts), the sessions are
 * replayed into the ingest endpoint as the pixel would send them, and the
 * refreshed dimensions say what the orders say.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { startTestDevStore, TEST_API_SECRET, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { generateBrowsing, replayBrowsing } from "../../dev-store/browsing";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf } from "~/db/adapter.server";
import { ingestBehaviourBatch, pixelIngestToken, type IngestLimiters } from "~/services/behaviour-ingest.server";
import { refreshCustomerBehaviour } from "~/services/behaviour.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const NOW = new Date(DEFAULT_NOW);
const unlimited: IngestLimiters = { shop: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) }, client: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) } };
let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let app: TestAppServer;

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, { SHOPIFY_API_KEY: "evergreen-test-key", SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: "http://localhost:3999", DATABASE_URL: db.url });
  devStore = await startTestDevStore({ seed: 31, orders: 400, webhooks: { retry: { attempts: 1, backoffMs: () => 1 } } });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  await runFullSync(devStore.shop, { db: db.prisma, dialect: dialectOf(db.url), bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  const { action } = (await import("../../app/routes/pixel.events.tsx")) as { action: RouteAction };
  app = await startAppServer({ "/pixel/events": action });
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await app?.close();
  await devStore?.close();
  await db?.cleanup();
});

describe("browsing replayed into the pixel endpoint", () => {
  it("is generated consistently with orders, deterministically", () => {
    const a = generateBrowsing(devStore.store, { seed: 1, now: NOW, days: 60 });
    const b = generateBrowsing(devStore.store, { seed: 1, now: NOW, days: 60 });
    expect(a).toEqual(b);
    const buyers = new Set(devStore.store.orders().filter((o) => o.customerId && !o.cancelledAt && Date.parse(o.processedAt) > NOW.getTime() - 60 * 86400_000).map((o) => o.customerId));
    expect(new Set(a.filter((s) => s.events.some((e) => e.name === "checkout_completed")).map((s) => s.customerId))).toEqual(buyers);
    expect(a.every((s) => s.events.every((e) => Date.parse(e.timestamp) <= NOW.getTime()))).toBe(true);
  });

  it("lands once over HTTP, and the refreshed dimensions match the orders", async () => {
    const sessions = generateBrowsing(devStore.store, { seed: 2, now: NOW, days: 60 });
    const token = pixelIngestToken(devStore.shop, TEST_API_SECRET);
    // The HTTP route checks the send time against the real clock, so historical sessions go through the service with their own send time; a few live ones over HTTP.
    const service = (body: string, sentAt: Date) =>
      ingestBehaviourBatch(body, { appSecret: TEST_API_SECRET, limiters: unlimited, db: db.prisma, dialect: dialectOf(db.url), now: () => sentAt }).then((o) => o.status);
    const statuses = await replayBrowsing(sessions, devStore.shop, token, service);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const total = sessions.reduce((s, x) => s + x.events.length, 0);
    expect(await db.prisma.behaviourEvent.count({ where: { shopDomain: devStore.shop } })).toBe(total);
    // Replaying again (a retried beacon) stores nothing new.
    await replayBrowsing(sessions.slice(0, 20), devStore.shop, token, service);
    expect(await db.prisma.behaviourEvent.count({ where: { shopDomain: devStore.shop } })).toBe(total);

    const live = sessions.slice(-3).map((s) => ({ ...s, events: s.events.map((e) => ({ ...e, id: `live-${e.id}`, timestamp: new Date().toISOString() })) }));
    const http = (body: string) => fetch(`${app.url}/pixel/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body }).then((r) => r.status);
    expect(await replayBrowsing(live, devStore.shop, token, http)).toEqual(live.map(() => 200));

    const summary = await refreshCustomerBehaviour(devStore.shop, NOW, { db: db.prisma });
    expect(summary.customers).toBe(new Set(sessions.filter((s) => s.customerId).map((s) => s.customerId)).size);

    // A buyer's strongest interest is a product type they bought in the window.
    const rows = await db.prisma.customerBehaviour.findMany({ where: { shopDomain: devStore.shop } });
    let agree = 0;
    for (const row of rows) {
      const types = new Set(
        devStore.store
          .ordersOfCustomer(row.customerGid.split("/").pop()!)
          .flatMap((o) => o.lineItems.map((l) => devStore.store.products().find((p) => p.id === l.productId)?.productType)),
      );
      const top = (JSON.parse(row.topProductTypes) as { value: string }[])[0]?.value;
      if (top && types.has(top)) agree++;
    }
    expect(agree / rows.length).toBeGreaterThan(0.9);
    // Some shoppers left a cart this week.
    expect(rows.filter((r) => r.cartAbandonedAt).length).toBeGreaterThan(0);
  }, 120_000);
});
