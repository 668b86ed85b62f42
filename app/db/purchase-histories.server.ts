/**
 * Purchase histories (the customer-intelligence input, `PurchaseHistory`)
 * read from synced orders.
 *
 * What counts as a purchase (docs/intelligence.md):
 * - orders of a customer who is not deleted; guest orders (no customer) are left out;
 * - not cancelled, not a test order, not deleted;
 * - financial status PAID, PARTIALLY_PAID or PARTIALLY_REFUNDED. PENDING and
 *   AUTHORIZED orders are not paid yet (they count once `orders/paid` or a
 *   reconciliation brings the new status); VOIDED (an unpaid order cancelled)
 *   and REFUNDED (all money returned) are not purchases; an unknown (NULL)
 *   status is left out until a sync fills it;
 * - value = totalPriceMinor − totalRefundedMinor (net of refunds, shop currency).
 *
 * Customers without a counted order are still returned (with no orders): they
 * are the prospects of the segmentation.
 */
import type { OrderPoint, PurchaseHistory } from "~/domain/customers/purchase-history";
import type { PurchaseColumns } from "~/domain/segments";
import type { SqlDialect } from "./adapter.server";
import type { SqlSession } from "./insights-driver.server";
import type { RawSqlClient } from "./sync-repository.server";

/** Financial statuses whose orders count as purchases. */
export const PURCHASE_FINANCIAL_STATUSES = ["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"] as const;

/** Customers per page of the keyset-paginated read. */
export const DEFAULT_HISTORY_PAGE_CUSTOMERS = 5_000;

interface HistoryRow {
  customerGid: string;
  customerCreatedAt: Date | string | number;
  processedAt: Date | string | number | null;
  netMinor: bigint | number | string | null;
}

const statusList = PURCHASE_FINANCIAL_STATUSES.map((s) => `'${s}'`).join(",");

/** The join condition that makes an order a purchase (see the module comment). */
const PURCHASE_JOIN =
  `o."shopDomain" = c."shopDomain" AND o."customerGid" = c."customerGid"` +
  ` AND o."cancelledAt" IS NULL AND o."deletedAt" IS NULL AND NOT o."test"` +
  ` AND o."financialStatus" IN (${statusList})`;

export function toMs(value: Date | string | number | bigint): number {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`purchase histories: unreadable timestamp ${JSON.stringify(value)}`);
  return ms;
}

/** Minor units as a JS number: exact up to 2^53 (see PurchaseHistory). */
export function toNumber(value: bigint | number | string): number {
  return typeof value === "number" ? value : Number(value);
}

/** Groups rows ordered by (customerGid, processedAt) into histories. */
function groupRows(rows: HistoryRow[]): PurchaseHistory[] {
  const out: PurchaseHistory[] = [];
  let current: PurchaseHistory | null = null;
  for (const row of rows) {
    if (current === null || current.customerId !== row.customerGid) {
      current = { customerId: row.customerGid, createdAt: toMs(row.customerCreatedAt), orders: [] };
      out.push(current);
    }
    if (row.processedAt !== null && row.netMinor !== null) {
      const point: OrderPoint = { at: toMs(row.processedAt), valueMinor: toNumber(row.netMinor) };
      current.orders.push(point);
    }
  }
  return out;
}

export class PurchaseHistoryReader {
  constructor(
    private readonly db: RawSqlClient,
    private readonly dialect: SqlDialect,
  ) {}

  private p(n: number): string {
    return this.dialect === "postgresql" ? `$${n}` : "?";
  }

  /**
   * One page: up to `customers` customers after `afterGid` (keyset on the
   * customer id, in the database's own order), each with all their purchases,
   * so a customer is never split across pages. One query per page.
   */
  async page(shopDomain: string, afterGid: string | null, customers: number): Promise<PurchaseHistory[]> {
    const p = (n: number) => this.p(n);
    // SQLite's "?" bind in text order: the cursor (when present) comes before the limit.
    const after = afterGid === null ? "" : ` AND "customerGid" > ${p(2)}`;
    const limit = p(afterGid === null ? 2 : 3);
    const sql =
      `WITH page AS (SELECT "shopDomain", "customerGid", "shopifyCreatedAt" FROM "Customer"` +
      ` WHERE "shopDomain" = ${p(1)} AND "deletedAt" IS NULL${after} ORDER BY "customerGid" LIMIT ${limit})` +
      ` SELECT c."customerGid" AS "customerGid", c."shopifyCreatedAt" AS "customerCreatedAt", o."processedAt" AS "processedAt",` +
      ` (o."totalPriceMinor" - o."totalRefundedMinor") AS "netMinor"` +
      ` FROM page c LEFT JOIN "Order" o ON ${PURCHASE_JOIN}` +
      ` ORDER BY c."customerGid", o."processedAt", o."orderGid"`;
    const params: unknown[] = afterGid === null ? [shopDomain, customers] : [shopDomain, afterGid, customers];
    const rows = await this.db.$queryRawUnsafe<HistoryRow[]>(sql, ...params);
    return groupRows(rows);
  }

  /**
   * Every (not deleted) customer's history, page by page. Memory is bounded by
   * one page of customers and their orders; histories come in the database's
   * order of customer ids.
   */
  async *stream(shopDomain: string, options: { pageCustomers?: number } = {}): AsyncGenerator<PurchaseHistory[]> {
    const size = options.pageCustomers ?? DEFAULT_HISTORY_PAGE_CUSTOMERS;
    let after: string | null = null;
    for (;;) {
      const page = await this.page(shopDomain, after, size);
      if (page.length === 0) return;
      yield page;
      if (page.length < size) return;
      after = page[page.length - 1].customerId;
    }
  }

  /** All histories of a shop in one array (the domain passes need them together). */
  async all(shopDomain: string, options: { pageCustomers?: number } = {}): Promise<PurchaseHistory[]> {
    const out: PurchaseHistory[] = [];
    for await (const page of this.stream(shopDomain, options)) for (const h of page) out.push(h);
    return out;
  }

  /** One customer's history, or null when the customer is unknown or deleted. */
  async historyOf(shopDomain: string, customerGid: string): Promise<PurchaseHistory | null> {
    const p = (n: number) => this.p(n);
    const sql =
      `SELECT c."customerGid" AS "customerGid", c."shopifyCreatedAt" AS "customerCreatedAt", o."processedAt" AS "processedAt",` +
      ` (o."totalPriceMinor" - o."totalRefundedMinor") AS "netMinor"` +
      ` FROM "Customer" c LEFT JOIN "Order" o ON ${PURCHASE_JOIN}` +
      ` WHERE c."shopDomain" = ${p(1)} AND c."customerGid" = ${p(2)} AND c."deletedAt" IS NULL` +
      ` ORDER BY o."processedAt", o."orderGid"`;
    const rows = await this.db.$queryRawUnsafe<HistoryRow[]>(sql, shopDomain, customerGid);
    return groupRows(rows)[0] ?? null;
  }
}

/** A timestamp column as something `toMs` reads: PostgreSQL gives epoch ms (no time-zone parsing in the driver), SQLite its text. */
export function msColumn(dialect: SqlDialect, column: string): string {
  return dialect === "postgresql" ? `round(EXTRACT(EPOCH FROM ${column}) * 1000)::float8` : column;
}

/** A BigInt money expression as a plain number (exact to 2^53) on PostgreSQL, whose driver gives int8 as text. */
function moneyExpr(dialect: SqlDialect, expr: string): string {
  return dialect === "postgresql" ? `(${expr})::float8` : expr;
}

/**
 * Every (not deleted) customer's purchases as columns, for the full pass: the
 * same customers, order and purchases as `PurchaseHistoryReader.all` gives,
 * without an object per customer or order.
 *
 * Two scans instead of the reader's join: the customers by id, then the shop's
 * purchase orders in table order (a scan, not an index walk with a row lookup
 * per order: 2-5x faster on SQLite), grouped in memory by customer and sorted
 * by time. Orders of deleted or unknown customers are dropped. `indexOf` maps
 * a customer id to its position.
 */
export async function loadPurchaseColumns(
  db: SqlSession,
  dialect: SqlDialect,
  shopDomain: string,
): Promise<PurchaseColumns & { indexOf: Map<string, number> }> {
  const p = (n: number) => (dialect === "postgresql" ? `$${n}` : "?");
  const customerIds: string[] = [];
  let createdAt = new Float64Array(1024);
  const indexOf = new Map<string, number>();
  await db.each(
    `SELECT "customerGid", ${msColumn(dialect, `"shopifyCreatedAt"`)} FROM "Customer" WHERE "shopDomain" = ${p(1)} AND "deletedAt" IS NULL ORDER BY "customerGid"`,
    [shopDomain],
    (row) => {
      const i = customerIds.length;
      if (i === createdAt.length) createdAt = grow(createdAt);
      customerIds.push(row[0] as string);
      createdAt[i] = toMs(row[1] as string);
      indexOf.set(row[0] as string, i);
    },
  );
  const n = customerIds.length;

  let owner = new Int32Array(4096);
  let at = new Float64Array(4096);
  let value = new Float64Array(4096);
  let m = 0;
  // `+"shopDomain"` keeps SQLite on a table scan: the planner would walk an index and look every order up.
  const shopTerm = dialect === "postgresql" ? `o."shopDomain" = $1` : `+o."shopDomain" = ?`;
  await db.each(
    `SELECT o."customerGid", ${msColumn(dialect, `o."processedAt"`)}, ${moneyExpr(dialect, `o."totalPriceMinor" - o."totalRefundedMinor"`)}` +
      ` FROM "Order" o WHERE ${shopTerm} AND o."customerGid" IS NOT NULL AND o."cancelledAt" IS NULL AND o."deletedAt" IS NULL` +
      ` AND NOT o."test" AND o."financialStatus" IN (${statusList})`,
    [shopDomain],
    (row) => {
      const i = indexOf.get(row[0] as string);
      if (i === undefined || row[1] === null || row[2] === null) return;
      if (m === at.length) {
        owner = grow(owner);
        at = grow(at);
        value = grow(value);
      }
      owner[m] = i;
      at[m] = toMs(row[1] as string);
      value[m++] = toNumber(row[2] as number);
    },
  );

  // Group by customer (counting sort), then order each customer's purchases by time.
  const orderStart = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) orderStart[owner[k] + 1]++;
  for (let i = 0; i < n; i++) orderStart[i + 1] += orderStart[i];
  const fill = orderStart.slice(0, n);
  const orderAt = new Float64Array(m);
  const orderValueMinor = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const slot = fill[owner[k]]++;
    orderAt[slot] = at[k];
    orderValueMinor[slot] = value[k];
  }
  for (let i = 0; i < n; i++) {
    // Insertion sort: a customer has a handful of orders. Equal times may land in either order: nothing reads their order.
    for (let k = orderStart[i] + 1, end = orderStart[i + 1]; k < end; k++) {
      const t = orderAt[k];
      const v = orderValueMinor[k];
      let j = k - 1;
      while (j >= orderStart[i] && orderAt[j] > t) {
        orderAt[j + 1] = orderAt[j];
        orderValueMinor[j + 1] = orderValueMinor[j];
        j--;
      }
      orderAt[j + 1] = t;
      orderValueMinor[j + 1] = v;
    }
  }
  return { count: n, customerIds, createdAt: createdAt.slice(0, n), orderStart, orderAt, orderValueMinor, indexOf };
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** One customer's history through the driver (the single-customer update's read): null when unknown or deleted. */
export async function historyOfCustomer(db: SqlSession, dialect: SqlDialect, shopDomain: string, customerGid: string): Promise<PurchaseHistory | null> {
  const p = (n: number) => (dialect === "postgresql" ? `$${n}` : "?");
  const sql =
    `SELECT c."customerGid", ${msColumn(dialect, `c."shopifyCreatedAt"`)}, ${msColumn(dialect, `o."processedAt"`)},` +
    ` ${moneyExpr(dialect, `o."totalPriceMinor" - o."totalRefundedMinor"`)}` +
    ` FROM "Customer" c LEFT JOIN "Order" o ON ${PURCHASE_JOIN}` +
    ` WHERE c."shopDomain" = ${p(1)} AND c."customerGid" = ${p(2)} AND c."deletedAt" IS NULL` +
    ` ORDER BY o."processedAt", o."orderGid"`;
  let history: PurchaseHistory | null = null;
  await db.each(sql, [shopDomain, customerGid], (row) => {
    history ??= { customerId: row[0] as string, createdAt: toMs(row[1] as string), orders: [] };
    if (row[2] !== null && row[3] !== null) history.orders.push({ at: toMs(row[2] as string), valueMinor: toNumber(row[3] as number) });
  });
  return history;
}
