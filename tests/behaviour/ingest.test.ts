/**
 * POST /pixel/events over HTTP, against a migrated database: what is stored,
 * once; and every bad batch refused with a clear 4xx and nothing stored.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { pixelIngestToken } from "~/services/behaviour-ingest.server";

const SECRET = "pixel-test-secret";
const SHOP = "demo-shop.myshopify.com";
let db: TestDatabase;
let app: TestAppServer;

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, { SHOPIFY_API_KEY: "evergreen-test-key", SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: "http://localhost:3999", DATABASE_URL: db.url });
  const { action } = (await import("../../app/routes/pixel.events.tsx")) as { action: RouteAction };
  app = await startAppServer({ "/pixel/events": action });
});

afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

beforeEach(() => {
  globalThis.__evergreenIngestLimiters = undefined; // fresh rate limits per test
});

let n = 0;
const event = (name = "product_viewed", extra: Record<string, unknown> = {}) => ({
  id: `evt-${++n}-${Math.random().toString(36).slice(2, 10)}`,
  name,
  timestamp: new Date().toISOString(),
  ...(name === "product_viewed" ? { productId: "7", variantId: "42", productType: "Coffee", vendor: "Roasters" } : {}),
  ...extra,
});
const batch = (events: unknown[], over: Record<string, unknown> = {}) => ({ shop: SHOP, token: pixelIngestToken(SHOP, SECRET), clientId: "client-abcdef12", events, ...over });
const post = (body: unknown) =>
  fetch(`${app.url}/pixel/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const stored = () => db.prisma.behaviourEvent.count({ where: { shopDomain: SHOP } });

describe("POST /pixel/events", () => {
  it("stores a batch compactly, once however often it is resent, and links the client to a logged-in customer", async () => {
    const before = await stored();
    const body = batch([event(), event("search_submitted", { query: "Dark Roast" }), event("collection_viewed", { collectionId: 5 })], { customerId: "991" });
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    expect(await first.json()).toEqual({ stored: 3, duplicates: 0, dropped: 0 });
    expect(await (await post(body)).json()).toEqual({ stored: 0, duplicates: 3, dropped: 0 });
    expect(await stored()).toBe(before + 3);

    const rows = await db.prisma.behaviourEvent.findMany({ where: { shopDomain: SHOP, eventId: { in: (body.events as { id: string }[]).map((e) => e.id) } }, orderBy: { code: "asc" } });
    expect(rows.map((r) => [r.code, r.facet, r.customerGid])).toEqual([
      ["c", "c:5", "gid://shopify/Customer/991"],
      ["s", "q:dark roast", "gid://shopify/Customer/991"],
      ["v", "t:Coffee|v:Roasters", "gid://shopify/Customer/991"],
    ]);
    expect(rows.find((r) => r.code === "v")?.productGid).toBe("gid://shopify/Product/7");
    const link = await db.prisma.behaviourClient.findUnique({ where: { shopDomain_clientId: { shopDomain: SHOP, clientId: "client-abcdef12" } } });
    expect(link?.customerGid).toBe("gid://shopify/Customer/991");
  });

  it("GIVEN anonymous browsing WHEN the shopper logs in THEN the earlier and later events of that browser are theirs", async () => {
    const clientId = "client-anon-0001";
    await post(batch([event("page_viewed")], { clientId }));
    await post(batch([event("page_viewed")], { clientId, customerId: "555" }));
    await post(batch([event("page_viewed")], { clientId }));
    const owners = await db.prisma.behaviourEvent.findMany({ where: { shopDomain: SHOP, clientId }, select: { customerGid: true } });
    expect(owners.map((o) => o.customerGid)).toEqual(Array(3).fill("gid://shopify/Customer/555"));
  });

  it("answers the CORS preflight", async () => {
    const res = await fetch(`${app.url}/pixel/events`, { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  const refused: [string, () => unknown, number, RegExp][] = [
    ["a token made for another shop", () => batch([event()], { token: pixelIngestToken("other.myshopify.com", SECRET) }), 401, /token/],
    ["a token signed with another secret", () => batch([event()], { token: pixelIngestToken(SHOP, "not-the-secret") }), 401, /token/],
    ["a shop that is not a myshopify domain", () => batch([event()], { shop: "evil.example.com" }), 400, /shop/],
    ["a body that is not JSON", () => "{not json", 400, /JSON/],
    ["an unknown event name", () => batch([event("mouse_moved")]), 400, /name/],
    ["an unexpected field (personal data has no place here)", () => batch([event("product_viewed", { email: "a@b.c" })]), 400, /email|Unrecognized/],
    ["an empty batch", () => batch([]), 400, /events/],
    ["more than 50 events", () => batch(Array.from({ length: 51 }, () => event())), 400, /events/],
    ["a malformed event id", () => batch([{ ...event(), id: "x" }]), 400, /id/],
    ["a bad timestamp", () => batch([{ ...event(), timestamp: "yesterday" }]), 400, /timestamp/],
    ["an oversized body", () => batch([event("search_submitted", { query: "q" })], { pad: "x".repeat(40_000) }), 413, /at most/],
  ];
  for (const [what, body, status, message] of refused) {
    it(`refuses ${what} with ${status} and stores nothing`, async () => {
      const before = await stored();
      const res = await post(body());
      expect(res.status).toBe(status);
      expect((await res.json()).error).toMatch(message);
      expect(await stored()).toBe(before);
    });
  }

  it("drops events older than a day or from the future, and stores the rest", async () => {
    const old = event("page_viewed", { timestamp: new Date(Date.now() - 2 * 86400_000).toISOString() });
    const future = event("page_viewed", { timestamp: new Date(Date.now() + 3600_000).toISOString() });
    const res = await post(batch([old, future, event("page_viewed")]));
    expect(await res.json()).toEqual({ stored: 1, duplicates: 0, dropped: 2 });
  });

  it("rate-limits one browser client with 429 and Retry-After, without stopping other clients", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await post(batch([event("page_viewed")], { clientId: "flooding-client" }))).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await post(batch([event("page_viewed")], { clientId: "flooding-client" }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await post(batch([event("page_viewed")], { clientId: "another-client" }))).status).toBe(200);
  });
});
