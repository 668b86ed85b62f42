/**
 * The scheduled work, per shop and for every shop: the order sweep earns what
 * a lost webhook missed, birthdays, stuck redemptions finished, referral
 * payouts settled through the real ledger; a second run changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoyaltyJobs, runLoyaltyJobsForShop, runReferralJobsForShop } from "~/jobs/loyalty-jobs.server";
import { awardPoints, getBalance } from "~/services/points.server";
import { getOrCreateReferralCode, onOrderForReferrals, recordReferralClick } from "~/services/referrals.server";
import { createReward, redeemReward } from "~/services/rewards.server";
import { fakePorts, putCustomer, putOrder } from "../referrals/helpers";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { FakeIssuer } from "./fake-issuer";
import { at, createProgram, orderRecord, syncRepo, T0 } from "./helpers";

const SHOP = "jobs.myshopify.com";
const REFERRAL_SHOP = "jobs-referrals.myshopify.com";
const c = (n: number) => `gid://shopify/Customer/${n}`;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createProgram(db.prisma, SHOP);
  await createProgram(db.prisma, REFERRAL_SHOP);
});
afterAll(() => db?.cleanup());

describe("runLoyaltyJobsForShop", () => {
  it("GIVEN a lost order webhook, a birthday and a redemption stuck on a transient failure WHEN run twice THEN each is done once", async () => {
    const now = at(0.5);
    // An order the sync stored (reconciliation) but whose webhook never reached loyalty.
    await syncRepo(db).upsertOrders(SHOP, [orderRecord({ orderGid: "gid://shopify/Order/1", customerGid: c(1), processedAt: T0 })], at(0.49));
    await db.prisma.customer.create({ data: { shopDomain: SHOP, customerGid: c(2), birthday: `1990-${now.toISOString().slice(5, 10)}`, shopifyCreatedAt: T0, shopifyUpdatedAt: T0 } });
    const issuer = new FakeIssuer();
    issuer.mode = "transient";
    await awardPoints({ shopDomain: SHOP, customerGid: c(3), points: 300, kind: "bonus", idempotencyKey: "bonus:3" }, { db: db.prisma, now: () => T0 });
    const reward = await createReward(SHOP, { title: "10% off", kind: "percentage", pointsCost: 300, percentage: 10 }, { db: db.prisma });
    const stuck = await redeemReward({ shopDomain: SHOP, customerGid: c(3), rewardId: reward.id, idempotencyKey: "press-3" }, { db: db.prisma, issuer, now: () => at(0.45) });
    expect(stuck.status).toBe("issuing");
    issuer.mode = "ok";

    const first = await runLoyaltyJobsForShop(SHOP, now, { db: db.prisma, admin: null, issuer });
    expect(first).toEqual({
      shopDomain: SHOP, ordersMoved: 1, birthdays: 1, expired: 0, tierChanges: 0, metafieldsWritten: null,
      redemptions: { issued: 1, failed: 0, stillIssuing: 0 },
    });
    // $100 of goods at 1 point a dollar + the first-order bonus, pending for the return window.
    expect(await getBalance(SHOP, c(1), { db: db.prisma, now: () => now })).toMatchObject({ pending: 200 });
    expect((await getBalance(SHOP, c(2), { db: db.prisma, now: () => now })).available).toBeGreaterThan(0);
    expect(await db.prisma.loyaltyRedemption.findUniqueOrThrow({ where: { id: stuck.redemption.id } })).toMatchObject({ status: "issued" });

    const second = await runLoyaltyJobsForShop(SHOP, now, { db: db.prisma, admin: null, issuer });
    expect(second).toMatchObject({ ordersMoved: 0, birthdays: 0, expired: 0, tierChanges: 0, redemptions: { issued: 0, failed: 0, stillIssuing: 0 } });
    expect(issuer.codes.size).toBe(1);
  });

  it("skips the Admin API steps for a shop without an offline session", async () => {
    const result = await runLoyaltyJobsForShop(SHOP, at(0.6), { db: db.prisma });
    expect(result).toMatchObject({ metafieldsWritten: null, redemptions: null });
  });
});

describe("referral payouts", () => {
  it("GIVEN an attributed referral WHEN runLoyaltyJobs runs before and after the return window THEN the referrer is paid once, after it", async () => {
    const REFERRER = c(100);
    const FRIEND = c(200);
    const clickedAt = new Date("2026-06-01T10:00:00Z");
    await putCustomer(db.prisma, REFERRAL_SHOP, REFERRER, "anna@example.com");
    await putCustomer(db.prisma, REFERRAL_SHOP, FRIEND, "bob@example.com");
    const fake = fakePorts();
    const deps = { db: db.prisma, now: () => clickedAt, ports: fake.ports };
    const { code } = await getOrCreateReferralCode(REFERRAL_SHOP, REFERRER, deps);
    const click = await recordReferralClick(REFERRAL_SHOP, code, "visitor-1", deps);
    if (click.outcome !== "ok") throw new Error(click.outcome);
    const orderGid = "gid://shopify/Order/200";
    await putOrder(db.prisma, REFERRAL_SHOP, { orderGid, customerGid: FRIEND, email: "bob@example.com", discountCodes: [click.friendDiscountCode], processedAt: clickedAt });
    const attributed = await onOrderForReferrals(REFERRAL_SHOP, orderGid, deps);
    if (attributed.outcome !== "attributed") throw new Error(attributed.outcome);

    const early = new Date(attributed.payableAt.getTime() - 1000);
    expect(await runReferralJobsForShop(REFERRAL_SHOP, early, { db: db.prisma })).toMatchObject({ rewarded: 0, failures: [] });
    const late = new Date(attributed.payableAt.getTime() + 1000);
    expect(await runLoyaltyJobs(late, { db: db.prisma })).toEqual(expect.arrayContaining([SHOP, REFERRAL_SHOP]));
    await runLoyaltyJobs(late, { db: db.prisma }); // nothing left to settle: pays nothing more

    expect(await db.prisma.referral.findUniqueOrThrow({ where: { id: attributed.referralId } })).toMatchObject({ status: "rewarded", pointsEntryId: expect.any(String) });
    expect(await getBalance(REFERRAL_SHOP, REFERRER, { db: db.prisma, now: () => late })).toMatchObject({ available: 500 });
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: REFERRAL_SHOP, kind: "referral" } })).toBe(1);
    expect(fake.calls.award).toBe(0); // paid through the real ledger, not the click's fake ports
  });
});
