/**
 * Referrals end to end against the local dev store, with the real ports: the
 * friend's discount is created through the Admin API adapter
 * (discountCodeBasicCreate, found again by codeDiscountNodeByCode), the friend
 * redeems it at the dev store's checkout, the order reaches the database
 * through the app's webhook service, and the referrer's points go through the
 * real points ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { applyStoreEvents, startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { manualClock } from "./helpers";
import { gid } from "../../dev-store/model";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { upsertProgram } from "~/db/loyalty-program.server";
import { DAY_MS } from "~/domain/referrals";
import { getBalance } from "~/services/points.server";
import {
  getOrCreateReferralCode,
  getReferralFunnel,
  onOrderForReferrals,
  recordReferralClick,
  recordReferredSignup,
  referralPorts,
  settleReferralPayouts,
  type ReferralPortDeps,
} from "~/services/referrals.server";
import { AdminClient } from "~/shopify/admin-client.server";

const STORE_NOW = "2026-11-20T12:00:00Z";
let db: TestDatabase;
let dev: TestDevStore;
let dialect: SqlDialect;
const clock = manualClock(STORE_NOW);
let deps: ReferralPortDeps;

const withWebhooks = (act: () => void) => applyStoreEvents(dev, { db: db.prisma, dialect }, act);

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  dev = await startTestDevStore({ seed: 44, orders: 120, storeClock: () => clock.now(), bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
  const admin = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
  deps = { db: db.prisma, now: clock.now, ports: referralPorts(admin, { db: db.prisma, now: clock.now }) };
  await upsertProgram(db.prisma, dev.shop); // the points ledger pays only with a loyalty programme on
});

afterAll(async () => {
  await dev?.close();
  await db?.cleanup();
});

describe("referrals against the dev store", () => {
  it("GIVEN a member's link WHEN a new shopper clicks, redeems the code and the window passes THEN the referrer earns points once; a refunded friend earns nothing", async () => {
    // GIVEN a member (created through the store, synced by customers/create).
    let referrerId = "";
    await withWebhooks(() => { referrerId = dev.store.createCustomer({ email: "anna.referrer@example.com", firstName: "Anna" }).id; });
    const referrerGid = gid("Customer", referrerId);
    const link = await getOrCreateReferralCode(dev.shop, referrerGid, deps);

    // WHEN a new shopper follows it: a real single-use code for anyone, 10% off, ending with the attribution window.
    const click = await recordReferralClick(dev.shop, link.code, "cookie-e2e-1", deps);
    if (click.outcome !== "ok") throw new Error(click.outcome);
    const discount = dev.store.discountCodeByCode(click.friendDiscountCode)!;
    expect(discount).toMatchObject({
      code: click.friendDiscountCode, kind: "basic", value: { percentage: 0.1 }, customerIds: "all", usageLimit: 1, appliesOncePerCustomer: true,
      endsAt: new Date(Date.parse(STORE_NOW) + 30 * DAY_MS).toISOString(),
    });
    // A second visit finds the code in Shopify instead of creating another.
    await recordReferralClick(dev.shop, link.code, "cookie-e2e-1", deps);
    expect(dev.store.discountCodes().filter((d) => d.code.startsWith("FRIEND-"))).toHaveLength(1);

    // The friend signs up and redeems the code at checkout; the order arrives by webhook.
    let friendId = "";
    await withWebhooks(() => { friendId = dev.store.createCustomer({ email: "bob.friend@example.com" }).id; });
    expect(await recordReferredSignup(dev.shop, link.code, gid("Customer", friendId), deps, { visitorToken: "cookie-e2e-1" })).toMatchObject({ outcome: "signed_up", referralId: click.referralId });
    let orderId = "";
    await withWebhooks(() => { orderId = dev.store.redeemDiscountCode(click.friendDiscountCode, { customerId: friendId }).id; });
    expect(await onOrderForReferrals(dev.shop, gid("Order", orderId), deps)).toMatchObject({ outcome: "attributed", referralId: click.referralId });

    // A second friend whose order is refunded inside the window.
    const click2 = await recordReferralClick(dev.shop, link.code, "cookie-e2e-2", deps);
    if (click2.outcome !== "ok") throw new Error(click2.outcome);
    let friend2 = "";
    let order2 = "";
    await withWebhooks(() => {
      friend2 = dev.store.createCustomer({ email: "carla.friend@example.com" }).id;
      order2 = dev.store.redeemDiscountCode(click2.friendDiscountCode, { customerId: friend2 }).id;
    });
    expect(await onOrderForReferrals(dev.shop, gid("Order", order2), deps)).toMatchObject({ outcome: "attributed" });
    clock.advanceDays(5);
    await withWebhooks(() => { dev.store.refundOrder(order2, "all", "changed my mind"); });
    expect(await onOrderForReferrals(dev.shop, gid("Order", order2), deps)).toMatchObject({ outcome: "voided", reason: "order_refunded" });

    // THEN nothing before the window, 500 points after it, and nothing more on a second run.
    clock.advanceDays(20);
    expect(await settleReferralPayouts(dev.shop, clock.now(), deps)).toMatchObject({ rewarded: 0, failures: [] });
    clock.advanceDays(6);
    expect(await settleReferralPayouts(dev.shop, clock.now(), deps)).toEqual({ rewarded: 1, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] });
    expect(await settleReferralPayouts(dev.shop, clock.now(), deps)).toEqual({ rewarded: 0, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] });
    expect(await getBalance(dev.shop, referrerGid, { db: db.prisma, now: clock.now })).toMatchObject({ available: 500, lifetimeEarned: 500 });
    const entries = await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: dev.shop, customerGid: referrerGid } });
    expect(entries.map((e) => ({ kind: e.kind, points: e.points, key: e.idempotencyKey }))).toEqual([{ kind: "referral", points: 500, key: `referral:${click.referralId}` }]);

    const to = new Date(clock.now().getTime() + 1); // `to` is exclusive
    const funnel = await getReferralFunnel(dev.shop, { from: new Date(STORE_NOW), to }, deps);
    expect(funnel).toMatchObject({ codesIssued: 1, clicks: 2, signUps: 1, firstOrders: 2, rewarded: 1, voided: 1, rewardPoints: 500 });
  });
});
