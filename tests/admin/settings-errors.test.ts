/**
 * Service errors reach the settings page as message keys, so a zh-CN admin
 * reads them in Chinese: the write-back (tag prefix) rules and the referral
 * settings' own validation, translated by the page through `translate`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { en, translate, zhCN, type MessageKey } from "~/i18n";
import { referralIssueError, saveSettingsSection, type AdminDeps } from "~/services/admin-views.server";
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
