/**
 * The admin's loyalty read models and form actions (app/services/admin-views.server.ts)
 * on a migrated database: onboarding's defaults, the staff adjustment
 * (validation, idempotency, balance checks), per-field validation of every
 * settings section, and the dashboard's aggregates (points liability,
 * members against non-members) computed in SQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { DEFAULT_EARN_RULES } from "~/domain/loyalty/rules";
import {
  adjustCustomerPoints,
  customerLoyalty,
  enableProgrammeWithDefaults,
  loyaltyOverview,
  programmeSettings,
  saveSettingsSection,
  type AdminDeps,
} from "~/services/admin-views.server";
import { getBalance } from "~/services/points.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let db: TestDatabase;
let deps: AdminDeps;
let shop: string;
let n = 0;
const ALICE = "gid://shopify/Customer/101";
const BOB = "gid://shopify/Customer/102";
const KEY = () => crypto.randomUUID();

function form(fields: Record<string, string | number | boolean>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, String(v));
  return fd;
}

/** The rules form as the settings page renders it for the default rules (spend thresholds in major units). */
function rulesForm(overrides: Record<string, string> = {}): FormData {
  const r = DEFAULT_EARN_RULES;
  const fields: Record<string, string | number | boolean> = {
    pointsPerUnit: r.pointsPerUnit, accountCreatedPoints: r.accountCreatedPoints, signupPoints: r.signupPoints, birthdayPoints: r.birthdayPoints,
    firstOrderPoints: r.firstOrderPoints, excludedOrderTags: "", tierBasis: r.tierBasis, tierCount: r.tiers.length,
    "activities.review.points": 50, "activities.review.maxPerYear": 10, "activities.review.maxPerDay": 2,
    "activities.social.points": 25, "activities.social.maxPerYear": 4, "activities.social.maxPerDay": 1,
  };
  r.tiers.forEach((t, i) => {
    Object.assign(fields, {
      [`tiers.${i}.id`]: t.id, [`tiers.${i}.name`]: t.name, [`tiers.${i}.threshold`]: t.threshold / 100, [`tiers.${i}.multiplierPct`]: t.multiplierPct,
      [`tiers.${i}.freeShipping`]: t.freeShipping, [`tiers.${i}.birthdayBonusPoints`]: t.birthdayBonusPoints,
    });
  });
  return form({ ...fields, ...overrides });
}

async function insight(customerGid: string, orders: number, monetaryMinor: number) {
  await db.prisma.customerInsight.create({
    data: {
      shopDomain: shop, customerGid, layerId: "loyal", lifecycleStage: "growing", orders, monetaryMinor: BigInt(monetaryMinor),
      layerReason: JSON.stringify({ matchedRule: "x", values: {} }), computedAt: new Date(),
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  deps = { db: db.prisma, dialect: dialectOf(db.url) };
});
afterAll(async () => db?.cleanup());
beforeEach(async () => {
  shop = `admin-loyalty-${++n}.myshopify.com`;
  await db.prisma.shop.create({ data: { domain: shop, currencyCode: "USD" } }).catch(() => undefined);
});

describe("onboarding", () => {
  it("turns the programme on with the default rules and a starter catalogue, once", async () => {
    expect((await loyaltyOverview(shop, deps)).programme).toBe("none");
    await expect(enableProgrammeWithDefaults(shop, deps)).resolves.toEqual({ rewardsCreated: 3 });
    await expect(enableProgrammeWithDefaults(shop, deps)).resolves.toEqual({ rewardsCreated: 0 });
    const settings = await programmeSettings(shop, deps);
    expect(settings.programme).toMatchObject({ enabled: true, ruleVersion: 1 });
    expect(settings.rules).toEqual(DEFAULT_EARN_RULES);
    expect(settings.rewards.map((r) => [r.kind, r.pointsCost, r.amountMinor ?? r.percentage])).toEqual(
      expect.arrayContaining([["fixed_amount", 500, 500], ["percentage", 1000, 10], ["free_shipping", 300, null]]),
    );
    expect((await loyaltyOverview(shop, deps)).programme).toBe("on");
  });
});

describe("staff adjustment of points", () => {
  it("says the programme is off when there is none, and refuses to adjust", async () => {
    const view = await customerLoyalty(shop, ALICE, deps);
    expect(view.programmeOn).toBe(false);
    const result = await adjustCustomerPoints(shop, ALICE, form({ points: 10, reason: "test", key: KEY() }), "staff:1", deps);
    expect(result).toEqual({ ok: false, errors: { form: { key: "err.programmeOff" } } });
  });

  it("validates points and reason per field and saves nothing", async () => {
    await enableProgrammeWithDefaults(shop, deps);
    const bad = await adjustCustomerPoints(shop, ALICE, form({ points: "12.5", reason: "  ", key: KEY() }), "staff:1", deps);
    expect(bad).toEqual({ ok: false, errors: { points: { key: "err.wholeNumber" }, reason: { key: "err.reasonRequired" } } });
    const zero = await adjustCustomerPoints(shop, ALICE, form({ points: 0, reason: "x", key: KEY() }), "staff:1", deps);
    expect(zero).toMatchObject({ ok: false, errors: { points: { key: "err.nonZero" } } });
    const noKey = await adjustCustomerPoints(shop, ALICE, form({ points: 5, reason: "x" }), "staff:1", deps);
    expect(noKey).toMatchObject({ ok: false, errors: { form: { key: "err.staleForm" } } });
    expect(await db.prisma.loyaltyEntry.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("adds a ledger line with the reason and the staff member; the same form twice is one adjustment", async () => {
    await enableProgrammeWithDefaults(shop, deps);
    const key = KEY();
    const fields = { points: 150, reason: "Goodwill: late delivery", key };
    await expect(adjustCustomerPoints(shop, ALICE, form(fields), "staff:7", deps)).resolves.toEqual({ ok: true, points: 150 });
    await expect(adjustCustomerPoints(shop, ALICE, form(fields), "staff:7", deps)).resolves.toEqual({ ok: true, points: 150 });
    const view = await customerLoyalty(shop, ALICE, deps);
    expect(view.balance.available).toBe(150);
    expect(view.ledger).toHaveLength(1);
    expect(view.ledger[0]).toMatchObject({ points: 150, kind: "adjustment", reason: "Goodwill: late delivery", staffMember: "staff:7" });
    expect(view.tier?.id).toBe("silver");
  });

  it("refuses to take the balance below zero, naming what is available", async () => {
    await enableProgrammeWithDefaults(shop, deps);
    await adjustCustomerPoints(shop, ALICE, form({ points: 40, reason: "start", key: KEY() }), "staff:1", deps);
    const result = await adjustCustomerPoints(shop, ALICE, form({ points: -100, reason: "too much", key: KEY() }), "staff:1", deps);
    expect(result).toEqual({ ok: false, errors: { points: { key: "err.insufficient", vars: { available: 40 } } } });
    expect((await getBalance(shop, ALICE, { db: db.prisma })).available).toBe(40);
  });
});

describe("settings sections", () => {
  it("saves edited earn rules as a new version, and reports rules.ts's errors per field without saving", async () => {
    expect(await saveSettingsSection(shop, "rules", rulesForm(), deps)).toEqual({ ok: false, errors: { form: { key: "err.programmeFirst" } } });
    await enableProgrammeWithDefaults(shop, deps);
    await expect(saveSettingsSection(shop, "rules", rulesForm({ pointsPerUnit: "3", "tiers.1.threshold": "750" }), deps)).resolves.toEqual({ ok: true, membersMoved: 0 });
    let s = await programmeSettings(shop, deps);
    expect(s.programme?.ruleVersion).toBe(2);
    expect(s.rules.pointsPerUnit).toBe(3);
    expect(s.rules.tiers[1].threshold).toBe(75_000);

    // Field types and bounds first (zod runs rules.ts's cross-field checks only on well-typed rules)…
    const bad = await saveSettingsSection(shop, "rules", rulesForm({ pointsPerUnit: "lots", "tiers.1.multiplierPct": "5000", "tiers.2.name": "" }), deps);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toEqual({
      pointsPerUnit: { key: "err.wholeNumber" },
      "tiers.1.multiplierPct": { key: "err.atMost", vars: { max: 1000 } },
      "tiers.2.name": { key: "err.required" },
    });
    // …then the tiers' order.
    const order = await saveSettingsSection(shop, "rules", rulesForm({ "tiers.0.threshold": "5", "tiers.2.threshold": "100" }), deps);
    expect(order).toEqual({ ok: false, errors: { "tiers.0.threshold": { key: "err.firstTierZero" }, "tiers.2.threshold": { key: "err.thresholdsIncrease" } } });
    s = await programmeSettings(shop, deps);
    expect(s.programme?.ruleVersion).toBe(2);
  });

  it("programme: return window and expiry are range-checked; blank expiry means never", async () => {
    const bad = await saveSettingsSection(shop, "programme", form({ enabled: true, returnWindowDays: 400, expiryMonths: "x" }), deps);
    expect(bad).toEqual({ ok: false, errors: { returnWindowDays: { key: "err.range", vars: { min: 0, max: 365 } }, expiryMonths: { key: "err.wholeNumber" } } });
    expect(await db.prisma.loyaltyProgram.count({ where: { shopDomain: shop } })).toBe(0);
    await expect(saveSettingsSection(shop, "programme", form({ enabled: false, returnWindowDays: 14, expiryMonths: "", allowNegativeBalance: false }), deps)).resolves.toEqual({ ok: true });
    expect((await programmeSettings(shop, deps)).programme).toMatchObject({ enabled: false, returnWindowDays: 14, expiryMonths: null });
    expect((await loyaltyOverview(shop, deps)).programme).toBe("off");
  });

  it("rewards: created with per-field errors for bad values, and deactivated only in the shop that owns them", async () => {
    const bad = await saveSettingsSection(shop, "createReward", form({ title: "", kind: "fixed_amount", pointsCost: -5, amount: "abc" }), deps);
    expect(bad).toMatchObject({ ok: false, errors: { title: { key: "err.required" }, pointsCost: { key: "err.range" }, amount: { key: "err.money" } } });
    await expect(saveSettingsSection(shop, "createReward", form({ title: "$7.50 off", kind: "fixed_amount", pointsCost: 700, amount: "7.50" }), deps)).resolves.toEqual({ ok: true });
    const [reward] = (await programmeSettings(shop, deps)).rewards;
    expect(reward).toMatchObject({ title: "$7.50 off", amountMinor: 750, currencyCode: "USD", active: true });
    const other = `other-${shop}`;
    expect(await saveSettingsSection(other, "deactivateReward", form({ rewardId: reward.id }), deps)).toMatchObject({ ok: false });
    await expect(saveSettingsSection(shop, "deactivateReward", form({ rewardId: reward.id }), deps)).resolves.toEqual({ ok: true });
    expect((await programmeSettings(shop, deps)).rewards[0].active).toBe(false);
  });

  it("referrals, replenishment and write-back tags: saved, or errors per field", async () => {
    const referral = { enabled: true, friendDiscountKind: "fixed_amount", friendDiscountAmount: "", referrerRewardPoints: 0, rewardCapPerPeriod: 10, capPeriodDays: 30, attributionWindowDays: 30, returnWindowDays: 30, minimumOrder: "" };
    expect(await saveSettingsSection(shop, "referrals", form(referral), deps)).toMatchObject({
      ok: false, errors: { friendDiscountAmount: { key: "err.money" }, referrerRewardPoints: { key: "err.range" } },
    });
    await expect(saveSettingsSection(shop, "referrals", form({ ...referral, friendDiscountAmount: "5", referrerRewardPoints: 300, minimumOrder: "20" }), deps)).resolves.toEqual({ ok: true });
    expect((await programmeSettings(shop, deps)).referrals).toMatchObject({ friendDiscountKind: "fixed_amount", friendDiscountAmountMinor: 500, referrerRewardPoints: 300, minimumOrderMinor: 2000 });

    expect(await saveSettingsSection(shop, "replenishment", form({ enabled: true, reminderLeadDays: -1, reminderExpireDays: 30 }), deps)).toMatchObject({ ok: false, errors: { reminderLeadDays: { key: "err.range" } } });
    await expect(saveSettingsSection(shop, "replenishment", form({ enabled: false, reminderLeadDays: 3, reminderExpireDays: 20 }), deps)).resolves.toEqual({ ok: true });
    expect((await programmeSettings(shop, deps)).replenishment).toEqual({ enabled: false, reminderLeadDays: 3, reminderExpireDays: 20 });

    const tags = await saveSettingsSection(shop, "writeBack", form({ insightTagsEnabled: true, insightTagPrefix: "a,b" }), deps);
    expect(tags).toMatchObject({ ok: false, errors: { insightTagPrefix: { key: "err.tagPrefixComma" } } });
    await expect(saveSettingsSection(shop, "writeBack", form({ insightTagsEnabled: true, insightTagPrefix: "eg-" }), deps)).resolves.toEqual({ ok: true });
    expect((await programmeSettings(shop, deps)).writeBack).toEqual({ insightTagsEnabled: true, insightTagPrefix: "eg-" });
  });
});

describe("dashboard figures", () => {
  it("points liability sums available and pending; members are compared with non-members in SQL", async () => {
    await enableProgrammeWithDefaults(shop, deps);
    await insight(ALICE, 3, 30_000); // member, repeat
    await insight(BOB, 1, 5_000); // not a member
    await insight("gid://shopify/Customer/103", 0, 0); // prospect: not a buyer
    await adjustCustomerPoints(shop, ALICE, form({ points: 120, reason: "welcome", key: KEY() }), "staff:1", deps);
    await db.prisma.loyaltyAccount.update({ where: { shopDomain_customerGid: { shopDomain: shop, customerGid: ALICE } }, data: { pending: 30 } });
    const o = await loyaltyOverview(shop, deps);
    expect(o.liability).toEqual({ available: 120, pending: 30, total: 150, members: 1 });
    expect(o.comparison.members).toEqual({ buyers: 1, repeatRate: 1, aovMinor: 10_000 });
    expect(o.comparison.nonMembers).toEqual({ buyers: 1, repeatRate: 0, aovMinor: 5_000 });
  });
});
