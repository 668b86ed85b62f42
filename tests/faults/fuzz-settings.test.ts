/**
 * Fuzzing the settings a merchant edits, at the service validators the admin
 * routes call (fast-check, bounded runs): hostile values are refused with the
 * validator's own error and nothing is stored; what is accepted is valid.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { dialectOf } from "~/db/adapter.server";
import { saveEarnRules, upsertProgram } from "~/db/loyalty-program.server";
import { DEFAULT_EARN_RULES, InvalidEarnRulesError, parseEarnRules } from "~/domain/loyalty/rules";
import { DEFAULT_REFERRAL_SETTINGS, validateReferralSettings } from "~/domain/referrals/settings";
import { DEFAULT_LAYERS } from "~/domain/segments/default-layers";
import { updateLayerDefinitions } from "~/services/layer-settings.server";
import { getReferralSettings, InvalidReferralSettingsError, updateReferralSettings } from "~/services/referrals.server";
import { updateReplenishmentSettings } from "~/services/replenishment.server";

const SHOP = "fuzz-settings.myshopify.com";
const RUNS = { numRuns: 80, seed: 7 };
let db: TestDatabase;

const badNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -0.5, 0.5, 1.5, 2 ** 53, 1e308, -(2 ** 31)),
  fc.double({ noNaN: false }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
);
const anyValue = fc.oneof(badNumber, fc.string({ maxLength: 50 }), fc.boolean(), fc.constantFrom(null, undefined, {}, [], { __proto__: { polluted: true } }));

/** Sets `value` at a random path inside a deep copy of `base`. */
function mutateDeep(base: unknown, route: number[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const [depth, pick] of route.entries()) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pick % keys.length];
    if (depth === route.length - 1 || node[key] === null || typeof node[key] !== "object") {
      node[key] = value;
      break;
    }
    node = node[key] as Record<string, unknown>;
  }
  return copy;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await upsertProgram(db.prisma, SHOP);
});

afterAll(async () => {
  await db?.cleanup();
});

describe("settings under hostile input", () => {
  it("GIVEN earn rules with any field broken THEN InvalidEarnRulesError and no new version, or a new version holding exactly the valid rules", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), anyValue, async (route, value) => {
        const input = mutateDeep(DEFAULT_EARN_RULES, route, value);
        const before = await db.prisma.loyaltyRuleVersion.count({ where: { shopDomain: SHOP } });
        const program = await db.prisma.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain: SHOP } });
        try {
          const version = await saveEarnRules(db.prisma, SHOP, input);
          const stored = await db.prisma.loyaltyRuleVersion.findUniqueOrThrow({ where: { shopDomain_version: { shopDomain: SHOP, version } } });
          expect(JSON.parse(stored.rules)).toEqual(JSON.parse(JSON.stringify(parseEarnRules(input))));
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(InvalidEarnRulesError);
          expect((error as Error).message).toMatch(/^Invalid earn rules: .+/);
          expect(await db.prisma.loyaltyRuleVersion.count({ where: { shopDomain: SHOP } })).toBe(before);
          expect(await db.prisma.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toEqual(program);
        }
      }),
      RUNS,
    );
    // Not even JSON-shaped rules.
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (input) => {
        await expect(saveEarnRules(db.prisma, SHOP, input)).rejects.toBeInstanceOf(InvalidEarnRulesError);
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it("GIVEN programme settings out of range THEN a RangeError and the programme unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("returnWindowDays", "expiryMonths"), badNumber, async (field, value) => {
        const valid = field === "returnWindowDays" ? Number.isInteger(value) && value >= 0 && value <= 365 : Number.isInteger(value) && value >= 1;
        fc.pre(!valid);
        const before = await db.prisma.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain: SHOP } });
        await expect(upsertProgram(db.prisma, SHOP, { [field]: value })).rejects.toBeInstanceOf(RangeError);
        expect(await db.prisma.loyaltyProgram.findUniqueOrThrow({ where: { shopDomain: SHOP } })).toEqual(before);
      }),
      RUNS,
    );
  });

  it("GIVEN referral settings with hostile numbers THEN InvalidReferralSettingsError naming them and the settings unchanged, or valid settings stored", async () => {
    const numberFields = ["referrerRewardPoints", "rewardCapPerPeriod", "capPeriodDays", "attributionWindowDays", "returnWindowDays", "friendDiscountPercentage"] as const;
    // Integers beyond 32 bits (referrerRewardPoints: 9903135747780068) are refused
    // (they used to be written and then be unreadable on SQLite).
    const int32 = fc.oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -0.5, 0.5, 1.5, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 9903135747780068),
      fc.double({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
    );
    const patch = fc.dictionary(fc.constantFrom(...numberFields), int32, { minKeys: 1, maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(patch, fc.constantFrom(-1n, 0n, 5n, -(10n ** 20n)), async (numbers, minimumOrderMinor) => {
        const before = await getReferralSettings(SHOP, { db: db.prisma });
        try {
          const saved = await updateReferralSettings(SHOP, { ...numbers, minimumOrderMinor }, { db: db.prisma });
          expect(validateReferralSettings(saved)).toEqual([]);
          expect(await getReferralSettings(SHOP, { db: db.prisma })).toEqual(saved);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(InvalidReferralSettingsError);
          expect((error as InvalidReferralSettingsError).problems.length).toBeGreaterThan(0);
          expect(await getReferralSettings(SHOP, { db: db.prisma })).toEqual(before);
        }
      }),
      RUNS,
    );
    // A refused change leaves the defaults' version alone.
    expect((await getReferralSettings(SHOP, { db: db.prisma })).version).toBeGreaterThanOrEqual(DEFAULT_REFERRAL_SETTINGS.version);
  });

  it("GIVEN replenishment settings with hostile numbers THEN a RangeError naming the field and nothing stored", async () => {
    const fields = ["reminderLeadDays", "reminderExpireDays", "minSamples", "minCustomers"] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), badNumber, async (field, value) => {
        const min = field.startsWith("min") ? 1 : 0;
        fc.pre(!(Number.isInteger(value) && value >= min && value <= 365));
        const before = await db.prisma.replenishmentSettings.findUnique({ where: { shopDomain: SHOP } });
        await expect(updateReplenishmentSettings(SHOP, { [field]: value }, { db: db.prisma })).rejects.toThrow(new RegExp(`^${field} must be a whole number`));
        expect(await db.prisma.replenishmentSettings.findUnique({ where: { shopDomain: SHOP } })).toEqual(before);
      }),
      RUNS,
    );
  });

  it("GIVEN layer definitions broken anywhere THEN the errors come back and no layers are stored", async () => {
    const deps = { db: db.prisma, dialect: dialectOf(db.url), asOf: new Date("2026-06-01T00:00:00Z") };
    const broken = fc.oneof(
      fc.anything(),
      fc.tuple(fc.array(fc.nat(), { minLength: 2, maxLength: 5 }), anyValue).map(([route, value]) => mutateDeep(DEFAULT_LAYERS, route, value)),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(broken, async (layers) => {
        const before = await db.prisma.shopInsight.findUnique({ where: { shopDomain: SHOP } });
        const result = await updateLayerDefinitions(SHOP, layers, deps);
        if (result.ok) return; // the edit left the set valid (e.g. a new name): a valid set may be stored
        refused++;
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) expect(typeof e.message === "string" && e.message.length > 0, JSON.stringify(e)).toBe(true);
        expect(await db.prisma.shopInsight.findUnique({ where: { shopDomain: SHOP } })).toEqual(before);
      }),
      { numRuns: 80, seed: 7 },
    );
    expect(refused).toBeGreaterThan(40);
  });
});
