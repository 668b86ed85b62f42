/**
 * Merchant-edited layers end to end: a generated dev-store shop is synced into
 * a real database; layers are edited before the first pass, previewed,
 * renamed, re-ruled and reset. Each preview is checked against what the update
 * then did, and each update against a full pass over the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, syncTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { PurchaseHistoryReader } from "~/db/purchase-histories.server";
import { DEFAULT_LAYERS, segmentShop, type LayerDefinition } from "~/domain/segments";
import { getCustomerInsight, getShopInsights, recomputeShop, updateCustomer } from "~/services/intelligence.server";
import {
  getLayerDefinitions,
  previewLayerChange,
  resetLayerDefinitions,
  updateLayerDefinitions,
  type LayerChangePreview,
} from "~/services/layer-settings.server";

const ASOF = new Date(DEFAULT_NOW);
const LATER = new Date(Date.parse(DEFAULT_NOW) + 7 * 24 * 3600_000);

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;

const deps = (asOf = ASOF) => ({ db: db.prisma, dialect, asOf });
const defaults = () => structuredClone(DEFAULT_LAYERS) as LayerDefinition[];
const layer = (set: LayerDefinition[], id: string) => set.find((l) => l.id === id)!;

async function storedLayerIds(): Promise<Map<string, string>> {
  const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, select: { customerGid: true, layerId: true } });
  return new Map(rows.map((r) => [r.customerGid, r.layerId]));
}

async function sizes(): Promise<Record<string, number>> {
  const insights = (await getShopInsights(devStore.shop, { db: db.prisma, dialect }))!;
  return Object.fromEntries(insights.layers.filter((l) => l.customers > 0).map((l) => [l.id, l.customers]));
}

const nonZero = (preview: LayerChangePreview, side: "before" | "after") =>
  Object.fromEntries(preview.layers.filter((l) => l[side] > 0).map((l) => [l.id, l[side]]));

/** The from → to pairs of two layer maps, counted, for comparison with a preview's matrix. */
function matrix(before: Map<string, string>, after: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [gid, from] of before) {
    const to = after.get(gid)!;
    if (to !== from) out[`${from}>${to}`] = (out[`${from}>${to}`] ?? 0) + 1;
  }
  return out;
}
const previewMatrix = (p: LayerChangePreview) => Object.fromEntries(p.moves.map((m) => [`${m.from}>${m.to}`, m.customers]));

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 5151, orders: 900 });
  ({ restoreFetch } = await syncTestDevStore(devStore, { db: db.prisma, dialect }));
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("layer definitions before the first pass", () => {
  it("GIVEN a shop never computed WHEN its layers are read THEN they are the defaults, by priority", async () => {
    const view = await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect });
    expect(view).toMatchObject({ isDefault: true, computedAt: null });
    expect(view.layers.map((l) => l.id)).toEqual([...DEFAULT_LAYERS].sort((a, b) => a.priority - b.priority).map((l) => l.id));
    view.layers[0].name = "changed"; // a copy: the domain's frozen defaults are untouched
    expect(DEFAULT_LAYERS[0].name).toBe("VIP");
  });

  it("GIVEN a never-computed shop WHEN an edit is previewed and applied THEN the first pass uses it, and a later pass agrees", async () => {
    const edited = defaults();
    layer(edited, "loyal").rule = { all: [{ field: "lifecycleStage", op: "==", value: "mature" }, { field: "recencyDays", op: "<=", value: 30 }] };
    const preview = await previewLayerChange(devStore.shop, edited, deps());
    if (!preview.ok) throw new Error(JSON.stringify(preview.errors));
    expect(preview.basis).toBe("first-pass");

    // The preview's "before" is what the default pass would give; "after" what the edited one gives.
    const histories = await new PurchaseHistoryReader(db.prisma, dialect).all(devStore.shop);
    expect(nonZero(preview.preview, "before")).toEqual(withoutZeros(segmentShop(histories, ASOF.getTime()).layerSizes));
    expect(nonZero(preview.preview, "after")).toEqual(withoutZeros(segmentShop(histories, ASOF.getTime(), { layers: edited }).layerSizes));
    expect(preview.preview.moving).toBeGreaterThan(0); // mature customers without an order in 30 days leave "loyal" (to the fallback)

    const update = await updateLayerDefinitions(devStore.shop, edited, { ...deps(), staff: { id: 42 } });
    if (!update.ok) throw new Error(JSON.stringify(update.errors));
    expect(update).toMatchObject({ firstPass: true, moves: 0 }); // entries are not moves
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(0);
    expect(await sizes()).toEqual(nonZero(preview.preview, "after"));

    const again = await recomputeShop(devStore.shop, deps());
    expect(again.moves).toBe(0); // the pass read the stored, edited set and agrees with every row
    expect((await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).isDefault).toBe(false);
  });
});

function withoutZeros(sizes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(sizes).filter(([, n]) => n > 0));
}

describe("validation", () => {
  it("GIVEN a broken set WHEN previewed or applied THEN every problem is reported per layer and field, in words, and nothing changes", async () => {
    const bad = defaults();
    bad[1].id = "vip"; // duplicate id
    bad[2].name = "  ";
    bad[3].priority = bad[4].priority;
    bad[5].rule = { all: [{ field: "lifecycleStage", op: ">=", value: "mature" }, { field: "spend", op: ">", value: 3 }] } as never;
    bad[6].id = "Big Spenders";
    bad[7].name = "vip"; // same name as layer 1, case aside
    (bad[8] as { rank: unknown }).rank = "high";
    const before = await storedLayerIds();
    for (const run of [() => previewLayerChange(devStore.shop, bad, deps()), () => updateLayerDefinitions(devStore.shop, bad, deps())]) {
      const result = await run();
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const byField = result.errors.map((e) => `${e.layer}:${e.field}`);
      expect(byField).toEqual(expect.arrayContaining([
        "1:id", "2:name", "4:priority", "5:rule.all[0].op", "5:rule.all[1].field", "6:id", "7:name", "8:rank",
      ]));
      for (const e of result.errors) expect(e.message).toMatch(/^[A-Z"].*\.$/); // sentences
      expect(result.errors.find((e) => e.field === "rule.all[0].op")!.message).toContain('">=" does not apply to lifecycleStage');
      expect(result.errors.find((e) => e.layer === 1 && e.field === "id")!.message).toBe('Layer 1 already uses the id "vip"; each layer needs its own.');
      expect(result.errors.find((e) => e.field === "name" && e.layer === 7)!.message).toContain('already called "vip"');
    }
    expect(await storedLayerIds()).toEqual(before);

    for (const input of [null, {}, "vip", []]) {
      const result = await previewLayerChange(devStore.shop, input, deps());
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0]).toMatchObject({ layer: null, field: "layers" });
    }
    const reserved = defaults();
    reserved[0].id = "unassigned";
    const r = await previewLayerChange(devStore.shop, reserved, deps());
    expect(!r.ok && r.errors[0]).toMatchObject({ layer: 0, field: "id", message: expect.stringContaining("reserved") });
  });
});

describe("editing a computed shop's layers", () => {
  it("GIVEN the stored set unchanged WHEN previewed THEN nobody moves and the sizes are the stored ones", async () => {
    const current = (await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).layers;
    const preview = await previewLayerChange(devStore.shop, current, deps());
    if (!preview.ok) throw new Error("invalid");
    expect(preview.basis).toBe("stored");
    expect(preview.preview.moving).toBe(0);
    expect(preview.preview.moves).toEqual([]);
    expect(nonZero(preview.preview, "before")).toEqual(await sizes());
    expect(nonZero(preview.preview, "after")).toEqual(await sizes());
  });

  it("GIVEN a renamed layer WHEN applied THEN no one moves, no row is rewritten and the new name shows", async () => {
    const current = (await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).layers;
    layer(current, "one-time-buyers").name = "Single purchase";
    const preview = await previewLayerChange(devStore.shop, current, deps());
    expect(preview.ok && preview.preview.layers.find((l) => l.id === "one-time-buyers")).toMatchObject({ name: "Single purchase", status: "renamed", change: 0 });
    const update = await updateLayerDefinitions(devStore.shop, current, { ...deps(LATER), staff: { label: "owner" } });
    expect(update).toMatchObject({ ok: true, moves: 0, rowsUpdated: 0 });
    const insights = (await getShopInsights(devStore.shop, { db: db.prisma, dialect }))!;
    expect(insights.layers.find((l) => l.id === "one-time-buyers")!.name).toBe("Single purchase");
  });

  it("GIVEN changed rules WHEN previewed and applied THEN the update moves exactly whom the preview said, with moves and reasons", async () => {
    // A single "loyal" rule back to the default, a stricter VIP, and "new customers" merged into one-time buyers (removed).
    const edited = (await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).layers.filter((l) => l.id !== "new-customers");
    layer(edited, "loyal").rule = structuredClone(layer(defaults(), "loyal").rule);
    layer(edited, "vip").rule = { all: [{ field: "lifecycleStage", op: "in", value: ["growing", "mature"] }, { field: "f", op: ">=", value: 5 }, { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: 2 } }] };
    layer(edited, "one-time-buyers").rule = { field: "orders", op: "==", value: 1 };

    const before = await storedLayerIds();
    const movesBefore = await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } });
    const preview = await previewLayerChange(devStore.shop, edited, deps(LATER));
    if (!preview.ok) throw new Error(JSON.stringify(preview.errors));
    expect(preview.preview.layers.find((l) => l.id === "new-customers")).toMatchObject({ status: "removed", after: 0 });
    expect(preview.preview.moves.some((m) => m.from === "new-customers" && m.to === "one-time-buyers")).toBe(true);

    const update = await updateLayerDefinitions(devStore.shop, edited, { ...deps(LATER), staff: { id: "7" } });
    if (!update.ok) throw new Error("invalid");
    const after = await storedLayerIds();
    expect(previewMatrix(update.preview)).toEqual(previewMatrix(preview.preview));
    expect(matrix(before, after)).toEqual(previewMatrix(preview.preview));
    expect(await sizes()).toEqual(nonZero(preview.preview, "after"));
    expect(update.moves).toBe(preview.preview.moving);

    const recorded = await db.prisma.layerMove.findMany({ where: { shopDomain: devStore.shop, movedAt: LATER } });
    expect(recorded).toHaveLength(preview.preview.moving);
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(movesBefore + preview.preview.moving);
    const fromNew = recorded.find((m) => m.fromLayer === "new-customers")!;
    expect(fromNew).toMatchObject({ toLayer: "one-time-buyers", direction: "down" }); // rank 8 (removed layer's) → 4
    const vipLoss = recorded.find((m) => m.fromLayer === "vip");
    if (vipLoss) expect(vipLoss.direction).toBe("down");

    // The reason shows the new rule, in the full pass's format.
    const moved = await getCustomerInsight(devStore.shop, fromNew.customerGid, { db: db.prisma, dialect });
    expect(moved!.layer.id).toBe("one-time-buyers");
    expect(moved!.layerReason.matchedRule).toBe("Orders = 1");
    expect(moved!.layerReason.values).toEqual({ orders: 1 });

    // A full pass over the same data as of the original pass agrees with every row.
    const pass = await recomputeShop(devStore.shop, deps(ASOF));
    expect(pass.moves).toBe(0);
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop, layerId: "one-time-buyers" }, take: 1 });
    expect(JSON.parse(rows[0].layerReason)).toEqual({ matchedRule: "Orders = 1", values: { orders: 1 } });
  });

  it("GIVEN a rule on days since first order WHEN previewed and applied THEN features come from the purchase histories and a full pass agrees", async () => {
    // Without the catch-all layer, one-time buyers of the last 200 days match nothing: "unassigned".
    const edited = (await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).layers.filter((l) => l.id !== "unclassified");
    layer(edited, "one-time-buyers").rule = { all: [{ field: "orders", op: "==", value: 1 }, { field: "daysSinceFirstOrder", op: ">=", value: 200 }] };
    const before = await storedLayerIds();
    const preview = await previewLayerChange(devStore.shop, edited, deps());
    if (!preview.ok) throw new Error("invalid");
    expect(preview.basis).toBe("histories");
    expect(preview.preview.moving).toBeGreaterThan(0); // recent one-time buyers fall to unassigned
    expect(preview.preview.layers.find((l) => l.id === "unassigned")).toMatchObject({ before: 0, status: "added" });
    expect(preview.preview.moves.every((m) => m.from === "one-time-buyers" && m.to === "unassigned" && m.direction === "lateral")).toBe(true);

    const update = await updateLayerDefinitions(devStore.shop, edited, deps());
    if (!update.ok) throw new Error("invalid");
    expect(matrix(before, await storedLayerIds())).toEqual(previewMatrix(preview.preview));
    expect((await recomputeShop(devStore.shop, deps(ASOF))).moves).toBe(0);
  });

  it("GIVEN a customer updated after an order WHEN the set is edited THEN its stored features (its own as-of) are used", async () => {
    const oneTimer = (await db.prisma.customerInsight.findFirst({ where: { shopDomain: devStore.shop, layerId: "one-time-buyers" }, orderBy: { customerGid: "asc" } }))!;
    await updateCustomer(devStore.shop, oneTimer.customerGid, deps(LATER)); // re-scored as of a week later: recency +7
    const current = (await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect })).layers;
    const preview = await previewLayerChange(devStore.shop, current, deps());
    expect(preview.ok && preview.preview.moving).toBe(0);
  });

  it("GIVEN an edited set WHEN reset THEN the defaults are back and customers move back", async () => {
    const before = await storedLayerIds();
    const reset = await resetLayerDefinitions(devStore.shop, { ...deps(LATER), staff: { id: 1 } });
    expect(reset.layers.map((l) => l.id)).toEqual([...DEFAULT_LAYERS].sort((a, b) => a.priority - b.priority).map((l) => l.id));
    expect(reset.moves).toBeGreaterThan(0);
    expect(matrix(before, await storedLayerIds())).toEqual(previewMatrix(reset.preview));
    const view = await getLayerDefinitions(devStore.shop, { db: db.prisma, dialect });
    expect(view.isDefault).toBe(true);
    await recomputeShop(devStore.shop, deps(ASOF)); // also undoes the week-later update above
    const histories = await new PurchaseHistoryReader(db.prisma, dialect).all(devStore.shop);
    expect(await sizes()).toEqual(withoutZeros(segmentShop(histories, ASOF.getTime()).layerSizes));
  });
});
