/**
 * Reviews and social follows/shares: once per external id, within per-kind
 * caps, and the API key that authenticates callers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_EARN_RULES } from "~/domain/loyalty/rules";
import { issueActivityApiKey, recordActivity, recordSignup, verifyActivityApiKey } from "~/services/loyalty-activities.server";
import { getBalance, IdempotencyConflictError } from "~/services/points.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { at, createProgram, T0 } from "./helpers";

const SHOP = "activities.myshopify.com";
const c = (n: number) => `gid://shopify/Customer/${n}`;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createProgram(db.prisma, SHOP, {}, {
    activities: { review: { points: 50, maxPerDay: 2, maxPerYear: 3 }, social: { points: 0, maxPerDay: 1, maxPerYear: 4 } },
  });
});
afterAll(() => db?.cleanup());

const deps = (now: Date) => ({ db: db.prisma, now: () => now });

describe("recordActivity", () => {
  it("awards a review once per review id, up to the daily and yearly caps", async () => {
    expect(await recordActivity(SHOP, c(1), "review", "rev-1", deps(T0))).toMatchObject({ status: "awarded", points: 50 });
    expect(await recordActivity(SHOP, c(1), "review", "rev-1", deps(T0))).toMatchObject({ status: "duplicate", points: 50 });
    expect(await recordActivity(SHOP, c(1), "review", "rev-2", deps(T0))).toMatchObject({ status: "awarded" });
    expect(await recordActivity(SHOP, c(1), "review", "rev-3", deps(at(0.5)))).toEqual({ status: "capped", limit: "day" });
    expect(await recordActivity(SHOP, c(1), "review", "rev-3", deps(at(1.1)))).toMatchObject({ status: "awarded" });
    expect(await recordActivity(SHOP, c(1), "review", "rev-4", deps(at(5)))).toEqual({ status: "capped", limit: "year" });
    expect(await recordActivity(SHOP, c(1), "review", "rev-4", deps(at(366)))).toMatchObject({ status: "awarded" });
    expect((await getBalance(SHOP, c(1), deps(at(366)))).available).toBe(200);
  });

  it("refuses a review id already credited to another customer, and kinds switched off", async () => {
    await expect(recordActivity(SHOP, c(2), "review", "rev-1", deps(T0))).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await recordActivity(SHOP, c(2), "social", "share-1", deps(T0))).toEqual({ status: "off" });
  });

  it("gives the sign-up points once", async () => {
    expect(await recordSignup(SHOP, c(3), deps(T0))).toMatchObject({ created: true });
    expect(await recordSignup(SHOP, c(3), deps(T0))).toMatchObject({ created: false });
    expect((await getBalance(SHOP, c(3), deps(T0))).available).toBe(DEFAULT_EARN_RULES.signupPoints);
  });
});

describe("activity API key", () => {
  it("stores only a hash and accepts only the current key", async () => {
    const key = await issueActivityApiKey(SHOP, { db: db.prisma });
    const program = await db.prisma.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain: SHOP } });
    expect(program.apiKeyHash).not.toContain(key);
    expect(await verifyActivityApiKey(SHOP, key, { db: db.prisma })).toBe(true);
    expect(await verifyActivityApiKey(SHOP, key + "x", { db: db.prisma })).toBe(false);
    expect(await verifyActivityApiKey("other.myshopify.com", key, { db: db.prisma })).toBe(false);
    const replaced = await issueActivityApiKey(SHOP, { db: db.prisma });
    expect(await verifyActivityApiKey(SHOP, key, { db: db.prisma })).toBe(false);
    expect(await verifyActivityApiKey(SHOP, replaced, { db: db.prisma })).toBe(true);
  });
});
