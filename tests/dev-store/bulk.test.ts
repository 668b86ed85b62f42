import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { createDevStoreServer, type DevStoreServer } from "../../dev-store/server";
import { gid } from "../../dev-store/model";
import type { ResolverContext } from "../../dev-store/graphql/context";

let server: DevStoreServer;
let store: DevStore;
let token: string;

async function gql(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${server.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
}

const RUN = `mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } } }`;

const ORDERS_WITH_LINES = `{
  orders {
    edges {
      node {
        id
        name
        createdAt
        totalPriceSet { shopMoney { amount currencyCode } }
        customer { id }
        lineItems {
          edges { node { id quantity sku originalUnitPriceSet { shopMoney { amount } } } }
        }
      }
    }
  }
}`;

beforeAll(async () => {
  store = new DevStore(generateShop({ seed: 5, orders: 1500 }));
  server = await createDevStoreServer({
    stores: store,
    apiKey: "bulk-key",
    apiSecret: "bulk-secret",
    appUrl: "http://127.0.0.1:9",
    bucket: { max: 1_000_000, restoreRate: 1_000_000 },
    webhooks: { subscriptions: [], retry: { attempts: 1 } },
    bulkChunkSize: 200,
  });
  token = server.issueAccessToken(store.shop.domain);
});

afterAll(async () => {
  await server?.close();
});

describe("bulk query operations", () => {
  it("GIVEN a bulk orders query with line items WHEN it completes THEN the JSONL has every order once and every line item after its order", async () => {
    const started = await gql(RUN, { query: ORDERS_WITH_LINES });
    expect(started.data.bulkOperationRunQuery.userErrors).toEqual([]);
    const id = started.data.bulkOperationRunQuery.bulkOperation.id as string;
    expect(started.data.bulkOperationRunQuery.bulkOperation.status).toBe("CREATED");

    await server.bulk.whenDone(id);
    const polled = await gql(
      `query($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount fileSize url completedAt } currentBulkOperation(type: QUERY) { id status } }`,
      { id },
    );
    const operation = polled.data.bulkOperation;
    expect(operation.status).toBe("COMPLETED");
    expect(polled.data.currentBulkOperation).toEqual({ id, status: "COMPLETED" });

    const download = await fetch(operation.url);
    expect(download.status).toBe(200);
    const text = await download.text();
    expect(String(Buffer.byteLength(text))).toBe(operation.fileSize);
    const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));

    const orders = store.orders();
    const lineItemCount = orders.reduce((n, o) => n + o.lineItems.length, 0);
    expect(Number(operation.rootObjectCount)).toBe(orders.length);
    expect(Number(operation.objectCount)).toBe(orders.length + lineItemCount);
    expect(lines).toHaveLength(orders.length + lineItemCount);

    const seenOrders = new Set<string>();
    for (const line of lines) {
      if (line.__parentId === undefined) {
        expect(line.id).toMatch(/^gid:\/\/shopify\/Order\//);
        expect(seenOrders.has(line.id)).toBe(false);
        expect(line.lineItems).toBeUndefined();
        seenOrders.add(line.id);
      } else {
        expect(line.id).toMatch(/^gid:\/\/shopify\/LineItem\//);
        expect(seenOrders.has(line.__parentId)).toBe(true);
      }
    }
    expect(seenOrders.size).toBe(orders.length);
    expect([...seenOrders].sort()).toEqual(orders.map((o) => gid("Order", o.id)).sort());

    // The same selection through a normal query gives the same JSON for an order.
    const sample = orders[17];
    const normal = await gql(
      `query($id: ID!) { order(id: $id) { id name createdAt totalPriceSet { shopMoney { amount currencyCode } } customer { id } } }`,
      { id: gid("Order", sample.id) },
    );
    const bulkLine = lines.find((l) => l.id === gid("Order", sample.id));
    expect(bulkLine).toEqual(normal.data.order);

    // A resuming download: Range bytes=N- returns the tail.
    const offset = Math.floor(Buffer.byteLength(text) / 3);
    const tail = await fetch(operation.url, { headers: { Range: `bytes=${offset}-` } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${offset}-${Buffer.byteLength(text) - 1}/${Buffer.byteLength(text)}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(Buffer.from(text).subarray(offset))).toBe(true);
    const beyond = await fetch(operation.url, { headers: { Range: `bytes=${Buffer.byteLength(text)}-` } });
    expect(beyond.status).toBe(416);
  });

  it("uses nodes as well as edges, and honours the root query filter", async () => {
    const since = store.orders()[1000].createdAt;
    const started = await gql(RUN, {
      query: `{ customers { nodes { id email } } orders(query: "created_at:>='${since}'") { nodes { id } } }`,
    });
    // Two root connections are fine for Shopify; here each runs in one pass.
    expect(started.data.bulkOperationRunQuery.userErrors).toEqual([]);
    const done = await server.bulk.whenDone(started.data.bulkOperationRunQuery.bulkOperation.id);
    expect(done.status).toBe("COMPLETED");
    const expectedOrders = store.orders().filter((o) => Date.parse(o.createdAt) >= Date.parse(since)).length;
    expect(done.rootObjectCount).toBe(store.customers().length + expectedOrders);
  });

  it.each([
    ["an unknown field", `{ orders { edges { node { id bogus } } } }`, /doesn't exist on type 'Order'/],
    ["no connection", `{ shop { name } }`, /at least one connection/],
    [
      "more than five connections",
      `{ customers { edges { node { id orders { edges { node { id } } } metafields { edges { node { id } } } } } } products { edges { node { id variants { edges { node { id } } } } } } webhookSubscriptions { edges { node { id } } } }`,
      /more than 5 connections/,
    ],
    [
      "three levels of connections",
      `{ customers { edges { node { orders { edges { node { lineItems { edges { node { id } } } } } } } } } }`,
      /nesting depth greater than 2/,
    ],
    ["a mutation", `mutation { tagsAdd(id: "gid://shopify/Customer/1", tags: ["x"]) { userErrors { message } } }`, /must be queries/],
  ])("rejects %s with a userError", async (_name, query, message) => {
    const result = await gql(RUN, { query });
    expect(result.data.bulkOperationRunQuery.bulkOperation).toBeNull();
    expect(result.data.bulkOperationRunQuery.userErrors[0]).toMatchObject({ field: ["query"], code: "INVALID" });
    expect(result.data.bulkOperationRunQuery.userErrors[0].message).toMatch(message);
  });

  it("allows five concurrent bulk queries per shop and refuses the sixth", async () => {
    const ctx: ResolverContext = { store, shopDomain: store.shop.domain, now: () => new Date(), bulk: server.bulk, webhooks: server.sender };
    const results = Array.from({ length: 6 }, () => server.bulk.runQuery(ctx, `{ products { edges { node { id } } } }`));
    expect(results.slice(0, 5).every((r) => r.bulkOperation !== null)).toBe(true);
    expect(results[5].bulkOperation).toBeNull();
    expect(results[5].userErrors[0].code).toBe("LIMIT_REACHED");
    await Promise.all(results.slice(0, 5).map((r) => server.bulk.whenDone(r.bulkOperation!.id)));
  });

  it("cancels a running operation, and refuses to cancel a finished one", async () => {
    const ctx: ResolverContext = { store, shopDomain: store.shop.domain, now: () => new Date(), bulk: server.bulk, webhooks: server.sender };
    const { bulkOperation } = server.bulk.runQuery(ctx, ORDERS_WITH_LINES);
    expect(server.bulk.cancel(store.shop.domain, gid("BulkOperation", bulkOperation!.id)).userErrors).toEqual([]);
    expect((await server.bulk.whenDone(bulkOperation!.id)).status).toBe("CANCELED");

    const id = gid("BulkOperation", bulkOperation!.id);
    const again = await gql(`mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }`, { id });
    expect(again.data.bulkOperationCancel.userErrors[0].message).toMatch(/cannot be canceled when it is canceled/);
  });
});
