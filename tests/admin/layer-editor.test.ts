/**
 * The admin's layer editor service (app/services/layer-editor.server.ts) on a
 * synced, scored dev-store shop: the editor's view, a preview that matches
 * what the save then does, errors per condition (the editor's parse errors and
 * the domain's validation), a rename clash with another layer, and reset.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import type { EditorCondition, EditorRule } from "~/domain/segments/rule-editor";
import { runFullSync } from "~/services/full-sync.server";
import { recomputeShop } from "~/services/intelligence.server";
import { translate } from "~/i18n";
import type { FieldError } from "~/services/admin-views.server";
import { layerEditor, staffRefOf, submitLayerEdit, type LayerEditResult } from "~/services/layer-editor.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

const NOW = new Date(DEFAULT_NOW);
let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;

const deps = () => ({ db: db.prisma, dialect, now: NOW, staff: { id: 77, label: "staff:77" } });
const cond = (c: Partial<EditorCondition>): EditorCondition => ({ negate: false, field: "f", op: ">=", mode: "value", value: "", norm: "", times: "", ...c });

function post(intent: string, name: string, editor?: EditorRule, extra: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set("intent", intent);
  form.set("name", name);
  if (editor) form.set("editor", JSON.stringify(editor));
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  return form;
}

async function layerSizes(): Promise<Record<string, number>> {
  const groups = await db.prisma.customerInsight.groupBy({ by: ["layerId"], where: { shopDomain: devStore.shop }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.layerId, g._count._all]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 6161, orders: 900 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  const run = await runFullSync(devStore.shop, { db: db.prisma, dialect, batchSize: 500, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  expect(run.status).toBe("completed");
  await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: NOW });
}, 180_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("the layer editor", () => {
  it("GIVEN the default layers WHEN a layer is opened THEN its rule comes as conditions with the catalogue, in major units", async () => {
    const view = await layerEditor(devStore.shop, "vip", { db: db.prisma, dialect });
    expect(view).toMatchObject({ layer: { id: "vip", name: "VIP" }, isDefault: true, editor: { join: "all" } });
    expect(view!.editor!.conditions.map((c) => [c.field, c.op, c.mode === "norm" ? `${c.norm}×${c.times}` : c.value])).toEqual([
      ["lifecycleStage", "in", "growing, mature"], ["f", ">=", "5"], ["aovMinor", ">=", "medianAovMinor×1.5"],
    ]);
    expect(view!.catalogue.fields.some((f) => f.id === "recencyDays" && f.kind === "days")).toBe(true);
    expect(await layerEditor(devStore.shop, "no-such-layer", { db: db.prisma, dialect })).toBeNull();
  });

  it("GIVEN an edited rule WHEN previewed THEN nothing changes, and saving it moves exactly the previewed customers, logged with the staff member", async () => {
    const before = await layerSizes();
    const editor: EditorRule = { join: "all", conditions: [cond({ field: "lifecycleStage", op: "in", value: "growing,mature" }), cond({ field: "f", op: ">=", value: "4" })] };
    const preview = (await submitLayerEdit(devStore.shop, "vip", post("preview", "Top customers", editor), deps())) as Extract<LayerEditResult, { intent: "preview" }>;
    expect(preview).toMatchObject({ ok: true, intent: "preview" });
    expect(preview.preview.before).toBe(before.vip ?? 0);
    expect(preview.preview.movingIn).toBeGreaterThan(0); // a lower F bar and no AOV condition let more in
    expect(preview.preview.after).toBe(preview.preview.before + preview.preview.movingIn - preview.preview.movingOut);
    expect(await layerSizes()).toEqual(before);
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(0);

    const saved = (await submitLayerEdit(devStore.shop, "vip", post("save", "Top customers", editor), deps())) as Extract<LayerEditResult, { intent: "save" }>;
    expect(saved).toMatchObject({ ok: true, intent: "save", moved: preview.preview.moving });
    expect((await layerSizes()).vip).toBe(preview.preview.after);
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(preview.preview.moving);
    const view = await layerEditor(devStore.shop, "vip", { db: db.prisma, dialect });
    expect(view).toMatchObject({ layer: { name: "Top customers" }, isDefault: false });
    expect(view!.editor!.conditions).toHaveLength(2);
  });

  it("GIVEN bad conditions WHEN previewed THEN each is reported at its condition as a message key, nothing changes", async () => {
    const before = await layerSizes();
    const editor: EditorRule = { join: "all", conditions: [cond({ field: "f", value: "4" }), cond({ field: "r", value: "9" }), cond({ field: "m", value: "many" })] };
    const parse = await submitLayerEdit(devStore.shop, "vip", post("save", "Top customers", editor), deps());
    expect(parse).toMatchObject({ ok: false, conditionErrors: { 2: [{ key: "err.number" }] }, errors: { form: { key: "err.fixBelow" } } });

    editor.conditions[2].value = "2";
    const domain = await submitLayerEdit(devStore.shop, "vip", post("save", "Top customers", editor), deps());
    expect(domain).toMatchObject({ ok: false, conditionErrors: { 1: [{ key: "ruleErr.scoreRange", vars: { value: 9 } }] } });
    expect(Object.keys((domain as { conditionErrors: object }).conditionErrors)).toEqual(["1"]);
    // The page translates the key: a zh-CN admin reads Chinese, an English one the domain's sentence.
    const scoreError = (domain as { conditionErrors: Record<number, FieldError[]> }).conditionErrors[1][0];
    expect(translate("zh-CN", scoreError.key, scoreError.vars)).toMatch(/^\w+ 是 1 到 5 的评分：9 超出范围。$/);
    expect(translate("en", scoreError.key, scoreError.vars)).toMatch(/^\w+ is a 1\.\.5 score: 9 is out of range\.$/);

    const anyEmpty = await submitLayerEdit(devStore.shop, "vip", post("preview", "Top customers", { join: "any", conditions: [] }), deps());
    expect(anyEmpty).toMatchObject({ ok: false, errors: { rule: { key: "ruleErr.emptyAny" } } });
    const anyError = (anyEmpty as { errors: Record<string, FieldError> }).errors.rule;
    expect(translate("zh-CN", anyError.key, anyError.vars)).toBe('"any" 至少需要一个条件（空的 "any" 永远不会匹配）。');

    const blank = await submitLayerEdit(devStore.shop, "vip", post("preview", "  ", { join: "all", conditions: [] }), deps());
    expect(blank).toMatchObject({ ok: false, errors: { name: { key: "layerErr.nameMissing" } } });
    expect(translate("zh-CN", "layerErr.nameMissing")).toBe("请为分层命名。");

    // A name another layer has: the domain names the clash, in either language.
    const clash = await submitLayerEdit(devStore.shop, "loyal", post("preview", "top customers", { join: "all", conditions: [cond({ field: "lifecycleStage", op: "==", value: "mature" })] }), deps());
    expect(clash).toMatchObject({ ok: false });
    // On the name when the edited layer is the later of the two, else on the form.
    const clashError = Object.values((clash as { errors: Record<string, FieldError> }).errors).find((e) => e.key === "layerErr.nameTaken");
    expect(clashError).toMatchObject({ key: "layerErr.nameTaken", vars: { name: expect.stringMatching(/^top customers$/i) } });
    expect(translate("en", clashError!.key, clashError!.vars)).toContain("already called");
    expect(translate("zh-CN", clashError!.key, clashError!.vars)).toMatch(/^第 \d+ 个分层已命名为“top customers”，名称必须不同，客户才能区分。$/i);

    for (const garbage of [post("preview", "x", undefined, { editor: "{not json" }), post("preview", "x", undefined, { ruleJson: "[1," }), post("launch", "x", { join: "all", conditions: [] })]) {
      const result = await submitLayerEdit(devStore.shop, "vip", garbage, deps());
      expect(result?.ok).toBe(false);
    }
    expect(await submitLayerEdit(devStore.shop, "nope", post("preview", "x", { join: "all", conditions: [] }), deps())).toBeNull();
    expect(await layerSizes()).toEqual(before);
  });

  it("GIVEN an edited set WHEN reset THEN the defaults are back and the customers with them", async () => {
    const result = await submitLayerEdit(devStore.shop, "vip", post("reset", ""), deps());
    expect(result).toMatchObject({ ok: true, intent: "reset" });
    expect((result as { moved: number }).moved).toBeGreaterThan(0);
    const view = await layerEditor(devStore.shop, "vip", { db: db.prisma, dialect });
    expect(view).toMatchObject({ layer: { name: "VIP" }, isDefault: true });
  });

  it("the dashboard's movement, aggregated in SQL, equals the service's layerMovementRates", async () => {
    const { layerMovementSummary } = await import("~/db/admin-queries.server");
    const { layerMovementRates } = await import("~/services/intelligence.server");
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBeGreaterThan(0); // the save and the reset above
    for (const [from, to] of [[new Date(NOW.getTime() - 30 * 86_400_000), new Date(NOW.getTime() + 1)], [NOW, new Date(NOW.getTime() + 1)], [new Date(NOW.getTime() + 1), new Date(NOW.getTime() + 2)]]) {
      const sql = await layerMovementSummary(db.prisma, dialect, devStore.shop, from, to);
      const service = await layerMovementRates(devStore.shop, { db: db.prisma, dialect, from, to });
      expect(sql).toEqual({
        customers: service.customers, moves: service.moves, upgrades: service.upgrades, downgrades: service.downgrades,
        upgradeRate: service.upgradeRate, downgradeRate: service.downgradeRate,
      });
    }
    const all = await layerMovementSummary(db.prisma, dialect, devStore.shop, new Date(NOW.getTime() - 86_400_000), new Date(NOW.getTime() + 1));
    expect(all.moves).toBe(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } }));
  });

  it("the layers page's overview (one GROUP BY) lists what the intelligence service lists, with revenue shares summing to 1", async () => {
    const { layersOverview, layerDetail } = await import("~/services/admin-views.server");
    const { getShopInsights } = await import("~/services/intelligence.server");
    const overview = (await layersOverview(devStore.shop, { db: db.prisma, dialect }))!;
    const insights = (await getShopInsights(devStore.shop, { db: db.prisma, dialect }))!;
    expect(overview.layers.map((l) => [l.id, l.name, l.rank, l.customers])).toEqual(insights.layers.map((l) => [l.id, l.name, l.rank, l.customers]));
    expect(overview.customers).toBe(insights.customers);
    expect(overview.computedAt).toBe(insights.computedAt.toISOString());
    expect(overview.layers.reduce((s, l) => s + (l.revenueShare ?? 0), 0)).toBeCloseTo(1, 9);
    const revenue = await db.prisma.customerInsight.aggregate({ where: { shopDomain: devStore.shop, layerId: "vip" }, _sum: { monetaryMinor: true } });
    expect(overview.layers.find((l) => l.id === "vip")!.monetaryMinor).toBe(Number(revenue._sum.monetaryMinor ?? 0));
    const detail = (await layerDetail(devStore.shop, "vip", { db: db.prisma, dialect }))!;
    expect(detail.layer).toEqual(overview.layers.find((l) => l.id === "vip"));
    expect(await layerDetail(devStore.shop, "nope", { db: db.prisma, dialect })).toBeNull();
  });

  it("records the staff member by Shopify user id, never by email", () => {
    expect(staffRefOf({ session: { onlineAccessInfo: { associated_user: { id: 5 } } } })).toEqual({ id: 5, label: "staff:5" });
    expect(staffRefOf({ session: {}, sessionToken: { sub: "9" } })).toEqual({ id: "9", label: "staff:9" });
    expect(staffRefOf({ session: {} })).toEqual({ id: null, label: "staff" });
  });
});
