/**
 * POST /api/loyalty/activities over HTTP: the shop's activity API key as a
 * Bearer token, clear errors for forged keys and bad bodies, a review credited
 * once however often it is reported, the per-customer caps, and the per-shop
 * rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenBucketLimiter } from "~/proxy/rate-limit.server";
import { issueActivityApiKey, MAX_ACTIVITY_BODY_BYTES, receiveActivityReport } from "~/services/loyalty-activities.server";
import { getBalance } from "~/services/points.server";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { putCustomer } from "../referrals/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { createProgram } from "./helpers";

const SHOP = "activity-api.myshopify.com";
const OTHER = "activity-other.myshopify.com";
const c = (n: number) => `gid://shopify/Customer/${n}`;
let db: TestDatabase;
let app: TestAppServer;
let key: string;
let otherKey: string;

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url; // read once by db.server, imported by the route below
  const route = (await import("../../app/routes/api.loyalty.activities")) as { action: RouteAction };
  app = await startAppServer({ "/api/loyalty/activities": route.action });
  await createProgram(db.prisma, SHOP, {}, { activities: { review: { points: 40, maxPerDay: 2, maxPerYear: 10 }, social: { points: 0, maxPerDay: 1, maxPerYear: 4 } } });
  await createProgram(db.prisma, OTHER);
  key = await issueActivityApiKey(SHOP, { db: db.prisma });
  otherKey = await issueActivityApiKey(OTHER, { db: db.prisma });
  for (const n of [1, 2, 3]) await putCustomer(db.prisma, SHOP, c(n), `c${n}@example.com`);
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

async function report(body: unknown, options: { key?: string | null; raw?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = { "Content-Type": options.contentType ?? "application/json" };
  const bearer = options.key === undefined ? key : options.key;
  if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(`${app.url}/api/loyalty/activities`, { method: "POST", headers, body: options.raw ?? JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const review = (customerId: string | number, externalId: string) => ({ shop: SHOP, customerId, kind: "review", externalId });
const balance = async (n: number) => (await getBalance(SHOP, c(n), { db: db.prisma })).available;

describe("authentication", () => {
  it("refuses a missing key, a forged key, and another shop's key with 401, crediting nothing", async () => {
    for (const bearer of [null, "egl_forged", key.slice(0, -1) + (key.endsWith("A") ? "B" : "A"), otherKey]) {
      const res = await report(review(c(1), "rev-forged"), { key: bearer });
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect(await balance(1)).toBe(0);
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: SHOP } })).toBe(0);
  });

  it("refuses a shop's key once the shop's programme is off", async () => {
    await db.prisma.loyaltyProgram.update({ where: { shopDomain: OTHER }, data: { enabled: false } });
    const res = await report({ shop: OTHER, customerId: c(1), kind: "review", externalId: "r" }, { key: otherKey });
    expect(res.status).toBe(401);
  });
});

describe("bad requests", () => {
  it.each([
    ["not JSON", { raw: "{shop:" }],
    ["no externalId", { body: { shop: SHOP, customerId: c(1), kind: "review" } }],
    ["an unknown kind", { body: { shop: SHOP, customerId: c(1), kind: "purchase", externalId: "x" } }],
    ["a customer id that is not one", { body: { shop: SHOP, customerId: "gid://shopify/Order/1", kind: "review", externalId: "x" } }],
    ["a shop that is not a myshopify domain", { body: { shop: "evil.example.com", customerId: c(1), kind: "review", externalId: "x" } }],
    ["an externalId over 200 characters", { body: { shop: SHOP, customerId: c(1), kind: "review", externalId: "x".repeat(201) } }],
  ])("answers 400 invalid_body to %s", async (_what, input) => {
    const res = await report("body" in input ? input.body : null, "raw" in input ? { raw: input.raw } : {});
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("invalid_body");
  });

  it("answers 413 to a body over the limit and 415 to a body that is not declared JSON", async () => {
    const big = await report(null, { raw: JSON.stringify({ ...review(c(1), "big"), padding: "x".repeat(MAX_ACTIVITY_BODY_BYTES) }) });
    expect(big.status).toBe(413);
    expect(big.body.error?.code).toBe("body_too_large");
    const form = await report(null, { raw: "shop=x", contentType: "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(await balance(1)).toBe(0);
  });

  it("answers 404 for a customer the shop does not have", async () => {
    const res = await report(review(c(404), "rev-404"));
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe("unknown_customer");
  });
});

describe("crediting", () => {
  it("GIVEN a review reported three times (once by numeric id) THEN it is credited once and the later reports say duplicate", async () => {
    const first = await report(review(c(1), "rev-1"));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: "awarded", points: 40 });
    const again = await report(review(c(1), "rev-1"));
    const numeric = await report(review(1, "rev-1"));
    for (const dup of [again, numeric]) {
      expect(dup.status).toBe(200);
      expect(dup.body).toMatchObject({ status: "duplicate", entryId: first.body.entryId, points: 40 });
    }
    expect(await balance(1)).toBe(40);
  });

  it("GIVEN concurrent reports of one review THEN exactly one credit", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => report(review(c(3), "rev-burst"))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(await balance(3)).toBe(40);
  });

  it("stops at the daily cap: further reviews that day are answered capped and credit nothing", async () => {
    expect((await report(review(c(2), "rev-a"))).body).toMatchObject({ status: "awarded" });
    expect((await report(review(c(2), "rev-b"))).body).toMatchObject({ status: "awarded" });
    const capped = await report(review(c(2), "rev-c"));
    expect(capped.status).toBe(200);
    expect(capped.body).toEqual({ status: "capped", limit: "day" });
    expect(await balance(2)).toBe(80);
  });

  it("answers off for a kind the shop does not reward, and 409 for a review already credited to another customer", async () => {
    expect((await report({ shop: SHOP, customerId: c(2), kind: "social", externalId: "share-1" })).body).toEqual({ status: "off" });
    const conflict = await report(review(c(3), "rev-1")); // rev-1 belongs to customer 1
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.code).toBe("external_id_conflict");
    expect(await balance(3)).toBe(40);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once the shop's burst is spent, before crediting anything", async () => {
    let nowMs = 0;
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 0.5, now: () => nowMs });
    const post = (externalId: string) =>
      receiveActivityReport(
        new Request("http://app/api/loyalty/activities", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` }, body: JSON.stringify(review(c(3), externalId)) }),
        { db: db.prisma, limiter },
      );
    expect((await post("rl-1")).status).toBe(201);
    expect((await post("rl-2")).status).toBe(200); // capped (customer 3 already has 1 today + rl-1), still counted by the limiter
    const limited = await post("rl-3");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    nowMs += 2000;
    expect((await post("rl-3")).status).toBe(200);
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: SHOP, customerGid: c(3), idempotencyKey: { startsWith: "review:rl-" } } })).toBe(1);
  });

  it("answers 405 to anything but POST", async () => {
    const res = await fetch(`${app.url}/api/loyalty/activities`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(405);
  });
});
