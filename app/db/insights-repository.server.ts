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
import type { RawSqlClient } from "./sync-repository.server";

/** A Prisma client or transaction client: raw SQL plus the three intelligence models. */
export type InsightsDb = RawSqlClient & Pick<PrismaClient, "customerInsight" | "layerMove" | "shopInsight" | "shop">;

/** One customer's stored insight, as the service writes it. Money in minor units; times as Dates. */
export interface CustomerInsightRow {
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
}

const INSIGHT_COLUMNS = [
  "shopDomain", "customerGid", "layerId", "lifecycleStage", "r", "f", "m", "recencyDays", "orders", "aovMinor",
  "monetaryMinor", "pAlive", "expectedOrders30", "expectedOrders90", "expectedOrders365", "expectedOrderValueMinor",
  "predictedLtvMinor", "churnRisk", "churnReason", "expectedNextOrderAt", "layerReason", "computedAt",
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
