/**
 * Adding and removing tiers from the settings page (admin-views'
 * saveSettingsSection "rules" → tiers.server's saveEarnRulesAndTiers) on a
 * migrated database: a new tier gets an id from its name; a removed tier's
 * members move to the next lower kept tier in the same transaction, each
 * move recorded (reason tier_removed) and their points untouched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { DEFAULT_EARN_RULES, type Tier } from "~/domain/loyalty/rules";
import { adjustCustomerPoints, enableProgrammeWithDefaults, newTierId, programmeSettings, saveSettingsSection, type AdminDeps } from "~/services/admin-views.server";
import { getBalance } from "~/services/points.server";
import { removedTierTargets } from "~/services/tiers.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let db: TestDatabase;
let deps: AdminDeps;
let shop: string;
let n = 0;
const customer = (i: number) => `gid://shopify/Customer/${900 + i}`;

/** The rules form as the settings page posts it, for the given tiers (spend thresholds in major units). */
function rulesForm(tiers: (Pick<Tier, "name" | "threshold"> & Partial<Tier>)[]): FormData {
  const r = DEFAULT_EARN_RULES;
  const fd = new FormData();
  const fields: Record<string, string | number | boolean> = {
    pointsPerUnit: r.pointsPerUnit, accountCreatedPoints: r.accountCreatedPoints, signupPoints: r.signupPoints, birthdayPoints: r.birthdayPoints,
    firstOrderPoints: r.firstOrderPoints, excludedOrderTags: "", tierBasis: r.tierBasis, tierCount: tiers.length,
    "activities.review.points": 50, "activities.review.maxPerYear": 10, "activities.review.maxPerDay": 2,
    "activities.social.points": 25, "activities.social.maxPerYear": 4, "activities.social.maxPerDay": 1,
  };
  tiers.forEach((t, i) => {
    Object.assign(fields, {
      [`tiers.${i}.id`]: t.id ?? "", [`tiers.${i}.name`]: t.name, [`tiers.${i}.threshold`]: t.threshold / 100, [`tiers.${i}.multiplierPct`]: t.multiplierPct ?? 100,
      [`tiers.${i}.freeShipping`]: t.freeShipping ?? false, [`tiers.${i}.birthdayBonusPoints`]: t.birthdayBonusPoints ?? 0,
    });
  });
  for (const [k, v] of Object.entries(fields)) fd.set(k, String(v));
  return fd;
}

async function member(i: number, tier: string, points: number) {
  const result = await adjustCustomerPoints(shop, customer(i), (() => {
    const fd = new FormData();
    fd.set("points", String(points));
    fd.set("reason", "seed");
    fd.set("key", crypto.randomUUID());
    return fd;
  })(), "staff:1", deps);
  expect(result.ok).toBe(true);
  await db.prisma.loyaltyAccount.update({ where: { shopDomain_customerGid: { shopDomain: shop, customerGid: customer(i) } }, data: { tier } });
}

async function tiersOf(): Promise<Record<string, string | null>> {
  const rows = await db.prisma.loyaltyAccount.findMany({ where: { shopDomain: shop }, orderBy: { customerGid: "asc" } });
  return Object.fromEntries(rows.map((r) => [r.customerGid, r.tier]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  deps = { db: db.prisma, dialect: dialectOf(db.url) };
});
afterAll(async () => db?.cleanup());
beforeEach(async () => {
  shop = `admin-tiers-${++n}.myshopify.com`;
  await db.prisma.shop.create({ data: { domain: shop, currencyCode: "USD" } });
  await enableProgrammeWithDefaults(shop, deps);
});

describe("where a removed tier's members go", () => {
  it("to the highest kept tier below it, else to the new first tier", () => {
    expect([...removedTierTargets(["silver", "gold", "diamond"], ["silver", "diamond"])]).toEqual([["gold", "silver"]]);
    expect([...removedTierTargets(["silver", "gold", "diamond"], ["silver"])]).toEqual([["gold", "silver"], ["diamond", "silver"]]);
    expect([...removedTierTargets(["silver", "gold", "diamond"], ["bronze", "gold", "diamond"])]).toEqual([["silver", "bronze"]]);
    expect([...removedTierTargets(["silver", "gold"], ["silver", "gold", "platinum"])]).toEqual([]);
  });

  it("new tier ids come from names, unique, and fit the tier schema", () => {
    const taken = ["silver", "gold"];
    expect(newTierId("Platinum Club", taken)).toBe("platinum-club");
    expect(newTierId("Gold", taken)).toBe("gold-2");
    expect(newTierId("白金", taken)).toBe("tier-2");
    expect(newTierId("Érable", taken)).toBe("erable");
    expect(newTierId("x".repeat(80), taken)).toMatch(/^[a-z0-9_-]{1,30}$/);
  });
});

describe("tiers added and removed in settings", () => {
  it("GIVEN the default tiers WHEN one is added at the top THEN a new rule version has it, with an id from its name", async () => {
    const [silver, gold, diamond] = DEFAULT_EARN_RULES.tiers;
    const result = await saveSettingsSection(shop, "rules", rulesForm([silver, gold, diamond, { name: "Platinum", threshold: diamond.threshold + 100_000, multiplierPct: 200 }]), deps);
    expect(result).toEqual({ ok: true, membersMoved: 0 });
    const settings = await programmeSettings(shop, deps);
    expect(settings.programme?.ruleVersion).toBe(2);
    expect(settings.rules.tiers.map((t) => [t.id, t.name, t.multiplierPct])).toEqual([["silver", "Silver", 100], ["gold", "Gold", 125], ["diamond", "Diamond", 150], ["platinum", "Platinum", 200]]);
  });

  it("GIVEN members in Gold WHEN Gold is removed THEN they move to Silver at once, each move recorded, points unchanged; others stay", async () => {
    await member(1, "gold", 700);
    await member(2, "gold", 50);
    await member(3, "diamond", 10);
    await member(4, "silver", 5);
    expect((await programmeSettings(shop, deps)).tierMembers).toEqual({ gold: 2, diamond: 1, silver: 1 });
    const balancesBefore = await Promise.all([1, 2, 3, 4].map((i) => getBalance(shop, customer(i), { db: db.prisma })));

    const [silver, , diamond] = DEFAULT_EARN_RULES.tiers;
    const result = await saveSettingsSection(shop, "rules", rulesForm([silver, diamond]), deps);
    expect(result).toEqual({ ok: true, membersMoved: 2 });
    expect(await tiersOf()).toEqual({ [customer(1)]: "silver", [customer(2)]: "silver", [customer(3)]: "diamond", [customer(4)]: "silver" });
    const changes = await db.prisma.loyaltyTierChange.findMany({ where: { shopDomain: shop, reason: "tier_removed" }, orderBy: { customerGid: "asc" } });
    expect(changes.map((c) => [c.customerGid, c.fromTier, c.toTier, c.metafieldWrittenAt])).toEqual([[customer(1), "gold", "silver", null], [customer(2), "gold", "silver", null]]);
    const balancesAfter = await Promise.all([1, 2, 3, 4].map((i) => getBalance(shop, customer(i), { db: db.prisma })));
    expect(balancesAfter).toEqual(balancesBefore);
    expect((await programmeSettings(shop, deps)).rules.tiers.map((t) => t.id)).toEqual(["silver", "diamond"]);
  });

  it("GIVEN members in the first tier WHEN it is replaced THEN they move to the new first tier", async () => {
    await member(1, "silver", 10);
    const [, gold, diamond] = DEFAULT_EARN_RULES.tiers;
    const result = await saveSettingsSection(shop, "rules", rulesForm([{ name: "Bronze", threshold: 0 }, gold, diamond]), deps);
    expect(result).toEqual({ ok: true, membersMoved: 1 });
    expect(await tiersOf()).toEqual({ [customer(1)]: "bronze" });
  });

  it("GIVEN an invalid edit (no tiers, or a new tier below the one before) THEN nothing is saved and no member moves", async () => {
    await member(1, "gold", 10);
    const none = await saveSettingsSection(shop, "rules", rulesForm([]), deps);
    expect(none).toEqual({ ok: false, errors: { tiers: { key: "err.atLeast", vars: { min: 1 } } } });
    const [silver, gold] = DEFAULT_EARN_RULES.tiers;
    const low = await saveSettingsSection(shop, "rules", rulesForm([silver, { name: "Copper", threshold: 100 }, { ...gold, threshold: 50 }]), deps);
    expect(low).toEqual({ ok: false, errors: { "tiers.2.threshold": { key: "err.thresholdsIncrease" } } });
    expect((await programmeSettings(shop, deps)).programme?.ruleVersion).toBe(1);
    expect(await tiersOf()).toEqual({ [customer(1)]: "gold" });
    expect(await db.prisma.loyaltyTierChange.count({ where: { shopDomain: shop, reason: "tier_removed" } })).toBe(0);
  });
});
