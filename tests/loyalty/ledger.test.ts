/**
 * The points ledger on a real database: idempotency, reversals, pending
 * points, negative balances, staff adjustments, expiry, history and the
 * balance cache against the log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adjustPoints,
  awardPoints,
  customerHistory,
  expireInactivePoints,
  getBalance,
  IdempotencyConflictError,
  InsufficientPointsError,
  LoyaltyProgramOffError,
  rebuildBalances,
  reversePoints,
} from "~/services/points.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { at, createProgram, T0, testClock } from "./helpers";

let db: TestDatabase;
const SHOP = "ledger.myshopify.com";
const NEG_SHOP = "negative.myshopify.com";
const c = (n: number) => `gid://shopify/Customer/${n}`;

beforeAll(async () => {
  db = await createTestDatabase();
  await createProgram(db.prisma, SHOP, { expiryMonths: 12 });
  await createProgram(db.prisma, NEG_SHOP, { allowNegativeBalance: true });
});
afterAll(() => db?.cleanup());

const deps = (now: () => Date = () => T0) => ({ db: db.prisma, now });

describe("awardPoints", () => {
  it("credits once per key: same content is a no-op, different content a conflict", async () => {
    const input = { shopDomain: SHOP, customerGid: c(1), points: 500, kind: "referral", idempotencyKey: "referral:r1:referrer" };
    const first = await awardPoints(input, deps());
    const again = await awardPoints(input, deps(() => at(1)));
    expect(first.created).toBe(true);
    expect(again).toEqual({ entryId: first.entryId, created: false });
    await expect(awardPoints({ ...input, points: 600 }, deps())).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(awardPoints({ ...input, customerGid: c(2) }, deps())).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await getBalance(SHOP, c(1), deps())).toEqual({ available: 500, pending: 0, lifetimeEarned: 500 });
  });

  it("refuses non-positive or fractional points, and shops without a programme", async () => {
    const base = { shopDomain: SHOP, customerGid: c(1), kind: "bonus", idempotencyKey: "bad" };
    await expect(awardPoints({ ...base, points: 0 }, deps())).rejects.toThrow(RangeError);
    await expect(awardPoints({ ...base, points: 1.5 }, deps())).rejects.toThrow(RangeError);
    await expect(awardPoints({ ...base, shopDomain: "none.myshopify.com", points: 1 }, deps())).rejects.toBeInstanceOf(LoyaltyProgramOffError);
  });

  it("keeps points pending until availableAt, then makes them available without a new entry", async () => {
    const clock = testClock();
    await awardPoints({ shopDomain: SHOP, customerGid: c(3), points: 80, kind: "referral", idempotencyKey: "referral:r3", availableAt: at(14) }, deps(clock.now));
    expect(await getBalance(SHOP, c(3), deps(clock.now))).toEqual({ available: 0, pending: 80, lifetimeEarned: 80 });
    clock.set(at(14));
    expect(await getBalance(SHOP, c(3), deps(clock.now))).toEqual({ available: 80, pending: 0, lifetimeEarned: 80 });
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: SHOP, customerGid: c(3) } })).toBe(1);
  });
});

describe("reversePoints", () => {
  it("appends the exact opposite once; absent keys and second reversals return null", async () => {
    await awardPoints({ shopDomain: SHOP, customerGid: c(4), points: 300, kind: "referral", idempotencyKey: "referral:r4", availableAt: at(30) }, deps());
    const reversal = await reversePoints({ shopDomain: SHOP, idempotencyKey: "referral:r4", reason: "referred order refunded" }, deps(() => at(1)));
    expect(reversal).not.toBeNull();
    expect(await reversePoints({ shopDomain: SHOP, idempotencyKey: "referral:r4", reason: "again" }, deps(() => at(2)))).toBeNull();
    expect(await reversePoints({ shopDomain: SHOP, idempotencyKey: "no-such-key", reason: "x" }, deps())).toBeNull();
    const entry = await db.prisma.loyaltyEntry.findUniqueOrThrow({ where: { id: reversal!.entryId } });
    expect(entry).toMatchObject({ points: -300, kind: "referral", reason: "referred order refunded" });
    // Taken from pending, where the award still was.
    expect(await getBalance(SHOP, c(4), deps(() => at(2)))).toEqual({ available: 0, pending: 0, lifetimeEarned: 0 });
  });

  it("writes off what would go below zero unless the merchant allows negative balances", async () => {
    for (const shop of [SHOP, NEG_SHOP]) {
      await awardPoints({ shopDomain: shop, customerGid: c(5), points: 100, kind: "bonus", idempotencyKey: "bonus:5" }, deps());
      await adjustPoints({ shopDomain: shop, customerGid: c(5), points: -80, reason: "spent in store", staffMember: "staff:7", idempotencyKey: "adj:5" }, deps());
      await reversePoints({ shopDomain: shop, idempotencyKey: "bonus:5", reason: "given by mistake" }, deps());
    }
    expect((await getBalance(SHOP, c(5), deps())).available).toBe(0);
    expect((await getBalance(NEG_SHOP, c(5), deps())).available).toBe(-80);
    const writeoffs = await db.prisma.loyaltyEntry.findMany({ where: { customerGid: c(5), kind: "writeoff" } });
    expect(writeoffs.map((w) => [w.shopDomain, w.points])).toEqual([[SHOP, 80]]);
  });
});

describe("adjustPoints", () => {
  it("records the reason and staff member, and refuses to overdraw", async () => {
    const { entryId } = await adjustPoints({ shopDomain: SHOP, customerGid: c(6), points: 40, reason: "goodwill", staffMember: "gid://shopify/StaffMember/9", idempotencyKey: "adj:6:1" }, deps());
    expect(await db.prisma.loyaltyEntry.findUniqueOrThrow({ where: { id: entryId } })).toMatchObject({ kind: "adjustment", category: "adjust", reason: "goodwill", staffMember: "gid://shopify/StaffMember/9" });
    await expect(adjustPoints({ shopDomain: SHOP, customerGid: c(6), points: -41, reason: "x", staffMember: "s", idempotencyKey: "adj:6:2" }, deps())).rejects.toBeInstanceOf(InsufficientPointsError);
    await expect(adjustPoints({ shopDomain: SHOP, customerGid: c(6), points: -1, reason: " ", staffMember: "s", idempotencyKey: "adj:6:3" }, deps())).rejects.toThrow(/reason/);
    expect(await getBalance(SHOP, c(6), deps())).toEqual({ available: 40, pending: 0, lifetimeEarned: 0 });
  });
});

describe("expireInactivePoints", () => {
  it("expires available points after the inactivity period, once, as a ledger entry", async () => {
    await awardPoints({ shopDomain: SHOP, customerGid: c(7), points: 120, kind: "bonus", idempotencyKey: "bonus:7" }, deps());
    await awardPoints({ shopDomain: SHOP, customerGid: c(8), points: 50, kind: "bonus", idempotencyKey: "bonus:8a" }, deps());
    await awardPoints({ shopDomain: SHOP, customerGid: c(8), points: 50, kind: "bonus", idempotencyKey: "bonus:8b" }, deps(() => at(200)));

    expect(await expireInactivePoints(SHOP, at(364), { db: db.prisma })).toBe(0);
    const later = at(370);
    const expired = await expireInactivePoints(SHOP, later, { db: db.prisma });
    expect(await expireInactivePoints(SHOP, later, { db: db.prisma })).toBe(0);
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await getBalance(SHOP, c(7), deps(() => later))).toEqual({ available: 0, pending: 0, lifetimeEarned: 120 });
    expect((await getBalance(SHOP, c(8), deps(() => later))).available).toBe(100); // active at day 200
    const entry = await db.prisma.loyaltyEntry.findFirstOrThrow({ where: { shopDomain: SHOP, customerGid: c(7), kind: "expiry" } });
    expect(entry.points).toBe(-120);
  });
});

describe("history and rebuild", () => {
  it("lists a customer's entries newest first", async () => {
    const history = await customerHistory(SHOP, c(5), {}, deps());
    expect(history.map((h) => h.kind)).toEqual(expect.arrayContaining(["bonus", "adjustment", "writeoff"]));
    expect(history).toHaveLength(4);
  });

  it("finds the cache equal to the ledger, and repairs a corrupted one", async () => {
    expect((await rebuildBalances(SHOP, deps(() => at(400)))).corrected).toEqual([]);
    await db.prisma.loyaltyAccount.update({ where: { shopDomain_customerGid: { shopDomain: SHOP, customerGid: c(1) } }, data: { available: 999 } });
    const result = await rebuildBalances(SHOP, deps(() => at(400)));
    expect(result.corrected).toEqual([{ customerGid: c(1), cached: { available: 999, pending: 0, lifetimeEarned: 500 }, ledger: { available: 0, pending: 0, lifetimeEarned: 500 } }]);
    // 0: customer 1's points expired at day 370.
    expect((await getBalance(SHOP, c(1), deps(() => at(400)))).available).toBe(0);
  });
});
