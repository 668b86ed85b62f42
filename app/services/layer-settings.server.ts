/**
 * Merchant-edited layers: read the shop's layer set, preview an edit (how many
 * customers each layer would have, and who moves where), apply it (store the
 * set, re-layer every customer, record the moves), and go back to the defaults.
 *
 * Where the set lives: `ShopInsight.layers` (JSON), which `recomputeShop` reads
 * and writes back unchanged; the domain's DEFAULT_LAYERS until edited. A shop
 * whose intelligence was never computed has no `ShopInsight` row: an edit then
 * runs the first full pass (`recomputeShop`) and applies the set to it, so the
 * row exists and every later pass uses the set (see docs/intelligence.md).
 *
 * An edit changes rules, not customers: both the preview and the update
 * evaluate the old and new rules on each customer's **stored features** (the
 * values and stored baseline its current layer was computed from), so the
 * preview is exactly what the update does, and the update needs no refit.
 * Features come from the `CustomerInsight` columns when every rule of both
 * sets reads only stored fields (RFM, recency, orders, spend, AOV, lifecycle
 * stage: the default layers), else from the customers' purchase histories as of
 * each row's `computedAt` (rules on days since first order or since sign-up).
 */
import { performance } from "node:perf_hooks";
import { recencyDaysAt } from "~/domain/customers/insight-state";
import type { SqlDialect } from "~/db/adapter.server";
import { loadBehaviourValuesByCustomer } from "~/db/behaviour-columns.server";
import { insightsDriver } from "~/db/insights-driver.server";
import { InsightsRepository } from "~/db/insights-repository.server";
import { type BehaviourValues, behaviourColumnsOf, fillBehaviourFeatures, layersReadBehaviour } from "~/domain/behaviour/rule-features";
import { PurchaseHistoryReader } from "~/db/purchase-histories.server";
import {
  DEFAULT_LAYERS,
  compileLayers,
  customerFeatures,
  emptyFeatures,
  matchLayerIndex,
  segmentShop,
  shopNorms,
  UNASSIGNED_LAYER_ID,
  validateLayers,
  type CompiledLayers,
  type CustomerFeatures,
  type LayerDefinition,
  type ShopBaseline,
} from "~/domain/segments";
import {
  MoveTally,
  checkLayerSet,
  editMoveDirection,
  fillStoredFeatures,
  layerReasonWriter,
  layersNeedHistories,
  type LayerChangePreview,
  type LayerSetError,
} from "~/domain/segments/layer-edits";
import { logger } from "~/logger.server";
import { recomputeShop, type IntelligenceDb } from "~/services/intelligence.server";

export type { LayerChangePreview, LayerSetError } from "~/domain/segments/layer-edits";

export interface LayerSettingsDeps {
  db: IntelligenceDb;
  dialect: SqlDialect;
}

/** Who made an edit (from the admin session), for the log. */
export interface StaffRef {
  /** Shopify staff member id (the session's `userId`), when known. */
  id?: string | number | null;
  /** A display label for logs; no personal data (an id or "owner"), never an email. */
  label?: string | null;
}

export interface LayerDefinitionsView {
  /** The shop's layer set by priority (copies: safe to edit). */
  layers: LayerDefinition[];
  /** True when the set is the domain's defaults. */
  isDefault: boolean;
  /** The last full pass, null when intelligence was never computed (the defaults then apply). */
  computedAt: Date | null;
}

export type LayerEditResult<T> = { ok: true } & T | { ok: false; errors: LayerSetError[] };

export interface LayerPreviewResult {
  preview: LayerChangePreview;
  /**
   * What the customers' features were read from: `stored` (CustomerInsight
   * columns), `histories` (purchase histories at each row's computedAt), or
   * `first-pass` (never computed: a fresh pass as of `asOf`, before = defaults).
   */
  basis: "stored" | "histories" | "first-pass";
  durationMs: number;
}

export interface LayerUpdateResult extends LayerPreviewResult {
  layers: LayerDefinition[];
  /** LayerMoves recorded (none when the edit ran the shop's first pass: entries are not moves). */
  moves: number;
  /** CustomerInsight rows rewritten (layer changed, or the reason's rule text did). */
  rowsUpdated: number;
  /** True when the shop had never been computed and the edit ran `recomputeShop` first. */
  firstPass: boolean;
}

/** The shop's stored layer set no longer validates (edited outside the app). */
export class StoredLayersInvalidError extends Error {
  constructor(readonly shopDomain: string, readonly errors: { path: string; message: string }[]) {
    super(`the stored layers of ${shopDomain} are invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    this.name = "StoredLayersInvalidError";
  }
}

const PAGE_ROWS = 5_000;
const UPDATE_ROWS_PER_STATEMENT = 500;

/**
 * The shop's layer set, for the layer editor.
 * @example
 * const { layers, isDefault } = await getLayerDefinitions(shop, { db: prisma, dialect: appDatabaseDialect() });
 */
export async function getLayerDefinitions(shopDomain: string, deps: LayerSettingsDeps): Promise<LayerDefinitionsView> {
  const stored = await new InsightsRepository(deps.db, deps.dialect).shopInsight(shopDomain);
  const layers = stored ? parseStoredLayers(shopDomain, stored.layers) : cloneLayers(DEFAULT_LAYERS);
  return { layers: sortByPriority(layers), isDefault: sameLayers(layers, DEFAULT_LAYERS), computedAt: stored?.computedAt ?? null };
}

/**
 * What an edit would do, without changing anything: validation errors (per
 * layer and field, in plain words), or every layer's size now and after, and
 * the from → to move matrix. `asOf` is used only when the shop was never
 * computed (the preview then runs a pass in memory as of it).
 *
 * @example
 * const result = await previewLayerChange(shop, edited, { ...deps, asOf: new Date() });
 * if (!result.ok) return json({ errors: result.errors }, 400);
 * result.preview.moves[0]; // { from: "loyal", to: "vip", customers: 120, direction: "up" }
 */
export async function previewLayerChange(
  shopDomain: string,
  layers: unknown,
  deps: LayerSettingsDeps & { asOf: Date },
): Promise<LayerEditResult<LayerPreviewResult>> {
  const started = performance.now();
  const errors = checkLayerSet(layers);
  if (errors.length > 0) return { ok: false, errors };
  const next = layers as LayerDefinition[];
  const repo = new InsightsRepository(deps.db, deps.dialect);
  const [stored, currencyCode] = await Promise.all([repo.shopInsight(shopDomain), repo.shopCurrency(shopDomain)]);
  if (!stored) {
    const preview = await firstPassPreview(shopDomain, next, deps);
    return { ok: true, preview, basis: "first-pass", durationMs: performance.now() - started };
  }
  const current = parseStoredLayers(shopDomain, stored.layers);
  const behaviour = await behaviourFor(shopDomain, current, next, deps);
  const relayered = await relayer(shopDomain, current, next, JSON.parse(stored.baseline) as ShopBaseline, stored.computedAt.getTime(), currencyCode, deps, false, behaviour);
  return { ok: true, preview: relayered.tally.preview(current, next), basis: relayered.basis, durationMs: performance.now() - started };
}

/**
 * Applies an edited layer set: validates it, stores it in `ShopInsight.layers`
 * (every later full pass uses it), and re-layers every customer from the
 * stored features (the same computation as {@link previewLayerChange}): rows
 * whose layer or rule text changed get their new layer and reason, and each
 * customer whose layer changed gets a `LayerMove` (direction by the new set's
 * ranks; a removed layer's old rank), stamped `asOf`. One transaction: readers
 * see the old set or the new, never half.
 *
 * Never computed yet: runs the first full pass (`recomputeShop` as of `asOf`),
 * then applies the set to it without recording moves (entries are not moves).
 *
 * @example
 * const result = await updateLayerDefinitions(shop, edited, { ...deps, asOf: new Date(), staff: { id: session.userId } });
 * if (result.ok) result.moves; // 412 customers changed layer
 */
export async function updateLayerDefinitions(
  shopDomain: string,
  layers: unknown,
  deps: LayerSettingsDeps & { asOf: Date; staff?: StaffRef },
): Promise<LayerEditResult<LayerUpdateResult>> {
  const started = performance.now();
  const errors = checkLayerSet(layers);
  if (errors.length > 0) return { ok: false, errors };
  const next = sortByPriority(cloneLayers(layers as LayerDefinition[]).map(trimmed));

  let firstPass = false;
  const repo = new InsightsRepository(deps.db, deps.dialect);
  if (!(await repo.shopInsight(shopDomain))) {
    await recomputeShop(shopDomain, { db: deps.db, dialect: deps.dialect, asOf: deps.asOf });
    firstPass = true;
  }

  // Read before the transaction, on the driver's own connection (never inside the write lock).
  const storedBefore = await repo.shopInsight(shopDomain);
  const behaviour = storedBefore ? await behaviourFor(shopDomain, parseStoredLayers(shopDomain, storedBefore.layers), next, deps) : null;
  let result!: Omit<LayerUpdateResult, "durationMs" | "firstPass" | "layers">;
  await deps.db.$transaction(
    async (tx) => {
      const txRepo = new InsightsRepository(tx, deps.dialect);
      const stored = await txRepo.shopInsight(shopDomain);
      const currencyCode = await txRepo.shopCurrency(shopDomain);
      if (!stored) throw new Error(`no ShopInsight for ${shopDomain} after its first pass`);
      const current = parseStoredLayers(shopDomain, stored.layers);
      const txDeps = { db: tx as unknown as IntelligenceDb, dialect: deps.dialect };
      const relayered = await relayer(shopDomain, current, next, JSON.parse(stored.baseline) as ShopBaseline, stored.computedAt.getTime(), currencyCode, txDeps, true, behaviour);
      await updateRows(shopDomain, relayered.changes, txDeps);
      const moves = firstPass ? [] : relayered.changes.filter((c) => c.from !== c.to);
      await txRepo.insertMoves(shopDomain, moves.map((c) => ({
        customerGid: c.customerGid, fromLayer: c.from, toLayer: c.to, direction: editMoveDirection(c.from, c.to, current, next), movedAt: deps.asOf,
      })));
      const { shopDomain: _shop, ...rest } = stored;
      await txRepo.saveShopInsight({ shopDomain, ...rest, layers: JSON.stringify(next) });
      result = { preview: relayered.tally.preview(current, next), basis: relayered.basis, moves: moves.length, rowsUpdated: relayered.changes.length };
    },
    { timeout: 10 * 60_000, maxWait: 60_000 },
  );
  const durationMs = performance.now() - started;
  logger.info("layer definitions updated", {
    shopDomain, staffId: deps.staff?.id == null ? null : String(deps.staff.id), staff: deps.staff?.label ?? null,
    layers: next.length, moves: result.moves, rowsUpdated: result.rowsUpdated, firstPass, durationMs: Math.round(durationMs),
  });
  return { ok: true, ...result, layers: next, firstPass, durationMs };
}

/** Puts the shop back on the default layers (an update to DEFAULT_LAYERS: customers move, moves are recorded). */
export async function resetLayerDefinitions(
  shopDomain: string,
  deps: LayerSettingsDeps & { asOf: Date; staff?: StaffRef },
): Promise<LayerUpdateResult> {
  const result = await updateLayerDefinitions(shopDomain, cloneLayers(DEFAULT_LAYERS), deps);
  if (!result.ok) throw new Error(`the default layers do not validate: ${JSON.stringify(result.errors)}`); // a bug, not an input error
  return result;
}

// ---------------------------------------------------------------- internals

interface RowChange {
  customerGid: string;
  from: string;
  to: string;
  reason: string;
}

interface Relayered {
  tally: MoveTally;
  basis: "stored" | "histories";
  /** Only when asked: rows to rewrite. */
  changes: RowChange[];
}

/**
 * Evaluates the old and new sets on every stored customer. `before` is the
 * stored layer id (what the merchant sees); `after` the new set's first match.
 */
async function relayer(
  shopDomain: string,
  current: readonly LayerDefinition[],
  next: readonly LayerDefinition[],
  baseline: ShopBaseline,
  /** The last full pass's as-of: rows it left unwritten had the same state then (insight-state.ts). */
  passAt: number,
  currencyCode: string | null,
  deps: LayerSettingsDeps,
  collectChanges: boolean,
  behaviour: ReadonlyMap<string, BehaviourValues> | null = null,
): Promise<Relayered> {
  const norms = shopNorms(baseline);
  const compiled = compileLayers(next, norms);
  const reasonOf = layerReasonWriter(compiled, { currencyCode: currencyCode ?? undefined });
  // A row's reason must be rewritten when its layer changes or its layer's rule changed (the text is the rule's).
  const oldRules = new Map(current.map((l) => [l.id, JSON.stringify(l.rule)]));
  const ruleChanged = compiled.layers.map((l) => oldRules.get(l.id) !== JSON.stringify(l.rule));
  const tally = new MoveTally();
  const changes: RowChange[] = [];
  const visit = (customerGid: string, before: string, x: CustomerFeatures, at: number) => {
    // Behaviour fields as the full pass fills them, as of the row's own computation.
    if (behaviour) fillBehaviourFeatures(x, behaviourColumnsOf(behaviour.get(customerGid) ?? null), 0, at);
    const k = matchLayerIndex(x, compiled);
    const after = k < 0 ? UNASSIGNED_LAYER_ID : compiled.layers[k].id;
    tally.add(before, after);
    if (collectChanges && (before !== after || (k >= 0 && ruleChanged[k]))) {
      changes.push({ customerGid, from: before, to: after, reason: reasonOf(k, x) });
    }
  };

  const useHistories = layersNeedHistories(next) || layersNeedHistories(current);
  if (!useHistories) {
    const x = emptyFeatures();
    for await (const rows of storedRows(shopDomain, deps)) {
      for (const r of rows) {
        const at = stateAt(r, passAt);
        fillStoredFeatures(x, {
          customerGid: r.customerGid, lifecycleStage: r.lifecycleStage, r: r.r, f: r.f, m: r.m,
          recencyDays: r.lastOrderAt === null ? r.recencyDays : recencyDaysAt({ lastOrderAtMs: r.lastOrderAt.getTime() }, at),
          orders: r.orders, aovMinor: r.aovMinor === null ? null : Number(r.aovMinor), monetaryMinor: Number(r.monetaryMinor),
        });
        visit(r.customerGid, r.layerId, x, at);
      }
    }
    return { tally, basis: "stored", changes };
  }

  // Rules on days since first order / sign-up: rebuild each row's features from its orders, as of its state.
  const rows = new Map<string, { layerId: string; at: number }>();
  for await (const page of storedRows(shopDomain, deps)) for (const r of page) rows.set(r.customerGid, { layerId: r.layerId, at: stateAt(r, passAt) });
  for await (const histories of new PurchaseHistoryReader(deps.db, deps.dialect).stream(shopDomain, { pageCustomers: PAGE_ROWS })) {
    for (const h of histories) {
      const row = rows.get(h.customerId);
      if (!row) continue; // synced since the last pass: no layer yet
      visit(h.customerId, row.layerId, customerFeatures(h, baseline, row.at), row.at);
    }
  }
  return { tally, basis: "histories", changes };
}

interface StoredRow {
  customerGid: string;
  layerId: string;
  lifecycleStage: string;
  r: number | null;
  f: number | null;
  m: number | null;
  recencyDays: number | null;
  orders: number;
  aovMinor: bigint | null;
  monetaryMinor: bigint;
  computedAt: Date;
  lastOrderAt: Date | null;
  stateHash: number | null;
}

/**
 * The instant a row's stored state describes: the last pass's as-of when the
 * pass left the row as it was (the state was the same then), or the row's own
 * computedAt when an update wrote it since. Stored recency is as of computedAt,
 * so it is recomputed from the last order for that instant.
 */
function stateAt(row: Pick<StoredRow, "computedAt" | "stateHash">, passAt: number): number {
  const own = row.computedAt.getTime();
  return row.stateHash === null ? own : Math.max(own, passAt); // null: written before passes compared states
}

/** The stored rows, a page at a time (keyset on customerGid), with the columns rules read. */
async function* storedRows(shopDomain: string, deps: LayerSettingsDeps): AsyncGenerator<StoredRow[]> {
  let after: string | null = null;
  for (;;) {
    const rows: StoredRow[] = await deps.db.customerInsight.findMany({
      where: { shopDomain, ...(after === null ? {} : { customerGid: { gt: after } }) },
      orderBy: { customerGid: "asc" },
      take: PAGE_ROWS,
      select: {
        customerGid: true, layerId: true, lifecycleStage: true, r: true, f: true, m: true, recencyDays: true,
        orders: true, aovMinor: true, monetaryMinor: true, computedAt: true, lastOrderAt: true, stateHash: true,
      },
    });
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE_ROWS) return;
    after = rows[rows.length - 1].customerGid;
  }
}

/** A never-computed shop: segment a fresh pass as of asOf with the defaults and with the edit. */
/** The shop's behaviour values when either layer set has a rule on them (else null: nothing to load). */
async function behaviourFor(
  shopDomain: string,
  current: readonly LayerDefinition[],
  next: readonly LayerDefinition[],
  deps: LayerSettingsDeps,
): Promise<Map<string, BehaviourValues> | null> {
  if (!layersReadBehaviour(current) && !layersReadBehaviour(next)) return null;
  return loadBehaviourValuesByCustomer(await insightsDriver(deps.db, deps.dialect), deps.dialect, shopDomain);
}

async function firstPassPreview(shopDomain: string, next: readonly LayerDefinition[], deps: LayerSettingsDeps & { asOf: Date }): Promise<LayerChangePreview> {
  const histories = await new PurchaseHistoryReader(deps.db, deps.dialect).all(shopDomain);
  const at = deps.asOf.getTime();
  const before = segmentShop(histories, at, { layers: DEFAULT_LAYERS });
  const compiled: CompiledLayers = compileLayers(next, before.norms);
  const tally = new MoveTally();
  for (let i = 0; i < histories.length; i++) {
    const x = customerFeatures(histories[i], before.baseline, at);
    const k = matchLayerIndex(x, compiled);
    tally.add(before.layerIds[before.layerIndex[i]], k < 0 ? UNASSIGNED_LAYER_ID : compiled.layers[k].id);
  }
  return tally.preview(DEFAULT_LAYERS, next);
}

/** Rewrites layerId and layerReason of the changed rows (two columns only: predictions and scores stay as stored). */
async function updateRows(shopDomain: string, changes: readonly RowChange[], deps: LayerSettingsDeps): Promise<void> {
  for (let i = 0; i < changes.length; i += UPDATE_ROWS_PER_STATEMENT) {
    const part = changes.slice(i, i + UPDATE_ROWS_PER_STATEMENT);
    // Placeholders: PostgreSQL numbers them, SQLite's `?` bind in text order (args are pushed in text order).
    let n = 0;
    const slot = () => (deps.dialect === "postgresql" ? `$${++n}` : "?");
    const args: unknown[] = [];
    const layerCases = part.map((c) => { const sql = `WHEN ${slot()} THEN ${slot()}`; args.push(c.customerGid, c.to); return sql; }).join(" ");
    const reasonCases = part.map((c) => { const sql = `WHEN ${slot()} THEN ${slot()}`; args.push(c.customerGid, c.reason); return sql; }).join(" ");
    const shopSlot = slot();
    args.push(shopDomain);
    const inList = part.map((c) => { args.push(c.customerGid); return slot(); }).join(",");
    await deps.db.$executeRawUnsafe(
      `UPDATE "CustomerInsight" SET "layerId" = CASE "customerGid" ${layerCases} END, "layerReason" = CASE "customerGid" ${reasonCases} END` +
        ` WHERE "shopDomain" = ${shopSlot} AND "customerGid" IN (${inList})`,
      ...args,
    );
  }
}

function parseStoredLayers(shopDomain: string, json: string): LayerDefinition[] {
  const layers: unknown = JSON.parse(json);
  const errors = validateLayers(layers);
  if (errors.length > 0) throw new StoredLayersInvalidError(shopDomain, errors);
  return layers as LayerDefinition[];
}

function cloneLayers(layers: readonly LayerDefinition[]): LayerDefinition[] {
  return structuredClone(layers) as LayerDefinition[];
}

function sortByPriority(layers: LayerDefinition[]): LayerDefinition[] {
  return layers.sort((a, b) => a.priority - b.priority);
}

/** Stores names as shown (trimmed) and only the known keys. */
function trimmed(l: LayerDefinition): LayerDefinition {
  return { id: l.id, name: l.name.trim(), description: l.description, priority: l.priority, rank: l.rank, rule: l.rule };
}

function sameLayers(a: readonly LayerDefinition[], b: readonly LayerDefinition[]): boolean {
  const key = (set: readonly LayerDefinition[]) => JSON.stringify(sortByPriority(cloneLayers(set)).map(trimmed));
  return key(a) === key(b);
}
