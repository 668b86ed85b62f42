/**
 * The app proxy routes with real signed requests, built the way Shopify
 * builds them (dev-store/storefront/app-proxy.ts), checked by the Shopify
 * library's own validator: accepted as signed, refused when one byte changes,
 * when the signature is missing, stale or made with another secret.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { TEST_API_KEY, TEST_API_SECRET } from "../helpers/dev-store";
import { appProxySignature, signedAppProxyUrl } from "../../dev-store/storefront/app-proxy";
import type { StorefrontActions } from "~/proxy/actions.server";

const SHOP = "proxy-shop.myshopify.com";
const OTHER_SHOP = "not-installed.myshopify.com";
const APP_URL = "http://localhost:3998";
const PROXY_URL = `${APP_URL}/proxy`;

type Handler = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;
let db: TestDatabase;
let routes: { profile: Handler; redeem: Handler; referral: Handler; dismiss: Handler };
let actions: StorefrontActions;
const REMINDER_42 = "00000000-0000-4000-8000-000000000042";
const REMINDER_43 = "00000000-0000-4000-8000-000000000043";

function signed(rest: string, customerId: string | null, options: { shop?: string; timestamp?: number; secret?: string; query?: Record<string, string> } = {}): URL {
  return signedAppProxyUrl(
    PROXY_URL,
    rest,
    new URLSearchParams(options.query ?? {}),
    { shop: options.shop ?? SHOP, customerId, pathPrefix: "/apps/evergreen", timestamp: options.timestamp },
    options.secret ?? TEST_API_SECRET,
  );
}

/** Calls a route as Remix would: a thrown Response is the response. */
async function call(handler: Handler, url: URL | string, init: RequestInit = {}, params: Record<string, string> = {}): Promise<Response> {
  try {
    return await handler({ request: new Request(url, init), params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const postJson = (body: unknown): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, { SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: APP_URL, DATABASE_URL: db.url });
  await db.prisma.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: "shpat_test", scope: "read_orders" } });
  const now = Date.now();
  await db.prisma.product.create({ data: { shopDomain: SHOP, productGid: "gid://shopify/Product/7", title: "Morning Blend Coffee", handle: "morning-blend", status: "ACTIVE", shopifyUpdatedAt: new Date(now) } });
  for (const [id, customer] of [[REMINDER_42, "42"], [REMINDER_43, "43"]]) {
    await db.prisma.replenishmentReminder.create({
      data: {
        id, shopDomain: SHOP, customerGid: `gid://shopify/Customer/${customer}`, productGid: "gid://shopify/Product/7", variantGid: "gid://shopify/ProductVariant/71",
        cycleStartedAt: new Date(now - 28 * 86_400_000), quantity: 1, intervalDays: 30, intervalSource: "product",
        dueAt: new Date(now + 2 * 86_400_000), remindAt: new Date(now - 5 * 86_400_000), expiresAt: new Date(now + 32 * 86_400_000),
        status: "due", statusChangedAt: new Date(now), createdAt: new Date(now),
      },
    });
  }
  // Recommendations as the behaviour refresh stores them: for customer 42, and a product bought with the due coffee.
  await db.prisma.product.create({ data: { shopDomain: SHOP, productGid: "gid://shopify/Product/8", title: "Stoneware Mug", handle: "stoneware-mug", status: "ACTIVE", shopifyUpdatedAt: new Date(now) } });
  await db.prisma.product.create({ data: { shopDomain: SHOP, productGid: "gid://shopify/Product/9", title: "Paper Filters", handle: null, status: "ACTIVE", shopifyUpdatedAt: new Date(now) } });
  await db.prisma.customerRecommendation.create({
    data: { shopDomain: SHOP, customerGid: "gid://shopify/Customer/42", productGids: JSON.stringify(["gid://shopify/Product/8", "gid://shopify/Product/404", "gid://shopify/Product/9"]), computedAt: new Date(now) },
  });
  await db.prisma.productRecommendation.create({
    data: { shopDomain: SHOP, productGid: "gid://shopify/Product/7", kind: "together", productGids: JSON.stringify(["gid://shopify/Product/9", "gid://shopify/Product/8"]), computedAt: new Date(now) },
  });
  // Imported after the environment is set: shopify.server and db.server read it once.
  const load = async (name: string) => (await import(`../../app/routes/${name}.tsx`)) as { loader?: Handler; action?: Handler };
  routes = {
    profile: (await load("proxy.profile")).loader!,
    redeem: (await load("proxy.redeem")).action!,
    referral: (await load("proxy.r.$code")).loader!,
    dismiss: (await load("proxy.reminders.$id.dismiss")).action!,
  };
  actions = (await import("~/proxy/actions.server")).storefrontActions;
});

afterAll(async () => {
  await db?.cleanup();
});

describe("signature verification (the library's validator on Shopify-shaped requests)", () => {
  it("GIVEN a request signed as Shopify signs it WHEN the profile is asked THEN 200 with the shopper's own data, never cached", async () => {
    const response = await call(routes.profile, signed("/profile", "42"));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store, max-age=0");
    expect(response.headers.get("vary")).toBe("Cookie");
    const body = await response.json();
    expect(body.customer).toEqual({ id: "42" });
    expect(body.reminders).toEqual([
      expect.objectContaining({ id: REMINDER_42, productTitle: "Morning Blend Coffee", productUrl: "/products/morning-blend", variantId: "71", daysLeft: 2 }),
    ]);
    // Recommended for you (a product no longer synced is left out) and often bought together with the due item.
    expect(body.recommended).toEqual([{ title: "Stoneware Mug", url: "/products/stoneware-mug" }, { title: "Paper Filters", url: null }]);
    expect(body.reminders[0].together).toEqual({ title: "Paper Filters", url: null });
  });

  it.each([
    {
      name: "one byte of the signature changed",
      url: () => {
        const url = signed("/profile", "42");
        const sig = url.searchParams.get("signature")!;
        url.searchParams.set("signature", (sig[0] === "0" ? "1" : "0") + sig.slice(1));
        return url;
      },
    },
    {
      name: "the customer changed after signing (42's signature, 43's id)",
      url: () => {
        const url = signed("/profile", "42");
        url.searchParams.set("logged_in_customer_id", "43");
        return url;
      },
    },
    {
      name: "a parameter added after signing",
      url: () => {
        const url = signed("/profile", "42");
        url.searchParams.append("customer_id", "43");
        return url;
      },
    },
    {
      name: "no signature",
      url: () => {
        const url = signed("/profile", "42");
        url.searchParams.delete("signature");
        return url;
      },
    },
    { name: "a stale timestamp (3 minutes old)", url: () => signed("/profile", "42", { timestamp: Math.floor(Date.now() / 1000) - 180 }) },
    { name: "signed with another secret", url: () => signed("/profile", "42", { secret: "not-the-app-secret" }) },
    { name: "no query at all", url: () => new URL(`${PROXY_URL}/profile`) },
  ])("refuses $name with 400, no data", async ({ url }) => {
    const response = await call(routes.profile, url());
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("private, no-store, max-age=0");
    expect((await response.json()).error.code).toBe("invalid_signature");
  });

  it("the helper's signature is the one in Shopify's documentation shape: sorted key=value pairs, repeated keys joined with commas", () => {
    const params = new URLSearchParams("extra=1&extra=2&shop=s.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fevergreen&timestamp=1317327555");
    const expected = createHmac("sha256", "secret").update("extra=1,2logged_in_customer_id=path_prefix=/apps/evergreenshop=s.myshopify.comtimestamp=1317327555").digest("hex");
    expect(appProxySignature(params, "secret")).toBe(expected);
  });

  it("GIVEN a validly signed request for a shop without Evergreen installed THEN 404", async () => {
    const response = await call(routes.profile, signed("/profile", "42", { shop: OTHER_SHOP }));
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("not_installed");
  });

  it("GIVEN a malformed logged_in_customer_id, even signed, THEN 400", async () => {
    const url = signedAppProxyUrl(PROXY_URL, "/profile", new URLSearchParams(), { shop: SHOP, customerId: "42 OR 1=1", pathPrefix: "/apps/evergreen" }, TEST_API_SECRET);
    expect((await call(routes.profile, url)).status).toBe(400);
  });
});

describe("the shopper is the one Shopify names", () => {
  it("GIVEN a guest WHEN the profile is asked THEN no customer data, only what joining gives", async () => {
    const body = await (await call(routes.profile, signed("/profile", null))).json();
    expect(body.customer).toBeNull();
    expect(body.reminders).toEqual([]);
    expect(body.recommended).toEqual([]);
    expect(body.loyalty).toBeNull();
    expect(body.referral).toBeNull();
    expect(body.features).toEqual(expect.objectContaining({ reminders: true }));
  });

  it("GIVEN a storefront query that tries to name another customer WHEN forwarded THEN Shopify's value wins", async () => {
    const url = signed("/profile", "43", { query: { logged_in_customer_id: "42", customer: "42" } });
    const body = await (await call(routes.profile, url)).json();
    expect(body.customer).toEqual({ id: "43" });
    expect(body.reminders.map((r: { id: string }) => r.id)).toEqual([REMINDER_43]);
  });

  it("GIVEN another customer's reminder WHEN dismissed THEN 404 and it stays; one's own: dismissed", async () => {
    const other = await call(routes.dismiss, signed(`/reminders/${REMINDER_43}/dismiss`, "42"), postJson({}), { id: REMINDER_43 });
    expect(other.status).toBe(404);
    expect((await db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: REMINDER_43 } })).status).toBe("due");
    const own = await call(routes.dismiss, signed(`/reminders/${REMINDER_43}/dismiss`, "43"), postJson({}), { id: REMINDER_43 });
    expect(own.status).toBe(200);
    expect((await db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: REMINDER_43 } })).status).toBe("dismissed");
  });
});

describe("redeem and referral landing", () => {
  it("GIVEN the shop has no loyalty programme WHEN a signed-in shopper redeems THEN 409 program_off, nothing spent", async () => {
    const response = await call(routes.redeem, signed("/redeem", "44"), postJson({ rewardId: "r1", idempotencyKey: "press-0001" }));
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ status: "refused", reason: "program_off" });
    expect(await db.prisma.loyaltyRedemption.count()).toBe(0);
  });

  it("GIVEN no rewards adapter wired WHEN a signed-in shopper redeems THEN 501 not_enabled", async () => {
    const wired = actions.redeem;
    delete actions.redeem;
    try {
      const response = await call(routes.redeem, signed("/redeem", "44"), postJson({ rewardId: "r1", idempotencyKey: "press-0011" }));
      expect(response.status).toBe(501);
      expect((await response.json()).error.code).toBe("not_enabled");
    } finally {
      actions.redeem = wired;
    }
  });

  it("refuses guests (401), non-JSON posts (415, the CSRF guard) and bad bodies (400)", async () => {
    expect((await call(routes.redeem, signed("/redeem", null), postJson({ rewardId: "r1", idempotencyKey: "press-0002" }))).status).toBe(401);
    const form = { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "rewardId=r1&idempotencyKey=press-0003" };
    expect((await call(routes.redeem, signed("/redeem", "45"), form)).status).toBe(415);
    expect((await call(routes.redeem, signed("/redeem", "45"), postJson({ rewardId: "" }))).status).toBe(400);
  });

  it("GIVEN a wired redeem WHEN the body names another customer THEN the service still gets the signed shopper", async () => {
    const seen: unknown[] = [];
    const wired = actions.redeem;
    actions.redeem = async (request) => {
      seen.push(request);
      return { status: "issued", code: "EG-TEST", pointsSpent: 500 };
    };
    try {
      const response = await call(routes.redeem, signed("/redeem", "46"), postJson({ rewardId: "r1", idempotencyKey: "press-0004", customerGid: "gid://shopify/Customer/1" }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "issued", code: "EG-TEST", pointsSpent: 500 });
      expect(seen).toEqual([{ shopDomain: SHOP, customerGid: "gid://shopify/Customer/46", rewardId: "r1", idempotencyKey: "press-0004" }]);
    } finally {
      actions.redeem = wired;
    }
  });

  it("GIVEN a write burst WHEN a shopper redeems six times at once THEN the sixth is 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const response = await call(routes.redeem, signed("/redeem", "47"), postJson({ rewardId: "r1", idempotencyKey: `burst-000${i}` }));
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get("retry-after");
    }
    expect(statuses).toEqual([409, 409, 409, 409, 409, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another shopper is not affected.
    expect((await call(routes.redeem, signed("/redeem", "48"), postJson({ rewardId: "r1", idempotencyKey: "other-0001" }))).status).toBe(409);
  });

  it("GIVEN the referrals adapter WHEN a link is opened THEN an unknown code is 404, a member's own link mints nothing, a malformed code is 404", async () => {
    const unknown = await call(routes.referral, signed("/r/K7M2QX9D", null, { query: { v: "visitor-token-0123456789" } }), {}, { code: "K7M2QX9D" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ status: "unknown_code" });
    const { getOrCreateReferralCode } = await import("~/services/referrals.server");
    const { code } = await getOrCreateReferralCode(SHOP, "gid://shopify/Customer/50", { db: db.prisma });
    const own = await call(routes.referral, signed(`/r/${code}`, "50", { query: { v: "visitor-token-0123456789" } }), {}, { code });
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ status: "own_link" });
    expect(await db.prisma.referral.count()).toBe(0);
    const bad = await call(routes.referral, signed("/r/..%2F..", null, { query: { v: "visitor-token-0123456789" } }), {}, { code: "../.." });
    expect(bad.status).toBe(404);
  });

  it("GIVEN no referrals adapter wired WHEN a referral link is opened THEN 501 not_enabled", async () => {
    const wired = actions.referralLanding;
    delete actions.referralLanding;
    try {
      const response = await call(routes.referral, signed("/r/K7M2QX9D", null, { query: { v: "visitor-token-0123456789" } }), {}, { code: "K7M2QX9D" });
      expect(response.status).toBe(501);
    } finally {
      actions.referralLanding = wired;
    }
  });
});
