import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { createDevStoreServer, type DevStoreServer } from "../../dev-store/server";
import { gid } from "../../dev-store/model";

const API_KEY = "server-test-key";
const API_SECRET = "server-test-secret";

let server: DevStoreServer;
let store: DevStore;
let token: string;

async function gql(query: string, variables?: Record<string, unknown>, accessToken = token, version = "2026-10") {
  const response = await fetch(`${server.url}/admin/api/${version}/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  store = new DevStore(generateShop({ seed: 11, orders: 420 }));
  server = await createDevStoreServer({
    stores: store,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    appUrl: "http://127.0.0.1:9",
    // A big bucket: this file is about answers, cost.test.ts about throttling.
    bucket: { max: 1_000_000, restoreRate: 1_000_000 },
    webhooks: { retry: { attempts: 1 }, subscriptions: [] },
  });
  token = server.issueAccessToken(store.shop.domain);
});

afterAll(async () => {
  await server?.close();
});

describe("Admin GraphQL schema (2026-10)", () => {
  it("GIVEN a field that does not exist in 2026-10 WHEN queried THEN it is rejected as Shopify does, without data", async () => {
    const { status, body } = await gql(`{ customers(first: 1) { nodes { id ordersCount } } }`);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({
      message: "Field 'ordersCount' doesn't exist on type 'Customer'",
      extensions: { code: "undefinedField", typeName: "Customer", fieldName: "ordersCount" },
    });
    expect(body.errors[0].locations[0]).toEqual({ line: 1, column: 36 });
    expect(body.extensions.cost).toBeDefined();
  });

  it("rejects an argument the field does not take", async () => {
    const { body } = await gql(`{ shop { name(format: 1) } }`);
    expect(body.errors[0].extensions.code).toBe("argumentNotAccepted");
  });

  it("GIVEN a valid query THEN it answers with the shop's data", async () => {
    const { body } = await gql(`{ shop { id name email myshopifyDomain currencyCode ianaTimezone plan { publicDisplayName shopifyPlus } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.shop).toMatchObject({
      id: gid("Shop", store.shop.id),
      name: store.shop.name,
      myshopifyDomain: store.shop.domain,
      currencyCode: store.shop.currencyCode,
      plan: { publicDisplayName: store.shop.planName },
    });
  });

  it("answers 404 for an API version it does not serve", async () => {
    const { status } = await gql(`{ shop { name } }`, undefined, token, "2024-01");
    expect(status).toBe(404);
  });

  it("answers 401 without a valid access token", async () => {
    const { status, body } = await gql(`{ shop { name } }`, undefined, "shpat_wrong");
    expect(status).toBe(401);
    expect(body.errors).toMatch(/Invalid API key or access token/);
  });

  it("says clearly when a field is not implemented locally", async () => {
    const customer = store.customers().find((c) => c.countryCode)!;
    const { body } = await gql(`query($id: ID!) { customer(id: $id) { defaultAddress { countryCodeV2 latitude } } }`, {
      id: gid("Customer", customer.id),
    });
    expect(body.errors[0].message).toBe("Field 'latitude' on type 'MailingAddress' is not implemented in the local dev store");
  });
});

describe("pagination", () => {
  it("GIVEN every page of orders walked forward THEN every order appears exactly once, in id order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await gql(
        `query Orders($after: String) { orders(first: 50, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
        { after },
      );
      expect(body.errors).toBeUndefined();
      const connection = body.data.orders;
      seen.push(...connection.edges.map((e: any) => e.node.id));
      expect(connection.pageInfo.hasPreviousPage).toBe(pages > 0);
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    const expected = store.orders().map((o) => gid("Order", o.id));
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(expected.length);
  });

  it("walks backwards with last/before and reversed with reverse", async () => {
    const all = store.orders().map((o) => gid("Order", o.id));
    const tail = await gql(`{ orders(last: 5) { nodes { id } pageInfo { hasPreviousPage startCursor } } }`);
    expect(tail.body.data.orders.nodes.map((n: any) => n.id)).toEqual(all.slice(-5));
    expect(tail.body.data.orders.pageInfo.hasPreviousPage).toBe(true);
    const before = await gql(`query($b: String) { orders(last: 3, before: $b) { nodes { id } } }`, {
      b: tail.body.data.orders.pageInfo.startCursor,
    });
    expect(before.body.data.orders.nodes.map((n: any) => n.id)).toEqual(all.slice(-8, -5));
    const reversed = await gql(`{ orders(first: 4, reverse: true) { nodes { id } } }`);
    expect(reversed.body.data.orders.nodes.map((n: any) => n.id)).toEqual(all.slice(-4).reverse());
  });

  it("requires first or last, as Shopify does", async () => {
    const { body } = await gql(`{ orders { nodes { id } } }`);
    expect(body.errors[0].message).toMatch(/first or last/);
  });
});

describe("resolvers", () => {
  it("resolves a customer with computed fields and nested orders", async () => {
    const customer = store.customers().find((c) => store.ordersOfCustomer(c.id).length >= 2)!;
    const { body } = await gql(
      `query($id: ID!) { customer(id: $id) { id legacyResourceId displayName numberOfOrders amountSpent { amount currencyCode }
        statistics { predictedSpendTier rfmGroup } emailMarketingConsent { marketingState }
        orders(first: 10) { nodes { id name totalPriceSet { shopMoney { amount currencyCode } } lineItems(first: 5) { nodes { id quantity variant { id } } } } } } }`,
      { id: gid("Customer", customer.id) },
    );
    expect(body.errors).toBeUndefined();
    const c = body.data.customer;
    expect(c.legacyResourceId).toBe(customer.id);
    expect(Number(c.numberOfOrders)).toBe(store.ordersOfCustomer(customer.id).length);
    expect(c.amountSpent.currencyCode).toBe(store.shop.currencyCode);
    expect(["HIGH", "MEDIUM", "LOW"]).toContain(c.statistics.predictedSpendTier);
    expect(c.statistics.rfmGroup).toMatch(/^[A-Z_]+$/);
    expect(c.orders.nodes.length).toBe(Math.min(10, store.ordersOfCustomer(customer.id).length));
  });

  it("resolves node(id) and nodes(ids) to their concrete types", async () => {
    const order = store.orders()[3];
    const product = store.products()[0];
    const { body } = await gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Order { name } ... on Product { title } } }`,
      { ids: [gid("Order", order.id), gid("Product", product.id), gid("Order", "1")] },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.nodes).toEqual([
      { __typename: "Order", id: gid("Order", order.id), name: order.name },
      { __typename: "Product", id: gid("Product", product.id), title: product.title },
      null,
    ]);
  });

  it("adds tags and sets metafields through mutations, and reads them back", async () => {
    const customer = store.customers()[5];
    const id = gid("Customer", customer.id);
    const tagged = await gql(`mutation($id: ID!) { tagsAdd(id: $id, tags: ["evergreen-gold"]) { node { id } userErrors { message } } }`, { id });
    expect(tagged.body.data.tagsAdd.userErrors).toEqual([]);
    const set = await gql(
      `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { key namespace value type } userErrors { message } } }`,
      { m: [{ ownerId: id, namespace: "evergreen", key: "tier", type: "single_line_text_field", value: "gold" }] },
    );
    expect(set.body.data.metafieldsSet.userErrors).toEqual([]);
    const read = await gql(`query($id: ID!) { customer(id: $id) { tags metafield(namespace: "evergreen", key: "tier") { value } } }`, { id });
    expect(read.body.data.customer.tags).toContain("evergreen-gold");
    expect(read.body.data.customer.metafield.value).toBe("gold");
  });

  it("creates, lists and deletes webhook subscriptions", async () => {
    const created = await gql(
      `mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription: { uri: "https://example.test/paid" }) { webhookSubscription { id topic uri } userErrors { message } } }`,
    );
    const subscription = created.body.data.webhookSubscriptionCreate.webhookSubscription;
    expect(subscription).toMatchObject({ topic: "ORDERS_PAID", uri: "https://example.test/paid" });
    const listed = await gql(`{ webhookSubscriptions(first: 10, topics: [ORDERS_PAID]) { nodes { id } } }`);
    expect(listed.body.data.webhookSubscriptions.nodes).toEqual([{ id: subscription.id }]);
    const deleted = await gql(`mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }`, { id: subscription.id });
    expect(deleted.body.data.webhookSubscriptionDelete.deletedWebhookSubscriptionId).toBe(subscription.id);
  });
});
