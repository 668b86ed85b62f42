/**
 * Write-back of customer intelligence to Shopify: each customer's layer and
 * key scores as customer metafields, so Shopify segments, Flow and email
 * tools can use them. What is computed: docs/intelligence.md; definitions:
 * docs/decisions/0005-customer-intelligence-models.md.
 *
 * Incremental, idempotent and resumable: `CustomerInsight.writtenHash` holds a
 * hash of the metafields last written for the customer (stored after Shopify
 * accepted them). A run sends only customers whose current values hash
 * differently, so a second run sends nothing and a run killed half-way resumes
 * where it stopped (at worst one call's customers are sent again, which is
 * harmless: `metafieldsSet` with the same values changes nothing).
 */
import { createHash } from "node:crypto";
import type { SqlDialect } from "~/db/adapter.server";
import type { InsightsDb } from "~/db/insights-repository.server";
import { formatMinorUnits } from "~/domain/sync/money";
import type { AdminClient } from "~/shopify/admin-client.server";
import { CustomerInsightMetafieldsSet } from "~/shopify/operations/customer-metafields";

/**
 * The app-owned namespace: Shopify expands `$app` to `app--{api client id}`,
 * which only Evergreen can write (https://shopify.dev/docs/apps/build/custom-data/ownership).
 * The definitions in shopify.app.toml (`[customer.metafields.app.<key>]`)
 * give merchants, segments and Flow read access.
 */
export const INSIGHT_METAFIELD_NAMESPACE = "$app";

/** Shopify's limit of metafields per `metafieldsSet` call. */
export const MAX_METAFIELDS_PER_CALL = 25;

/** The keys written, in order. Null values are not sent (see {@link insightMetafields}). */
export const INSIGHT_METAFIELD_KEYS = ["layer", "lifecycle_stage", "churn_risk", "predicted_ltv", "rfm"] as const;
export type InsightMetafieldKey = (typeof INSIGHT_METAFIELD_KEYS)[number];

/** Bumped when the format of the values changes, so every customer is written again. */
const FORMAT_VERSION = 1;
const PAGE_ROWS = 1_000;
const MAX_FAILURES_REPORTED = 100;

export interface InsightMetafield {
  key: InsightMetafieldKey;
  type: "single_line_text_field" | "number_decimal";
  value: string;
}

/** The stored values a customer's metafields are made of. */
export interface InsightValues {
  layerId: string;
  lifecycleStage: string;
  churnRisk: string | null;
  predictedLtvMinor: bigint | null;
  r: number | null;
  f: number | null;
  m: number | null;
}

export interface WritebackDeps {
  db: InsightsDb;
  dialect: SqlDialect;
  /**
   * The shop's Admin client. Construct it with
   * `idempotentMutations: [...defaults, "CustomerInsightMetafieldsSet"]` to let it
   * resend after a 5xx (safe: same values); otherwise such a failure ends the run.
   */
  client: Pick<AdminClient, "request">;
  /** Customers per call, at most what fits in 25 metafields (5 with all five keys, the default). */
  batchSize?: number;
}

export interface WritebackFailure {
  customerGid: string;
  /** Shopify's userErrors for this customer's metafields (`code: message`). */
  errors: string[];
}

export interface WritebackSummary {
  shopDomain: string;
  /** CustomerInsight rows looked at. */
  customers: number;
  /** Customers whose metafields already hold their current values (nothing sent). */
  unchanged: number;
  /** Customers written by this run. */
  written: number;
  /** Customers Shopify refused (userErrors); they are tried again next run. */
  failed: number;
  /** Metafields written. */
  metafields: number;
  /** `metafieldsSet` calls sent (a refused batch is resent customer by customer). */
  requests: number;
  /** The first 100 refusals. */
  failures: WritebackFailure[];
}

/**
 * A customer's metafields from its stored insight:
 * - `layer`, `lifecycle_stage`, `churn_risk`: single_line_text_field, the ids
 *   the domain uses (`vip`, `at_risk`, `high`…);
 * - `predicted_ltv`: number_decimal, predicted 365-day value in the shop's
 *   currency (major units, the currency's decimals). Not `money`: Shopify's
 *   customer segments filter only date, number, text and boolean metafields,
 *   and the currency is the shop's, for every customer;
 * - `rfm`: single_line_text_field "R-F-M" of quintiles ("5-4-3").
 * A null value (a prospect has no churn risk, RFM or prediction; an unknown
 * currency) is not sent: Shopify has no empty metafield value.
 */
export function insightMetafields(values: InsightValues, currencyCode: string | null): InsightMetafield[] {
  const fields: InsightMetafield[] = [
    { key: "layer", type: "single_line_text_field", value: values.layerId },
    { key: "lifecycle_stage", type: "single_line_text_field", value: values.lifecycleStage },
  ];
  if (values.churnRisk !== null) fields.push({ key: "churn_risk", type: "single_line_text_field", value: values.churnRisk });
  if (values.predictedLtvMinor !== null && currencyCode) {
    fields.push({ key: "predicted_ltv", type: "number_decimal", value: formatMinorUnits(values.predictedLtvMinor, currencyCode) });
  }
  if (values.r !== null && values.f !== null && values.m !== null) {
    fields.push({ key: "rfm", type: "single_line_text_field", value: `${values.r}-${values.f}-${values.m}` });
  }
  return fields;
}

/** The hash stored in `writtenHash`: namespace, format and every key, type and value sent. */
export function metafieldsHash(fields: readonly InsightMetafield[]): string {
  const content = JSON.stringify([FORMAT_VERSION, INSIGHT_METAFIELD_NAMESPACE, fields.map((f) => [f.key, f.type, f.value])]);
  return createHash("sha256").update(content).digest("hex").slice(0, 32);
}

interface Pending {
  customerGid: string;
  fields: InsightMetafield[];
  hash: string;
}

/**
 * Writes every customer's layer and scores of a shop to Shopify as
 * `$app.*` customer metafields ({@link insightMetafields}), sending
 * only customers whose values changed since they were last written.
 *
 * Customers are packed into `metafieldsSet` calls of at most 25 metafields
 * (and `batchSize` customers). `metafieldsSet` is atomic, so a call refused
 * with userErrors is resent one customer at a time: the customers Shopify
 * refuses are counted in `failed`, keep their old `writtenHash` and are tried
 * again next run; the others are written. After each accepted call the sent
 * hashes are stored, so a crash loses at most one call's bookkeeping.
 *
 * Nothing here reads the clock; run it after `recomputeShop` (or
 * `updateCustomer`): it writes what is stored.
 *
 * @throws AdminApiError subclasses from the client (auth, GraphQL errors,
 *   retries exhausted): the run stops; customers written so far stay recorded.
 * @example
 * const client = new AdminClient({ shop, accessToken, idempotentMutations: ["BulkOperationRunQuery", "BulkOperationCancel", "CustomerInsightMetafieldsSet"] });
 * const summary = await writeBackInsights(shop, { db: prisma, dialect: appDatabaseDialect(), client });
 * summary.written; // 37 customers written, summary.unchanged the rest
 */
export async function writeBackInsights(shopDomain: string, deps: WritebackDeps): Promise<WritebackSummary> {
  const perCustomer = INSIGHT_METAFIELD_KEYS.length;
  const batchSize = Math.max(1, deps.batchSize ?? Math.floor(MAX_METAFIELDS_PER_CALL / perCustomer));
  const summary: WritebackSummary = {
    shopDomain, customers: 0, unchanged: 0, written: 0, failed: 0, metafields: 0, requests: 0, failures: [],
  };
  const currencyCode = await shopCurrency(shopDomain, deps);

  let batch: Pending[] = [];
  let batchFields = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await sendBatch(shopDomain, batch, deps, summary);
    batch = [];
    batchFields = 0;
  };

  // Keyset pages on customerGid: rows written during the run are not skipped or seen twice.
  let after: string | null = null;
  for (;;) {
    const rows: (InsightValues & { customerGid: string; writtenHash: string | null })[] = await deps.db.customerInsight.findMany({
      where: { shopDomain, ...(after === null ? {} : { customerGid: { gt: after } }) },
      orderBy: { customerGid: "asc" },
      take: PAGE_ROWS,
      select: {
        customerGid: true, layerId: true, lifecycleStage: true, churnRisk: true, predictedLtvMinor: true,
        r: true, f: true, m: true, writtenHash: true,
      },
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1].customerGid;
    for (const row of rows) {
      summary.customers += 1;
      const fields = insightMetafields(row, currencyCode);
      const hash = metafieldsHash(fields);
      if (hash === row.writtenHash) {
        summary.unchanged += 1;
        continue;
      }
      if (batch.length >= batchSize || batchFields + fields.length > MAX_METAFIELDS_PER_CALL) await flush();
      batch.push({ customerGid: row.customerGid, fields, hash });
      batchFields += fields.length;
    }
    if (rows.length < PAGE_ROWS) break;
  }
  await flush();
  return summary;
}

/**
 * The shop's currency: the Shop row's (set at install), else that of its synced
 * orders (`Order.currencyCode` is the shop currency, which predicted values are in).
 */
async function shopCurrency(shopDomain: string, deps: WritebackDeps): Promise<string | null> {
  const shop = await deps.db.shop.findUnique({ where: { domain: shopDomain }, select: { currencyCode: true } });
  if (shop?.currencyCode) return shop.currencyCode;
  const p = deps.dialect === "postgresql" ? "$1" : "?";
  const rows = await deps.db.$queryRawUnsafe<{ currencyCode: string }[]>(
    `SELECT "currencyCode" FROM "Order" WHERE "shopDomain" = ${p} LIMIT 1`,
    shopDomain,
  );
  return rows[0]?.currencyCode ?? null;
}

/** Sends one call; on userErrors resends its customers one by one so only the refused ones fail. */
async function sendBatch(shopDomain: string, batch: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<void> {
  const errors = await setMetafields(batch, deps, summary);
  if (errors.length === 0) {
    await recordWritten(shopDomain, batch, deps, summary);
    return;
  }
  if (batch.length === 1) {
    recordFailure(batch[0], errors, summary);
    return;
  }
  for (const one of batch) {
    const own = await setMetafields([one], deps, summary);
    if (own.length === 0) await recordWritten(shopDomain, [one], deps, summary);
    else recordFailure(one, own, summary);
  }
}

async function setMetafields(batch: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<string[]> {
  const metafields = batch.flatMap((p) =>
    p.fields.map((f) => ({ ownerId: p.customerGid, namespace: INSIGHT_METAFIELD_NAMESPACE, key: f.key, type: f.type, value: f.value })),
  );
  summary.requests += 1;
  const { metafieldsSet } = await deps.client.request(CustomerInsightMetafieldsSet, { metafields });
  if (!metafieldsSet) return ["NO_PAYLOAD: metafieldsSet returned no payload"];
  return metafieldsSet.userErrors.map((e) => `${e.code ?? "ERROR"}: ${e.message}${e.field ? ` (${e.field.join(".")})` : ""}`);
}

function recordFailure(pending: Pending, errors: string[], summary: WritebackSummary): void {
  summary.failed += 1;
  if (summary.failures.length < MAX_FAILURES_REPORTED) summary.failures.push({ customerGid: pending.customerGid, errors });
}

/** Stores the hashes of what Shopify accepted, in one statement. */
async function recordWritten(shopDomain: string, written: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<void> {
  // Placeholders: PostgreSQL numbers them, SQLite's `?` bind in text order (the args are built in text order).
  let n = 0;
  const slot = () => (deps.dialect === "postgresql" ? `$${++n}` : "?");
  const args: unknown[] = [];
  const cases = written.map((p) => {
    const sql = `WHEN ${slot()} THEN ${slot()}`;
    args.push(p.customerGid, p.hash);
    return sql;
  });
  const shopSlot = slot();
  args.push(shopDomain);
  const inList = written.map((p) => {
    args.push(p.customerGid);
    return slot();
  });
  await deps.db.$executeRawUnsafe(
    `UPDATE "CustomerInsight" SET "writtenHash" = CASE "customerGid" ${cases.join(" ")} END` +
      ` WHERE "shopDomain" = ${shopSlot} AND "customerGid" IN (${inList.join(",")})`,
    ...args,
  );
  summary.written += written.length;
  summary.metafields += written.reduce((sum, p) => sum + p.fields.length, 0);
}
