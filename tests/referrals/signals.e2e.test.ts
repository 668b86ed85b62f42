/**
 * The address and card checks end to end against the local dev store, with
 * the production signals port (app/shopify/order-signals.server.ts over the
 * Admin API) and the production webhook path (the sync layer, then
 * applyLoyaltyProgrammeWebhook): a friend whose order ships to the referrer's
 * address, or is paid with the referrer's card, earns the referrer nothing
 * and the reason is recorded; an unrelated friend's order pays out. Without
 * protected customer data approval the checks are "unknown" and pay out.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { manualClock } from "./helpers";
import { gid, type DevAddress, type DevCard } from "../../dev-store/model";
import { dialectOf } from "~/db/adapter.server";
import { upsertProgram } from "~/db/loyalty-program.server";
import { logger } from "~/logger.server";
import { applyLoyaltyProgrammeWebhook } from "~/services/loyalty-webhooks.server";
import {
  getOrCreateReferralCode,
  getReferralFunnel,
  listReferralsForCustomer,
  offlineSignalsPort,
  recordReferralClick,
  referralPorts,
  settleReferralPayouts,
  shopifySignalsPort,
  type AbuseSignalsPort,
  type ReferralPortDeps,
} from "~/services/referrals.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { AdminAuthError, AdminHttpError } from "~/shopify/errors";
import { readCustomerSignals, readOrderSignals } from "~/shopify/order-signals.server";

const STORE_NOW = "2026-11-20T12:00:00Z";
const annaHome: DevAddress = {
  firstName: "Anna", lastName: "Referrer", company: null, address1: "12 Baker Street", address2: null,
  city: "London", province: null, provinceCode: null, zip: "NW1 6XE", countryCode: "GB", phone: null,
};
const annaCard: DevCard = { bin: "424242", last4: "4242", expirationMonth: 4, expirationYear: 2030, name: "Anna Referrer", company: "Visa", wallet: null };
const address = (address1: string, zip: string): DevAddress => ({ ...annaHome, firstName: null, lastName: null, address1, zip });
const card = (last4: string, name: string): DevCard => ({ ...annaCard, bin: "555555", company: "Mastercard", last4, name });

interface World {
  /** Each world its own database: every dev store is demo-shop.myshopify.com with the same id ranges. */
  db: TestDatabase;
  dev: TestDevStore;
  admin: AdminClient;
  deps: ReferralPortDeps;
  clock: ReturnType<typeof manualClock>;
  /** Runs `act` on the store and delivers what it emitted as the webhook route does: sync, then loyalty and referrals. */
  live(act: () => void, signals?: AbuseSignalsPort): Promise<void>;
}

let db: TestDatabase;
const worlds: World[] = [];

async function world(seed: number, options: { protectedCustomerData?: boolean } = {}): Promise<World> {
  const db = await createTestDatabase();
  const clock = manualClock(STORE_NOW);
  const dev = await startTestDevStore({
    seed, orders: 400, storeClock: () => clock.now(), bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] }, ...options,
  });
  const admin = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
  const ledger = { db: db.prisma, now: clock.now };
  const deps: ReferralPortDeps = { db: db.prisma, now: clock.now, ports: referralPorts(admin, ledger), signals: shopifySignalsPort(admin, ledger) };
  await upsertProgram(db.prisma, dev.shop);
  let delivery = 0;
  const live = async (act: () => void, signals = deps.signals) => {
    const { events } = dev.store.capture(act);
    for (const e of events) {
      const webhookId = `${seed}-${++delivery}`;
      await applyShopWebhook({ shopDomain: dev.shop, topic: e.topic, webhookId, eventId: webhookId, triggeredAt: e.occurredAt, payload: e.payload }, { db: db.prisma, dialect: dialectOf(db.url), now: clock.now });
      const after = await applyLoyaltyProgrammeWebhook(dev.shop, e.topic, e.payload, { db: db.prisma, now: clock.now, signals, ports: deps.ports });
      expect(after.failed).toBe(false);
    }
  };
  const w = { db, dev, admin, deps, clock, live };
  worlds.push(w);
  return w;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const w of worlds) {
    await w.dev.close();
    await w.db.cleanup();
  }
  await db?.cleanup();
});

/** A member with their home address and card, who has ordered once; and their referral link. */
async function referrer(w: World) {
  let id = "";
  await w.live(() => {
    id = w.dev.store.createCustomer({ email: "anna.referrer@example.com", firstName: "Anna", lastName: "Referrer", countryCode: "GB", address: annaHome, card: annaCard }).id;
    const variant = w.dev.store.products().find((p) => p.status === "ACTIVE")!.variants[0];
    w.dev.store.createOrder({ customerId: id, lines: [{ variantId: variant.id, quantity: 1 }] });
  });
  const customerGid = gid("Customer", id);
  return { customerGid, link: await getOrCreateReferralCode(w.dev.shop, customerGid, w.deps) };
}

/** A new shopper follows the link, makes an account and orders with their friend code, shipping to `shipTo` and paying with `payWith`. */
async function friendOrders(w: World, code: string, name: string, shipTo: DevAddress, payWith: DevCard, signals?: AbuseSignalsPort) {
  const click = await recordReferralClick(w.dev.shop, code, `cookie-${name}`, w.deps);
  if (click.outcome !== "ok") throw new Error(click.outcome);
  await w.live(() => {
    const friend = w.dev.store.createCustomer({ email: `${name}@example.com`, firstName: name, countryCode: "GB", address: shipTo, card: payWith });
    w.dev.store.redeemDiscountCode(click.friendDiscountCode, { customerId: friend.id, shippingAddress: shipTo, billingAddress: shipTo, card: payWith });
  }, signals);
  return w.db.prisma.referral.findUniqueOrThrow({ where: { id: click.referralId } });
}

describe("abuse signals from the Admin API", () => {
  it("GIVEN a referrer WHEN friends ship to their address, pay with their card, or neither THEN only the unrelated friend pays out, each reason recorded, nothing personal stored", async () => {
    const w = await world(71);
    const { customerGid, link } = await referrer(w);

    // The same address spelt another way, with the friend's own card.
    const sameAddress = await friendOrders(w, link.code, "ben", address("12 baker st.", "nw16xe"), card("1111", "Ben Friend"));
    expect(sameAddress).toMatchObject({ status: "rejected", rejectionReasons: JSON.stringify(["self_referral_address"]) });
    expect(JSON.parse(sameAddress.signalChecks!)).toEqual({ address: "match", payment: "clear" });

    // Their own address, the referrer's card.
    const sameCard = await friendOrders(w, link.code, "cleo", address("7 Station Road", "BS1 4DJ"), { ...annaCard });
    expect(sameCard).toMatchObject({ status: "rejected", rejectionReasons: JSON.stringify(["self_referral_payment"]) });
    expect(JSON.parse(sameCard.signalChecks!)).toEqual({ address: "clear", payment: "match" });

    // Unrelated.
    const unrelated = await friendOrders(w, link.code, "dan", address("40 High Street", "M1 2AB"), card("2222", "Dan Friend"));
    expect(unrelated).toMatchObject({ status: "ordered", rejectionReasons: null });
    expect(JSON.parse(unrelated.signalChecks!)).toEqual({ address: "clear", payment: "clear" });

    // THEN after the return window only Dan's order pays, once.
    w.clock.advanceDays(31);
    expect(await settleReferralPayouts(w.dev.shop, w.clock.now(), w.deps)).toEqual({ rewarded: 1, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] });
    expect(await settleReferralPayouts(w.dev.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 0 });
    const rewards = await w.db.prisma.loyaltyEntry.findMany({ where: { shopDomain: w.dev.shop, customerGid, kind: "referral" } });
    expect(rewards.map((e) => [e.points, e.idempotencyKey])).toEqual([[500, `referral:${unrelated.id}`]]);
    const funnel = await getReferralFunnel(w.dev.shop, { from: new Date(STORE_NOW), to: new Date(w.clock.now().getTime() + 1) }, w.deps);
    expect(funnel).toMatchObject({ clicks: 3, firstOrders: 1, rejected: 2, rewarded: 1 });
    const view = await listReferralsForCustomer(w.dev.shop, customerGid, w.deps);
    expect(view.referrals.map((r) => [r.status, r.signalChecks?.address, r.signalChecks?.payment]).sort()).toEqual([
      ["rejected", "clear", "match"], ["rejected", "match", "clear"], ["rewarded", "clear", "clear"],
    ]);

    // Nothing raw is stored: no street, postal code, card digits or cardholder name; the shop's salt is random.
    const stored = JSON.stringify(await w.db.prisma.referral.findMany({ where: { shopDomain: w.dev.shop } }), (_k, v) => (typeof v === "bigint" ? String(v) : v)).toLowerCase();
    for (const personal of ["baker", "nw1", "4242", "anna referrer", "station road", "2222"]) expect(stored).not.toContain(personal);
    const settings = await w.db.prisma.referralSettings.findUniqueOrThrow({ where: { shopDomain: w.dev.shop } });
    expect(settings.signalSalt).toMatch(/^[0-9a-f]{64}$/);
  });

  it("GIVEN the generated shop's households THEN the port finds the shared address (and not between strangers); keys are salted per shop", async () => {
    const w = worlds[0] ?? (await world(71));
    const customers = w.dev.store.customers();
    const i = customers.findIndex((c, k) => k > 0 && c.address !== undefined && customers[k - 1].id !== c.id);
    expect(i).toBeGreaterThan(0);
    const salt = "s".repeat(64);
    const [a, b, stranger] = await Promise.all([
      readCustomerSignals(w.admin, gid("Customer", customers[i].id), salt),
      readCustomerSignals(w.admin, gid("Customer", customers[i - 1].id), salt),
      readCustomerSignals(w.admin, gid("Customer", customers[i + 1 === customers.length ? 1 : i + 1].id), salt),
    ]);
    expect(a.addressKeys!.some((k) => b.addressKeys!.includes(k))).toBe(true);
    expect(a.addressKeys!.some((k) => stranger.addressKeys!.includes(k))).toBe(false);
    expect(a.addressKeys!.every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
    const otherShop = await readCustomerSignals(w.admin, gid("Customer", customers[i].id), "t".repeat(64));
    expect(otherShop.addressKeys!.some((k) => a.addressKeys!.includes(k))).toBe(false);
    // Paid orders carry card details on their transactions (PayPal payers, about one in twelve, none); pending ones no transaction.
    const paid = w.dev.store.orders().filter((o) => o.financialStatus === "PAID").slice(0, 12);
    const withCard = (await Promise.all(paid.map((o) => readOrderSignals(w.admin, gid("Order", o.id), salt)))).filter((sig) => sig.paymentFingerprints.length === 1);
    expect(withCard.length).toBeGreaterThanOrEqual(8);
    const pending = w.dev.store.orders().find((o) => o.financialStatus === "PENDING");
    if (pending) expect((await readOrderSignals(w.admin, gid("Order", pending.id), salt)).paymentFingerprints).toEqual([]);
  });

  it("GIVEN the refund of a generated order THEN RefundLineItem.totalTaxSet is served and the lines' tax sums to the refund's", async () => {
    const w = worlds[0];
    const order = w.dev.store.orders().find((o) => o.refunds.length > 0 && o.refunds[0].refundLineItems.length > 0 && Number(o.totalTax.shopMoney.amount) > 0)!;
    const data = await w.admin.request<{ order: { refunds: { totalRefundedSet: { shopMoney: { amount: string } }; refundLineItems: { nodes: { subtotalSet: { shopMoney: { amount: string } }; totalTaxSet: { shopMoney: { amount: string } } }[] } }[] } }>(
      `query RefundTax($id: ID!) { order(id: $id) { refunds(first: 5) { totalRefundedSet { shopMoney { amount } } refundLineItems(first: 20) { nodes { subtotalSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } } } } } }`,
      { id: gid("Order", order.id) },
    );
    const cents = (s: string) => Math.round(Number(s) * 100);
    const refund = data.order.refunds[0];
    const lineTax = refund.refundLineItems.nodes.reduce((sum, l) => sum + cents(l.totalTaxSet.shopMoney.amount), 0);
    const lines = refund.refundLineItems.nodes.reduce((sum, l) => sum + cents(l.subtotalSet.shopMoney.amount), 0);
    expect(lineTax).toBeGreaterThan(0);
    // A partial refund returns lines and their tax; a full one shipping too.
    expect(cents(refund.totalRefundedSet.shopMoney.amount) - lines - lineTax).toBeGreaterThanOrEqual(0);
    expect(lineTax).toBe(order.refunds[0].refundLineItems.reduce((sum, l) => sum + cents(l.totalTax!.shopMoney.amount), 0));
  });

  it("GIVEN an app without protected customer data approval WHEN a friend ships to the referrer's address THEN the check is unknown, logged without personal data, and the referral pays out", async () => {
    const w = await world(72, { protectedCustomerData: false });
    const info = vi.spyOn(logger, "info");
    try {
      const { customerGid, link } = await referrer(w);
      const referral = await friendOrders(w, link.code, "eve", address("12 Baker Street", "NW1 6XE"), card("3333", "Eve Friend"));
      expect(referral).toMatchObject({ status: "ordered", rejectionReasons: null });
      // Card numbers are not protected: without the holder's name the fingerprints still compare.
      expect(JSON.parse(referral.signalChecks!)).toEqual({ address: "unknown", payment: "clear" });
      const logged = info.mock.calls.filter(([message]) => message === "referral abuse signal unknown");
      expect(logged.map(([, fields]) => fields)).toEqual([{ shop: w.dev.shop, referralId: referral.id, signal: "address", referrer: "access_denied", friend: "access_denied" }]);
      expect(JSON.stringify(info.mock.calls).toLowerCase()).not.toMatch(/baker|nw1|eve@|anna\.referrer|3333/);
      w.clock.advanceDays(31);
      expect(await settleReferralPayouts(w.dev.shop, w.clock.now(), w.deps)).toMatchObject({ rewarded: 1, failures: [] });
      const rewards = await w.db.prisma.loyaltyEntry.findMany({ where: { shopDomain: w.dev.shop, customerGid, kind: "referral" } });
      expect(rewards.map((e) => e.points)).toEqual([500]);
    } finally {
      info.mockRestore();
    }
  });
});

describe("the payout's second look", () => {
  it("GIVEN referrals decided without signals (no session then) WHEN the return window ends THEN the job reads them again: the referrer's address rejects, an unrelated friend pays", async () => {
    const w = await world(73);
    const { customerGid, link } = await referrer(w);
    const none: AbuseSignalsPort = offlineSignalsPort({ db: w.db.prisma }); // this test database holds no offline session
    const sameAddress = await friendOrders(w, link.code, "gus", address("12 Baker St", "NW16XE"), card("4444", "Gus Friend"), none);
    const unrelated = await friendOrders(w, link.code, "hal", address("3 Church Lane", "M1 3CD"), card("5555", "Hal Friend"), none);
    for (const r of [sameAddress, unrelated]) expect(r).toMatchObject({ status: "ordered", signalChecks: JSON.stringify({ address: "unknown", payment: "unknown" }) });

    w.clock.advanceDays(31);
    expect(await settleReferralPayouts(w.dev.shop, w.clock.now(), w.deps)).toEqual({ rewarded: 1, capped: 0, voided: 0, selfReferrals: 1, retried: 0, failures: [] });
    expect(await w.db.prisma.referral.findUniqueOrThrow({ where: { id: sameAddress.id } })).toMatchObject({
      status: "rejected", rejectionReasons: JSON.stringify(["self_referral_address"]), signalChecks: JSON.stringify({ address: "match", payment: "clear" }),
    });
    expect(await w.db.prisma.referral.findUniqueOrThrow({ where: { id: unrelated.id } })).toMatchObject({ status: "rewarded", signalChecks: JSON.stringify({ address: "clear", payment: "clear" }) });
    const rewards = await w.db.prisma.loyaltyEntry.findMany({ where: { shopDomain: w.dev.shop, customerGid, kind: "referral" } });
    expect(rewards.map((e) => e.idempotencyKey)).toEqual([`referral:${unrelated.id}`]);
  });
});

describe("signals adapter failures", () => {
  const salt = "x".repeat(64);
  it("a refused token is unknown; a transient failure is thrown for a retry", async () => {
    const refused = { request: () => Promise.reject(new AdminAuthError(403, "ReferralOrderSignals", "")) } as unknown as AdminClient;
    expect(await readOrderSignals(refused, "gid://shopify/Order/1", salt)).toEqual({
      addresses: [], addressKeys: [], paymentFingerprints: [], unavailable: { address: "access_denied", payment: "access_denied" },
    });
    const down = { request: () => Promise.reject(new AdminHttpError(503, "ReferralOrderSignals", "HTTP 503")) } as unknown as AdminClient;
    await expect(readCustomerSignals(down, "gid://shopify/Customer/1", salt)).rejects.toBeInstanceOf(AdminHttpError);
    const gone = { request: () => Promise.resolve({ order: null }) } as unknown as AdminClient;
    expect(await readOrderSignals(gone, "gid://shopify/Order/1", salt)).toMatchObject({ addressKeys: [], unavailable: { address: "missing", payment: "missing" } });
  });

  it("a shop without an offline session gives no signals instead of failing", async () => {
    const port = offlineSignalsPort({ db: db.prisma });
    expect(await port.orderSignals("not-installed.myshopify.com", "gid://shopify/Order/1")).toMatchObject({ addresses: [], paymentFingerprints: [], unavailable: { address: "missing" } });
  });
});
