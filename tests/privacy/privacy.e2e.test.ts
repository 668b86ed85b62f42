/**
 * Shopify's compliance webhooks end to end: the dev store signs and delivers
 * customers/data_request, customers/redact and shop/redact to the app's route
 * over HTTP, after a real sync and an intelligence pass filled every table.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { startTestDevStore, TEST_API_SECRET, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { Prisma } from "~/generated/prisma/client";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { recomputeShop } from "~/services/intelligence.server";
import { upsertProgram } from "~/db/loyalty-program.server";
import { awardPoints } from "~/services/points.server";
import {
  CUSTOMER_DATA_POLICIES,
  CUSTOMER_EXPORT_FORMAT,
  CUSTOMER_EXPORT_SECTIONS,
  SHOP_TABLES,
  type CustomerDataDocument,
} from "~/services/privacy.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const OTHER_SHOP = "other-shop.myshopify.com";

/** Every model's scalar field names, from the generated client. */
function modelFields(): Record<string, string[]> {
  const namespace = Prisma as unknown as Record<string, Record<string, string> | undefined>;
  return Object.fromEntries(
    Object.values(Prisma.ModelName).map((model) => [model, Object.values(namespace[`${model}ScalarFieldEnum`] ?? {})]),
  );
}

describe("the privacy registry covers every table", () => {
  const fields = modelFields();

  it("lists every shop-scoped model for shop/redact", () => {
    const listed = new Set(SHOP_TABLES.map((t) => t.model));
    const shopScoped = Object.entries(fields)
      .filter(([model, names]) => names.includes("shopDomain") || model === "Session" || model === "Shop")
      .map(([model]) => model);
    expect(shopScoped.filter((m) => !listed.has(m))).toEqual([]);
    for (const { model, column = "shopDomain" } of SHOP_TABLES) expect(fields[model], model).toContain(column);
  });

  it("says what customers/redact does to every model that names a customer", () => {
    const customerModels = Object.entries(fields)
      .filter(([, names]) => names.some((n) => /customerGid$/i.test(n) || /email/i.test(n)))
      .map(([model]) => model)
      .filter((m) => m !== "Session"); // staff sessions, not customers
    expect(customerModels.filter((m) => !(m in CUSTOMER_DATA_POLICIES))).toEqual([]);
  });

  it("exports every model it deletes or anonymises (except the exports themselves)", () => {
    const missing = Object.entries(CUSTOMER_DATA_POLICIES)
      .filter(([model, p]) => [p].flat().some((x) => x.kind !== "keep") && model !== "CustomerDataExport" && !(model in CUSTOMER_EXPORT_SECTIONS))
      .map(([model]) => model);
    expect(missing).toEqual([]);
  });
});

describe("compliance webhooks", () => {
  let db: TestDatabase;
  let app: TestAppServer;
  let devStore: TestDevStore;
  let restoreFetch: () => void;

  const send = async (topic: string, payload: unknown) => {
    devStore.server.sender.send(devStore.shop, topic, payload, { url: `${app.url}/webhooks/compliance` });
    await devStore.server.sender.flush();
    return app.responses.at(-1)!;
  };
  const customerWithOrders = () => {
    const counts = new Map<string, number>();
    for (const o of devStore.store.orders()) if (o.customerId) counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1);
    const [id] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return { id, gid: `gid://shopify/Customer/${id}`, orders: devStore.store.ordersOfCustomer(id).map((o) => o.id) };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, {
      SHOPIFY_API_KEY: "evergreen-test-key",
      SHOPIFY_API_SECRET: TEST_API_SECRET,
      SHOPIFY_APP_URL: "http://localhost:3999",
      DATABASE_URL: db.url,
    });
    const { action } = (await import("../../app/routes/webhooks.compliance.tsx")) as { action: RouteAction };
    app = await startAppServer({ "/webhooks/compliance": action });
    // Only the compliance route is served: other topics' deliveries must not wait out retries.
    devStore = await startTestDevStore({ seed: 21, orders: 300, webhooks: { retry: { attempts: 1, backoffMs: () => 1 } } });
    restoreFetch = installLocalShopifyFetch(devStore.server.url);
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const dialect = dialectOf(db.url);
    await runFullSync(devStore.shop, { db: db.prisma, dialect, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
    await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: new Date(DEFAULT_NOW) });
    // A second shop whose rows must survive the first one's redaction.
    await db.prisma.shop.create({ data: { domain: OTHER_SHOP } });
    await db.prisma.customer.create({
      data: { shopDomain: OTHER_SHOP, customerGid: "gid://shopify/Customer/1", email: "a@example.com", shopifyCreatedAt: new Date(), shopifyUpdatedAt: new Date() },
    });
  }, 120_000);

  afterAll(async () => {
    restoreFetch?.();
    await devStore?.close();
    await app?.close();
    await db?.cleanup();
  });

  it("GIVEN a forged signature THEN 401 and nothing is exported or erased", async () => {
    const body = JSON.stringify({ shop_domain: devStore.shop, customer: { id: customerWithOrders().id } });
    const res = await fetch(`${app.url}/webhooks/compliance`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "customers/redact",
        "X-Shopify-Hmac-Sha256": createHmac("sha256", "not-the-secret").update(body).digest("base64"),
        "X-Shopify-Shop-Domain": devStore.shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": crypto.randomUUID(),
      },
    });
    expect(res.status).toBe(401);
    expect(await db.prisma.customer.count({ where: { shopDomain: devStore.shop, email: { not: null } } })).toBeGreaterThan(0);
  });

  it("customers/data_request stores one export with the customer's rows, however often it is delivered", async () => {
    const c = customerWithOrders();
    const payload = { shop_domain: devStore.shop, customer: { id: Number(c.id) }, orders_requested: c.orders.map(Number), data_request: { id: 9001 } };
    expect((await send("customers/data_request", payload)).status).toBe(200);
    expect((await send("customers/data_request", payload)).status).toBe(200);

    const exports = await db.prisma.customerDataExport.findMany({ where: { shopDomain: devStore.shop } });
    expect(exports).toHaveLength(1);
    const doc = JSON.parse(exports[0]!.document) as CustomerDataDocument;
    expect(doc.format).toBe(CUSTOMER_EXPORT_FORMAT);
    expect(doc.dataRequestId).toBe("9001");
    expect(doc.sections.Customer).toHaveLength(1);
    expect(doc.sections.Customer![0]!.customerGid).toBe(c.gid);
    expect(doc.sections.Order!.map((o) => o.orderGid).sort()).toEqual(c.orders.map((id) => `gid://shopify/Order/${id}`).sort());
    expect(doc.sections.OrderLineItem!.length).toBeGreaterThanOrEqual(c.orders.length);
    expect(doc.sections.CustomerInsight).toHaveLength(1);
    // BigInt money as decimal strings: the document is plain JSON.
    expect(typeof doc.sections.Order![0]!.totalPriceMinor).toBe("string");
  });

  it("customers/redact erases personal data and derived scores but keeps the shop's totals", async () => {
    const c = customerWithOrders();
    const revenue = async () => (await db.prisma.order.aggregate({ where: { shopDomain: devStore.shop }, _sum: { totalPriceMinor: true } }))._sum.totalPriceMinor;
    const before = await revenue();
    await upsertProgram(db.prisma, devStore.shop);
    await awardPoints({ shopDomain: devStore.shop, customerGid: c.gid, points: 250, kind: "bonus", idempotencyKey: "privacy-test", reason: "for Jane Doe" }, { db: db.prisma });
    const liability = async () => (await db.prisma.loyaltyAccount.aggregate({ where: { shopDomain: devStore.shop }, _sum: { available: true, pending: true } }))._sum;
    const liabilityBefore = await liability();
    expect(liabilityBefore.available).toBeGreaterThanOrEqual(250);

    const res = await send("customers/redact", { shop_domain: devStore.shop, customer: { id: Number(c.id) }, orders_to_redact: c.orders.map(Number) });
    expect(res.status).toBe(200);

    const customer = await db.prisma.customer.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: c.gid } } });
    expect([customer.email, customer.firstName, customer.lastName, customer.phone, customer.birthday]).toEqual([null, null, null, null, null]);
    expect(await db.prisma.order.count({ where: { shopDomain: devStore.shop, customerGid: c.gid, email: { not: null } } })).toBe(0);
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop, customerGid: c.gid } })).toBe(0);
    expect(await db.prisma.customerDataExport.count({ where: { shopDomain: devStore.shop, customerGid: c.gid } })).toBe(0);
    expect(await revenue()).toBe(before);
    // Points stay owed (the liability does not move) but lead back to no one.
    expect(await liability()).toEqual(liabilityBefore);
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: devStore.shop, customerGid: c.gid } })).toBe(0);
    expect(await db.prisma.loyaltyAccount.count({ where: { shopDomain: devStore.shop, customerGid: c.gid } })).toBe(0);
    const [pseudonymised] = await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: devStore.shop, idempotencyKey: "privacy-test" } });
    expect(pseudonymised!.customerGid).toMatch(/^redacted:/);
    expect(pseudonymised!.reason).toBeNull();
    // Other customers untouched.
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } })).toBeGreaterThan(10);
  });

  it("a redact naming no customer is refused with 400 and changes nothing", async () => {
    const res = await send("customers/redact", { shop_domain: devStore.shop, customer: {} });
    expect(res.status).toBe(400);
    expect(await db.prisma.customer.count({ where: { shopDomain: devStore.shop, email: { not: null } } })).toBeGreaterThan(0);
  });

  it("shop/redact deletes every row of the shop and nothing of another shop", async () => {
    expect((await send("shop/redact", { shop_domain: devStore.shop, shop_id: 1 })).status).toBe(200);
    for (const { model, column = "shopDomain" } of SHOP_TABLES) {
      const delegate = (db.prisma as unknown as Record<string, { count(a: unknown): Promise<number> }>)[model[0]!.toLowerCase() + model.slice(1)]!;
      expect(await delegate.count({ where: { [column]: devStore.shop } }), model).toBe(0);
    }
    expect(await db.prisma.customer.count({ where: { shopDomain: OTHER_SHOP } })).toBe(1);
    expect(await db.prisma.shop.count({ where: { domain: OTHER_SHOP } })).toBe(1);
  });
});
