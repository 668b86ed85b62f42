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
import type { SqlDialect } from "./adapter.server";
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

function toMs(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`purchase histories: unreadable timestamp ${JSON.stringify(value)}`);
  return ms;
}

/** Minor units as a JS number: exact up to 2^53 (see PurchaseHistory). */
function toNumber(value: bigint | number | string): number {
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
