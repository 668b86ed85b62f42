/**
 * Stores customer intelligence: one `CustomerInsight` row per customer,
 * append-only `LayerMove`s, and the shop's `ShopInsight` (baseline, layers,
 * fitted model). Customer rows go in as multi-row `INSERT … ON CONFLICT … DO
 * UPDATE` statements (the same SQL on SQLite and PostgreSQL but for
 * placeholders), as sync does: a recomputation rewrites every customer.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";
import type { SqlDialect } from "./adapter.server";
import type { InsightsDriver, SqlSession, SqlValue } from "./insights-driver.server";
import { msColumn, toMs } from "./purchase-histories.server";
import type { RawSqlClient } from "./sync-repository.server";

/** A Prisma client or transaction client: raw SQL plus the three intelligence models. */
export type InsightsDb = RawSqlClient & Pick<PrismaClient, "customerInsight" | "layerMove" | "shopInsight" | "shop">;

/** The stored state columns behind fresh predictions (`domain/customers/insight-state.ts`): null for a prospect. */
export interface StoredStateColumns {
  lastOrderAt: Date | null;
  firstOrderDay: number | null;
  repeatOrders: number | null;
  repeatSpanDays: number | null;
  meanRepeatValueMinor: number | null;
  meanOrderValueMinor: number | null;
}

/** The purchase digest as stored (`encodeDigest` in domain/customers/purchase-digest.ts); null: none stored. */
export interface DigestColumns {
  digest: string | null;
}

/** One customer's stored insight, as the service writes it. Money in minor units; times as Dates. */
export interface CustomerInsightRow extends StoredStateColumns, DigestColumns {
  customerGid: string;
  layerId: string;
  lifecycleStage: string;
  r: number | null;
  f: number | null;
  m: number | null;
  recencyDays: number | null;
  orders: number;
  aovMinor: number | null;
  monetaryMinor: number;
  pAlive: number | null;
  expectedOrders30: number | null;
  expectedOrders90: number | null;
  expectedOrders365: number | null;
  expectedOrderValueMinor: number | null;
  predictedLtvMinor: number | null;
  churnRisk: string | null;
  /** JSON text. */
  churnReason: string | null;
  expectedNextOrderAt: Date | null;
  /** JSON text. */
  layerReason: string;
  computedAt: Date;
  stateHash: number;
}

export interface LayerMoveRow {
  customerGid: string;
  fromLayer: string | null;
  toLayer: string;
  direction: string;
  movedAt: Date;
}

export interface ShopInsightRow {
  shopDomain: string;
  /** JSON text. */
  baseline: string;
  /** JSON text. */
  layers: string;
  model: string;
  /** JSON text. */
  fitDiagnostics: string;
  computedAt: Date;
  durationMs: number;
  /** The digest format every row was written with (a full pass sets it); left as stored when absent. */
  digestVersion?: number | null;
}

const INSIGHT_COLUMNS = [
  "shopDomain", "customerGid", "layerId", "lifecycleStage", "r", "f", "m", "recencyDays", "orders", "aovMinor",
  "monetaryMinor", "pAlive", "expectedOrders30", "expectedOrders90", "expectedOrders365", "expectedOrderValueMinor",
  "predictedLtvMinor", "churnRisk", "churnReason", "expectedNextOrderAt", "layerReason", "computedAt",
  "lastOrderAt", "firstOrderDay", "repeatOrders", "repeatSpanDays", "meanRepeatValueMinor", "meanOrderValueMinor", "stateHash",
  "digest",
] as const;
const MOVE_COLUMNS = ["id", "shopDomain", "customerGid", "fromLayer", "toLayer", "direction", "movedAt"] as const;

// SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535.
const MAX_PARAMS: Record<SqlDialect, number> = { sqlite: 30_000, postgresql: 60_000 };
const MAX_ROWS_PER_STATEMENT = 1_000;

const quote = (name: string) => `"${name}"`;
const bigintOrNull = (n: number | null) => (n === null ? null : BigInt(Math.round(n)));

export class InsightsRepository {
  constructor(
    private readonly db: InsightsDb,
    private readonly dialect: SqlDialect,
  ) {}

  private placeholders(rows: number, columns: number): string {
    const groups: string[] = [];
    let n = 1;
    for (let r = 0; r < rows; r++) {
      const slots: string[] = new Array(columns);
      for (let c = 0; c < columns; c++) slots[c] = this.dialect === "postgresql" ? `$${n++}` : "?";
      groups.push(`(${slots.join(",")})`);
    }
    return groups.join(",");
  }

  private async insertRows(table: string, columns: readonly string[], rows: unknown[][], onConflict: string): Promise<void> {
    const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS[this.dialect] / columns.length)));
    const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(",")}) VALUES `;
    let fullSql: string | null = null;
    for (let i = 0; i < rows.length; i += perStatement) {
      const part = rows.slice(i, i + perStatement);
      const sql =
        part.length === perStatement
          ? (fullSql ??= head + this.placeholders(perStatement, columns.length) + onConflict)
          : head + this.placeholders(part.length, columns.length) + onConflict;
      await this.db.$executeRawUnsafe(sql, ...part.flat());
    }
  }

  /** Inserts or replaces customers' insights (one statement per ~1,000 rows). */
  async upsertCustomerInsights(shopDomain: string, rows: readonly CustomerInsightRow[]): Promise<void> {
    const updates = INSIGHT_COLUMNS.filter((c) => c !== "shopDomain" && c !== "customerGid")
      .map((c) => `${quote(c)} = excluded.${quote(c)}`)
      .join(", ");
    const values = rows.map((r) => [
      shopDomain, r.customerGid, r.layerId, r.lifecycleStage, r.r, r.f, r.m, r.recencyDays, r.orders,
      bigintOrNull(r.aovMinor), BigInt(Math.round(r.monetaryMinor)), r.pAlive, r.expectedOrders30, r.expectedOrders90,
      r.expectedOrders365, bigintOrNull(r.expectedOrderValueMinor), bigintOrNull(r.predictedLtvMinor), r.churnRisk,
      r.churnReason, r.expectedNextOrderAt, r.layerReason, r.computedAt,
      r.lastOrderAt, r.firstOrderDay, r.repeatOrders, r.repeatSpanDays, r.meanRepeatValueMinor, r.meanOrderValueMinor, r.stateHash,
      r.digest,
    ]);
    await this.insertRows("CustomerInsight", INSIGHT_COLUMNS, values, ` ON CONFLICT ("shopDomain","customerGid") DO UPDATE SET ${updates}`);
  }

  /** Removes the insights of customers that are deleted or no longer synced. Returns how many. */
  async deleteInsightsOfGoneCustomers(shopDomain: string): Promise<number> {
    const p = this.dialect === "postgresql" ? "$1" : "?";
    return this.db.$executeRawUnsafe(
      `DELETE FROM "CustomerInsight" WHERE "shopDomain" = ${p} AND NOT EXISTS (SELECT 1 FROM "Customer" c` +
        ` WHERE c."shopDomain" = "CustomerInsight"."shopDomain" AND c."customerGid" = "CustomerInsight"."customerGid" AND c."deletedAt" IS NULL)`,
      shopDomain,
    );
  }

  /** Every stored customer's layer: customerGid → layerId. */
  async currentLayers(shopDomain: string): Promise<Map<string, string>> {
    const rows = await this.db.customerInsight.findMany({ where: { shopDomain }, select: { customerGid: true, layerId: true } });
    const map = new Map<string, string>();
    for (const r of rows) map.set(r.customerGid, r.layerId);
    return map;
  }

  async insertMoves(shopDomain: string, moves: readonly LayerMoveRow[]): Promise<void> {
    if (moves.length === 0) return;
    const values = moves.map((m) => [randomUUID(), shopDomain, m.customerGid, m.fromLayer, m.toLayer, m.direction, m.movedAt]);
    await this.insertRows("LayerMove", MOVE_COLUMNS, values, "");
  }

  /** Moves with `from <= movedAt < to` (either bound optional), oldest first. */
  async movesBetween(shopDomain: string, range: { from?: Date; to?: Date }) {
    return this.db.layerMove.findMany({
      where: { shopDomain, movedAt: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) } },
      orderBy: [{ movedAt: "asc" }, { id: "asc" }],
    });
  }

  async movesOf(shopDomain: string, customerGid: string, take = 20) {
    return this.db.layerMove.findMany({ where: { shopDomain, customerGid }, orderBy: { movedAt: "desc" }, take });
  }

  /** Customers per stored layer id. */
  async layerSizes(shopDomain: string): Promise<Record<string, number>> {
    const groups = await this.db.customerInsight.groupBy({ by: ["layerId"], where: { shopDomain }, _count: { _all: true } });
    const sizes: Record<string, number> = {};
    for (const g of groups) sizes[g.layerId] = g._count._all;
    return sizes;
  }

  async customerInsight(shopDomain: string, customerGid: string) {
    return this.db.customerInsight.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } } });
  }

  /** A page of a layer's customers, by customer id, after `cursor` (exclusive). */
  async customersInLayer(shopDomain: string, layerId: string, cursor: string | null, take: number) {
    return this.db.customerInsight.findMany({
      where: { shopDomain, layerId, ...(cursor === null ? {} : { customerGid: { gt: cursor } }) },
      orderBy: { customerGid: "asc" },
      take,
    });
  }

  async shopInsight(shopDomain: string) {
    return this.db.shopInsight.findUnique({ where: { shopDomain } });
  }

  /** The shop's currency (ISO 4217), when the shop row has it. */
  async shopCurrency(shopDomain: string): Promise<string | null> {
    const shop = await this.db.shop.findUnique({ where: { domain: shopDomain }, select: { currencyCode: true } });
    return shop?.currencyCode ?? null;
  }

  async saveShopInsight(row: ShopInsightRow): Promise<void> {
    const { shopDomain, ...rest } = row;
    await this.db.shopInsight.upsert({ where: { shopDomain }, create: row, update: rest });
  }
}

// ---------------------------------------------------------------- bulk path (driver-direct)

/** A customer row's values in `INSIGHT_COLUMNS` order after shopDomain, times as epoch ms: what the full pass compares. */
export type InsightValues = [
  customerGid: string, layerId: string, lifecycleStage: string, r: number | null, f: number | null, m: number | null,
  recencyDays: number | null, orders: number, aovMinor: number | null, monetaryMinor: number, pAlive: number | null,
  expectedOrders30: number | null, expectedOrders90: number | null, expectedOrders365: number | null,
  expectedOrderValueMinor: number | null, predictedLtvMinor: number | null, churnRisk: string | null, churnReason: string | null,
  expectedNextOrderAtMs: number | null, layerReason: string, computedAtMs: number,
  lastOrderAtMs: number | null, firstOrderDay: number | null, repeatOrders: number | null, repeatSpanDays: number | null,
  meanRepeatValueMinor: number | null, meanOrderValueMinor: number | null, stateHash: number,
  digest: string | null,
];

/** A row as values (rounding money as `upsertCustomerInsights` does). */
export function insightValues(r: CustomerInsightRow): InsightValues {
  const round = (n: number | null) => (n === null ? null : Math.round(n));
  return [
    r.customerGid, r.layerId, r.lifecycleStage, r.r, r.f, r.m, r.recencyDays, r.orders, round(r.aovMinor), Math.round(r.monetaryMinor),
    r.pAlive, r.expectedOrders30, r.expectedOrders90, r.expectedOrders365, round(r.expectedOrderValueMinor), round(r.predictedLtvMinor),
    r.churnRisk, r.churnReason, r.expectedNextOrderAt === null ? null : r.expectedNextOrderAt.getTime(), r.layerReason, r.computedAt.getTime(),
    r.lastOrderAt === null ? null : r.lastOrderAt.getTime(), r.firstOrderDay, r.repeatOrders, r.repeatSpanDays,
    r.meanRepeatValueMinor, r.meanOrderValueMinor, r.stateHash,
    r.digest,
  ];
}

const INSIGHT_PG_TYPES = [
  "text", "text", "text", "int4", "int4", "int4", "int4", "int4", "int8", "int8", "float8", "float8", "float8", "float8",
  "int8", "int8", "text", "text", "timestamp(3)", "text", "timestamp(3)",
  "timestamp(3)", "int4", "int4", "int4", "float8", "float8", "float8",
  "text",
] as const;
const TIME_COLUMNS = new Set([18, 20, 21]); // positions of expectedNextOrderAt, computedAt and lastOrderAt in InsightValues
const MONEY_COLUMNS = new Set([8, 9, 14, 15]);

/**
 * The full pass's reads and writes of `CustomerInsight` (and the shop's
 * `ShopInsight`, moves, deletions) through the driver: whole-shop scans as
 * streams, customer rows in large multi-row statements (PostgreSQL: one
 * `unnest` of column arrays per 5,000 rows, so a statement binds 21 values
 * rather than 100,000). Same tables, same SQL semantics as {@link InsightsRepository}.
 */
export class InsightsBulkRepository {
  constructor(
    private readonly db: SqlSession,
    private readonly dialect: SqlDialect,
    private readonly kind: InsightsDriver["kind"],
  ) {}

  private p(n: number): string {
    return this.dialect === "postgresql" ? `$${n}` : "?";
  }

  /** The stored layer set (JSON), the last pass's as-of (epoch ms), the stored rows' digest version and the shop's currency. */
  async shopState(shopDomain: string): Promise<{ layers: string | null; computedAtMs: number | null; digestVersion: number | null; currencyCode: string | null }> {
    const rows = await this.db.all(
      `SELECT si."layers", ${msColumn(this.dialect, `si."computedAt"`)}, si."digestVersion",` +
        ` (SELECT "currencyCode" FROM "Shop" WHERE "domain" = ${this.p(1)})` +
        ` FROM (SELECT 1) AS one LEFT JOIN "ShopInsight" si ON si."shopDomain" = ${this.p(2)}`,
      [shopDomain, shopDomain],
    );
    const [layers, computedAt, digestVersion, currencyCode] = rows[0] ?? [null, null, null, null];
    return {
      layers: (layers as string | null) ?? null,
      computedAtMs: computedAt == null ? null : toMs(computedAt as string),
      digestVersion: digestVersion == null ? null : Number(digestVersion),
      currencyCode: (currencyCode as string | null) ?? null,
    };
  }

  /** The shop's stale customers (`CustomerInsightStale`), each with its mark's version. */
  async staleCustomers(shopDomain: string): Promise<Map<string, number>> {
    const stale = new Map<string, number>();
    await this.db.each(
      `SELECT "customerGid", "version" FROM "CustomerInsightStale" WHERE "shopDomain" = ${this.p(1)}`,
      [shopDomain],
      (row) => stale.set(row[0] as string, Number(row[1])),
    );
    return stale;
  }

  /** How many customer rows the shop has stored. */
  async insightCount(shopDomain: string): Promise<number> {
    const rows = await this.db.all(`SELECT count(*) FROM "CustomerInsight" WHERE "shopDomain" = ${this.p(1)}`, [shopDomain]);
    return Number(rows[0][0]);
  }

  /** Streams every stored row's layer, state hash and purchase digest in customer id order: `[customerGid, layerId, stateHash, digest]`. */
  async eachStoredDigest(shopDomain: string, onRow: (row: unknown[]) => void): Promise<void> {
    await this.db.each(
      `SELECT "customerGid", "layerId", "stateHash", "digest" FROM "CustomerInsight" WHERE "shopDomain" = ${this.p(1)} ORDER BY "customerGid"`,
      [shopDomain],
      onRow,
    );
  }

  /**
   * Clears the marks a pass read (customer, version); a mark re-made since (a
   * newer version) stays for the next pass. Returns how many were cleared.
   */
  async clearStale(shopDomain: string, marks: readonly (readonly [customerGid: string, version: number])[]): Promise<number> {
    let cleared = 0;
    // A row-value IN over a VALUES list: one statement per 2,000 marks (400 OR-ed terms took SQLite ~40 ms a statement to plan and run).
    const pair = this.dialect === "postgresql" ? (k: number) => `(${this.p(k)}::text, ${this.p(k + 1)}::int)` : () => "(?, ?)";
    for (let i = 0; i < marks.length; i += 2_000) {
      const part = marks.slice(i, i + 2_000);
      const params: SqlValue[] = [shopDomain];
      const rows = part.map(([gid, version]) => {
        params.push(gid, version);
        return pair(params.length - 1);
      });
      cleared += await this.db.run(
        `DELETE FROM "CustomerInsightStale" WHERE "shopDomain" = ${this.p(1)} AND ("customerGid", "version") IN (VALUES ${rows.join(", ")})`,
        params,
      );
    }
    return cleared;
  }

  /**
   * Clears the marks of customers among `customerGids` that are deleted or no
   * longer synced, whatever their version: deleting their rows marked them again.
   */
  async clearStaleOfGone(shopDomain: string, customerGids: readonly string[]): Promise<void> {
    for (let i = 0; i < customerGids.length; i += 500) {
      const part = customerGids.slice(i, i + 500);
      const list = part.map((_, k) => this.p(k + 2)).join(",");
      await this.db.run(
        `DELETE FROM "CustomerInsightStale" WHERE "shopDomain" = ${this.p(1)} AND "customerGid" IN (${list}) AND NOT EXISTS (SELECT 1 FROM "Customer" c` +
          ` WHERE c."shopDomain" = "CustomerInsightStale"."shopDomain" AND c."customerGid" = "CustomerInsightStale"."customerGid" AND c."deletedAt" IS NULL)`,
        [shopDomain, ...part],
      );
    }
  }

  /** Marks customers stale (their next pass reads their orders). */
  async markStale(shopDomain: string, customerGids: readonly string[]): Promise<void> {
    for (let i = 0; i < customerGids.length; i += 500) {
      const part = customerGids.slice(i, i + 500);
      await this.db.run(
        `INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") VALUES ${placeholders(this.dialect, part.length, 2)}` +
          ` ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "CustomerInsightStale"."version" + 1`,
        part.flatMap((gid) => [shopDomain, gid]),
      );
    }
  }

  /**
   * Streams the shop's stored `[customerGid, layerId, stateHash]`: what a pass
   * compares its new state with. The hash is null for a row without a digest, so it is rewritten with one.
   */
  async eachStoredState(shopDomain: string, onRow: (customerGid: string, layerId: string, stateHash: number | null) => void): Promise<void> {
    await this.db.each(
      `SELECT "customerGid", "layerId", CASE WHEN "digest" IS NULL THEN NULL ELSE "stateHash" END FROM "CustomerInsight" WHERE "shopDomain" = ${this.p(1)}`,
      [shopDomain],
      (row) => onRow(row[0] as string, row[1] as string, row[2] === null ? null : Number(row[2])),
    );
  }

  /** Inserts or replaces customers' rows (never touches `writtenHash`). */
  async upsert(shopDomain: string, rows: readonly InsightValues[]): Promise<void> {
    if (rows.length === 0) return;
    const updates = INSIGHT_COLUMNS.filter((c) => c !== "shopDomain" && c !== "customerGid")
      .map((c) => `${quote(c)} = excluded.${quote(c)}`)
      .join(", ");
    const onConflict = ` ON CONFLICT ("shopDomain","customerGid") DO UPDATE SET ${updates}`;
    if (this.kind === "pg") {
      const per = 5_000;
      const arrays = INSIGHT_PG_TYPES.map((t, i) => `${this.p(i + 2)}::${t}[]`).join(", ");
      const sql = `INSERT INTO "CustomerInsight" (${INSIGHT_COLUMNS.map(quote).join(",")}) SELECT ${this.p(1)}, u.* FROM unnest(${arrays}) AS u${onConflict}`;
      for (let i = 0; i < rows.length; i += per) {
        const part = rows.slice(i, i + per);
        const columns = INSIGHT_PG_TYPES.map((_, c) =>
          part.map((r) => (TIME_COLUMNS.has(c) && r[c] !== null ? new Date(r[c] as number).toISOString() : r[c])),
        );
        await this.db.run(sql, [shopDomain, ...(columns as unknown as SqlValue[])]);
      }
      return;
    }
    const width = INSIGHT_COLUMNS.length;
    const per = Math.min(500, Math.floor(MAX_PARAMS[this.dialect] / width));
    const head = `INSERT INTO "CustomerInsight" (${INSIGHT_COLUMNS.map(quote).join(",")}) VALUES `;
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      const params: SqlValue[] = [];
      for (const r of part) {
        params.push(shopDomain);
        for (let c = 0; c < r.length; c++) {
          const v = r[c];
          params.push(v === null ? null : TIME_COLUMNS.has(c) ? new Date(v as number) : MONEY_COLUMNS.has(c) ? BigInt(v as number) : v);
        }
      }
      await this.db.run(head + placeholders(this.dialect, part.length, width) + onConflict, params);
    }
  }

  async insertMoves(shopDomain: string, moves: readonly LayerMoveRow[]): Promise<void> {
    const per = Math.floor(MAX_PARAMS[this.dialect] / MOVE_COLUMNS.length / 10);
    for (let i = 0; i < moves.length; i += per) {
      const part = moves.slice(i, i + per);
      const params = part.flatMap((m) => [randomUUID(), shopDomain, m.customerGid, m.fromLayer, m.toLayer, m.direction, m.movedAt]);
      await this.db.run(`INSERT INTO "LayerMove" (${MOVE_COLUMNS.map(quote).join(",")}) VALUES ${placeholders(this.dialect, part.length, MOVE_COLUMNS.length)}`, params);
    }
  }

  /**
   * Removes the rows of `candidates` (stored customers the pass did not load) whose customer is
   * deleted or no longer synced; returns how many. The check runs here, in the write transaction:
   * a customer synced after the pass loaded keeps the row an update gave it.
   */
  async deleteGone(shopDomain: string, candidates: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < candidates.length; i += 500) {
      const part = candidates.slice(i, i + 500);
      const list = part.map((_, k) => this.p(k + 2)).join(",");
      deleted += await this.db.run(
        `DELETE FROM "CustomerInsight" WHERE "shopDomain" = ${this.p(1)} AND "customerGid" IN (${list}) AND NOT EXISTS (SELECT 1 FROM "Customer" c` +
          ` WHERE c."shopDomain" = "CustomerInsight"."shopDomain" AND c."customerGid" = "CustomerInsight"."customerGid" AND c."deletedAt" IS NULL)`,
        [shopDomain, ...part],
      );
    }
    return deleted;
  }

  async saveShopInsight(row: ShopInsightRow): Promise<void> {
    const columns = ["shopDomain", "baseline", "layers", "model", "fitDiagnostics", "computedAt", "durationMs"];
    const values: SqlValue[] = [row.shopDomain, row.baseline, row.layers, row.model, row.fitDiagnostics, row.computedAt, row.durationMs];
    if (row.digestVersion !== undefined) {
      columns.push("digestVersion");
      values.push(row.digestVersion);
    }
    await this.db.run(
      `INSERT INTO "ShopInsight" (${columns.map(quote).join(",")}) VALUES ${placeholders(this.dialect, 1, columns.length)}` +
        ` ON CONFLICT ("shopDomain") DO UPDATE SET ${columns.slice(1).map((c) => `${quote(c)} = excluded.${quote(c)}`).join(", ")}`,
      values,
    );
  }

  /** What a single-customer update reads: the stored model (JSON), the customer's stored layer, the currency. */
  async updateState(shopDomain: string, customerGid: string) {
    const rows = await this.db.all(
      `SELECT si."baseline", si."layers", si."model", si."fitDiagnostics", ${msColumn(this.dialect, `si."computedAt"`)},` +
        ` (SELECT "currencyCode" FROM "Shop" WHERE "domain" = ${this.p(1)})` +
        ` FROM "ShopInsight" si WHERE si."shopDomain" = ${this.p(2)}`,
      [shopDomain, shopDomain],
    );
    if (rows.length === 0) return null;
    const [baseline, layers, model, fitDiagnostics, computedAt, currencyCode] = rows[0] as [string, string, string, string, unknown, string | null];
    return { baseline, layers, model, fitDiagnostics, computedAtMs: toMs(computedAt as string), currencyCode: currencyCode ?? null };
  }

  /** A customer's stored layer, or null. */
  async storedLayer(shopDomain: string, customerGid: string): Promise<string | null> {
    const rows = await this.db.all(
      `SELECT "layerId" FROM "CustomerInsight" WHERE "shopDomain" = ${this.p(1)} AND "customerGid" = ${this.p(2)}`,
      [shopDomain, customerGid],
    );
    return rows.length === 0 ? null : (rows[0][0] as string);
  }
}

function placeholders(dialect: SqlDialect, rows: number, columns: number): string {
  const groups: string[] = new Array(rows);
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const slots: string[] = new Array(columns);
    for (let c = 0; c < columns; c++) slots[c] = dialect === "postgresql" ? `$${n++}` : "?";
    groups[r] = `(${slots.join(",")})`;
  }
  return groups.join(",");
}
