/**
 * Loyalty and referrals behind the real webhook routes: signed deliveries over
 * HTTP, verified by the Shopify library, stored by the sync layer, then
 * points and referrals applied (app/webhooks.server.ts). A failure in either
 * answers 500, so Shopify's redelivery completes it; nothing is counted twice.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as referrals from "~/services/referrals.server";
import { getBalance } from "~/services/points.server";
import { getOrCreateReferralCode, recordReferralClick } from "~/services/referrals.server";
import { runReferralJobsForShop } from "~/jobs/loyalty-jobs.server";
import fixture from "../fixtures/orders-create.json";
import { startAppServer, type RouteAction, type TestAppServer } from "../helpers/app-server";
import { TEST_API_KEY, TEST_API_SECRET } from "../helpers/dev-store";
import { postSignedWebhook } from "../helpers/signed-webhook";
import { fakePorts, putCustomer } from "../referrals/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { createProgram } from "./helpers";

// Wrapped so one test can make referrals fail once; otherwise the real function runs.
vi.mock("~/services/referrals.server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/services/referrals.server")>();
  return { ...actual, applyReferralWebhook: vi.fn(actual.applyReferralWebhook) };
});

const SHOP = "route-hooks.myshopify.com";
const REFERRER = "gid://shopify/Customer/900";
const FRIEND_ID = 901;
const FRIEND = `gid://shopify/Customer/${FRIEND_ID}`;
const DAY = 24 * 3600_000;

let db: TestDatabase;
let app: TestAppServer;
// The route runs on the real clock: the order is placed "now".
const placedAt = new Date(Date.now() - 3600_000);

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, { SHOPIFY_API_KEY: TEST_API_KEY, SHOPIFY_API_SECRET: TEST_API_SECRET, SHOPIFY_APP_URL: "http://localhost:3999", DATABASE_URL: db.url });
  // Imported after the environment is set: shopify.server and db.server read it once.
  const route = async (name: string) => ((await import(`../../app/routes/${name}.tsx`)) as { action: RouteAction }).action;
  app = await startAppServer({ "/webhooks/orders": await route("webhooks.orders"), "/webhooks/refunds": await route("webhooks.refunds") });
  await createProgram(db.prisma, SHOP);
  await putCustomer(db.prisma, SHOP, REFERRER, "anna@example.com");
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const deliver = (path: string, topic: string, payload: unknown, eventId: string = randomUUID()) =>
  postSignedWebhook(`${app.url}${path}`, { shop: SHOP, topic, payload, eventId });

const referralOf = async (orderGid: string) => db.prisma.referral.findUnique({ where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid } } });
const orderPoints = async (orderGid: string) =>
  (await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: SHOP, orderGid }, _sum: { points: true } }))._sum.points ?? 0;

/** The fixture as a friend's paid order ($388 of goods) using `code`, placed an hour ago; each friend has their own email (one first order per friend). */
function friendOrder(id: number, code: string, customerId = FRIEND_ID, extra: Record<string, unknown> = {}) {
  const at = new Date(placedAt.getTime() + id % 1000).toISOString();
  return {
    ...fixture, id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#R${id}`, test: false, financial_status: "paid",
    cancelled_at: null, cancel_reason: null, refunds: [], email: `friend-${customerId}@example.com`,
    created_at: at, processed_at: at, updated_at: at,
    discount_codes: [{ code, amount: "10.00", type: "percentage" }],
    customer: { ...fixture.customer, id: customerId, admin_graphql_api_id: `gid://shopify/Customer/${customerId}`, email: `friend-${customerId}@example.com` },
    ...extra,
  };
}

async function friendCode(visitor: string): Promise<string> {
  const fake = fakePorts(); // the landing's discount code is created in Shopify by a fake: this test is about webhooks
  const deps = { db: db.prisma, now: () => new Date(placedAt.getTime() - DAY), ports: fake.ports };
  const { code } = await getOrCreateReferralCode(SHOP, REFERRER, deps);
  const click = await recordReferralClick(SHOP, code, visitor, deps);
  if (click.outcome !== "ok") throw new Error(`click: ${click.outcome}`);
  return click.friendDiscountCode;
}

describe("orders webhook route: points and referrals", () => {
  it("GIVEN a friend's paid order with their referral code WHEN delivered (twice) THEN points are earned once and the referral is attributed once", async () => {
    const code = await friendCode("visitor-1");
    const order = friendOrder(8_100_001, code);
    const eventId = randomUUID();
    expect((await deliver("/webhooks/orders", "orders/paid", order, eventId)).status).toBe(200);
    expect((await deliver("/webhooks/orders", "orders/paid", order, eventId)).status).toBe(200); // Shopify's duplicate

    expect(await orderPoints(order.admin_graphql_api_id)).toBe(388 + 100); // 1 point per dollar of goods + first-order bonus
    const referral = await referralOf(order.admin_graphql_api_id);
    expect(referral).toMatchObject({ status: "ordered", friendCustomerGid: FRIEND, referrerCustomerGid: REFERRER, orderValueMinor: 38_800n });
    expect(await db.prisma.referral.count({ where: { shopDomain: SHOP, status: "ordered" } })).toBe(1);

    // Past the return window, the settlement job pays the referrer through the real ledger, once.
    const later = new Date(referral!.payableAt!.getTime() + 1000);
    expect(await runReferralJobsForShop(SHOP, later, { db: db.prisma })).toMatchObject({ rewarded: 1, failures: [] });
    expect(await runReferralJobsForShop(SHOP, later, { db: db.prisma })).toMatchObject({ rewarded: 0, retried: 0, failures: [] });
    expect(await getBalance(SHOP, REFERRER, { db: db.prisma, now: () => later })).toMatchObject({ available: 500 });
    expect(await referralOf(order.admin_graphql_api_id)).toMatchObject({ status: "rewarded", pointsEntryId: expect.any(String) });
  });

  it("GIVEN an attributed referral WHEN the refund webhook arrives before payout THEN the referral is voided and the order's points taken back pro rata", async () => {
    const code = await friendCode("visitor-2");
    const order = friendOrder(8_100_002, code, 902);
    expect((await deliver("/webhooks/orders", "orders/paid", order)).status).toBe(200);
    expect(await referralOf(order.admin_graphql_api_id)).toMatchObject({ status: "ordered" });

    const refund = { ...fixture.refunds[0], order_id: order.id, created_at: new Date(placedAt.getTime() + 60_000).toISOString() }; // $199 of goods + $5 shipping
    expect((await deliver("/webhooks/refunds", "refunds/create", refund)).status).toBe(200);
    expect(await referralOf(order.admin_graphql_api_id)).toMatchObject({ status: "voided", voidReason: "order_refunded" });
    // $204 of $398 refunded: floor(388 x 194 / 398) = 189 points kept, + the first-order bonus.
    expect(await orderPoints(order.admin_graphql_api_id)).toBe(189 + 100);
  });

  it("GIVEN referrals fail once WHEN the order is delivered THEN the route answers 500, and Shopify's redelivery attributes it with the points earned once", async () => {
    const code = await friendCode("visitor-3");
    const order = friendOrder(8_100_003, code, 903);
    vi.mocked(referrals.applyReferralWebhook).mockRejectedValueOnce(new Error("connection reset"));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const eventId = randomUUID();

    expect((await deliver("/webhooks/orders", "orders/paid", order, eventId)).status).toBe(500);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining("referrals not applied")]);
    expect(await db.prisma.order.count({ where: { shopDomain: SHOP, orderGid: order.admin_graphql_api_id } })).toBe(1); // the sync write is kept
    expect(await referralOf(order.admin_graphql_api_id)).toBeNull();

    expect((await deliver("/webhooks/orders", "orders/paid", order, eventId)).status).toBe(200); // the retry, same event id
    expect(await referralOf(order.admin_graphql_api_id)).toMatchObject({ status: "ordered" });
    expect(await orderPoints(order.admin_graphql_api_id)).toBe(388 + 100);
    expect(await db.prisma.webhookDelivery.count({ where: { shopDomain: SHOP, eventId } })).toBe(1);
  });

  it("answers 401 to a delivery whose signature does not match, and changes nothing", async () => {
    const code = await friendCode("visitor-4");
    const order = friendOrder(8_100_004, code, 904);
    const response = await postSignedWebhook(`${app.url}/webhooks/orders`, { shop: SHOP, topic: "orders/paid", payload: order, secret: "not-the-secret" });
    expect(response.status).toBe(401);
    expect(await referralOf(order.admin_graphql_api_id)).toBeNull();
    expect(await orderPoints(order.admin_graphql_api_id)).toBe(0);
  });
});
