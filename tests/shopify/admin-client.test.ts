import { describe, expect, expectTypeOf, it } from "vitest";
import { AdminClient, assertNoUserErrors, operationKindOf, operationNameOf, type AdminClientOptions } from "~/shopify/admin-client.server";
import {
  AdminAuthError,
  AdminGraphqlError,
  AdminHttpError,
  AdminRetriesExhaustedError,
  AdminUserErrorsError,
} from "~/shopify/errors";
import { ShopInfo } from "~/shopify/operations/shop";
import { OrdersUpdatedSince } from "~/shopify/operations/orders";

// ---------------------------------------------------------------- helpers

interface SentRequest {
  url: string;
  headers: Headers;
  body: { query: string; variables?: Record<string, unknown>; operationName?: string };
}

type Reply = Response | Error | (() => Response);

/** A fetch that answers from a script and records what it was sent. */
function fakeFetch(replies: Reply[]) {
  const sent: SentRequest[] = [];
  const fetch = async (input: URL | RequestInfo, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
    const reply = replies.shift();
    if (!reply) throw new Error("fake fetch: no reply scripted");
    if (reply instanceof Error) throw reply;
    return typeof reply === "function" ? reply() : reply;
  };
  return { fetch, sent };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function cost(requested: number, available: number, restoreRate = 100, actual: number | null = requested, maximum = 2000) {
  return {
    cost: {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: { maximumAvailable: maximum, currentlyAvailable: available, restoreRate },
    },
  };
}

const shopData = {
  shop: {
    id: "gid://shopify/Shop/1",
    name: "Evergreen Dev",
    email: "owner@example.com",
    myshopifyDomain: "evergreen-dev.myshopify.com",
    currencyCode: "EUR",
    ianaTimezone: "Europe/Berlin",
    plan: { publicDisplayName: "Basic", partnerDevelopment: true, shopifyPlus: false },
  },
};

const throttled = (requested: number, available: number, restoreRate: number) =>
  json({
    errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
    extensions: cost(requested, available, restoreRate, null),
  });

/** A client on a fake clock: sleeping advances time, so the bucket refills as it would. */
function makeClient(replies: Reply[], options: Partial<AdminClientOptions> = {}) {
  const { fetch, sent } = fakeFetch(replies);
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const client = new AdminClient({
    shop: "evergreen-dev.myshopify.com",
    accessToken: "shpat_test",
    fetch,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 1,
    ...options,
  });
  return { client, sent, sleeps, advance: (ms: number) => (clock += ms) };
}

// ---------------------------------------------------------------- tests

describe("AdminClient", () => {
  it("posts the named operation to the versioned endpoint with the access token", async () => {
    const { client, sent } = makeClient([json({ data: shopData, extensions: cost(2, 1998) })]);

    const data = await client.request(ShopInfo);

    expect(data.shop.currencyCode).toBe("EUR");
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe("https://evergreen-dev.myshopify.com/admin/api/2026-10/graphql.json");
    expect(sent[0].headers.get("x-shopify-access-token")).toBe("shpat_test");
    expect(sent[0].body.operationName).toBe("ShopInfo");
    expect(client.lastThrottleStatus).toEqual({ maximumAvailable: 2000, currentlyAvailable: 1998, restoreRate: 100 });
    expect(client.counters).toMatchObject({ requests: 1, throttledRetries: 0, totalWaitMs: 0, actualCostPoints: 2 });
  });

  it("is typed from codegen for the app's operations", () => {
    // Compile-time only (tsc checks this file); never runs a request.
    const typed = (client: AdminClient) => {
      expectTypeOf(client.request(ShopInfo)).resolves.not.toBeAny();
      expectTypeOf(client.request(ShopInfo)).resolves.toHaveProperty("shop");
      // @ts-expect-error a field ShopInfo does not select
      void client.request(ShopInfo).then((d) => d.shop.billingAddress);
      // @ts-expect-error OrdersUpdatedSince needs its variables
      void client.request(OrdersUpdatedSince);
      void client.request(OrdersUpdatedSince, { first: 5, query: "updated_at:>'2026-01-01T00:00:00Z'" });
      expectTypeOf(client.request<{ ok: boolean }>("query Custom { shop { id } }")).resolves.toEqualTypeOf<{ ok: boolean }>();
    };
    expect(typed).toBeTypeOf("function");
  });

  it("GIVEN a THROTTLED answer WHEN retrying THEN it waits exactly the deficit over the restore rate", async () => {
    // Shopify's own example: 752 requested, 666 available, 50 points/s.
    const { client, sent, sleeps } = makeClient([
      throttled(752, 666, 50),
      json({ data: shopData, extensions: cost(752, 0, 50, 700) }),
    ]);

    const data = await client.request(ShopInfo);

    expect(data).toEqual(shopData);
    expect(sent).toHaveLength(2);
    expect(sleeps).toEqual([1720]); // (752 - 666) / 50 s
    expect(client.counters).toMatchObject({ requests: 2, throttledRetries: 1, totalWaitMs: 1720 });
  });

  it("keeps retrying through repeated throttling", async () => {
    const { client, sleeps } = makeClient([
      throttled(100, 0, 100),
      throttled(100, 50, 100),
      json({ data: shopData, extensions: cost(100, 0, 100) }),
    ]);

    await client.request(ShopInfo);

    expect(sleeps).toEqual([1000, 500]);
    expect(client.counters.throttledRetries).toBe(2);
  });

  it("waits before sending when the projected bucket cannot cover the operation's last cost", async () => {
    const { client, sleeps, advance } = makeClient([
      json({ data: shopData, extensions: cost(40, 10, 100) }),
      json({ data: shopData, extensions: cost(40, 0, 100) }),
      json({ data: shopData, extensions: cost(40, 60, 100) }),
    ]);

    await client.request(ShopInfo);
    expect(sleeps).toEqual([]);

    // 10 available, 40 needed, 100/s: 300 ms.
    await client.request(ShopInfo);
    expect(sleeps).toEqual([300]);
    expect(client.counters.preemptiveWaits).toBe(1);

    // Time passing refills the projection: 0 + 0.5 s × 100 = 50 ≥ 40, no wait.
    advance(500);
    await client.request(ShopInfo);
    expect(sleeps).toEqual([300]);
  });

  it("keeps minAvailable points in reserve for others sharing the bucket", async () => {
    const { client, sleeps } = makeClient(
      [json({ data: shopData, extensions: cost(10, 100, 50) }), json({ data: shopData, extensions: cost(10, 90, 50) })],
      { minAvailable: 200 },
    );

    await client.request(ShopInfo);
    await client.request(ShopInfo);

    expect(sleeps).toEqual([2200]); // needs 10 + 200, has 100, 50/s
  });

  it("backs off exponentially, with jitter, on 5xx and network failures", async () => {
    const { client, sent, sleeps } = makeClient(
      [
        json({ errors: "Internal error" }, 503),
        new Response("<html>bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }),
        new TypeError("fetch failed"),
        json({ data: shopData, extensions: cost(2, 1998) }),
      ],
      { random: () => 0 },
    );

    await client.request(ShopInfo);

    expect(sent).toHaveLength(4);
    // Base 500 ms doubling; jitter keeps 50%-100% of each step (random 0 → 50%).
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(client.counters).toMatchObject({ transientRetries: 3, throttledRetries: 0, totalWaitMs: 1750 });
  });

  it("honours Retry-After on HTTP 429", async () => {
    const { client, sleeps } = makeClient([
      new Response("Too Many Requests", { status: 429, headers: { "retry-after": "2.0" } }),
      json({ data: shopData }),
    ]);

    await client.request(ShopInfo);

    expect(sleeps).toEqual([2000]);
  });

  it("throws AdminAuthError on 401 without retrying", async () => {
    const { client, sent, sleeps } = makeClient([
      json({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }, 401),
    ]);

    const error = await client.request(ShopInfo).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminAuthError);
    expect((error as AdminAuthError).status).toBe(401);
    expect((error as Error).message).toMatch(/ShopInfo.*401/);
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("throws AdminAuthError on 403 (missing scope) without retrying", async () => {
    const { client, sent } = makeClient([new Response("Forbidden", { status: 403 })]);
    await expect(client.request(ShopInfo)).rejects.toBeInstanceOf(AdminAuthError);
    expect(sent).toHaveLength(1);
  });

  it("surfaces GraphQL errors other than throttling, with their messages and codes", async () => {
    const { client, sent } = makeClient([
      json({
        data: { shop: null },
        errors: [{ message: "Access denied for shop field.", extensions: { code: "ACCESS_DENIED" }, path: ["shop"] }],
        extensions: cost(1, 999),
      }),
    ]);

    const error = await client.request(ShopInfo).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminGraphqlError);
    expect((error as AdminGraphqlError).message).toBe("Admin API ShopInfo failed: [ACCESS_DENIED] Access denied for shop field.");
    expect((error as AdminGraphqlError).codes).toEqual(["ACCESS_DENIED"]);
    expect((error as AdminGraphqlError).data).toEqual({ shop: null });
    expect(sent).toHaveLength(1);
  });

  it("throws AdminHttpError on a 404 (wrong shop or version) without retrying", async () => {
    const { client, sent } = makeClient([new Response("Not Found", { status: 404 })]);
    await expect(client.request(ShopInfo)).rejects.toBeInstanceOf(AdminHttpError);
    expect(sent).toHaveLength(1);
  });

  it("gives up after maxRetries with the last failure as the cause", async () => {
    const { client, sent } = makeClient(
      [throttled(100, 0, 100), throttled(100, 0, 100), throttled(100, 0, 100)],
      { maxRetries: 2 },
    );

    const error = await client.request(ShopInfo).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminRetriesExhaustedError);
    expect((error as AdminRetriesExhaustedError).attempts).toBe(3);
    expect(sent).toHaveLength(3);
  });
});

describe("AdminClient and mutations", () => {
  const TagsAdd = `#graphql
    mutation TagsAdd($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { field message } } }
  `;
  const ok = () => json({ data: { tagsAdd: { userErrors: [] } }, extensions: cost(10, 990) });

  it("does not resend a mutation Shopify may have applied (5xx, network failure)", async () => {
    for (const failure of [json({ errors: "boom" }, 502), new TypeError("socket hang up")]) {
      const { client, sent } = makeClient([failure, ok()]);
      const error = await client.request(TagsAdd, { id: "gid://shopify/Customer/1", tags: ["vip"] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdminHttpError);
      expect((error as Error).message).toMatch(/TagsAdd.*may have applied it.*not resent/);
      expect(sent).toHaveLength(1);
    }
  });

  it("resends a mutation Shopify certainly did not run (THROTTLED, 429)", async () => {
    const { client, sent } = makeClient([throttled(10, 0, 100), new Response("", { status: 429 }), ok()]);
    await client.request(TagsAdd, { id: "gid://shopify/Customer/1", tags: ["vip"] });
    expect(sent).toHaveLength(3);
  });

  it("resends the bulk mutations, which are safe to repeat", async () => {
    const { client, sent } = makeClient([
      json({ errors: "boom" }, 503),
      json({ data: { bulkOperationRunQuery: { bulkOperation: { id: "gid://shopify/BulkOperation/1", status: "CREATED" }, userErrors: [] } } }),
    ]);
    const { BulkOperationRunQuery } = await import("~/shopify/operations/bulk-operations");
    await client.request(BulkOperationRunQuery, { query: "{ orders { edges { node { id } } } }", groupObjects: true });
    expect(sent).toHaveLength(2);
  });
});

describe("assertNoUserErrors", () => {
  it("passes a clean payload and narrows it", () => {
    const payload: { userErrors: { message: string }[]; value: number } | null = { userErrors: [], value: 1 };
    assertNoUserErrors(payload, "thing");
    expect(payload.value).toBe(1);
  });

  it("throws with code, field and message", () => {
    expect(() =>
      assertNoUserErrors(
        { userErrors: [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }] },
        "bulkOperationRunQuery",
      ),
    ).toThrow(new AdminUserErrorsError("bulkOperationRunQuery", [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }]));
    expect(() => assertNoUserErrors(null, "bulkOperationCancel")).toThrow(/no payload/);
  });
});

describe("operationNameOf", () => {
  it("reads the operation name after the #graphql marker", () => {
    expect(operationNameOf(ShopInfo)).toBe("ShopInfo");
    expect(operationNameOf("mutation BulkOperationCancel($id: ID!) { x }")).toBe("BulkOperationCancel");
    expect(operationNameOf("{ shop { id } }")).toBeUndefined();
    expect(operationNameOf("# query Commented\nmutation Real { x }")).toBe("Real");
    expect(operationKindOf(ShopInfo)).toBe("query");
    expect(operationKindOf("#graphql\n mutation X { y }")).toBe("mutation");
    expect(operationKindOf("{ shop { id } }")).toBe("query");
  });
});
