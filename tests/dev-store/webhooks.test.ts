import "@shopify/shopify-api/adapters/node";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { shopifyApi, ApiVersion, type Shopify, type WebhookValidation } from "@shopify/shopify-api";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { createDevStoreServer } from "../../dev-store/server";
import { readAppConfig, WebhookSender, type WebhookSubscriptionConfig } from "../../dev-store/webhook-sender";

const API_KEY = "webhook-test-key";
const API_SECRET = "webhook-test-secret";
const SHOP = "demo-shop.myshopify.com";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  rawBody: string;
  /** shopify.webhooks.validate on the genuine request, and on the same request with one body byte changed. */
  genuine: WebhookValidation;
  tampered: WebhookValidation;
}

let shopify: Shopify;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
/** Status the receiver answers with, per request number (default 200). */
let statusFor: (n: number) => number = () => 200;
let requestNumber = 0;

beforeAll(async () => {
  shopify = shopifyApi({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October26,
    hostName: "localhost:3000",
    isEmbeddedApp: true,
    logger: { log: async () => undefined },
  });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const tamperedBody = rawBody.replace(/\d/, (d) => String((Number(d) + 1) % 10));
      const genuine = await shopify.webhooks.validate({ rawBody, rawRequest: request, rawResponse: response });
      const tampered = await shopify.webhooks.validate({ rawBody: tamperedBody, rawRequest: request, rawResponse: response });
      received.push({ path: request.url ?? "", headers: request.headers, rawBody, genuine, tampered });
      response.writeHead(statusFor(requestNumber++)).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterEach(() => {
  received = [];
  statusFor = () => 200;
  requestNumber = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const ORDERS: WebhookSubscriptionConfig[] = [{ topics: ["orders/create", "orders/paid"], uri: "/webhooks/orders", compliance: false }];

function sender(options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) {
  return new WebhookSender({
    apiSecret: API_SECRET,
    appUrl: receiverUrl,
    subscriptions: ORDERS,
    retry: { attempts: 3, backoffMs: () => 5, timeoutMs: 2000 },
    ...options,
  });
}

describe("webhook deliveries", () => {
  it("GIVEN a delivery THEN its HMAC verifies with the secret AND shopify-api's validator accepts it, but not with one byte changed", async () => {
    const webhooks = sender();
    webhooks.send(SHOP, "orders/create", { id: 5_000_000_000_001, total_price: "19.90" });
    await webhooks.flush();

    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery.path).toBe("/webhooks/orders");
    expect(delivery.headers["x-shopify-hmac-sha256"]).toBe(createHmac("sha256", API_SECRET).update(delivery.rawBody).digest("base64"));
    expect(delivery.headers).toMatchObject({
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": SHOP,
      "x-shopify-api-version": "2026-10",
    });
    expect(delivery.headers["x-shopify-webhook-id"]).toBeTruthy();
    expect(delivery.headers["x-shopify-event-id"]).toBeTruthy();
    expect(Date.parse(String(delivery.headers["x-shopify-triggered-at"]))).not.toBeNaN();
    expect(delivery.genuine).toMatchObject({ valid: true, topic: "ORDERS_CREATE", domain: SHOP, apiVersion: "2026-10" });
    expect(delivery.tampered).toMatchObject({ valid: false, reason: "invalid_hmac" });
  });

  it("retries a failed delivery with the same event and webhook id", async () => {
    statusFor = (n) => (n < 2 ? 500 : 200);
    const webhooks = sender();
    const [delivery] = webhooks.send(SHOP, "orders/paid", { id: 1 });
    await webhooks.flush();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["x-shopify-event-id"])).size).toBe(1);
    expect(new Set(received.map((r) => r.headers["x-shopify-webhook-id"])).size).toBe(1);
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it("gives up after the configured tries", async () => {
    statusFor = () => 503;
    const webhooks = sender();
    const [delivery] = webhooks.send(SHOP, "orders/paid", { id: 2 });
    await webhooks.flush();
    expect(delivery.state).toBe("failed");
    expect(received).toHaveLength(3);
  });

  it("GIVEN duplicateRate 1 THEN each event arrives twice with the same event id and different webhook ids", async () => {
    const webhooks = sender({ chaos: { duplicateRate: 1 } });
    webhooks.send(SHOP, "orders/create", { id: 3 });
    await webhooks.flush();
    expect(received).toHaveLength(2);
    expect(received[0].headers["x-shopify-event-id"]).toBe(received[1].headers["x-shopify-event-id"]);
    expect(received[0].headers["x-shopify-webhook-id"]).not.toBe(received[1].headers["x-shopify-webhook-id"]);
    expect(received.every((r) => r.genuine.valid)).toBe(true);
  });

  it("GIVEN reorder THEN a held window is released shuffled, and flush() drains it", async () => {
    const webhooks = sender({ chaos: { reorder: 8, seed: 42 } });
    for (let id = 1; id <= 8; id++) webhooks.send(SHOP, "orders/create", { id });
    await webhooks.flush();
    const ids = received.map((r) => JSON.parse(r.rawBody).id);
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(webhooks.deliveries.every((d) => d.state === "delivered")).toBe(true);
  });

  it("reads the subscriptions, compliance topics included, from shopify.app.toml", () => {
    const config = readAppConfig();
    expect(config.subscriptions).toContainEqual({ topics: ["orders/create", "orders/updated", "orders/paid", "orders/cancelled"], uri: "/webhooks/orders", compliance: false });
    expect(config.subscriptions).toContainEqual({ topics: ["customers/data_request", "customers/redact", "shop/redact"], uri: "/webhooks/compliance", compliance: true });
    expect(config.webhooksApiVersion).toBe("2026-10");
    expect(config.scopes).toContain("read_orders");
  });

  it("sends an arbitrary (compliance) topic to its subscriber", async () => {
    const webhooks = sender({ subscriptions: readAppConfig().subscriptions });
    webhooks.send(SHOP, "customers/redact", { shop_domain: SHOP, customer: { id: 1 }, orders_to_redact: [] });
    await webhooks.flush();
    expect(received.map((r) => [r.path, r.headers["x-shopify-topic"], r.genuine.valid])).toEqual([["/webhooks/compliance", "customers/redact", true]]);
  });
});

describe("webhooks from the dev store server", () => {
  it("GIVEN the store changes THEN the app's toml subscribers get signed deliveries, and API-created ones too", async () => {
    const store = new DevStore(generateShop({ seed: 9, orders: 50, domain: SHOP }));
    const server = await createDevStoreServer({
      stores: store,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      appUrl: receiverUrl,
      webhooks: { retry: { attempts: 2, backoffMs: () => 5 } },
    });
    try {
      server.sender.create(SHOP, "ORDERS_PAID", `${receiverUrl}/api-created`);
      const customer = store.customers()[0];
      const variant = store.products()[0].variants[0];
      store.createOrder({ customerId: customer.id, lines: [{ variantId: variant.id, quantity: 1 }], financialStatus: "PAID" });
      await server.sender.flush();
      const seen = received.map((r) => `${r.headers["x-shopify-topic"]} ${r.path}`).sort();
      expect(seen).toEqual(["orders/create /webhooks/orders", "orders/paid /api-created", "orders/paid /webhooks/orders"]);
      expect(received.every((r) => r.genuine.valid && !r.tampered.valid)).toBe(true);
      const paid = received.filter((r) => r.headers["x-shopify-topic"] === "orders/paid");
      expect(paid[0].headers["x-shopify-event-id"]).toBe(paid[1].headers["x-shopify-event-id"]);
    } finally {
      await server.close();
    }
  });

  it("sends bulk_operations/finish when a bulk query completes", async () => {
    const store = new DevStore(generateShop({ seed: 9, orders: 30, domain: SHOP }));
    const server = await createDevStoreServer({ stores: store, apiKey: API_KEY, apiSecret: API_SECRET, appUrl: receiverUrl });
    try {
      const response = await fetch(`${server.url}/admin/api/2026-10/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": server.issueAccessToken(SHOP) },
        body: JSON.stringify({ query: `mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }` }),
      });
      const { data } = (await response.json()) as any;
      const id = data.bulkOperationRunQuery.bulkOperation.id;
      await server.bulk.whenDone(id);
      await server.sender.flush();
      expect(received).toHaveLength(1);
      expect(received[0].path).toBe("/webhooks/bulk_operations/finish");
      expect(JSON.parse(received[0].rawBody)).toEqual({
        admin_graphql_api_id: id,
        completed_at: expect.any(String),
        created_at: expect.any(String),
        error_code: null,
        status: "completed",
        type: "query",
      });
      expect(received[0].genuine.valid).toBe(true);
    } finally {
      await server.close();
    }
  });
});
