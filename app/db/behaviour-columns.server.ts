/**
 * The behaviour dimensions layer rules read (app/domain/behaviour/rule-features.ts),
 * loaded as columns for the intelligence full pass (one query over
 * `CustomerBehaviour`, aligned with the purchase columns' customer order) and
 * for one customer (the single-customer update), through the same driver.
 */
import type { SqlDialect } from "./adapter.server";
import type { SqlSession } from "./insights-driver.server";
import { msColumn, toMs } from "./purchase-histories.server";
import { type BehaviourColumns, type BehaviourValues, behaviourColumnsOf, emptyBehaviourColumns, setBehaviourValues } from "~/domain/behaviour/rule-features";

const p = (dialect: SqlDialect, n: number) => (dialect === "postgresql" ? `$${n}` : "?");

function select(dialect: SqlDialect): string {
  return (
    `SELECT "customerGid", "sessions30", "views30", "carts30", "searches30", ` +
    `${msColumn(dialect, `"lastSeenAt"`)}, ${msColumn(dialect, `"cartAbandonedAt"`)}, "topProductTypes" FROM "CustomerBehaviour"`
  );
}

function valuesOf(row: unknown[]): BehaviourValues {
  return {
    sessions30: Number(row[1]),
    views30: Number(row[2]),
    carts30: Number(row[3]),
    searches30: Number(row[4]),
    lastSeenAt: row[5] === null ? null : toMs(row[5] as string),
    cartAbandonedAt: row[6] === null ? null : toMs(row[6] as string),
    topProductType: firstAffinity(row[7] as string),
  };
}

/** The strongest value of a stored affinity list (`[{"value":…,"score":…}]`), or null. */
function firstAffinity(json: string | null): string | null {
  if (!json || json === "[]") return null;
  const list = JSON.parse(json) as { value: string }[];
  return list[0]?.value ?? null;
}

/**
 * Every stored customer's behaviour values, in the order of `purchases.customerIds`
 * (NaN/null for customers without dimensions). `indexOf` (id → position), when
 * the caller has one, saves building a lookup of the shop's customers.
 */
export async function loadBehaviourColumns(
  db: SqlSession,
  dialect: SqlDialect,
  shopDomain: string,
  purchases: { customerIds: readonly string[]; indexOf?: ReadonlyMap<string, number> },
): Promise<BehaviourColumns> {
  const cols = emptyBehaviourColumns(purchases.customerIds.length);
  const rows = await db.all(`${select(dialect)} WHERE "shopDomain" = ${p(dialect, 1)}`, [shopDomain]);
  if (rows.length === 0) return cols;
  if (purchases.indexOf) {
    for (const row of rows) {
      const i = purchases.indexOf.get(row[0] as string);
      if (i !== undefined) setBehaviourValues(cols, i, valuesOf(row));
    }
    return cols;
  }
  // Usually far fewer customers have dimensions than the shop has customers: look the shop's customers up in them.
  const byGid = new Map(rows.map((row) => [row[0] as string, row]));
  const ids = purchases.customerIds;
  for (let i = 0; i < ids.length; i++) {
    const row = byGid.get(ids[i]);
    if (row) setBehaviourValues(cols, i, valuesOf(row));
  }
  return cols;
}

/** One customer's behaviour values as a one-customer column set (all missing when none are stored). */
export async function loadCustomerBehaviourColumns(db: SqlSession, dialect: SqlDialect, shopDomain: string, customerGid: string): Promise<BehaviourColumns> {
  const [row] = await db.all(`${select(dialect)} WHERE "shopDomain" = ${p(dialect, 1)} AND "customerGid" = ${p(dialect, 2)}`, [shopDomain, customerGid]);
  return behaviourColumnsOf(row ? valuesOf(row) : null);
}

/** Every stored customer's behaviour values by customer id (layer edits look customers up one at a time). */
export async function loadBehaviourValuesByCustomer(db: SqlSession, dialect: SqlDialect, shopDomain: string): Promise<Map<string, BehaviourValues>> {
  const rows = await db.all(`${select(dialect)} WHERE "shopDomain" = ${p(dialect, 1)}`, [shopDomain]);
  return new Map(rows.map((row) => [row[0] as string, valuesOf(row)]));
}
