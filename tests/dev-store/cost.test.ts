import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "graphql";
import { loadAdminSchema } from "../../dev-store/admin-schema";
import { calculateRequestedCost, LeakyBucket, restoreRateForPlan } from "../../dev-store/cost";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { createDevStoreServer, type DevStoreServer } from "../../dev-store/server";

const requested = (query: string, variables?: Record<string, unknown>) =>
  calculateRequestedCost(loadAdminSchema(), parse(query), null, variables);

describe("requested query cost (Shopify's documented rules)", () => {
  it.each([
    ["an object with scalars costs 1", `{ shop { name currencyCode } }`, 1],
    ["a connection costs 2 plus first x node", `{ products(first: 10) { edges { node { id title } } } }`, 12],
    ["nested connections multiply", `{ products(first: 10) { nodes { id variants(first: 5) { nodes { id } } } } }`, 2 + 10 * (1 + 2 + 5)],
    ["objects inside nodes count", `{ orders(first: 2) { nodes { id customer { id } totalPriceSet { shopMoney { amount } } } } }`, 2 + 2 * (1 + 1 + 2)],
    ["pageInfo is free", `{ orders(first: 3) { nodes { id } pageInfo { hasNextPage } } }`, 5],
    ["a mutation costs 10", `mutation { tagsAdd(id: "gid://shopify/Customer/1", tags: ["a"]) { node { id } userErrors { message } } }`, 10],
  ])("%s", (_name, query, cost) => {
    expect(requested(query)).toBe(cost);
  });

  it("reads first from variables", () => {
    expect(requested(`query($n: Int) { orders(first: $n) { nodes { id } } }`, { n: 7 })).toBe(9);
  });

  it("takes the widest branch of an interface", () => {
    const cost = requested(`{ node(id: "gid://shopify/Order/1") { id ... on Order { customer { id } } ... on Product { variants(first: 3) { nodes { id } } } } }`);
    expect(cost).toBe(1 + Math.max(1, 2 + 3));
  });
});

describe("leaky bucket", () => {
  it("refills at the restore rate of the injected clock, up to the maximum", () => {
    let now = 0;
    const bucket = new LeakyBucket({ maximumAvailable: 100, restoreRate: 10, clock: () => new Date(now) });
    expect(bucket.take(80)).toBe(true);
    expect(bucket.take(30)).toBe(false);
    now += 1000;
    expect(bucket.status().currentlyAvailable).toBe(30);
    expect(bucket.take(30)).toBe(true);
    now += 60_000;
    expect(bucket.status().currentlyAvailable).toBe(100);
  });

  it("restores by plan", () => {
    expect([restoreRateForPlan("Basic"), restoreRateForPlan("Advanced"), restoreRateForPlan("Shopify Plus")]).toEqual([100, 200, 1000]);
  });
});

describe("throttling through the server", () => {
  let server: DevStoreServer;
  let store: DevStore;
  let now = Date.parse("2026-11-01T00:00:00Z");
  let token: string;

  const gql = async (query: string) => {
    const response = await fetch(`${server.url}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };

  beforeAll(async () => {
    store = new DevStore(generateShop({ seed: 3, orders: 120 }));
    server = await createDevStoreServer({
      stores: store,
      apiKey: "cost-key",
      apiSecret: "cost-secret",
      appUrl: "http://127.0.0.1:9",
      bucket: { max: 50, restoreRate: 10 },
      clock: () => new Date(now),
      webhooks: { subscriptions: [], retry: { attempts: 1 } },
    });
    token = server.issueAccessToken(store.shop.domain);
  });

  afterAll(async () => {
    await server?.close();
  });

  const twentyOrders = `{ orders(first: 20) { nodes { id } } }`; // 2 + 20 = 22

  it("GIVEN a tiny bucket WHEN it runs dry THEN THROTTLED with the cost extension, and after restoreRate-worth of time it succeeds", async () => {
    const first = await gql(twentyOrders);
    expect(first.data.orders.nodes).toHaveLength(20);
    expect(first.extensions.cost).toEqual({
      requestedQueryCost: 22,
      actualQueryCost: 22,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 28, restoreRate: 10 },
    });
    const second = await gql(twentyOrders);
    expect(second.extensions.cost.throttleStatus.currentlyAvailable).toBe(6);

    const throttled = await gql(twentyOrders);
    expect(throttled.data).toBeUndefined();
    expect(throttled.errors).toEqual([
      { message: "Throttled", extensions: { code: "THROTTLED", documentation: expect.stringContaining("shopify.dev") } },
    ]);
    expect(throttled.extensions.cost).toMatchObject({ requestedQueryCost: 22, throttleStatus: { currentlyAvailable: 6 } });

    now += 1600; // (22 - 6) / 10 points per second
    const after = await gql(twentyOrders);
    expect(after.errors).toBeUndefined();
    expect(after.extensions.cost.throttleStatus.currentlyAvailable).toBe(0);
  });

  it("refunds requested minus actual cost", async () => {
    now += 60_000;
    const customer = store.customers().find((c) => store.ordersOfCustomer(c.id).length === 1)!;
    const result = await gql(`{ customer(id: "gid://shopify/Customer/${customer.id}") { orders(first: 10) { nodes { id } } } }`);
    expect(result.extensions.cost.requestedQueryCost).toBe(1 + 2 + 10);
    expect(result.extensions.cost.actualQueryCost).toBe(1 + 2 + 1);
    expect(result.extensions.cost.throttleStatus.currentlyAvailable).toBe(50 - 4);
  });

  it("rejects a single query above 1,000 with MAX_COST_EXCEEDED", async () => {
    now += 60_000;
    const result = await gql(`{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { id } } } } }`);
    expect(result.data).toBeUndefined();
    expect(result.errors[0].extensions).toMatchObject({ code: "MAX_COST_EXCEEDED", cost: 2 + 250 * 13, maxCost: 1000 });
    expect(result.extensions.cost.requestedQueryCost).toBe(3252);
  });

  it("puts the cost extension on validation errors too", async () => {
    const result = await gql(`{ shop { nope } }`);
    expect(result.errors[0].extensions.code).toBe("undefinedField");
    expect(result.extensions.cost.throttleStatus.maximumAvailable).toBe(50);
  });
});
