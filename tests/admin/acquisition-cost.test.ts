/**
 * The merchant's acquisition cost and LTV/CAC: entered through the settings
 * page's actions (per field errors, nothing saved on bad input), stored per
 * shop, and judged against cohort LTV with the three-month escalation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { translate } from "~/i18n";
import { programmeSettings, saveSettingsSection, type AdminDeps, type FieldError } from "~/services/admin-views.server";
import { getAcquisitionCost, ltvCacSummary } from "~/services/acquisition-cost.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

const SHOP = "cac-shop.myshopify.com";
let db: TestDatabase;
let deps: AdminDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  deps = { db: db.prisma, dialect: dialectOf(db.url) };
});
afterAll(() => db?.cleanup());

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}
const save = (section: "cac" | "ltvCacThresholds", fields: Record<string, string>) => saveSettingsSection(SHOP, section, form(fields), deps);

describe("acquisition cost in settings", () => {
  it("stores a blended month, then channels replacing it, and removes a figure left blank", async () => {
    expect(await save("cac", { month: "2026-01", channel: "", amount: "28.00" })).toEqual({ ok: true });
    expect((await getAcquisitionCost(SHOP, deps)).cacByMonth).toEqual({ "2026-01": 2800 });
    expect(await save("cac", { month: "2026-01", channel: "meta", amount: "35" })).toEqual({ ok: true });
    expect(await save("cac", { month: "2026-01", channel: "google", amount: "21.50" })).toEqual({ ok: true });
    expect((await getAcquisitionCost(SHOP, deps)).cacByMonth).toEqual({ "2026-01": { meta: 3500, google: 2150 } });
    expect(await save("cac", { month: "2026-01", channel: "meta", amount: "" })).toEqual({ ok: true });
    expect((await programmeSettings(SHOP, deps)).acquisition.entries).toEqual([{ month: "2026-01", channel: "google", amountMinor: 2150 }]);
  });

  it.each([
    [{ month: "2026-13", channel: "", amount: "10" }, "month", "cacErr.month", "请按 YYYY-MM 格式输入月份，例如 2026-01。"],
    [{ month: "January", channel: "", amount: "10" }, "month", "cacErr.month", "请按 YYYY-MM 格式输入月份，例如 2026-01。"],
    [{ month: "2026-02", channel: "<script>", amount: "10" }, "channel", "cacErr.channel", "只能使用字母、数字、空格、_ 或 -，最多 40 个字符。"],
    // Amounts the form cannot read are refused before the service (the form's money parser).
    [{ month: "2026-02", channel: "", amount: "-5" }, "amount", "err.money", "请输入大于 0 的金额，例如 12.50。"],
    [{ month: "2026-02", channel: "", amount: "ten" }, "amount", "err.money", "请输入大于 0 的金额，例如 12.50。"],
  ])("refuses %j naming %s as %s (in Chinese for zh-CN), and saves nothing", async (fields, field, key, chinese) => {
    const before = await getAcquisitionCost(SHOP, deps);
    const result = await save("cac", fields);
    expect(result.ok).toBe(false);
    const errors = (result as { errors: Record<string, FieldError> }).errors;
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field].key).toBe(key);
    expect(translate("zh-CN", errors[field].key, errors[field].vars)).toBe(chinese);
    expect(translate("en", errors[field].key, errors[field].vars)).not.toMatch(/[{}]/);
    expect(await getAcquisitionCost(SHOP, deps)).toEqual(before);
  });

  it("keeps thresholds with alert at most healthy", async () => {
    expect(await save("ltvCacThresholds", { healthy: "4", alert: "2" })).toEqual({ ok: true });
    expect((await getAcquisitionCost(SHOP, deps)).thresholds).toEqual({ healthy: 4, alert: 2 });
    const bad = await save("ltvCacThresholds", { healthy: "2", alert: "3" });
    expect(bad).toEqual({ ok: false, errors: { alert: { key: "cacErr.alertAboveHealthy" } } });
    expect(translate("zh-CN", "cacErr.alertAboveHealthy")).toBe("警报比值不能高于健康比值。");
    const outOfRange = await save("ltvCacThresholds", { healthy: "150", alert: "0" });
    const errors = (outOfRange as { errors: Record<string, FieldError> }).errors;
    expect(errors).toEqual({ healthy: { key: "cacErr.ratioRange", vars: { max: 100 } }, alert: { key: "cacErr.ratioRange", vars: { max: 100 } } });
    expect(translate("zh-CN", errors.healthy.key, errors.healthy.vars)).toBe("请输入大于 0 且不超过 100 的比值。");
    expect(translate("en", errors.healthy.key, errors.healthy.vars)).toBe("Enter a ratio above 0 and at most 100.");
    expect((await getAcquisitionCost(SHOP, deps)).thresholds).toEqual({ healthy: 4, alert: 2 });
  });
});

describe("LTV/CAC on the dashboard", () => {
  const thresholds = { healthy: 3, alert: 2.5 };
  it("judges the latest month with both figures, and escalates three months running below the alert line", () => {
    const ltv = { "2025-01": 9000, "2025-02": 6000, "2025-03": 5000, "2025-04": 4800 };
    const cost = { cacByMonth: { "2025-01": 3000, "2025-02": 3000, "2025-03": 2500, "2025-04": 2000, "2026-10": 2000 }, thresholds };
    const summary = ltvCacSummary(ltv, cost);
    expect(summary.points.map((p) => [p.month, p.ratio, p.status])).toEqual([
      ["2025-01", 3, "healthy"],
      ["2025-02", 2, "alert"],
      ["2025-03", 2, "alert"],
      ["2025-04", 2.4, "alert"],
    ]);
    expect(summary.latest?.month).toBe("2025-04");
    expect(summary.escalations).toEqual([{ channel: null, startMonth: "2025-02", endMonth: "2025-04", months: 3 }]);
  });

  it("says when the months entered are too recent to compare", () => {
    const summary = ltvCacSummary({ "2025-01": 9000 }, { cacByMonth: { "2026-10": 2000 }, thresholds });
    expect([summary.latest, summary.waitingForCohorts]).toEqual([null, true]);
  });
});
