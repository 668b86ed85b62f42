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
import { decodeDigest } from "~/domain/customers/purchase-digest";
import type { OrderPoint, PurchaseHistory } from "~/domain/customers/purchase-history";
import type { PurchaseColumns } from "~/domain/segments";
import type { SqlDialect } from "./adapter.server";
import type { SqlSession, SqlValue } from "./insights-driver.server";
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

/** What makes an order `o` a purchase (see the module comment): every read of purchases uses this. */
const PURCHASE_TERMS = `o."cancelledAt" IS NULL AND o."deletedAt" IS NULL AND NOT o."test" AND o."financialStatus" IN (${statusList})`;

/** The join condition from a customer `c` to its purchases `o`. */
const PURCHASE_JOIN = `o."shopDomain" = c."shopDomain" AND o."customerGid" = c."customerGid" AND ${PURCHASE_TERMS}`;

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
 * same customers and purchases as `PurchaseHistoryReader.all` gives, in
 * code-unit order of their ids, without an object per customer or order.
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
  // The database's collation may not be code-unit order (PostgreSQL's usually is not): the pass's order is.
  const perm = codeUnitOrder(customerIds);
  if (perm) {
    const ids = Array.from(perm, (j) => customerIds[j]);
    const at = Float64Array.from(perm, (j) => createdAt[j]);
    for (let i = 0; i < n; i++) {
      customerIds[i] = ids[i];
      createdAt[i] = at[i];
      indexOf.set(ids[i], i);
    }
  }

  let owner = new Int32Array(4096);
  let at = new Float64Array(4096);
  let value = new Float64Array(4096);
  let m = 0;
  // `+"shopDomain"` keeps SQLite on a table scan: the planner would walk an index and look every order up.
  const shopTerm = dialect === "postgresql" ? `o."shopDomain" = $1` : `+o."shopDomain" = ?`;
  await db.each(
    `SELECT o."customerGid", ${msColumn(dialect, `o."processedAt"`)}, ${moneyExpr(dialect, `o."totalPriceMinor" - o."totalRefundedMinor"`)}` +
      ` FROM "Order" o WHERE ${shopTerm} AND o."customerGid" IS NOT NULL AND ${PURCHASE_TERMS}`,
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

/**
 * A permutation that puts `ids` in code-unit order (JavaScript's `<`), or
 * null when they already are. A pass's customers are always in this order,
 * whichever path loaded them and whatever the database's collation, so a
 * pass over the same customers fits the same sample and writes the same rows.
 */
export function codeUnitOrder(ids: readonly string[]): Int32Array | null {
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) if (ids[i - 1] > ids[i]) sorted = false;
  if (sorted) return null;
  const perm = Int32Array.from(ids.keys());
  perm.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  return perm;
}

/** What a pass compares with, per customer in the loaded order: the stored layer and state hash (NaN: none). */
export interface StoredComparison {
  storedLayer: (string | undefined)[];
  storedHash: Float64Array;
  /** Stale customers with a stored row who are deleted or no longer synced: their rows go. */
  gone: string[];
  /** Customers whose orders were read (stale, or no usable digest). */
  reread: number;
}

/** Purchases of a few customers by id (stale ones), as histories; deleted and unknown customers are absent. */
async function historiesOf(db: SqlSession, dialect: SqlDialect, shopDomain: string, customerGids: readonly string[]): Promise<Map<string, PurchaseHistory>> {
  const pg = dialect === "postgresql";
  const p = (n: number) => (pg ? `$${n}` : "?");
  const out = new Map<string, PurchaseHistory>();
  // PostgreSQL: one array parameter per 5,000 ids (`= ANY`); SQLite: an IN list of 500 (its parameter limit is lower).
  const per = pg ? 5_000 : 500;
  for (let i = 0; i < customerGids.length; i += per) {
    const part = customerGids.slice(i, i + per);
    const list = pg ? "" : part.map((_, k) => p(k + 2)).join(",");
    const among = (column: string) => (pg ? `${column} = ANY($2::text[])` : `${column} IN (${list})`);
    const params: SqlValue[] = pg ? [shopDomain, part as unknown as SqlValue] : [shopDomain, ...part];
    // Deleted customers filtered here, not in SQL: with "deletedAt" in the WHERE, SQLite walks the (shopDomain, deletedAt) index of the whole shop.
    await db.each(
      `SELECT "customerGid", ${msColumn(dialect, `"shopifyCreatedAt"`)}, "deletedAt" IS NULL FROM "Customer" WHERE "shopDomain" = ${p(1)} AND ${among(`"customerGid"`)}`,
      params,
      (row) => {
        if (Number(row[2]) === 1 || row[2] === true) out.set(row[0] as string, { customerId: row[0] as string, createdAt: toMs(row[1] as string), orders: [] });
      },
    );
    await db.each(
      `SELECT o."customerGid", ${msColumn(dialect, `o."processedAt"`)}, ${moneyExpr(dialect, `o."totalPriceMinor" - o."totalRefundedMinor"`)}` +
        ` FROM "Order" o WHERE o."shopDomain" = ${p(1)} AND ${among(`o."customerGid"`)} AND ${PURCHASE_TERMS}` +
        ` ORDER BY o."customerGid", o."processedAt", o."orderGid"`,
      params,
      (row) => {
        const h = out.get(row[0] as string);
        if (h && row[1] !== null && row[2] !== null) h.orders.push({ at: toMs(row[1] as string), valueMinor: toNumber(row[2] as number) });
      },
    );
  }
  return out;
}

/**
 * The pass's input from stored rows (ADR 0012): a customer whose row holds a
 * usable purchase digest and who is not marked stale comes from the digest
 * (`decodeDigest`); the others (stale, no digest, a digest built after
 * `asOf`) from their orders. The same customers, in the same order, with
 * orders that give the models the same numbers as `loadPurchaseColumns`,
 * when every change marked its customer stale (the triggers'
 * job). Also gives what the pass compares with (read here, not in the write
 * transaction: a customer changed meanwhile is marked again and redone).
 */
export async function loadPurchaseColumnsFromDigests(
  db: SqlSession,
  dialect: SqlDialect,
  shopDomain: string,
  asOf: number,
  stale: ReadonlyMap<string, number>,
  eachStoredDigest: (shopDomain: string, onRow: (row: unknown[]) => void) => Promise<void>,
  expectedRows = 1024,
): Promise<{ purchases: PurchaseColumns & { readonly indexOf: Map<string, number> }; stored: StoredComparison }> {
  // Customers from digests, in the scan's (database) order. Sized for the rows expected (growing a million-row array costs).
  const ids: string[] = [];
  const layers: string[] = [];
  let created = new Float64Array(expectedRows + 1);
  let hashes = new Float64Array(expectedRows + 1);
  let start = new Int32Array(expectedRows + 2);
  let at = new Float64Array(3 * expectedRows + 16);
  let value = new Float64Array(3 * expectedRows + 16);
  let m = 0;
  const push = (t: number, v: number) => {
    if (m === at.length) {
      at = grow(at);
      value = grow(value);
    }
    at[m] = t;
    value[m++] = v;
  };
  const rereadStored = new Map<string, [layer: string, hash: number]>();
  await eachStoredDigest(shopDomain, (row) => {
    const gid = row[0] as string;
    const layer = row[1] as string;
    const hash = row[2] === null ? Number.NaN : Number(row[2]);
    const text = row[3] as string | null;
    const before = m;
    if (stale.has(gid)) {
      rereadStored.set(gid, [layer, hash]);
      return;
    }
    const digest = text === null ? null : decodeDigest(text, asOf, push);
    if (digest === null) {
      // No usable digest (none yet, another format, built after the as-of): NaN, so the row is rewritten with one.
      rereadStored.set(gid, [layer, Number.NaN]);
      return;
    }
    const i = ids.length;
    if (i === created.length) {
      created = grow(created);
      hashes = grow(hashes);
    }
    if (i + 1 === start.length) start = grow(start);
    ids.push(gid);
    layers.push(layer);
    created[i] = digest.createdAtMs;
    hashes[i] = hash;
    start[i] = before;
    start[i + 1] = m;
  });
  const fromDigest = ids.length;
  start[fromDigest] = m;

  // Stale customers and rows without a usable digest: read their orders.
  const rereadIds = [...new Set([...rereadStored.keys(), ...stale.keys()])].sort();
  const histories = await historiesOf(db, dialect, shopDomain, rereadIds);
  const gone: string[] = [];
  const reread: string[] = [];
  for (const gid of rereadIds) {
    if (histories.has(gid)) reread.push(gid);
    else if (rereadStored.has(gid)) gone.push(gid);
  }

  // Merge both lists in code-unit order.
  const perm = codeUnitOrder(ids);
  const n = fromDigest + reread.length;
  let total = m;
  for (const gid of reread) total += histories.get(gid)!.orders.length;
  const customerIds = new Array<string>(n);
  let indexOf: Map<string, number> | null = null;
  const out = {
    count: n,
    customerIds,
    createdAt: new Float64Array(n),
    orderStart: new Int32Array(n + 1),
    orderAt: new Float64Array(total),
    orderValueMinor: new Float64Array(total),
    /** Built when first read (behaviour rules): a million-entry map costs a second the pass does not otherwise need. */
    get indexOf(): Map<string, number> {
      if (indexOf === null) {
        indexOf = new Map();
        for (let i = 0; i < n; i++) indexOf.set(customerIds[i], i);
      }
      return indexOf;
    },
  };
  const stored: StoredComparison = { storedLayer: new Array(n), storedHash: new Float64Array(n).fill(Number.NaN), gone, reread: reread.length };
  let a = 0;
  let b = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const da = a < fromDigest ? (perm ? perm[a] : a) : -1;
    const takeDigest = da >= 0 && (b >= reread.length || ids[da] < reread[b]);
    out.orderStart[i] = k;
    if (takeDigest) {
      out.customerIds[i] = ids[da];
      out.createdAt[i] = created[da];
      for (let j = start[da]; j < start[da + 1]; j++) {
        out.orderAt[k] = at[j];
        out.orderValueMinor[k++] = value[j];
      }
      stored.storedLayer[i] = layers[da];
      stored.storedHash[i] = hashes[da];
      a++;
    } else {
      const h = histories.get(reread[b])!;
      out.customerIds[i] = h.customerId;
      out.createdAt[i] = h.createdAt;
      for (const o of h.orders) {
        out.orderAt[k] = o.at;
        out.orderValueMinor[k++] = o.valueMinor;
      }
      const before = rereadStored.get(h.customerId);
      if (before !== undefined) {
        stored.storedLayer[i] = before[0];
        stored.storedHash[i] = before[1];
      }
      b++;
    }
  }
  out.orderStart[n] = k;
  return { purchases: out, stored };
}
