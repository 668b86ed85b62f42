/**
 * Fuzzing the app's front doors with malformed and hostile input (fast-check,
 * bounded runs): the webhook routes (orders, refunds, customers, compliance)
 * and the app proxy routes. Every answer is a clear 4xx (or 200 for a valid
 * delivery), never a 5xx; what is refused stores nothing; forged, replayed,
 * truncated and oversized requests change nothing.
 *
 * Signature checks are constant-time: webhooks and app proxy requests are both
 * verified by @shopify/shopify-api (`validateHmacString` / `validateHmac`),
 * whose `safeCompare` XORs every byte of equal-length strings
 * (lib/auth/oauth/safe-compare.mjs); app/proxy/authenticate.server.ts only
 * delegates to it.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { TEST_API_KEY, TEST_API_SECRET } from "../helpers/dev-store";
import { signedAppProxyUrl } from "../../dev-store/storefront/app-proxy";

type Handler = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

const SHOP = "fuzz-shop.myshopify.com";
const APP_URL = "http://localhost:3997";
const FIXTURE = JSON.parse(readFileSync(path.resolve(__dirname, "../fixtures/orders-create.json"), "utf8")) as Record<string, unknown>;
const REMINDER = "00000000-0000-4000-8000-0000000000aa";
const RUNS = { numRuns: 60, seed: 42 };

let db: TestDatabase;
const routes: Record<string, Handler> = {};

const hmac = (body: string, secret = TEST_API_SECRET) => createHmac("sha256", secret).update(body).digest("base64");

/** Calls a route as Remix would: a thrown Response is the response; anything else thrown is a 500. */
async function call(handler: Handler, request: Request, params: Record<string, string> = {}): Promise<Response> {
  try {
    return await handler({ request, params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    return new Response(thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown), { status: 500 });
  }
}

function webhook(route: string, topic: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(`${APP_URL}/webhooks/${route}`, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": hmac(body),
      "X-Shopify-Shop-Domain": SHOP,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
      ...headers,
    },
  });
}

async function storedCounts() {
  const [deliveries, orders, customers, refunds, exports] = await Promise.all([
    db.prisma.webhookDelivery.count(),
    db.prisma.order.count(),
    db.prisma.customer.count(),
    db.prisma.refund.count(),
    db.prisma.customerDataExport.count(),
  ]);
  return { deliveries, orders, customers, refunds, exports };
}

// Values a hostile or broken sender might put anywhere.
const hostile = fc.oneof(
  fc.constantFrom(null, "", "NaN", "-1", "1e309", "99999999999999999999999.99", "0x1F", "<script>alert(1)</script>", "'; DROP TABLE \"Order\"; --", "\u0000", "\ud800", "9".repeat(400)),
  fc.constantFrom({}, [], { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, [[[[]]]]),
  fc.string({ maxLength: 200 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const DELETE = Symbol("delete");
// Money amounts that are not 2-decimal amounts ("abc", "NaN", 1.234, -5e-21)
// are a 400 (they used to escape as a 500): fuzzed through the amount paths.
const ORDER_PATHS = [
  ["id"], ["admin_graphql_api_id"], ["name"], ["currency"], ["created_at"], ["updated_at"], ["processed_at"], ["cancelled_at"],
  ["financial_status"], ["total_price_set"], ["total_price_set", "shop_money"], ["total_price_set", "shop_money", "currency_code"],
  ["subtotal_price_set"], ["line_items"], ["line_items", 0], ["line_items", 0, "quantity"], ["line_items", 0, "price_set"],
  ["line_items", 0, "admin_graphql_api_id"], ["customer"], ["customer", "admin_graphql_api_id"], ["refunds"], ["tags"], ["test"], ["discount_codes"],
  ["source_name"], ["email"], ["note_attributes"], ["__proto__"],
  ["total_price_set", "shop_money", "amount"], ["subtotal_price_set", "shop_money", "amount"], ["line_items", 0, "price_set", "shop_money", "amount"],
] as const;

function mutate(base: Record<string, unknown>, edits: { path: readonly (string | number)[]; value: unknown }[]): Record<string, unknown> {
  const copy = structuredClone(base);
  for (const { path: at, value } of edits) {
    let node = copy as Record<string | number, unknown>;
    for (const key of at.slice(0, -1)) {
      if (node[key] === null || typeof node[key] !== "object") break;
      node = node[key] as Record<string | number, unknown>;
    }
    const last = at[at.length - 1];
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return copy;
}

let nextOrderId = 930_000_000_000;
/** The fixture as a fresh order (its own id), so what a refusal stores would show. */
function freshOrder(): Record<string, unknown> {
  const id = nextOrderId++;
  return { ...structuredClone(FIXTURE), id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#${id}`, cancelled_at: null, cancel_reason: null, financial_status: "paid" };
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Thousands of refusals: their warnings would drown the report.
  Object.assign(process.env, { SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: APP_URL, DATABASE_URL: db.url, LOG_LEVEL: "error" });
  await db.prisma.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: "shpat_test", scope: "read_orders" } });
  const now = Date.now();
  await db.prisma.replenishmentReminder.create({
    data: {
      id: REMINDER, shopDomain: SHOP, customerGid: "gid://shopify/Customer/42", productGid: "gid://shopify/Product/7", variantGid: "gid://shopify/ProductVariant/71",
      cycleStartedAt: new Date(now - 28 * 86_400_000), quantity: 1, intervalDays: 30, intervalSource: "product",
      dueAt: new Date(now + 2 * 86_400_000), remindAt: new Date(now - 5 * 86_400_000), expiresAt: new Date(now + 32 * 86_400_000),
      status: "due", statusChangedAt: new Date(now), createdAt: new Date(now),
    },
  });
  // Imported after the environment is set: shopify.server and db.server read it once.
  const load = async (name: string) => (await import(`../../app/routes/${name}.tsx`)) as { loader?: Handler; action?: Handler };
  for (const name of ["webhooks.orders", "webhooks.refunds", "webhooks.customers", "webhooks.compliance"]) routes[name] = (await load(name)).action!;
  routes.profile = (await load("proxy.profile")).loader!;
  routes.redeem = (await load("proxy.redeem")).action!;
  routes.dismiss = (await load("proxy.reminders.$id.dismiss")).action!;
  routes.referral = (await load("proxy.r.$code")).loader!;
});

afterAll(async () => {
  await db?.cleanup();
});

describe("webhooks under hostile input", () => {
  it("GIVEN signed order payloads with fields broken, removed or hostile THEN 200 or a 400 with the reason, never a 5xx, and a refusal stores nothing", async () => {
    const edit = fc.record({ path: fc.constantFrom(...ORDER_PATHS), value: fc.oneof(hostile, fc.constant(DELETE)) });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.constantFrom("orders/create", "orders/updated", "orders/paid"), async (edits, topic) => {
        const order = freshOrder();
        const payload = mutate(order, edits);
        const eventId = randomUUID();
        const before = await storedCounts();
        const response = await call(routes["webhooks.orders"], webhook("orders", topic, JSON.stringify(payload), { "X-Shopify-Event-Id": eventId }));
        const text = await response.text();
        expect([200, 400], `${response.status} ${text}`).toContain(response.status);
        if (response.status === 400) {
          expect(text.length).toBeGreaterThan(0);
          expect(await storedCounts()).toEqual(before);
        } else {
          // Accepted: what was stored is a whole order with sane values.
          const gidStored = typeof payload.admin_graphql_api_id === "string" ? payload.admin_graphql_api_id : null;
          const row = gidStored ? await db.prisma.order.findUnique({ where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid: gidStored } } }) : null;
          if (row) {
            expect(Number.isNaN(row.processedAt.getTime())).toBe(false);
            expect(Number.isNaN(row.shopifyUpdatedAt.getTime())).toBe(false);
            expect(row.totalPriceMinor).toBeGreaterThanOrEqual(0n);
          }
        }
      }),
      RUNS,
    );
  });

  // Signed bodies that are not JSON at all (" ", "{") are a 400 too (the library's JSON.parse used to escape as a 500).
  it("GIVEN signed bodies that are not the topic's payload, or not JSON THEN 4xx on every route and nothing is stored", async () => {
    const body = fc.oneof(fc.json({ maxDepth: 3 }), fc.constantFrom(" ", "{", "not json", "{\"a\":", "null", "\"\"", "[]", "{}", "{\"admin_graphql_api_id\":null}", "{\"order_id\":\"1\"}", "{\"customer\":{\"id\":\"x\"}}"));
    const target = fc.constantFrom(
      ["webhooks.orders", "orders", "orders/updated"],
      ["webhooks.refunds", "refunds", "refunds/create"],
      ["webhooks.customers", "customers", "customers/update"],
      ["webhooks.customers", "customers", "customers/delete"],
      ["webhooks.compliance", "compliance", "customers/redact"],
      ["webhooks.compliance", "compliance", "customers/data_request"],
    );
    await fc.assert(
      fc.asyncProperty(body, target, async (raw, [name, route, topic]) => {
        const before = await storedCounts();
        const response = await call(routes[name], webhook(route, topic, raw));
        const text = await response.text();
        const seen = `${name} ${topic} ${JSON.stringify(raw).slice(0, 200)} -> ${response.status} ${text.slice(0, 300)}`;
        // A compliance request naming a customer the app never saw is acknowledged (Shopify requires the 200) and changes nothing.
        if (!(name === "webhooks.compliance" && response.status === 200 && topic === "customers/redact")) {
          expect(response.status, seen).toBeGreaterThanOrEqual(400);
          expect(response.status, seen).toBeLessThan(500);
        }
        expect(await storedCounts(), seen).toEqual(before);
      }),
      RUNS,
    );
  });

  it("GIVEN forged, re-signed, truncated or padded requests THEN 401 and nothing changes", async () => {
    const tamper = fc.constantFrom("wrong-secret", "random-hmac", "truncated", "padded", "empty-hmac", "hmac-of-other-body");
    await fc.assert(
      fc.asyncProperty(tamper, fc.integer({ min: 1, max: 200 }), async (how, cut) => {
        const body = JSON.stringify(freshOrder());
        const signed = hmac(body);
        const variants: Record<string, () => Request> = {
          "wrong-secret": () => webhook("orders", "orders/create", body, { "X-Shopify-Hmac-Sha256": hmac(body, "not-the-secret") }),
          "random-hmac": () => webhook("orders", "orders/create", body, { "X-Shopify-Hmac-Sha256": Buffer.from(randomUUID()).toString("base64") }),
          truncated: () => webhook("orders", "orders/create", body.slice(0, Math.max(0, body.length - cut)), { "X-Shopify-Hmac-Sha256": signed }),
          padded: () => webhook("orders", "orders/create", body + " ".repeat(cut), { "X-Shopify-Hmac-Sha256": signed }),
          "empty-hmac": () => webhook("orders", "orders/create", body, { "X-Shopify-Hmac-Sha256": "" }),
          "hmac-of-other-body": () => webhook("orders", "orders/create", body, { "X-Shopify-Hmac-Sha256": hmac(body.replace("#", "%")) }),
        };
        const before = await storedCounts();
        const response = await call(routes["webhooks.orders"], variants[how]());
        expect([400, 401], how).toContain(response.status);
        expect(await storedCounts()).toEqual(before);
      }),
      { numRuns: 30, seed: 42 },
    );
  });

  it("GIVEN oversized bodies (2 MB), signed or not THEN 4xx and nothing stored", async () => {
    const before = await storedCounts();
    const junk = JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) });
    const signed = await call(routes["webhooks.orders"], webhook("orders", "orders/create", junk));
    const unsigned = await call(routes["webhooks.orders"], webhook("orders", "orders/create", junk, { "X-Shopify-Hmac-Sha256": hmac("{}") }));
    expect([signed.status, unsigned.status]).toEqual([400, 401]);
    expect(await storedCounts()).toEqual(before);
  });

  it("GIVEN one event replayed with new webhook ids and altered bodies THEN it is applied once", async () => {
    const order = freshOrder();
    const eventId = randomUUID();
    const first = await call(routes["webhooks.orders"], webhook("orders", "orders/create", JSON.stringify(order), { "X-Shopify-Event-Id": eventId }));
    expect(first.status).toBe(200);
    const stored = await db.prisma.order.findUniqueOrThrow({ where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid: String(order.admin_graphql_api_id) } } });
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 20 }), async (tag) => {
        const replay = JSON.stringify({ ...order, tags: tag, updated_at: new Date().toISOString() });
        const response = await call(routes["webhooks.orders"], webhook("orders", "orders/updated", replay, { "X-Shopify-Event-Id": eventId }));
        expect(response.status).toBe(200);
      }),
      { numRuns: 10, seed: 42 },
    );
    expect(await db.prisma.order.findUniqueOrThrow({ where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid: stored.orderGid } } })).toEqual(stored);
    expect(await db.prisma.webhookDelivery.count({ where: { eventId } })).toBe(1);
  });
});

function signedProxy(rest: string, customerId: string | null, options: { query?: Record<string, string>; timestamp?: number; secret?: string } = {}): URL {
  return signedAppProxyUrl(
    `${APP_URL}/proxy`,
    rest,
    new URLSearchParams(options.query ?? {}),
    { shop: SHOP, customerId, pathPrefix: "/apps/evergreen", timestamp: options.timestamp },
    options.secret ?? TEST_API_SECRET,
  );
}

async function reminderState() {
  return db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: REMINDER }, select: { status: true, statusChangedAt: true } });
}

describe("app proxy under hostile input", () => {
  it("GIVEN a signed request whose logged_in_customer_id or query is hostile THEN a 2xx for a real id or a clear 4xx, never a 5xx", async () => {
    const customerId = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("0", "-1", "1e3", "42 ", " 42", "42\n", "99999999999999999999999", "42,43", "gid://shopify/Customer/42"));
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 100 }), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(customerId, extra, async (id, query) => {
        const response = await call(routes.profile, new Request(signedProxy("/profile", id, { query })));
        const text = await response.text();
        expect(response.status, text).toBeLessThan(500);
        if (!/^[1-9][0-9]{0,19}$/.test(id) && id !== "") expect([400, 429], `${JSON.stringify(id)} -> ${text}`).toContain(response.status);
      }),
      RUNS,
    );
  });

  it("GIVEN forged, stale, replayed-with-changes or truncated signatures THEN 400 and nothing changes", async () => {
    const before = await reminderState();
    const tamper = fc.constantFrom("random", "truncated", "wrong-secret", "stale", "customer-swapped", "param-added", "uppercase", "missing");
    await fc.assert(
      fc.asyncProperty(tamper, fc.string({ minLength: 1, maxLength: 64 }), async (how, noise) => {
        let url = signedProxy(`/reminders/${REMINDER}/dismiss`, "42");
        if (how === "random") url.searchParams.set("signature", noise);
        if (how === "truncated") url.searchParams.set("signature", url.searchParams.get("signature")!.slice(0, 63));
        if (how === "wrong-secret") url = signedProxy(`/reminders/${REMINDER}/dismiss`, "42", { secret: "not-the-secret" });
        if (how === "stale") url = signedProxy(`/reminders/${REMINDER}/dismiss`, "42", { timestamp: Math.floor(Date.now() / 1000) - 600 });
        if (how === "customer-swapped") url.searchParams.set("logged_in_customer_id", "43");
        if (how === "param-added") url.searchParams.append("extra", noise);
        if (how === "uppercase") url.searchParams.set("signature", url.searchParams.get("signature")!.toUpperCase());
        if (how === "missing") url.searchParams.delete("signature");
        const response = await call(routes.dismiss, new Request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }), { id: REMINDER });
        const changed = how === "uppercase" && !/[a-f]/.test(signedProxy("/x", "42").searchParams.get("signature")!);
        if (!changed) expect(response.status, how).toBe(400);
      }),
      { numRuns: 40, seed: 42 },
    );
    expect(await reminderState()).toEqual(before);
  });

  it("GIVEN signed POSTs with hostile bodies, content types and path ids THEN a clear 4xx (or 501 where the feature is not wired), and the shopper's reminder is untouched", async () => {
    const before = await reminderState();
    const body = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.constant("x".repeat(200_000)));
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "");
    const id = fc.oneof(fc.string({ maxLength: 40 }), fc.uuid(), fc.constant("../../admin"));
    await fc.assert(
      fc.asyncProperty(body, contentType, id, fc.constantFrom("43", "44"), async (raw, type, reminderId, shopper) => {
        const headers: Record<string, string> = type ? { "Content-Type": type } : {};
        const redeem = await call(routes.redeem, new Request(signedProxy("/redeem", shopper), { method: "POST", headers, body: raw }));
        const redeemText = await redeem.text();
        expect(redeem.status < 500 || redeem.status === 501, `${redeem.status} ${redeemText}`).toBe(true);
        // Someone else's reminder (42's) cannot be dismissed by 43 or 44, whatever the id says.
        const dismiss = await call(routes.dismiss, new Request(signedProxy(`/reminders/${reminderId}/dismiss`, shopper), { method: "POST", headers, body: raw }), { id: reminderId });
        expect([404, 415, 429], `${dismiss.status} ${await dismiss.text()}`).toContain(dismiss.status);
        const referral = await call(routes.referral, new Request(signedProxy(`/r/${encodeURIComponent(reminderId)}`, null)), { code: reminderId });
        expect(referral.status, await referral.text()).toBeLessThan(500);
      }),
      { numRuns: 40, seed: 42 },
    );
    expect(await reminderState()).toEqual(before);
  });
});
