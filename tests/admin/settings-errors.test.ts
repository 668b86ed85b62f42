/**
 * Service errors reach the settings page as message keys, so a zh-CN admin
 * reads them in Chinese: the write-back (tag prefix) rules, the referral
 * settings' own validation and the acquisition cost (CAC, LTV/CAC thresholds),
 * translated by the page through `translate`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { en, translate, zhCN, type MessageKey } from "~/i18n";
import { referralIssueError, saveSettingsSection, type AdminDeps } from "~/services/admin-views.server";
import { InvalidAcquisitionCostError, setLtvCacThresholds, setMonthlyCac, type AcquisitionCostProblemCode } from "~/services/acquisition-cost.server";
import { InvalidReferralSettingsError, updateReferralSettings } from "~/services/referrals.server";
import { TAG_PREFIX_MESSAGES, updateShopSettings } from "~/services/shop-settings.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let db: TestDatabase;
let deps: AdminDeps;
const shop = "settings-errors.myshopify.com";

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

beforeAll(async () => {
  db = await createTestDatabase();
  deps = { db: db.prisma, dialect: dialectOf(db.url) };
  await db.prisma.shop.create({ data: { domain: shop, currencyCode: "USD" } });
});
afterAll(async () => db?.cleanup());

describe("write-back errors", () => {
  it.each([
    ["", "err.tagPrefixRequired", "请输入标签前缀"],
    ["a,b", "err.tagPrefixComma", "逗号"],
    [" eg", "err.tagPrefixSpaces", "空格"],
    ["eg\n", "err.tagPrefixControl", "换行"],
    ["x".repeat(101), "err.tagPrefixTooLong", "最多 100 个字符"],
  ])("prefix %j: %s, in Chinese for zh-CN", async (prefix, key, chinese) => {
    const result = await saveSettingsSection(shop, "writeBack", form({ insightTagsEnabled: "true", insightTagPrefix: prefix }), deps);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.insightTagPrefix;
    expect(error.key).toBe(key);
    expect(translate("zh-CN", error.key, error.vars)).toContain(chinese);
    expect(translate("en", error.key, error.vars)).not.toContain("{");
  });

  it("the service keeps its English sentence and adds the code", async () => {
    const result = await updateShopSettings(shop, { insightTagPrefix: "a,b" }, { db: db.prisma });
    expect(result).toEqual({ ok: false, errors: [{ field: "insightTagPrefix", code: "tagPrefixComma", message: TAG_PREFIX_MESSAGES.tagPrefixComma }] });
    const flag = await updateShopSettings(shop, { insightTagsEnabled: "yes" }, { db: db.prisma });
    expect(flag).toMatchObject({ ok: false, errors: [{ field: "insightTagsEnabled", code: "onOff" }] });
  });
});

describe("referral settings errors", () => {
  it("the service's problems come with codes and bounds, and the page translates them", async () => {
    const error = await updateReferralSettings(shop, { capPeriodDays: 0, friendDiscountKind: "percentage", friendDiscountPercentage: 101, minimumOrderMinor: -1n }, { db: db.prisma }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidReferralSettingsError);
    const issues = (error as InvalidReferralSettingsError).issues;
    expect(issues.map((i) => [i.field, i.code, i.min, i.max])).toEqual([
      ["capPeriodDays", "range", 1, 2_147_483_647],
      ["minimumOrderMinor", "negative", undefined, undefined],
      ["friendDiscountPercentage", "range", 1, 100],
    ]);
    const shown = issues.map(referralIssueError);
    expect(shown).toEqual([{ key: "err.range", vars: { min: 1, max: 2_147_483_647 } }, { key: "err.negative" }, { key: "err.range", vars: { min: 1, max: 100 } }]);
    expect(translate("zh-CN", shown[2].key, shown[2].vars)).toBe("请输入 1 到 100 之间的整数。");
    expect(translate("zh-CN", shown[1].key)).toBe("不能为负数。");

    const amount = await updateReferralSettings(shop, { friendDiscountKind: "fixed_amount", friendDiscountAmountMinor: 0n, friendDiscountCurrencyCode: null }, { db: db.prisma }).catch((e: unknown) => e);
    expect((amount as InvalidReferralSettingsError).issues.map((i) => [i.field, i.code])).toEqual([["friendDiscountAmountMinor", "positive"], ["friendDiscountCurrencyCode", "required"]]);
  });

  it("every error key the services produce exists in both languages", () => {
    const keys: MessageKey[] = ["err.tagPrefixRequired", "err.tagPrefixComma", "err.tagPrefixSpaces", "err.tagPrefixControl", "err.tagPrefixTooLong", "err.onOff", "err.negative", "err.range", "err.money", "err.required"];
    for (const key of keys) {
      expect(en[key], key).toBeTruthy();
      expect(zhCN[key], key).not.toBe(en[key]);
    }
  });
});

describe("acquisition cost and LTV/CAC threshold errors", () => {
  it("the service's problems come with codes (its English kept), and the page shows them in Chinese for zh-CN", async () => {
    const cac = await setMonthlyCac(shop, { month: "2026-1", channel: "a,b", amountMinor: -1 }, { db: db.prisma }).catch((e: unknown) => e);
    expect(cac).toBeInstanceOf(InvalidAcquisitionCostError);
    expect((cac as InvalidAcquisitionCostError).problems).toEqual([
      { field: "month", code: "month", message: "a month as YYYY-MM" },
      { field: "channel", code: "channel", message: "letters, digits, spaces, _ or -, at most 40", params: { max: 40 } },
      { field: "amount", code: "amount", message: "an amount of 0 or more" },
    ]);
    const thresholds = await setLtvCacThresholds(shop, { healthy: 2, alert: 3 }, { db: db.prisma }).catch((e: unknown) => e);
    expect((thresholds as InvalidAcquisitionCostError).problems).toEqual([{ field: "alert", code: "alertAboveHealthy", message: "at most the healthy ratio" }]);

    const result = await saveSettingsSection(shop, "cac", form({ month: "2026-1", channel: "a,b", amount: "12" }), deps);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const shown = Object.fromEntries(Object.entries(result.errors).map(([field, e]) => [field, translate("zh-CN", e.key, e.vars)]));
    expect(shown).toEqual({ month: "请按 YYYY-MM 格式输入月份，例如 2026-01。", channel: "只能使用字母、数字、空格、_ 或 -，最多 40 个字符。" });
    const ratios = await saveSettingsSection(shop, "ltvCacThresholds", form({ healthy: "2", alert: "3" }), deps);
    expect(ratios.ok ? null : translate("zh-CN", ratios.errors.alert.key, ratios.errors.alert.vars)).toBe("警报比值不能高于健康比值。");
  });

  it("every problem code has an English and a Chinese message", () => {
    for (const code of ["month", "channel", "amount", "ratioRange", "alertAboveHealthy"] satisfies AcquisitionCostProblemCode[]) {
      const key = `cacErr.${code}` as MessageKey;
      expect(en[key], key).toBeTruthy();
      expect(zhCN[key], key).toBeTruthy();
      expect(zhCN[key], key).not.toBe(en[key]);
    }
  });
});
