/**
 * Write-back of customer intelligence to Shopify: each customer's layer and
 * key scores as customer metafields, so Shopify segments, Flow and email
 * tools can use them, and, when the merchant opts in (ShopSettings), as
 * customer tags. What is computed: docs/intelligence.md; definitions:
 * docs/decisions/0005-customer-intelligence-models.md.
 *
 * Incremental, idempotent and resumable: `CustomerInsight.writtenHash` holds
 * what was last accepted by Shopify for the customer: a hash of the metafields
 * and, once Evergreen has tagged the customer, the tags it wrote
 * (`<hash>|<tag>,<tag>`; see {@link parseWrittenState}). A run sends only
 * customers whose metafields or tags differ from that record, so a second run
 * sends nothing and a run killed half-way resumes where it stopped (at worst
 * one call's customers are sent again, which is harmless: setting the same
 * values, deleting an absent metafield, adding a present tag or removing an
 * absent one change nothing).
 */
import { createHash } from "node:crypto";
import type { SqlDialect } from "~/db/adapter.server";
import type { InsightsDb } from "~/db/insights-repository.server";
import { formatMinorUnits } from "~/domain/sync/money";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ShopSettingsRepository, type ShopSettingsDb } from "~/db/shop-settings.server";
import { CustomerInsightMetafieldsSet, InsightMetafieldsDelete } from "~/shopify/operations/customer-metafields";
import { CUSTOMER_TAG_SLOTS, CustomerInsightTagsUpdate } from "~/shopify/operations/customer-tags";

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

/** Shopify's limit of identifiers per `metafieldsDelete` call (as for metafieldsSet). */
export const MAX_METAFIELD_DELETES_PER_CALL = 25;

/**
 * The write-back's mutations, all safe to resend after an ambiguous failure
 * (5xx, network): give them to the AdminClient's `idempotentMutations`.
 */
export const WRITEBACK_IDEMPOTENT_MUTATIONS: readonly string[] = ["CustomerInsightMetafieldsSet", "InsightMetafieldsDelete", "CustomerInsightTagsUpdate"];

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
  db: InsightsDb & ShopSettingsDb;
  dialect: SqlDialect;
  /**
   * The shop's Admin client. Construct it with
   * `idempotentMutations: [...DEFAULT_IDEMPOTENT_MUTATIONS, ...WRITEBACK_IDEMPOTENT_MUTATIONS]` to let it
   * resend after a 5xx (safe: same values); otherwise such a failure ends the run.
   */
  client: Pick<AdminClient, "request">;
  /** Customers per call, at most what fits in 25 metafields (5 with all five keys, the default) and 10 tag slots. */
  batchSize?: number;
}

export interface WritebackFailure {
  customerGid: string;
  /** Shopify's userErrors for this customer's metafields or tags (`code: message`). */
  errors: string[];
}

export interface WritebackSummary {
  shopDomain: string;
  /** CustomerInsight rows looked at. */
  customers: number;
  /** Customers whose metafields already hold their current values (nothing sent). */
  unchanged: number;
  /** Customers whose metafields were written by this run. */
  written: number;
  /** Customers Shopify refused (userErrors, metafields or tags); they are tried again next run. */
  failed: number;
  /** Metafields written. */
  metafields: number;
  /** Metafields deleted because their value became null (a customer who became a prospect has no churn risk). */
  metafieldsDeleted: number;
  /** Customers whose tags were changed. */
  tagged: number;
  /** Tags sent to `tagsAdd` (those not recorded as written; every wanted one for a customer without a record). */
  tagsAdded: number;
  /** Stale Evergreen tags removed. */
  tagsRemoved: number;
  /** Calls sent: `metafieldsSet`, `metafieldsDelete` and tag calls (a refused call is resent customer by customer). */
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
 * currency) is not sent: Shopify has no empty metafield value. When the
 * customer had values written before, the keys now absent are deleted
 * ({@link writeBackInsights}).
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


// ---------------------------------------------------------------- tags

/** A shop's tag choices (ShopSettings). */
export interface InsightTagSettings {
  insightTagsEnabled: boolean;
  insightTagPrefix: string;
}

/** The kinds of tag Evergreen writes, after the prefix: how its own tags are recognised. */
const TAG_KINDS = ["layer-", "stage-", "churn-"] as const;

/**
 * The tags a customer should carry: `<prefix>layer-<layer id>`,
 * `<prefix>stage-<lifecycle stage>` and, for buyers, `<prefix>churn-<risk>`;
 * none when the shop has not opted in.
 */
export function insightTags(values: Pick<InsightValues, "layerId" | "lifecycleStage" | "churnRisk">, settings: InsightTagSettings): string[] {
  if (!settings.insightTagsEnabled) return [];
  const p = settings.insightTagPrefix;
  const tags = [`${p}layer-${values.layerId}`, `${p}stage-${values.lifecycleStage}`];
  if (values.churnRisk !== null) tags.push(`${p}churn-${values.churnRisk}`);
  return tags;
}

/** Whether a tag is one Evergreen writes with this prefix (Shopify compares tags case-insensitively). */
export function isEvergreenTag(tag: string, prefix: string): boolean {
  const t = tag.toLowerCase();
  const p = prefix.toLowerCase();
  return t.startsWith(p) && TAG_KINDS.some((k) => t.startsWith(k, p.length));
}

/** What `writtenHash` records: the metafields' hash and the tags Evergreen last wrote (null: none recorded). */
export interface WrittenState {
  metafieldsHash: string | null;
  tags: string[] | null;
}

/**
 * Reads `CustomerInsight.writtenHash`: `<hash>` (metafields only, the format
 * before tags), `<hash>|<tag>,<tag>` (and the tags Evergreen wrote; tags have no
 * commas), `|<tags>` (tags but no metafields accepted yet). Null: nothing written.
 */
export function parseWrittenState(value: string | null): WrittenState {
  if (value === null || value === "") return { metafieldsHash: null, tags: null };
  const bar = value.indexOf("|");
  if (bar < 0) return { metafieldsHash: value, tags: null };
  const tagText = value.slice(bar + 1);
  return { metafieldsHash: value.slice(0, bar) || null, tags: tagText === "" ? [] : tagText.split(",") };
}

/** The inverse of {@link parseWrittenState}; no tags recorded keeps the plain-hash format. */
export function formatWrittenState(state: WrittenState): string | null {
  if (!state.tags || state.tags.length === 0) return state.metafieldsHash;
  return `${state.metafieldsHash ?? ""}|${state.tags.join(",")}`;
}

const tagKey = (tags: readonly string[]) => [...new Set(tags.map((t) => t.toLowerCase()))].sort().join(",");

// ---------------------------------------------------------------- the run

interface Pending {
  customerGid: string;
  previous: WrittenState;
  /** Present when the metafields must be sent. */
  metafields: { fields: InsightMetafield[]; hash: string; deleteKeys: InsightMetafieldKey[] } | null;
  /** Present when the tags must be changed. */
  tags: { add: string[]; remove: string[]; want: string[] } | null;
}

interface Row extends InsightValues {
  customerGid: string;
  writtenHash: string | null;
}

/**
 * Writes every customer's layer and scores of a shop to Shopify as
 * `$app.*` customer metafields ({@link insightMetafields}) and, when the shop
 * opted in, as tags ({@link insightTags}), sending only customers whose
 * values changed since they were last written.
 *
 * - **Metafields**: packed into `metafieldsSet` calls of at most 25
 *   metafields (and `batchSize` customers). A key whose value became null
 *   (e.g. a buyer whose orders were all refunded has no churn risk or
 *   predicted value) is deleted with `metafieldsDelete` when the customer had
 *   metafields written before (a customer never written has none to delete).
 * - **Tags**: `tagsAdd` the tags wanted, `tagsRemove` the stale ones, up to
 *   10 customers a request. Stale means written by Evergreen before (recorded
 *   in `writtenHash`) and not wanted now, or, when nothing is recorded, a
 *   synced tag of the customer that looks like Evergreen's
 *   (`<prefix>layer-`/`stage-`/`churn-`). The merchant's other tags are never
 *   touched. Turning tags off (or changing the prefix) removes the old ones
 *   on the next run.
 * - **Refusals**: `metafieldsSet` is atomic, so a call refused with userErrors
 *   is resent one customer at a time (likewise deletes); a customer whose
 *   metafields or tags Shopify refuses is counted in `failed`, keeps the old
 *   record for the refused part and is tried again next run.
 * - **Rate limits**: the AdminClient waits for its cost bucket and retries
 *   THROTTLED; each accepted call's record is stored at once, so a crash loses
 *   at most one call's bookkeeping.
 *
 * Nothing here reads the clock; run it after `recomputeShop` (or
 * `updateCustomer`): it writes what is stored.
 *
 * @throws AdminApiError subclasses from the client (auth, GraphQL errors,
 *   retries exhausted): the run stops; customers written so far stay recorded.
 * @example
 * const client = new AdminClient({ shop, accessToken, idempotentMutations: [...DEFAULT_IDEMPOTENT_MUTATIONS, ...WRITEBACK_IDEMPOTENT_MUTATIONS] });
 * const summary = await writeBackInsights(shop, { db: prisma, dialect: appDatabaseDialect(), client });
 * summary.written; // 37 customers written, summary.unchanged the rest
 */
export async function writeBackInsights(shopDomain: string, deps: WritebackDeps): Promise<WritebackSummary> {
  const perCustomer = INSIGHT_METAFIELD_KEYS.length;
  const batchSize = Math.max(1, Math.min(CUSTOMER_TAG_SLOTS, deps.batchSize ?? Math.floor(MAX_METAFIELDS_PER_CALL / perCustomer)));
  const summary: WritebackSummary = {
    shopDomain, customers: 0, unchanged: 0, written: 0, failed: 0, metafields: 0, metafieldsDeleted: 0,
    tagged: 0, tagsAdded: 0, tagsRemoved: 0, requests: 0, failures: [],
  };
  const [currencyCode, settings] = await Promise.all([shopCurrency(shopDomain, deps), new ShopSettingsRepository(deps.db).get(shopDomain)]);

  let batch: Pending[] = [];
  let batchFields = 0;
  let batchDeletes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await sendBatch(shopDomain, batch, deps, summary);
    batch = [];
    batchFields = 0;
    batchDeletes = 0;
  };

  // Keyset pages on customerGid: rows written during the run are not skipped or seen twice.
  let after: string | null = null;
  for (;;) {
    const rows: Row[] = await deps.db.customerInsight.findMany({
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
    const pending = await pendingOf(shopDomain, rows, currencyCode, settings, deps);
    summary.customers += rows.length;
    summary.unchanged += rows.length - pending.length;
    for (const p of pending) {
      const fields = p.metafields?.fields.length ?? 0;
      const deletes = p.metafields?.deleteKeys.length ?? 0;
      if (batch.length >= batchSize || batchFields + fields > MAX_METAFIELDS_PER_CALL || batchDeletes + deletes > MAX_METAFIELD_DELETES_PER_CALL) await flush();
      batch.push(p);
      batchFields += fields;
      batchDeletes += deletes;
    }
    if (rows.length < PAGE_ROWS) break;
  }
  await flush();
  return summary;
}

/** The customers of a page that need a call, and what for. */
async function pendingOf(
  shopDomain: string,
  rows: readonly Row[],
  currencyCode: string | null,
  settings: InsightTagSettings,
  deps: WritebackDeps,
): Promise<Pending[]> {
  const found: { pending: Pending; want: string[]; tagsChanged: boolean }[] = [];
  for (const row of rows) {
    const previous = parseWrittenState(row.writtenHash);
    const fields = insightMetafields(row, currencyCode);
    const hash = metafieldsHash(fields);
    const want = insightTags(row, settings);
    const metafields = hash === previous.metafieldsHash ? null : {
      fields,
      hash,
      // Only a customer written before can hold a key that is now null.
      deleteKeys: previous.metafieldsHash === null ? [] : INSIGHT_METAFIELD_KEYS.filter((k) => !fields.some((f) => f.key === k)),
    };
    const tagsChanged = tagKey(want) !== tagKey(previous.tags ?? []);
    if (!metafields && !tagsChanged) continue;
    found.push({ pending: { customerGid: row.customerGid, previous, metafields, tags: null }, want, tagsChanged });
  }

  // Stale tags: those Evergreen recorded writing, or (nothing recorded) the synced tags that look like Evergreen's.
  const unrecorded = found.filter((f) => f.pending.previous.tags === null).map((f) => f.pending.customerGid);
  const synced = unrecorded.length === 0 ? new Map<string, string[]>() : await syncedTags(shopDomain, unrecorded, deps);
  return found.map(({ pending, want, tagsChanged }) => {
    const wanted = new Set(want.map((t) => t.toLowerCase()));
    const candidates = pending.previous.tags ?? (synced.get(pending.customerGid) ?? []).filter((t) => isEvergreenTag(t, settings.insightTagPrefix));
    const remove = [...new Map(candidates.filter((t) => !wanted.has(t.toLowerCase())).map((t) => [t.toLowerCase(), t] as const)).values()];
    // tagsAdd costs Shopify points per call: add only what is not recorded as written (everything, without a record).
    const recorded = new Set((pending.previous.tags ?? []).map((t) => t.toLowerCase()));
    const add = pending.previous.tags === null ? want : want.filter((t) => !recorded.has(t.toLowerCase()));
    if (tagsChanged || remove.length > 0) pending.tags = { add, remove, want };
    return pending;
  });
}

/** The synced tags (Customer.tags, comma-separated) of some customers. */
async function syncedTags(shopDomain: string, customerGids: string[], deps: WritebackDeps): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < customerGids.length; i += 500) {
    const part = customerGids.slice(i, i + 500);
    const slots = part.map((_, j) => (deps.dialect === "postgresql" ? `$${j + 2}` : "?")).join(",");
    const rows = await deps.db.$queryRawUnsafe<{ customerGid: string; tags: string | null }[]>(
      `SELECT "customerGid", "tags" FROM "Customer" WHERE "shopDomain" = ${deps.dialect === "postgresql" ? "$1" : "?"} AND "customerGid" IN (${slots})`,
      shopDomain,
      ...part,
    );
    for (const r of rows) if (r.tags) out.set(r.customerGid, r.tags.split(",").map((t) => t.trim()).filter(Boolean));
  }
  return out;
}

/**
 * Sends one batch: metafields (set, then deletes), then tags; records for each
 * customer what Shopify accepted. A refused set or delete call is resent
 * customer by customer, so only the refused customers fail.
 */
async function sendBatch(shopDomain: string, batch: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<void> {
  const errors = new Map<string, string[]>();
  const fail = (gid: string, e: string[]) => errors.set(gid, [...(errors.get(gid) ?? []), ...e]);

  const setters = batch.filter((p) => p.metafields);
  const setOk = await perCustomerFallback(setters, (ps) => setMetafields(ps, deps, summary), fail);
  const deleters = setters.filter((p) => setOk.has(p.customerGid) && p.metafields!.deleteKeys.length > 0);
  const deleteOk = await perCustomerFallback(deleters, (ps) => deleteMetafields(ps, deps, summary), fail);
  const taggers = batch.filter((p) => p.tags);
  const tagOk = taggers.length === 0 ? new Set<string>() : await updateTags(taggers, deps, summary, fail);

  const updates: { customerGid: string; state: string | null }[] = [];
  for (const p of batch) {
    const mfDone = p.metafields !== null && setOk.has(p.customerGid) && (p.metafields.deleteKeys.length === 0 || deleteOk.has(p.customerGid));
    const tagsDone = p.tags !== null && tagOk.has(p.customerGid);
    if (mfDone) {
      summary.written += 1;
      summary.metafields += p.metafields!.fields.length;
      summary.metafieldsDeleted += p.metafields!.deleteKeys.length;
    }
    if (tagsDone) {
      summary.tagged += 1;
      summary.tagsAdded += p.tags!.add.length;
      summary.tagsRemoved += p.tags!.remove.length;
    }
    const e = errors.get(p.customerGid);
    if (e) {
      summary.failed += 1;
      if (summary.failures.length < MAX_FAILURES_REPORTED) summary.failures.push({ customerGid: p.customerGid, errors: e });
    }
    const next: WrittenState = {
      metafieldsHash: mfDone ? p.metafields!.hash : p.previous.metafieldsHash,
      tags: tagsDone ? p.tags!.want : p.previous.tags,
    };
    if (mfDone || tagsDone) updates.push({ customerGid: p.customerGid, state: formatWrittenState(next) });
  }
  await recordStates(shopDomain, updates, deps);
}

/** Sends a call for all; on userErrors resends each alone. Returns the customers accepted. */
async function perCustomerFallback(
  ps: Pending[],
  send: (ps: Pending[]) => Promise<string[]>,
  fail: (gid: string, errors: string[]) => void,
): Promise<Set<string>> {
  const ok = new Set<string>();
  if (ps.length === 0) return ok;
  const errors = await send(ps);
  if (errors.length === 0) {
    for (const p of ps) ok.add(p.customerGid);
    return ok;
  }
  if (ps.length === 1) {
    fail(ps[0].customerGid, errors);
    return ok;
  }
  for (const p of ps) {
    const own = await send([p]);
    if (own.length === 0) ok.add(p.customerGid);
    else fail(p.customerGid, own);
  }
  return ok;
}

async function setMetafields(batch: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<string[]> {
  const metafields = batch.flatMap((p) =>
    p.metafields!.fields.map((f) => ({ ownerId: p.customerGid, namespace: INSIGHT_METAFIELD_NAMESPACE, key: f.key, type: f.type, value: f.value })),
  );
  summary.requests += 1;
  const { metafieldsSet } = await deps.client.request(CustomerInsightMetafieldsSet, { metafields });
  if (!metafieldsSet) return ["NO_PAYLOAD: metafieldsSet returned no payload"];
  return metafieldsSet.userErrors.map((e) => `${e.code ?? "ERROR"}: ${e.message}${e.field ? ` (${e.field.join(".")})` : ""}`);
}

/** Deletes the keys whose value became null; an absent metafield is not an error (Shopify answers null for it). */
async function deleteMetafields(batch: Pending[], deps: WritebackDeps, summary: WritebackSummary): Promise<string[]> {
  const metafields = batch.flatMap((p) => p.metafields!.deleteKeys.map((key) => ({ ownerId: p.customerGid, namespace: INSIGHT_METAFIELD_NAMESPACE, key })));
  summary.requests += 1;
  const { metafieldsDelete } = await deps.client.request(InsightMetafieldsDelete, { metafields });
  if (!metafieldsDelete) return ["NO_PAYLOAD: metafieldsDelete returned no payload"];
  return metafieldsDelete.userErrors.map((e) => `ERROR: ${e.message}${e.field ? ` (${e.field.join(".")})` : ""}`);
}

/** One request of up to CUSTOMER_TAG_SLOTS customers (aliased tagsAdd/tagsRemove); errors are per slot, so per customer. */
async function updateTags(
  taggers: Pending[],
  deps: WritebackDeps,
  summary: WritebackSummary,
  fail: (gid: string, errors: string[]) => void,
): Promise<Set<string>> {
  const ok = new Set<string>();
  for (let i = 0; i < taggers.length; i += CUSTOMER_TAG_SLOTS) {
    const part = taggers.slice(i, i + CUSTOMER_TAG_SLOTS);
    const variables: Record<string, unknown> = {};
    for (let slot = 0; slot < CUSTOMER_TAG_SLOTS; slot++) {
      const p = part[slot];
      variables[`id${slot}`] = (p ?? part[0]).customerGid; // unused slots are skipped by @include
      variables[`add${slot}`] = p ? p.tags!.add : [];
      variables[`remove${slot}`] = p ? p.tags!.remove : [];
      variables[`doAdd${slot}`] = p ? p.tags!.add.length > 0 : false;
      variables[`doRemove${slot}`] = p ? p.tags!.remove.length > 0 : false;
    }
    summary.requests += 1;
    const data = (await deps.client.request(CustomerInsightTagsUpdate, variables as never)) as Record<string, { userErrors: { field?: string[] | null; message: string }[] } | null | undefined>;
    part.forEach((p, slot) => {
      const errors: string[] = [];
      for (const [key, wanted] of [[`add${slot}`, p.tags!.add.length > 0], [`remove${slot}`, p.tags!.remove.length > 0]] as const) {
        if (!wanted) continue;
        const payload = data[key];
        if (!payload) errors.push(`NO_PAYLOAD: ${key.startsWith("add") ? "tagsAdd" : "tagsRemove"} returned no payload`);
        else for (const e of payload.userErrors) errors.push(`ERROR: ${e.message}${e.field ? ` (${e.field.join(".")})` : ""}`);
      }
      if (errors.length === 0) ok.add(p.customerGid);
      else fail(p.customerGid, errors);
    });
  }
  return ok;
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

/** Stores what Shopify accepted, in one statement. */
async function recordStates(shopDomain: string, updates: { customerGid: string; state: string | null }[], deps: WritebackDeps): Promise<void> {
  if (updates.length === 0) return;
  // Placeholders: PostgreSQL numbers them, SQLite's `?` bind in text order (the args are built in text order).
  let n = 0;
  const slot = () => (deps.dialect === "postgresql" ? `$${++n}` : "?");
  const args: unknown[] = [];
  const cases = updates.map((u) => {
    const sql = `WHEN ${slot()} THEN ${slot()}`;
    args.push(u.customerGid, u.state);
    return sql;
  });
  const shopSlot = slot();
  args.push(shopDomain);
  const inList = updates.map((u) => {
    args.push(u.customerGid);
    return slot();
  });
  await deps.db.$executeRawUnsafe(
    `UPDATE "CustomerInsight" SET "writtenHash" = CASE "customerGid" ${cases.join(" ")} END` +
      ` WHERE "shopDomain" = ${shopSlot} AND "customerGid" IN (${inList.join(",")})`,
    ...args,
  );
}
