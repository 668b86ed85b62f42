/**
 * Redeeming points for discount codes: the debit, the code, restoring points
 * when Shopify refuses the code, recovering a redemption stuck between the
 * debit and the code, and many redemptions at once never overspending.
 * Runs on SQLite by default and on PostgreSQL under `npm run test:postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awardPoints, getBalance, InsufficientPointsError, rebuildBalances } from "~/services/points.server";
import { createReward, redeemReward, resolveStuckRedemptions, RewardUnavailableError } from "~/services/rewards.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { FakeIssuer } from "./fake-issuer";
import { at, createProgram, T0 } from "./helpers";

const SHOP = "rewards.myshopify.com";
const c = (n: number) => `gid://shopify/Customer/${n}`;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createProgram(db.prisma, SHOP);
});
afterAll(() => db?.cleanup());

const give = (customerGid: string, points: number, key: string) =>
  awardPoints({ shopDomain: SHOP, customerGid, points, kind: "bonus", idempotencyKey: key }, { db: db.prisma, now: () => T0 });

describe("redeemReward", () => {
  it("GIVEN enough points WHEN redeemed THEN points are deducted and a single-use code for the customer exists", async () => {
    const issuer = new FakeIssuer();
    await give(c(1), 700, "bonus:1");
    const reward = await createReward(SHOP, { title: "$5 off", kind: "fixed_amount", pointsCost: 500, amountMinor: 500n, currencyCode: "USD", minimumSubtotalMinor: 2_000n, expiresAfterDays: 30 }, { db: db.prisma });
    const { redemption, status } = await redeemReward({ shopDomain: SHOP, customerGid: c(1), rewardId: reward.id, idempotencyKey: "press-1" }, { db: db.prisma, issuer, now: () => at(1) });
    expect(status).toBe("issued");
    expect(redemption.code).toMatch(/^EG-[A-Z2-7]{16}$/);
    expect(issuer.codes.get(redemption.code)).toMatchObject({ customerGid: c(1), kind: "fixed_amount", amountMinor: 500n, minimumSubtotalMinor: 2_000n, endsAt: at(31) });
    expect(await getBalance(SHOP, c(1), { db: db.prisma, now: () => at(1) })).toMatchObject({ available: 200 });

    // The same request again returns the same redemption and spends nothing more.
    const again = await redeemReward({ shopDomain: SHOP, customerGid: c(1), rewardId: reward.id, idempotencyKey: "press-1" }, { db: db.prisma, issuer, now: () => at(1) });
    expect(again.redemption.id).toBe(redemption.id);
    expect((await getBalance(SHOP, c(1), { db: db.prisma, now: () => at(1) })).available).toBe(200);
    await expect(redeemReward({ shopDomain: SHOP, customerGid: c(1), rewardId: reward.id, idempotencyKey: "press-2" }, { db: db.prisma, issuer, now: () => at(1) }))
      .rejects.toBeInstanceOf(InsufficientPointsError);
  });

  it("restores the points when Shopify refuses the code", async () => {
    const issuer = new FakeIssuer();
    issuer.mode = "permanent";
    await give(c(2), 300, "bonus:2");
    const reward = await createReward(SHOP, { title: "10% off", kind: "percentage", pointsCost: 300, percentage: 10 }, { db: db.prisma });
    const { status, redemption } = await redeemReward({ shopDomain: SHOP, customerGid: c(2), rewardId: reward.id, idempotencyKey: "p2" }, { db: db.prisma, issuer, now: () => at(1) });
    expect(status).toBe("failed");
    expect(redemption.error).toBe("Code must be unique");
    expect((await getBalance(SHOP, c(2), { db: db.prisma, now: () => at(1) })).available).toBe(300);
    const kinds = (await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: SHOP, redemptionId: redemption.id }, orderBy: { points: "asc" } })).map((e) => [e.kind, e.points]);
    expect(kinds).toEqual([["redeem", -300], ["redeem_restore", 300]]);
  });

  it("leaves a redemption issuing on a transient failure, and the recovery job issues it exactly once", async () => {
    const issuer = new FakeIssuer();
    issuer.mode = "transient";
    await give(c(3), 100, "bonus:3");
    const reward = await createReward(SHOP, { title: "Free shipping", kind: "free_shipping", pointsCost: 100 }, { db: db.prisma });
    const first = await redeemReward({ shopDomain: SHOP, customerGid: c(3), rewardId: reward.id, idempotencyKey: "p3" }, { db: db.prisma, issuer, now: () => at(1) });
    expect(first.status).toBe("issuing");
    expect((await getBalance(SHOP, c(3), { db: db.prisma, now: () => at(1) })).available).toBe(0);

    // Too recent to retry yet; then Shopify is back.
    expect(await resolveStuckRedemptions(SHOP, { db: db.prisma, issuer, now: () => at(1), olderThanMs: 60_000 })).toEqual({ issued: 0, failed: 0, stillIssuing: 0 });
    issuer.mode = "ok";
    expect(await resolveStuckRedemptions(SHOP, { db: db.prisma, issuer, now: () => at(2) })).toEqual({ issued: 1, failed: 0, stillIssuing: 0 });
    expect(await resolveStuckRedemptions(SHOP, { db: db.prisma, issuer, now: () => at(3) })).toEqual({ issued: 0, failed: 0, stillIssuing: 0 });
    expect(issuer.codes.size).toBe(1);
    expect((await db.prisma.loyaltyRedemption.findUniqueOrThrow({ where: { id: first.redemption.id } })).status).toBe("issued");
  });

  it("a crash after the code was created is recovered without a second code", async () => {
    const issuer = new FakeIssuer();
    await give(c(4), 100, "bonus:4");
    const reward = await createReward(SHOP, { title: "Free tote", kind: "free_product", pointsCost: 100, amountMinor: 1_500n, currencyCode: "USD", productVariantGids: ["gid://shopify/ProductVariant/1"] }, { db: db.prisma });
    // The code reached Shopify but the process died before recording it.
    const crashing = { ensureCode: async (shop: string, spec: Parameters<FakeIssuer["ensureCode"]>[1]) => { await issuer.ensureCode(shop, spec); throw new Error("process killed"); } };
    const { redemption } = await redeemReward({ shopDomain: SHOP, customerGid: c(4), rewardId: reward.id, idempotencyKey: "p4" }, { db: db.prisma, issuer: crashing, now: () => at(1) });
    expect(await resolveStuckRedemptions(SHOP, { db: db.prisma, issuer, now: () => at(2) })).toMatchObject({ issued: 1 });
    expect(issuer.codes.size).toBe(1);
    expect((await db.prisma.loyaltyRedemption.findUniqueOrThrow({ where: { id: redemption.id } })).discountGid).toBe(issuer.codes.get(redemption.code)!.discountGid);
  });

  it("refuses rewards exclusive to a higher tier", async () => {
    await give(c(5), 1000, "bonus:5");
    const reward = await createReward(SHOP, { title: "Diamond gift", kind: "percentage", percentage: 30, pointsCost: 10, tier: "diamond" }, { db: db.prisma });
    await expect(redeemReward({ shopDomain: SHOP, customerGid: c(5), rewardId: reward.id, idempotencyKey: "p5" }, { db: db.prisma, issuer: new FakeIssuer(), now: () => at(1) }))
      .rejects.toBeInstanceOf(RewardUnavailableError);
  });
});

describe("concurrent redemptions", () => {
  it("GIVEN points for 10 rewards WHEN 40 redemptions fire at once THEN exactly 10 succeed and the balance never goes below zero", async () => {
    const issuer = new FakeIssuer();
    const customerGid = c(100);
    await give(customerGid, 1000, "bonus:100");
    const reward = await createReward(SHOP, { title: "$1 off", kind: "fixed_amount", pointsCost: 100, amountMinor: 100n, currencyCode: "USD" }, { db: db.prisma });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        redeemReward({ shopDomain: SHOP, customerGid, rewardId: reward.id, idempotencyKey: `burst-${i}` }, { db: db.prisma, issuer, now: () => at(1) }),
      ),
    );
    const issued = results.filter((r) => r.status === "fulfilled" && r.value.status === "issued");
    const refused = results.filter((r) => r.status === "rejected");
    expect(issued).toHaveLength(10);
    expect(refused).toHaveLength(30);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientPointsError);
    expect(issuer.codes.size).toBe(10);
    expect(await getBalance(SHOP, customerGid, { db: db.prisma, now: () => at(1) })).toMatchObject({ available: 0 });
    const spent = await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: SHOP, customerGid, kind: "redeem" }, _sum: { points: true }, _count: true });
    expect(spent).toMatchObject({ _count: 10, _sum: { points: -1000 } });
    expect((await rebuildBalances(SHOP, { db: db.prisma, now: () => at(1) })).corrected).toEqual([]);
  });
});
