/**
 * Writes synced Shopify records. Every write is an idempotent upsert guarded
 * by Shopify's `updatedAt`: a record only replaces what is stored when it is
 * strictly newer, so a duplicate delivery, a replayed bulk batch or an older
 * version arriving after a newer one changes nothing.
 *
 * Rows go in as multi-row `INSERT … ON CONFLICT … DO UPDATE … WHERE` statements
 * (the same SQL on SQLite and PostgreSQL bar placeholders), because sync
 * writes millions of rows and per-row ORM upserts are ~50x slower.
 */
import { createHash } from "node:crypto";
import type { CustomerRecord, OrderRecord, ProductRecord, RefundRecord } from "~/domain/sync/records";
import type { SqlDialect } from "./adapter.server";

/** The slice of a Prisma client (or transaction client) that raw writes need. */
export interface RawSqlClient {
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
}

export interface UpsertResult {
  /** Records inserted or replaced (the others were not newer than what is stored). */
  written: number;
  skipped: number;
}

type Row = unknown[];

// SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535.
const MAX_PARAMS: Record<SqlDialect, number> = { sqlite: 30_000, postgresql: 60_000 };
const MAX_ROWS_PER_STATEMENT = 500;

const quote = (name: string) => `"${name}"`;

function placeholders(dialect: SqlDialect, rows: number, columns: number): string {
  const groups: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const slots: string[] = [];
    for (let c = 0; c < columns; c++) slots.push(dialect === "postgresql" ? `$${n++}` : "?");
    groups.push(`(${slots.join(",")})`);
  }
  return groups.join(",");
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface UpsertSpec {
  table: string;
  columns: string[];
  key: string[];
  /** Columns taken from the incoming row only when it is not NULL (sources that lack a field). */
  keepWhenNull?: string[];
  /** Only replace when the incoming row is newer by this column. */
  versionColumn?: string;
  /** Columns to return for written rows. */
  returning?: string[];
  /** On conflict, do nothing at all. */
  insertOnly?: boolean;
}

export class SyncRepository {
  constructor(
    private readonly db: RawSqlClient,
    private readonly dialect: SqlDialect,
  ) {}

  /**
   * PostgreSQL plans the line-item -> order foreign-key check from table
   * statistics; on a freshly created table it has none and picks an index
   * that scans every order of the shop per line item (quadratic: 4.8x slower
   * at 50k orders). Analyzing after the first batch fixes the plan. SQLite
   * needs nothing.
   */
  async refreshStatistics(tables: string[]): Promise<void> {
    if (this.dialect !== "postgresql" || tables.length === 0) return;
    await this.db.$executeRawUnsafe(`ANALYZE ${tables.map(quote).join(", ")}`);
  }

  /** The same repository bound to a transaction client. */
  withClient(db: RawSqlClient): SyncRepository {
    return new SyncRepository(db, this.dialect);
  }

  private async upsert(spec: UpsertSpec, rows: Row[]): Promise<Record<string, unknown>[]> {
    if (rows.length === 0) return [];
    const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS[this.dialect] / spec.columns.length)));
    const returned: Record<string, unknown>[] = [];
    for (const part of chunk(rows, perStatement)) {
      const updates = spec.columns
        .filter((c) => !spec.key.includes(c))
        .map((c) =>
          spec.keepWhenNull?.includes(c)
            ? `${quote(c)} = COALESCE(excluded.${quote(c)}, ${quote(spec.table)}.${quote(c)})`
            : `${quote(c)} = excluded.${quote(c)}`,
        );
      const conflict = spec.insertOnly
        ? "DO NOTHING"
        : `DO UPDATE SET ${updates.join(", ")}${
            spec.versionColumn
              ? ` WHERE ${versionGuard(spec.table, spec.versionColumn)}`
              : ""
          }`;
      const sql =
        `INSERT INTO ${quote(spec.table)} (${spec.columns.map(quote).join(",")}) VALUES ` +
        placeholders(this.dialect, part.length, spec.columns.length) +
        ` ON CONFLICT (${spec.key.map(quote).join(",")}) ${conflict}` +
        (spec.returning ? ` RETURNING ${spec.returning.map(quote).join(",")}` : "");
      const params = part.flat();
      if (spec.returning) {
        returned.push(...(await this.db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params)));
      } else {
        await this.db.$executeRawUnsafe(sql, ...params);
      }
    }
    return returned;
  }

  async upsertProducts(shopDomain: string, records: ProductRecord[], syncedAt: Date): Promise<UpsertResult> {
    const rows = records.map((p) => withHash([
      shopDomain, p.productGid, p.title, p.handle, p.productType, p.vendor, p.tags.join(","), p.status, p.updatedAt,
    ], syncedAt));
    const written = await this.upsert(
      {
        table: "Product",
        columns: ["shopDomain", "productGid", "title", "handle", "productType", "vendor", "tags", "status", "shopifyUpdatedAt", "contentHash", "syncedAt"],
        key: ["shopDomain", "productGid"],
        versionColumn: "shopifyUpdatedAt",
        returning: ["productGid"],
      },
      dedupeNewest(rows, (r) => r[1] as string, (r) => r[8] as Date),
    );
    return { written: written.length, skipped: records.length - written.length };
  }

  async upsertCustomers(shopDomain: string, records: CustomerRecord[], syncedAt: Date): Promise<UpsertResult> {
    const rows = records.map((c) => withHash([
      shopDomain, c.customerGid, c.email, c.firstName, c.lastName, c.phone, c.state, c.locale, c.countryCode,
      c.tags === null ? null : c.tags.join(","), c.emailMarketingState, c.birthday, c.numberOfOrders, c.amountSpentMinor, c.currencyCode,
      c.rfmGroup, c.predictedSpendTier, c.createdAt, c.updatedAt, null,
    ], syncedAt));
    const written = await this.upsert(
      {
        table: "Customer",
        columns: [
          "shopDomain", "customerGid", "email", "firstName", "lastName", "phone", "state", "locale", "countryCode",
          "tags", "emailMarketingState", "birthday", "numberOfOrders", "amountSpentMinor", "currencyCode",
          "rfmGroup", "predictedSpendTier", "shopifyCreatedAt", "shopifyUpdatedAt", "deletedAt", "contentHash", "syncedAt",
        ],
        key: ["shopDomain", "customerGid"],
        keepWhenNull: ["tags", "emailMarketingState", "birthday", "numberOfOrders", "amountSpentMinor", "currencyCode", "rfmGroup", "predictedSpendTier"],
        versionColumn: "shopifyUpdatedAt",
        returning: ["customerGid"],
      },
      dedupeNewest(rows, (r) => r[1] as string, (r) => r[18] as Date),
    );
    return { written: written.length, skipped: records.length - written.length };
  }

  /**
   * Marks a customer deleted in Shopify. `at` (the webhook's triggered-at)
   * becomes the stored version, so a late, older update cannot revive it.
   */
  async markCustomerDeleted(shopDomain: string, customerGid: string, at: Date): Promise<void> {
    const p = (n: number) => (this.dialect === "postgresql" ? `$${n}` : "?");
    await this.db.$executeRawUnsafe(
      `UPDATE "Customer" SET "deletedAt" = ${p(1)}, "shopifyUpdatedAt" = ${p(2)} WHERE "shopDomain" = ${p(3)} AND "customerGid" = ${p(4)} AND "shopifyUpdatedAt" <= ${p(5)}`,
      at, at, shopDomain, customerGid, at,
    );
  }

  /** Upserts orders with their line items and refunds. Line items of a replaced order are replaced. */
  async upsertOrders(shopDomain: string, records: OrderRecord[], syncedAt: Date): Promise<UpsertResult> {
    const unique = dedupeNewest(records, (o) => o.orderGid, (o) => o.updatedAt);
    const rows = unique.map((o) => withHash([
      shopDomain, o.orderGid, o.name, o.customerGid, o.email, o.financialStatus, o.fulfillmentStatus, o.currencyCode,
      o.presentmentCurrencyCode, o.subtotalMinor, o.totalDiscountsMinor, o.totalShippingMinor, o.totalTaxMinor,
      o.totalPriceMinor, o.totalRefundedMinor, o.discountCodes.join(","), o.tags.join(","), o.sourceName, o.test,
      o.processedAt, o.cancelledAt, o.cancelReason, o.createdAt, o.updatedAt,
      // Line items and refunds are part of the version: an edit may change only them.
      o.lineItems.map((l) => [l.lineItemGid, l.quantity, l.discountedTotalMinor]), o.refunds.map((r) => [r.refundGid, r.totalMinor]),
    ], syncedAt, 2));
    const written = await this.upsert(
      {
        table: "Order",
        columns: [
          "shopDomain", "orderGid", "name", "customerGid", "email", "financialStatus", "fulfillmentStatus", "currencyCode",
          "presentmentCurrencyCode", "subtotalMinor", "totalDiscountsMinor", "totalShippingMinor", "totalTaxMinor",
          "totalPriceMinor", "totalRefundedMinor", "discountCodes", "tags", "sourceName", "test",
          "processedAt", "cancelledAt", "cancelReason", "shopifyCreatedAt", "shopifyUpdatedAt", "contentHash", "syncedAt",
        ],
        key: ["shopDomain", "orderGid"],
        versionColumn: "shopifyUpdatedAt",
        returning: ["orderGid"],
      },
      rows,
    );
    const writtenGids = new Set(written.map((r) => String(r.orderGid)));
    const replaced = unique.filter((o) => writtenGids.has(o.orderGid));
    if (replaced.length > 0) {
      await this.deleteLineItemsOf(shopDomain, replaced.map((o) => o.orderGid));
      await this.upsert(
        {
          table: "OrderLineItem",
          columns: [
            "shopDomain", "lineItemGid", "orderGid", "productGid", "variantGid", "title", "variantTitle", "sku",
            "quantity", "unitPriceMinor", "discountedTotalMinor", "isGiftCard",
          ],
          key: ["shopDomain", "lineItemGid"],
        },
        replaced.flatMap((o) =>
          o.lineItems.map((l) => [
            shopDomain, l.lineItemGid, o.orderGid, l.productGid, l.variantGid, l.title, l.variantTitle, l.sku,
            l.quantity, l.unitPriceMinor, l.discountedTotalMinor, l.isGiftCard,
          ]),
        ),
      );
      await this.upsertRefunds(shopDomain, replaced.flatMap((o) => o.refunds));
    }
    return { written: writtenGids.size, skipped: records.length - writtenGids.size };
  }

  /** The currency of a synced order, or null when it is not synced yet. */
  async orderCurrency(shopDomain: string, orderGid: string): Promise<string | null> {
    const p = (n: number) => (this.dialect === "postgresql" ? `$${n}` : "?");
    const rows = await this.db.$queryRawUnsafe<{ currencyCode: string }[]>(
      `SELECT "currencyCode" FROM "Order" WHERE "shopDomain" = ${p(1)} AND "orderGid" = ${p(2)}`,
      shopDomain,
      orderGid,
    );
    return rows[0]?.currencyCode ?? null;
  }

  /**
   * Refunds are only ever added in Shopify: upsert, never delete. A source
   * without the goods part (the Admin API's bulk export) keeps what a webhook stored.
   */
  async upsertRefunds(shopDomain: string, refunds: RefundRecord[]): Promise<void> {
    await this.upsert(
      {
        table: "Refund",
        columns: ["shopDomain", "refundGid", "orderGid", "note", "totalMinor", "goodsMinor", "currencyCode", "shopifyCreatedAt"],
        key: ["shopDomain", "refundGid"],
        keepWhenNull: ["goodsMinor"],
      },
      dedupeNewest(refunds, (r) => r.refundGid, (r) => r.createdAt).map((r) => [
        shopDomain, r.refundGid, r.orderGid, r.note, r.totalMinor, r.goodsMinor, r.currencyCode, r.createdAt,
      ]),
    );
  }

  private async deleteLineItemsOf(shopDomain: string, orderGids: string[]): Promise<void> {
    for (const part of chunk(orderGids, 500)) {
      const list = part.map((_, i) => (this.dialect === "postgresql" ? `$${i + 2}` : "?")).join(",");
      await this.db.$executeRawUnsafe(
        `DELETE FROM "OrderLineItem" WHERE "shopDomain" = ${this.dialect === "postgresql" ? "$1" : "?"} AND "orderGid" IN (${list})`,
        shopDomain,
        ...part,
      );
    }
  }
}

/**
 * Newer wins. Shopify's updatedAt has whole seconds, so two versions of one
 * second tie: then a different content hash wins (the later delivery), and an
 * identical one is a no-op. Reconciliation settles a tie that arrived reordered.
 */
function versionGuard(table: string, column: string): string {
  const stored = `${quote(table)}.${quote(column)}`;
  const hash = `${quote(table)}.${quote("contentHash")}`;
  return `(excluded.${quote(column)} > ${stored} OR (excluded.${quote(column)} = ${stored} AND (${hash} IS NULL OR excluded.${quote("contentHash")} <> ${hash})))`;
}

/** A stable hash of a row's synced values (not when it was synced). */
function contentHash(values: unknown[]): string {
  const text = JSON.stringify(values, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value,
  );
  return createHash("sha1").update(text).digest("base64url");
}

/**
 * Appends the content hash and syncedAt to a row; the last `hashOnly` values
 * are hashed but not stored as columns.
 */
function withHash(values: unknown[], syncedAt: Date, hashOnly = 0): unknown[] {
  const stored = hashOnly > 0 ? values.slice(0, values.length - hashOnly) : values;
  return [...stored, contentHash(values), syncedAt];
}

/** Within one batch, keep only the newest version of each key (one statement cannot touch a row twice). */
function dedupeNewest<T>(items: T[], key: (item: T) => string, version: (item: T) => Date): T[] {
  const newest = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const held = newest.get(k);
    if (!held || version(item).getTime() > version(held).getTime()) newest.set(k, item);
  }
  return newest.size === items.length ? items : [...newest.values()];
}
