/**
 * The referral service on a real database (SQLite here, PostgreSQL under
 * `npm run test:postgres`), with in-memory points ledger and discount ports.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { fakePorts, fakeSignals, manualClock, putCustomer, putOrder, putRefund, type FakePorts } from "./helpers";
import { DAY_MS } from "~/domain/referrals";
import {
  MAX_NEW_REFERRALS_PER_CODE_PER_DAY,
  getOrCreateReferralCode,
  getReferralFunnel,
  listReferralsForCustomer,
  onOrderForReferrals,
  recordReferralClick,
  recordReferralShare,
  recordReferredSignup,
  settleReferralPayouts,
  updateReferralSettings,
  InvalidReferralSettingsError,
  applyReferralWebhook,
  referralPorts,
  type AbuseSignalsPort,
  type ReferralPortDeps,
} from "~/services/referrals.server";

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(() => db?.cleanup());

const START = "2026-06-01T10:00:00Z";
const REFERRER = "gid://shopify/Customer/100";
const FRIEND = "gid://shopify/Customer/200";
let shopSeq = 0;

/** A fresh shop with a referrer (anna@example.com) and a friend customer (bob@example.com). */
async function world(options: { signals?: AbuseSignalsPort } = {}) {
  const shop = `referrals-${++shopSeq}.myshopify.com`;
  const clock = manualClock(START);
  const fake = fakePorts();
  const deps: ReferralPortDeps = { db: db.prisma, now: clock.now, ports: fake.ports, ...(options.signals ? { signals: options.signals } : {}) };
  await putCustomer(db.prisma, shop, REFERRER, "anna@example.com");
  await putCustomer(db.prisma, shop, FRIEND, "bob@example.com");
  const link = await getOrCreateReferralCode(shop, REFERRER, deps);
  return { shop, clock, fake, deps, link };
}

const referralsOf = (shop: string) => db.prisma.referral.findMany({ where: { shopDomain: shop }, orderBy: { createdAt: "asc" } });

async function clickAndOrder(w: Awaited<ReturnType<typeof world>>, order: { n: number; customerGid?: string | null; email?: string | null; financialStatus?: string; subtotalMinor?: bigint }) {
  const click = await recordReferralClick(w.shop, w.link.code, `visitor-${order.n}`, w.deps);
  if (click.outcome !== "ok") throw new Error(`click: ${click.outcome}`);
  const orderGid = `gid://shopify/Order/${order.n}`;
  await putOrder(db.prisma, w.shop, {
    orderGid, customerGid: order.customerGid === undefined ? FRIEND : order.customerGid, email: order.email === undefined ? "bob@example.com" : order.email,
    financialStatus: order.financialStatus, subtotalMinor: order.subtotalMinor, discountCodes: [click.friendDiscountCode.toLowerCase()], processedAt: w.clock.now(),
  });
  return { orderGid, click };
}

describe("referral codes and links", () => {
  it("GIVEN a member WHEN asked twice THEN one random code and an app-proxy link", async () => {
    const w = await world();
    expect(w.link.code).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    expect(w.link.url).toBe(`https://${w.shop}/apps/evergreen/r/${w.link.code}`);
    expect(await getOrCreateReferralCode(w.shop, REFERRER, w.deps)).toEqual(w.link);
    expect(await db.prisma.referralCode.count({ where: { shopDomain: w.shop } })).toBe(1);
  });

  it("GIVEN concurrent first calls for one customer THEN they all get the same code", async () => {
    const w = await world();
    const results = await Promise.all(Array.from({ length: 6 }, () => getOrCreateReferralCode(w.shop, "gid://shopify/Customer/7", w.deps)));
    expect(new Set(results.map((r) => r.code)).size).toBe(1);
    expect(await db.prisma.referralCode.count({ where: { shopDomain: w.shop, customerGid: "gid://shopify/Customer/7" } })).toBe(1);
  });

  it("GIVEN a random source that repeats itself WHEN a second customer gets a code THEN the collision is retried", async () => {
    const w = await world();
    let call = 0;
    const repeating = (n: number) => new Uint8Array(n).fill(call++ < 2 ? 5 : 9); // first two draws identical
    const a = await getOrCreateReferralCode(w.shop, "gid://shopify/Customer/1", { ...w.deps, random: repeating });
    const b = await getOrCreateReferralCode(w.shop, "gid://shopify/Customer/2", { ...w.deps, random: repeating });
    expect(a.code).toBe("77777777");
    expect(b.code).toBe("BBBBBBBB");
  });
});

describe("clicks and sign-ups", () => {
  it("GIVEN a visitor WHEN they click twice a day and again the next day THEN two clicks count, one referral and one discount", async () => {
    const w = await world();
    const first = await recordReferralClick(w.shop, w.link.code.toLowerCase(), "cookie-1", w.deps);
    const again = await recordReferralClick(w.shop, w.link.code, "cookie-1", w.deps);
    w.clock.advanceDays(1);
    const nextDay = await recordReferralClick(w.shop, w.link.code, "cookie-1", w.deps);
    expect(first).toMatchObject({ outcome: "ok", counted: true, status: "clicked" });
    expect(again).toMatchObject({ outcome: "ok", counted: false });
    expect(nextDay).toMatchObject({ outcome: "ok", counted: true });
    if (first.outcome !== "ok" || again.outcome !== "ok") throw new Error("unreachable");
    expect(again.friendDiscountCode).toBe(first.friendDiscountCode);
    expect(first.friendDiscountCode).toMatch(/^FRIEND-[2-9A-HJKMNP-Z]{10}$/);
    expect(await db.prisma.referralClick.count({ where: { shopDomain: w.shop } })).toBe(2);
    expect(await db.prisma.referral.count({ where: { shopDomain: w.shop } })).toBe(1);
    // The discount: created once, single friend, 10% by default, ending with the attribution window, open to a new shopper.
    expect(w.fake.discounts.size).toBe(1);
    expect(w.fake.discounts.get(first.friendDiscountCode)).toMatchObject({
      code: first.friendDiscountCode, kind: "percentage", percentage: 10, endsAt: new Date(Date.parse(START) + 30 * DAY_MS),
    });
    expect(w.fake.discounts.get(first.friendDiscountCode)!.customerGid).toBeUndefined();
    // No personal data: the token is only stored hashed.
    const rows = await db.prisma.referralClick.findMany({ where: { shopDomain: w.shop } });
    expect(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("cookie-1");
  });

  it("GIVEN junk, the owner or a switched-off programme THEN nothing is minted", async () => {
    const w = await world();
    expect(await recordReferralClick(w.shop, "NOPE", "v", w.deps)).toEqual({ outcome: "unknown_code" });
    expect(await recordReferralClick(w.shop, "22222222", "v", w.deps)).toEqual({ outcome: "unknown_code" });
    expect(await recordReferralClick(w.shop, w.link.code, "v", w.deps, { loggedInCustomerGid: REFERRER })).toEqual({ outcome: "own_link", counted: false });
    await updateReferralSettings(w.shop, { enabled: false }, w.deps);
    expect(await recordReferralClick(w.shop, w.link.code, "v", w.deps)).toEqual({ outcome: "disabled" });
    expect(await referralsOf(w.shop)).toEqual([]);
    expect(w.fake.calls.discount).toBe(0);
  });

  it("GIVEN a flood of new visitors on one code in a day THEN clicks count but new referrals stop at the daily limit", async () => {
    const w = await world();
    for (let i = 0; i < MAX_NEW_REFERRALS_PER_CODE_PER_DAY; i++) {
      expect((await recordReferralClick(w.shop, w.link.code, `bot-${i}`, w.deps)).outcome).toBe("ok");
    }
    expect(await recordReferralClick(w.shop, w.link.code, "bot-x", w.deps)).toEqual({ outcome: "throttled", counted: true });
    expect(await db.prisma.referral.count({ where: { shopDomain: w.shop } })).toBe(MAX_NEW_REFERRALS_PER_CODE_PER_DAY);
  });

  it("GIVEN the discount API fails on the click THEN the click is kept and the next visit completes the discount", async () => {
    const w = await world();
    w.fake.failNext.discount = 1;
    await expect(recordReferralClick(w.shop, w.link.code, "v1", w.deps)).rejects.toThrow("Admin API unavailable");
    const retry = await recordReferralClick(w.shop, w.link.code, "v1", w.deps);
    expect(retry).toMatchObject({ outcome: "ok", counted: false });
    const [referral] = await referralsOf(w.shop);
    expect(referral.friendDiscountGid).toBe("gid://shopify/DiscountCodeNode/1");
  });

  it("GIVEN a visitor WHEN they sign up THEN their referral moves to signed_up; the referrer's own email is refused; the first referral wins", async () => {
    const w = await world();
    const click = await recordReferralClick(w.shop, w.link.code, "cookie-9", w.deps);
    const signup = await recordReferredSignup(w.shop, w.link.code, FRIEND, w.deps, { visitorToken: "cookie-9" });
    expect(click.outcome === "ok" && signup).toEqual({ outcome: "signed_up", referralId: click.outcome === "ok" ? click.referralId : "", friendDiscountCode: click.outcome === "ok" ? click.friendDiscountCode : "" });

    // A second referrer's link for the same friend: the first referral stands.
    await putCustomer(db.prisma, w.shop, "gid://shopify/Customer/101", "carl@example.com");
    const other = await getOrCreateReferralCode(w.shop, "gid://shopify/Customer/101", w.deps);
    const second = await recordReferredSignup(w.shop, other.code, FRIEND, w.deps);
    expect(second).toMatchObject({ outcome: "already_referred", referralId: signup.outcome === "signed_up" ? signup.referralId : "" });

    // The referrer signing up under another account with the same Gmail mailbox.
    await putCustomer(db.prisma, w.shop, REFERRER, "anna.smith@gmail.com");
    await putCustomer(db.prisma, w.shop, "gid://shopify/Customer/300", "AnnaSmith+alt@googlemail.com");
    const self = await recordReferredSignup(w.shop, w.link.code, "gid://shopify/Customer/300", w.deps);
    expect(self).toMatchObject({ outcome: "rejected", reasons: ["self_referral_email"] });
    expect(await recordReferredSignup(w.shop, w.link.code, REFERRER, w.deps)).toMatchObject({ outcome: "rejected", reasons: ["self_referral_customer", "self_referral_email"] });
    expect(w.fake.discounts.size).toBe(1); // rejected sign-ups get no discount
  });
});

describe("orders", () => {
  it("GIVEN a friend's paid first order using their code THEN it is attributed, payable after the return window, and redeliveries change nothing", async () => {
    const w = await world();
    const { orderGid, click } = await clickAndOrder(w, { n: 1 });
    const first = await onOrderForReferrals(w.shop, orderGid, w.deps);
    expect(first).toEqual({ outcome: "attributed", referralId: click.referralId, payableAt: new Date(Date.parse(START) + 30 * DAY_MS) });
    expect(await onOrderForReferrals(w.shop, orderGid, w.deps)).toEqual({ outcome: "unchanged", referralId: click.referralId, status: "ordered" });
    const [r] = await referralsOf(w.shop);
    expect(r).toMatchObject({ status: "ordered", orderGid, friendCustomerGid: FRIEND, orderValueMinor: 5000n, currencyCode: "EUR", rewardPoints: 500, settingsVersion: 1 });
    expect(r.friendEmailHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("GIVEN an order not yet paid THEN it waits; once paid it is attributed", async () => {
    const w = await world();
    const { orderGid, click } = await clickAndOrder(w, { n: 2, financialStatus: "PENDING" });
    expect(await onOrderForReferrals(w.shop, orderGid, w.deps)).toEqual({ outcome: "waiting_for_payment", referralId: click.referralId });
    w.clock.advanceDays(2);
    await db.prisma.order.update({ where: { shopDomain_orderGid: { shopDomain: w.shop, orderGid } }, data: { financialStatus: "PAID" } });
    expect(await onOrderForReferrals(w.shop, orderGid, w.deps)).toMatchObject({ outcome: "attributed", payableAt: new Date(Date.parse(START) + 32 * DAY_MS) });
  });

  it("GIVEN a signed-up friend who orders without the code (another browser) THEN the order still attributes", async () => {
    const w = await world();
    const signup = await recordReferredSignup(w.shop, w.link.code, FRIEND, w.deps);
    await putOrder(db.prisma, w.shop, { orderGid: "gid://shopify/Order/3", customerGid: FRIEND, email: "bob@example.com", processedAt: w.clock.now() });
    expect(await onOrderForReferrals(w.shop, "gid://shopify/Order/3", w.deps)).toMatchObject({ outcome: "attributed", referralId: signup.outcome === "signed_up" ? signup.referralId : "" });
    expect(w.fake.discounts.get(signup.outcome === "signed_up" ? signup.friendDiscountCode : "")?.customerGid).toBe(FRIEND);
  });

  it.each([
    ["an existing customer (not the first paid order)", { n: 4 }, async (shop: string) => putOrder(db.prisma, shop, { orderGid: "gid://shopify/Order/40", customerGid: FRIEND, email: "bob@example.com", processedAt: new Date("2026-03-01T00:00:00Z") }), ["not_first_order"]],
    ["a guest order with the referrer's email", { n: 5, customerGid: null, email: "ANNA+x@example.com" }, async () => {}, ["self_referral_email"]],
    ["the referrer ordering with the code", { n: 6, customerGid: REFERRER, email: "anna@example.com" }, async () => {}, ["self_referral_customer", "self_referral_email"]],
    ["an order below the minimum", { n: 7, subtotalMinor: 999n }, async (shop: string) => { await updateReferralSettings(shop, { minimumOrderMinor: 1000n }, { db: db.prisma }); }, ["below_minimum_order"]],
  ] as const)("GIVEN %s THEN the referral is rejected with its reasons", async (_name, order, arrange, reasons) => {
    const w = await world();
    await arrange(w.shop);
    const { orderGid } = await clickAndOrder(w, order);
    expect(await onOrderForReferrals(w.shop, orderGid, w.deps)).toMatchObject({ outcome: "rejected", reasons });
    const [r] = await referralsOf(w.shop);
    expect(r.status).toBe("rejected");
    expect(JSON.parse(r.rejectionReasons!)).toEqual(reasons);
    w.clock.advanceDays(60);
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 0 });
    expect(w.fake.ledger.size).toBe(0);
  });

  it("GIVEN the same shipping address or card (from the signals port) THEN it is a self-referral", async () => {
    const address = { address1: "12 Baker Street", zip: "NW1 6XE", countryCode: "GB" };
    const signals = fakeSignals(
      { "gid://shopify/Order/8": { addresses: [{ address1: "12 baker st", zip: "nw16xe", countryCode: "GB" }], paymentFingerprints: ["card:1:2"] } },
      { [REFERRER]: { addresses: [address], paymentFingerprints: ["card:1:2"] } },
    );
    const w = await world({ signals });
    const { orderGid } = await clickAndOrder(w, { n: 8 });
    expect(await onOrderForReferrals(w.shop, orderGid, w.deps)).toMatchObject({ outcome: "rejected", reasons: ["self_referral_address", "self_referral_payment"] });
  });

  it("GIVEN two referrers' codes used by one friend THEN only the first order's referral counts", async () => {
    const w = await world();
    await putCustomer(db.prisma, w.shop, "gid://shopify/Customer/101", "carl@example.com");
    const other = await getOrCreateReferralCode(w.shop, "gid://shopify/Customer/101", w.deps);
    const a = await clickAndOrder(w, { n: 9 });
    const b = await recordReferralClick(w.shop, other.code, "visitor-b", w.deps);
    if (b.outcome !== "ok") throw new Error(b.outcome);
    w.clock.advanceDays(1);
    await putOrder(db.prisma, w.shop, { orderGid: "gid://shopify/Order/10", customerGid: FRIEND, email: "bob@example.com", discountCodes: [b.friendDiscountCode], processedAt: w.clock.now() });
    expect(await onOrderForReferrals(w.shop, a.orderGid, w.deps)).toMatchObject({ outcome: "attributed" });
    expect(await onOrderForReferrals(w.shop, "gid://shopify/Order/10", w.deps)).toMatchObject({ outcome: "rejected", reasons: ["not_first_order", "already_referred"] });
  });

  it("GIVEN an order that carries no referral THEN it is ignored", async () => {
    const w = await world();
    await putOrder(db.prisma, w.shop, { orderGid: "gid://shopify/Order/11", customerGid: FRIEND, processedAt: w.clock.now(), discountCodes: ["SUMMER10"] });
    expect(await onOrderForReferrals(w.shop, "gid://shopify/Order/11", w.deps)).toEqual({ outcome: "ignored" });
    expect(await onOrderForReferrals(w.shop, "gid://shopify/Order/404", w.deps)).toEqual({ outcome: "ignored" });
  });
});

describe("payouts", () => {
  it("GIVEN an attributed order WHEN the return window passes unrefunded THEN the referrer is paid once", async () => {
    const w = await world();
    const { orderGid, click } = await clickAndOrder(w, { n: 20 });
    await onOrderForReferrals(w.shop, orderGid, w.deps);
    w.clock.advanceDays(29);
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 0 });
    w.clock.advanceDays(1);
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toEqual({ rewarded: 1, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] });
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toEqual({ rewarded: 0, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] });
    expect([...w.fake.ledger.values()].map((e) => e.input)).toEqual([
      { shopDomain: w.shop, customerGid: REFERRER, points: 500, kind: "referral", idempotencyKey: `referral:${click.referralId}`, reason: `Referral: friend's first order ${orderGid}` },
    ]);
    const [r] = await referralsOf(w.shop);
    expect(r).toMatchObject({ status: "rewarded", rewardedAt: w.clock.now(), pointsEntryId: "entry-1" });
  });

  it("GIVEN a refund inside the window THEN the referral is voided and never paid; a late in-window refund after payout reverses it", async () => {
    const w = await world();
    const a = await clickAndOrder(w, { n: 21 });
    await onOrderForReferrals(w.shop, a.orderGid, w.deps);
    w.clock.advanceDays(3);
    await putRefund(db.prisma, w.shop, a.orderGid, "gid://shopify/Refund/1", w.clock.now());
    expect(await onOrderForReferrals(w.shop, a.orderGid, w.deps)).toMatchObject({ outcome: "voided", reason: "order_refunded" });
    w.clock.advanceDays(40);
    await settleReferralPayouts(w.shop, w.clock.now(), w.deps);
    expect(w.fake.ledger.size).toBe(0);

    // Another friend: paid out, then a refund dated inside the window is delivered late.
    await putCustomer(db.prisma, w.shop, "gid://shopify/Customer/201", "dora@example.com");
    const b = await clickAndOrder(w, { n: 22, customerGid: "gid://shopify/Customer/201", email: "dora@example.com" });
    const orderedAt = w.clock.now();
    await onOrderForReferrals(w.shop, b.orderGid, w.deps);
    w.clock.advanceDays(31);
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 1 });
    await putRefund(db.prisma, w.shop, b.orderGid, "gid://shopify/Refund/2", new Date(orderedAt.getTime() + 10 * DAY_MS));
    expect(await onOrderForReferrals(w.shop, b.orderGid, w.deps)).toMatchObject({ outcome: "reversed", reason: "refunded_within_return_window" });
    expect(w.fake.ledger.get(`referral:${b.click.referralId}`)!.reversedBy).not.toBeNull();
    const rb = await db.prisma.referral.findUniqueOrThrow({ where: { id: b.click.referralId } });
    expect(rb).toMatchObject({ status: "voided", voidReason: "refunded_within_return_window", reversalEntryId: expect.stringMatching(/^reversal-/) });
  });

  it("GIVEN a refund after the window and payout THEN the reward stands", async () => {
    const w = await world();
    const a = await clickAndOrder(w, { n: 23 });
    await onOrderForReferrals(w.shop, a.orderGid, w.deps);
    w.clock.advanceDays(31);
    await settleReferralPayouts(w.shop, w.clock.now(), w.deps);
    await putRefund(db.prisma, w.shop, a.orderGid, "gid://shopify/Refund/3", w.clock.now());
    expect(await onOrderForReferrals(w.shop, a.orderGid, w.deps)).toMatchObject({ outcome: "unchanged", status: "rewarded" });
    expect(w.fake.calls.reverse).toBe(0);
  });

  it("GIVEN more due referrals than the cap THEN only the cap is paid in the period, the rest rejected with a reason", async () => {
    const w = await world();
    await updateReferralSettings(w.shop, { rewardCapPerPeriod: 2, capPeriodDays: 30 }, w.deps);
    for (let i = 0; i < 3; i++) {
      await putCustomer(db.prisma, w.shop, `gid://shopify/Customer/5${i}`, `friend${i}@example.com`);
      const o = await clickAndOrder(w, { n: 30 + i, customerGid: `gid://shopify/Customer/5${i}`, email: `friend${i}@example.com` });
      await onOrderForReferrals(w.shop, o.orderGid, w.deps);
    }
    w.clock.advanceDays(30);
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 2, capped: 1 });
    const rows = await referralsOf(w.shop);
    expect(rows.map((r) => r.status).sort()).toEqual(["rejected", "rewarded", "rewarded"]);
    expect(JSON.parse(rows.find((r) => r.status === "rejected")!.rejectionReasons!)).toEqual(["referrer_cap_reached"]);
    expect(w.fake.ledger.size).toBe(2);
  });

  it("GIVEN the ledger fails (before or after writing) THEN later settlements retry until confirmed, with one entry", async () => {
    const w = await world();
    const a = await clickAndOrder(w, { n: 40 });
    await onOrderForReferrals(w.shop, a.orderGid, w.deps);
    w.clock.advanceDays(30);
    w.fake.failNext.award = 1;
    const first = await settleReferralPayouts(w.shop, w.clock.now(), w.deps);
    expect(first).toMatchObject({ rewarded: 1, failures: [{ referralId: a.click.referralId, error: "ledger unavailable" }] });
    expect((await referralsOf(w.shop))[0]).toMatchObject({ status: "rewarded", pointsEntryId: null });
    w.fake.failAfterAward = 1;
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ retried: 0, failures: [{ error: "timeout after write" }] });
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ retried: 1, failures: [] });
    expect(w.fake.ledger.size).toBe(1);
    expect((await listReferralsForCustomer(w.shop, REFERRER, w.deps)).referrals[0]).toMatchObject({ status: "rewarded", rewardConfirmed: true });
  });
});

describe("concurrency", () => {
  it("GIVEN two deliveries of the same paid order at once THEN one attribution and one payout", async () => {
    const w = await world();
    const a = await clickAndOrder(w, { n: 50 });
    const outcomes = await Promise.all([onOrderForReferrals(w.shop, a.orderGid, w.deps), onOrderForReferrals(w.shop, a.orderGid, w.deps)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["attributed", "unchanged"]);
    w.clock.advanceDays(30);
    const settlements = await Promise.all([
      settleReferralPayouts(w.shop, w.clock.now(), w.deps),
      settleReferralPayouts(w.shop, w.clock.now(), w.deps),
      settleReferralPayouts(w.shop, w.clock.now(), w.deps),
    ]);
    expect(settlements.reduce((n, s) => n + s.rewarded, 0)).toBe(1);
    expect(settlements.flatMap((s) => s.failures)).toEqual([]);
    expect(w.fake.ledger.size).toBe(1);
  });

  it("GIVEN two friends' orders settled concurrently against a cap of one THEN exactly one is paid", async () => {
    const w = await world();
    await updateReferralSettings(w.shop, { rewardCapPerPeriod: 1 }, w.deps);
    for (let i = 0; i < 2; i++) {
      await putCustomer(db.prisma, w.shop, `gid://shopify/Customer/6${i}`, `f${i}@example.com`);
      const o = await clickAndOrder(w, { n: 60 + i, customerGid: `gid://shopify/Customer/6${i}`, email: `f${i}@example.com` });
      await onOrderForReferrals(w.shop, o.orderGid, w.deps);
    }
    w.clock.advanceDays(30);
    const [s1, s2] = await Promise.all([settleReferralPayouts(w.shop, w.clock.now(), w.deps), settleReferralPayouts(w.shop, w.clock.now(), w.deps)]);
    expect(s1.rewarded + s2.rewarded).toBe(1);
    expect(s1.capped + s2.capped).toBe(1);
    expect(w.fake.ledger.size).toBe(1);
  });

  it("GIVEN one friend's two orders with two referrers' codes at once THEN at most one referral is attributed", async () => {
    const w = await world();
    await putCustomer(db.prisma, w.shop, "gid://shopify/Customer/101", "carl@example.com");
    const other = await getOrCreateReferralCode(w.shop, "gid://shopify/Customer/101", w.deps);
    const a = await clickAndOrder(w, { n: 70 });
    const b = await recordReferralClick(w.shop, other.code, "visitor-71", w.deps);
    if (b.outcome !== "ok") throw new Error(b.outcome);
    // Same instant: neither is "earlier" than the other, so only the unique friend key can stop a double attribution.
    await putOrder(db.prisma, w.shop, { orderGid: "gid://shopify/Order/71", customerGid: FRIEND, email: "bob@example.com", discountCodes: [b.friendDiscountCode], processedAt: w.clock.now() });
    const outcomes = await Promise.all([onOrderForReferrals(w.shop, a.orderGid, w.deps), onOrderForReferrals(w.shop, "gid://shopify/Order/71", w.deps)]);
    expect(outcomes.filter((o) => o.outcome === "attributed")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "rejected")).toHaveLength(1);
  });
});

describe("readers", () => {
  it("GIVEN a month of activity THEN the funnel and the customer's referrals add up", async () => {
    const w = await world();
    await recordReferralShare(w.shop, REFERRER, "copy", w.deps);
    await recordReferralShare(w.shop, REFERRER, "copy", w.deps); // same day: once
    await recordReferralClick(w.shop, w.link.code, "lurker", w.deps);
    await recordReferredSignup(w.shop, w.link.code, "gid://shopify/Customer/900", w.deps);
    const a = await clickAndOrder(w, { n: 80, subtotalMinor: 4200n });
    await onOrderForReferrals(w.shop, a.orderGid, w.deps);
    const funnel = await getReferralFunnel(w.shop, { from: new Date(START), to: new Date(Date.parse(START) + DAY_MS) }, w.deps);
    expect(funnel).toMatchObject({
      codesIssued: 1, linksShared: 1, clicks: 2, signUps: 1, firstOrders: 1, rewarded: 0, rejected: 0, voided: 0,
      revenueMinor: { EUR: 4200n }, clickToOrderRate: 0.5, clickToSignUpRate: 0.5,
    });

    const mine = await listReferralsForCustomer(w.shop, REFERRER, w.deps);
    expect(mine.link).toEqual(w.link);
    expect(mine.referrals.map((r) => r.status).sort()).toEqual(["ordered", "signed_up"]);
    expect(mine.totals).toMatchObject({ signedUp: 1, ordered: 1, rewarded: 0 });
    expect((await listReferralsForCustomer(w.shop, REFERRER, w.deps, { includeClicks: true })).referrals).toHaveLength(3);
    const friend = await listReferralsForCustomer(w.shop, FRIEND, w.deps);
    expect(friend).toMatchObject({ link: null, referrals: [], referredBy: { referrerCustomerGid: REFERRER, status: "ordered" } });
    expect(JSON.stringify(mine.referrals, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("bob@example.com");
  });

  it("refuses invalid settings and versions valid ones", async () => {
    const w = await world();
    await expect(updateReferralSettings(w.shop, { friendDiscountPercentage: 0 }, w.deps)).rejects.toBeInstanceOf(InvalidReferralSettingsError);
    expect(await updateReferralSettings(w.shop, { referrerRewardPoints: 750 }, w.deps)).toMatchObject({ referrerRewardPoints: 750, version: 2 });
  });
});

describe("webhook hook", () => {
  it("GIVEN orders/paid and refunds/create payloads THEN the order is decided; other topics are ignored", async () => {
    const w = await world();
    const { orderGid, click } = await clickAndOrder(w, { n: 90 });
    expect(await applyReferralWebhook(w.shop, "ORDERS_PAID", { admin_graphql_api_id: orderGid }, w.deps)).toMatchObject({ outcome: "attributed", referralId: click.referralId });
    await putRefund(db.prisma, w.shop, orderGid, "gid://shopify/Refund/90", w.clock.now());
    expect(await applyReferralWebhook(w.shop, "refunds/create", { order_id: 90 }, w.deps)).toMatchObject({ outcome: "voided", reason: "order_refunded" });
    expect(await applyReferralWebhook(w.shop, "customers/create", { admin_graphql_api_id: FRIEND }, w.deps)).toEqual({ outcome: "ignored" });
  });

  it("GIVEN the production ports without an Admin client THEN orders work and a click says what is missing", async () => {
    const w = await world();
    const ports = referralPorts(null);
    await expect(recordReferralClick(w.shop, w.link.code, "v-null", { ...w.deps, ports })).rejects.toThrow(/no Admin client bound/);
  });
});

describe("reversal retries", () => {
  it("GIVEN the ledger fails while reversing THEN the referral is voided at once and the next settlement completes the reversal", async () => {
    const w = await world();
    const a = await clickAndOrder(w, { n: 95 });
    const orderedAt = w.clock.now();
    await onOrderForReferrals(w.shop, a.orderGid, w.deps);
    w.clock.advanceDays(30);
    await settleReferralPayouts(w.shop, w.clock.now(), w.deps);
    await putRefund(db.prisma, w.shop, a.orderGid, "gid://shopify/Refund/95", new Date(orderedAt.getTime() + DAY_MS));
    w.fake.failNext.reverse = 1;
    await expect(onOrderForReferrals(w.shop, a.orderGid, w.deps)).rejects.toThrow("ledger unavailable");
    expect((await referralsOf(w.shop))[0]).toMatchObject({ status: "voided", reversalEntryId: null });
    expect(await settleReferralPayouts(w.shop, w.clock.now(), w.deps)).toMatchObject({ retried: 1, failures: [] });
    expect((await referralsOf(w.shop))[0].reversalEntryId).toMatch(/^reversal-/);
    expect(w.fake.ledger.get(`referral:${a.click.referralId}`)!.reversedBy).not.toBeNull();
  });
});
