/**
 * A referred friend's sign-up from the customers/* webhooks, with the dev
 * store's real payloads through the production path (the sync layer, then
 * applyLoyaltyProgrammeWebhook): the referral travels on the account's note
 * (`evergreen_ref: CODE`, the sign-up form's hidden field) or on the first
 * order's friend discount code; duplicates and either order of customer and
 * order webhooks record one sign-up.
 */
import { beforeEach, afterEach, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { applyLoyaltyProgrammeWebhook } from "~/services/loyalty-webhooks.server";
import { getOrCreateReferralCode, getReferralFunnel, recordReferralClick, type ReferralPortDeps } from "~/services/referrals.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { generateShop } from "../../dev-store/generator";
import { gid, type DevCustomer } from "../../dev-store/model";
import { DevStore, type StoreEvent } from "../../dev-store/store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { fakePorts, fakeSignals, type FakePorts } from "./helpers";

const START = Date.parse("2026-11-10T12:00:00Z");
let db: TestDatabase;
let store: DevStore;
let shop: string;
let at: number;
let fake: FakePorts;
let deps: ReferralPortDeps;
let delivery = 0;

beforeEach(async () => {
  db = await createTestDatabase();
  at = START;
  store = new DevStore(generateShop({ seed: 83, orders: 60 }), { clock: () => new Date((at += 60_000)) });
  shop = store.shop.domain;
  fake = fakePorts();
  // The fake's codes also exist in the store, so a friend can redeem them at its checkout.
  const ports = {
    ...fake.ports,
    ensureDiscountCode: async (spec: Parameters<typeof fake.ports.ensureDiscountCode>[0]) => {
      const result = await fake.ports.ensureDiscountCode(spec);
      if (result.created) {
        store.createDiscountCode({
          code: spec.code, title: spec.title, kind: "basic", value: { percentage: (spec.percentage ?? 10) / 100 },
          customerIds: spec.customerGid ? [spec.customerGid.split("/").pop()!] : "all", usageLimit: 1, appliesOncePerCustomer: true,
          minimumSubtotal: null, startsAt: new Date(START - 1000).toISOString(), endsAt: null,
        });
      }
      return result;
    },
  };
  deps = { db: db.prisma, now: () => new Date(at), ports, signals: fakeSignals({}, {}) };
});
afterEach(() => db?.cleanup());

const emitted = (act: () => void): StoreEvent[] => store.capture(act).events;

/** One webhook delivery as the route runs it; `webhookId` repeated: Shopify's redelivery of the same event. */
async function deliver(e: StoreEvent, webhookId = `w${++delivery}`) {
  await applyShopWebhook({ shopDomain: shop, topic: e.topic, webhookId, eventId: webhookId, triggeredAt: e.occurredAt, payload: e.payload }, { db: db.prisma, dialect: dialectOf(db.url), now: deps.now });
  const after = await applyLoyaltyProgrammeWebhook(shop, e.topic, e.payload, { db: db.prisma, now: deps.now, ports: deps.ports, signals: deps.signals });
  expect(after.failed).toBe(false);
  return after.referrals;
}

async function referrer() {
  let anna: DevCustomer | undefined;
  for (const e of emitted(() => { anna = store.createCustomer({ email: "anna@example.com", firstName: "Anna", state: "ENABLED" }); })) await deliver(e);
  const customerGid = gid("Customer", anna!.id);
  return { customerGid, link: await getOrCreateReferralCode(shop, customerGid, deps) };
}

async function click(code: string, visitor: string) {
  const result = await recordReferralClick(shop, code, visitor, deps);
  if (result.outcome !== "ok") throw new Error(result.outcome);
  return result;
}

const referral = (id: string) => db.prisma.referral.findUniqueOrThrow({ where: { id } });
const funnel = () => getReferralFunnel(shop, { from: new Date(START - 1), to: new Date(at + 86_400_000) }, deps);

describe("sign-ups from customers/create", () => {
  it("GIVEN a click WHEN the friend signs up with the friend code in the note THEN the referral is signed up once, whatever is redelivered; the order then attributes it", async () => {
    const { link } = await referrer();
    const landing = await click(link.code, "visitor-1");
    let friend: DevCustomer | undefined;
    const [created] = emitted(() => { friend = store.createCustomer({ email: "ben@example.com", state: "ENABLED", note: `Birthday: 1990-04-01\nevergreen_ref: ${landing.friendDiscountCode.toLowerCase()}` }); });
    expect(created.topic).toBe("customers/create");

    expect(await deliver(created, "signup-1")).toBe("signed_up");
    const friendGid = gid("Customer", friend!.id);
    expect(await referral(landing.referralId)).toMatchObject({ status: "signed_up", friendCustomerGid: friendGid, signedUpAt: new Date(friend!.createdAt) });
    expect(await deliver(created, "signup-1")).toBe("unchanged"); // Shopify's redelivery
    expect(await deliver(created)).toBe("unchanged"); // a duplicate event
    expect(await funnel()).toMatchObject({ clicks: 1, signUps: 1, firstOrders: 0 });

    for (const e of emitted(() => store.redeemDiscountCode(landing.friendDiscountCode, { customerId: friend!.id }))) await deliver(e);
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: new Date(friend!.createdAt) });
    expect(await funnel()).toMatchObject({ signUps: 1, firstOrders: 1 });
  });

  it("GIVEN the referrer's own second account (same mailbox) WHEN it signs up with the code THEN the sign-up is rejected as a self-referral", async () => {
    const { link } = await referrer();
    const landing = await click(link.code, "visitor-2");
    const events = emitted(() => store.createCustomer({ email: "Anna+deals@example.com", state: "ENABLED", note: `evergreen_ref: ${landing.friendDiscountCode}` }));
    expect(await deliver(events[0])).toBe("rejected");
    expect(await referral(landing.referralId)).toMatchObject({ status: "rejected", rejectionReasons: JSON.stringify(["self_referral_email"]) });
  });

  it("GIVEN a member's referral code in the note THEN a referral is started for the new account with a discount code only they can use", async () => {
    const { customerGid, link } = await referrer();
    let friend: DevCustomer | undefined;
    const events = emitted(() => { friend = store.createCustomer({ email: "cleo@example.com", state: "ENABLED", note: `evergreen_ref: ${link.code}` }); });
    expect(await deliver(events[0])).toBe("signed_up");
    expect(await deliver(events[0])).toBe("unchanged");
    const rows = await db.prisma.referral.findMany({ where: { shopDomain: shop, referrerCustomerGid: customerGid } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "signed_up", friendCustomerGid: gid("Customer", friend!.id), clickedAt: null });
    expect(fake.discounts.get(rows[0].friendDiscountCode)).toMatchObject({ customerGid: gid("Customer", friend!.id) });
  });

  it("GIVEN no account (a checkout's customer record) or no referral THEN nothing is recorded", async () => {
    const { link } = await referrer();
    const landing = await click(link.code, "visitor-3");
    const guest = emitted(() => store.createCustomer({ email: "guest@example.com", state: "DISABLED", note: `evergreen_ref: ${landing.friendDiscountCode}` }));
    expect(await deliver(guest[0])).toBe("ignored");
    const stranger = emitted(() => store.createCustomer({ email: "stranger@example.com", state: "ENABLED", note: "evergreen_ref: not-a-code" }));
    expect(await deliver(stranger[0])).toBe("ignored");
    expect(await referral(landing.referralId)).toMatchObject({ status: "clicked", friendCustomerGid: null, signedUpAt: null });
  });
});

describe("sign-ups carried by the first order's friend code", () => {
  /** The friend makes an account at checkout and orders with the code: customers/create and the order's webhooks. */
  async function accountAtCheckout(state: "ENABLED" | "DISABLED") {
    const { link } = await referrer();
    const landing = await click(link.code, `visitor-${state}`);
    let friend: DevCustomer | undefined;
    const events = emitted(() => {
      friend = store.createCustomer({ email: `dan.${state.toLowerCase()}@example.com`, state });
      store.redeemDiscountCode(landing.friendDiscountCode, { customerId: friend.id });
    });
    return { landing, friend: friend!, customerEvent: events.find((e) => e.topic === "customers/create")!, orderEvents: events.filter((e) => e.topic.startsWith("orders/")) };
  }

  it("GIVEN customers/create before the order THEN the order's attribution records the sign-up", async () => {
    const { landing, friend, customerEvent, orderEvents } = await accountAtCheckout("ENABLED");
    expect(await deliver(customerEvent)).toBe("ignored"); // no note: nothing ties it to the click yet
    for (const e of orderEvents) await deliver(e);
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: new Date(friend.createdAt) });
    expect(await funnel()).toMatchObject({ signUps: 1, firstOrders: 1 });
  });

  it("GIVEN the order's webhooks before customers/create THEN customers/create records the sign-up, once", async () => {
    const { landing, friend, customerEvent, orderEvents } = await accountAtCheckout("ENABLED");
    for (const e of orderEvents) await deliver(e);
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: null });
    expect(await deliver(customerEvent)).toBe("sign_up_recorded");
    expect(await deliver(customerEvent)).toBe("unchanged");
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: new Date(friend.createdAt) });
    expect(await funnel()).toMatchObject({ signUps: 1, firstOrders: 1 });
  });

  it("GIVEN a guest checkout THEN there is no sign-up until the customer activates an account (customers/update)", async () => {
    const { landing, friend, customerEvent, orderEvents } = await accountAtCheckout("DISABLED");
    for (const e of [customerEvent, ...orderEvents]) expect(await deliver(e)).not.toBe("sign_up_recorded");
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: null });
    at += 3 * 86_400_000;
    const [activated] = emitted(() => store.updateCustomer(friend.id, { state: "ENABLED" }));
    expect(activated.topic).toBe("customers/update");
    expect(await deliver(activated)).toBe("sign_up_recorded");
    expect((await referral(landing.referralId)).signedUpAt!.getTime()).toBe(Date.parse(store.customer(friend.id)!.updatedAt));
  });

  it("GIVEN a customer who existed before the click THEN their order records no sign-up", async () => {
    const { link } = await referrer();
    let old: DevCustomer | undefined;
    for (const e of emitted(() => { old = store.createCustomer({ email: "old@example.com", state: "ENABLED" }); })) await deliver(e);
    at += 86_400_000;
    const landing = await click(link.code, "visitor-old");
    for (const e of emitted(() => store.redeemDiscountCode(landing.friendDiscountCode, { customerId: old!.id }))) await deliver(e);
    expect(await referral(landing.referralId)).toMatchObject({ status: "ordered", signedUpAt: null });
  });
});
