/**
 * Tiers and versioned earn rules through order earning: an upgrade applies at
 * once and its multiplier to orders that earn afterwards; a downgrade waits
 * for the period end; a rule edit applies to new orders only, and a refund of
 * an old order takes back points at the rate it earned them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveEarnRules } from "~/db/loyalty-program.server";
import { DEFAULT_EARN_RULES } from "~/domain/loyalty/rules";
import { getBalance, onOrderChanged } from "~/services/points.server";
import { closeTierPeriods, TIER_METAFIELD, writeTierMetafields } from "~/services/tiers.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { at, createProgram, orderRecord, refundRecord, syncRepo, T0 } from "./helpers";

const SHOP = "tiers.myshopify.com";
const CUSTOMER = "gid://shopify/Customer/77";
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createProgram(db.prisma, SHOP, { returnWindowDays: 14 });
});
afterAll(() => db?.cleanup());

const earn = async (orderGid: string, now: Date) => onOrderChanged(SHOP, orderGid, { db: db.prisma, now: () => now });
const orderSum = async (orderGid: string) =>
  (await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: SHOP, orderGid, kind: "order" }, _sum: { points: true } }))._sum.points ?? 0;
const account = () => db.prisma.loyaltyAccount.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: SHOP, customerGid: CUSTOMER } } });

describe("tiers and rule versions", () => {
  it("GIVEN a silver customer WHEN their spend passes gold's threshold THEN they are gold at once and later orders earn x1.25", async () => {
    const repo = syncRepo(db);
    // $300 of goods: silver (joined), 300 points + first-order bonus.
    await repo.upsertOrders(SHOP, [orderRecord({ orderGid: "gid://shopify/Order/1", customerGid: CUSTOMER, subtotalMinor: 30_000n, totalPriceMinor: 30_000n, processedAt: T0 })], T0);
    await earn("gid://shopify/Order/1", T0);
    expect(await orderSum("gid://shopify/Order/1")).toBe(300);
    expect((await account()).tier).toBe("silver");

    // Another $300: $600 in 12 months passes gold's $500; this order was pinned before the upgrade (x1).
    await repo.upsertOrders(SHOP, [orderRecord({ orderGid: "gid://shopify/Order/2", customerGid: CUSTOMER, subtotalMinor: 30_000n, totalPriceMinor: 30_000n, processedAt: at(1) })], at(1));
    await earn("gid://shopify/Order/2", at(1));
    expect(await orderSum("gid://shopify/Order/2")).toBe(300);
    expect((await account()).tier).toBe("gold");

    // The next order earns with gold's multiplier.
    await repo.upsertOrders(SHOP, [orderRecord({ orderGid: "gid://shopify/Order/3", customerGid: CUSTOMER, subtotalMinor: 10_000n, totalPriceMinor: 10_000n, processedAt: at(2) })], at(2));
    await earn("gid://shopify/Order/3", at(2));
    expect(await orderSum("gid://shopify/Order/3")).toBe(125);

    const changes = await db.prisma.loyaltyTierChange.findMany({ where: { shopDomain: SHOP, customerGid: CUSTOMER }, orderBy: { changedAt: "asc" } });
    expect(changes.map((c) => [c.fromTier, c.toTier, c.reason])).toEqual([[null, "silver", "joined"], ["silver", "gold", "upgrade"]]);
  });

  it("GIVEN a rule edit WHEN an old order is refunded THEN it loses points at its own rate, and new orders earn at the new one", async () => {
    const version = await saveEarnRules(db.prisma, SHOP, { ...DEFAULT_EARN_RULES, pointsPerUnit: 10 });
    expect(version).toBe(2);
    const repo = syncRepo(db);
    // Half of order 1 refunded: 150 of its 300 points go (rate 1, pinned), not 1,500.
    await repo.upsertRefunds(SHOP, [refundRecord("gid://shopify/Order/1", "r1", 15_000n, at(3))]);
    await earn("gid://shopify/Order/1", at(3));
    expect(await orderSum("gid://shopify/Order/1")).toBe(150);
    const entries = await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: SHOP, orderGid: "gid://shopify/Order/1", kind: "order" } });
    expect(entries.map((e) => e.ruleVersion)).toEqual([1, 1]);

    await repo.upsertOrders(SHOP, [orderRecord({ orderGid: "gid://shopify/Order/4", customerGid: CUSTOMER, subtotalMinor: 1_000n, totalPriceMinor: 1_000n, processedAt: at(4) })], at(4));
    await earn("gid://shopify/Order/4", at(4));
    expect(await orderSum("gid://shopify/Order/4")).toBe(125); // $10 x 10 points x gold 1.25
  });

  it("keeps order points pending for the return window", async () => {
    // Orders 1-3 released after 14 days; order 4 (day 4) on day 18. The first-order bonus follows order 1.
    expect(await getBalance(SHOP, CUSTOMER, { db: db.prisma, now: () => at(5) })).toEqual({ available: 0, pending: 800, lifetimeEarned: 800 });
    expect(await getBalance(SHOP, CUSTOMER, { db: db.prisma, now: () => at(16) })).toEqual({ available: 675, pending: 125, lifetimeEarned: 800 });
    expect(await getBalance(SHOP, CUSTOMER, { db: db.prisma, now: () => at(18) })).toEqual({ available: 800, pending: 0, lifetimeEarned: 800 });
  });

  it("GIVEN spend that no longer qualifies WHEN the tier period ends THEN the customer moves down, once", async () => {
    const periodEnd = (await account()).tierPeriodEndsAt!;
    expect(await closeTierPeriods(SHOP, new Date(periodEnd.getTime() - 1), { db: db.prisma })).toBe(0);
    expect((await account()).tier).toBe("gold");
    expect(await closeTierPeriods(SHOP, periodEnd, { db: db.prisma })).toBe(1);
    expect(await closeTierPeriods(SHOP, periodEnd, { db: db.prisma })).toBe(0);
    const after = await account();
    expect(after.tier).toBe("silver");
    expect(after.tierPeriodEndsAt!.getTime()).toBeGreaterThan(periodEnd.getTime());
  });

  it("writes the current tier to the $app.tier metafield, once per change", async () => {
    const sent: { ownerId: string; namespace: string; key: string; value: string }[][] = [];
    const client = { request: async (_doc: string, variables: { metafields: (typeof sent)[number] }) => { sent.push(variables.metafields); return { metafieldsSet: { userErrors: [] } }; } } as unknown as AdminClient;
    expect(await writeTierMetafields(SHOP, { db: db.prisma, client, now: () => at(400) })).toBe(1);
    expect(sent).toEqual([[expect.objectContaining({ ownerId: CUSTOMER, namespace: TIER_METAFIELD.namespace, key: "tier", value: "silver" })]]);
    expect(await writeTierMetafields(SHOP, { db: db.prisma, client, now: () => at(400) })).toBe(0);
  });
});
