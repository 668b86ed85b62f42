/**
 * Shopify's mandatory compliance topics, over every table Evergreen keeps.
 *
 * - customers/data_request: {@link exportCustomerData} gathers everything held
 *   about the customer into one JSON document (format in docs/privacy.md),
 *   stored as a `CustomerDataExport` for the merchant to download and hand over.
 * - customers/redact: {@link redactCustomer} applies each table's policy below:
 *   personal data is deleted or blanked; money and points totals stay, so the
 *   shop's figures and the points liability do not change.
 * - shop/redact: {@link redactShop} deletes every row of the shop, in an order
 *   foreign keys accept, in one transaction.
 *
 * The tables are listed by name on purpose: tests/privacy/privacy.test.ts
 * fails when a model with a `shopDomain` or a customer column is added without
 * saying here what happens to it.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";

type Where = Record<string, unknown>;
/** The part of a Prisma model delegate these functions use. */
interface Delegate {
  deleteMany(args: { where: Where }): Promise<{ count: number }>;
  updateMany(args: { where: Where; data: Record<string, unknown> }): Promise<{ count: number }>;
  findMany(args: { where: Where }): Promise<Record<string, unknown>[]>;
}
type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** Model name as Prisma spells it ("CustomerInsight") → its delegate (`tx.customerInsight`). */
function delegate(tx: Tx, model: string): Delegate {
  const d = (tx as unknown as Record<string, Delegate | undefined>)[model[0]!.toLowerCase() + model.slice(1)];
  if (!d) throw new Error(`no Prisma model ${model}`);
  return d;
}

/**
 * Every shop-scoped table, children before parents (shop/redact deletes in
 * this order). `column` names the shop column when it is not `shopDomain`.
 */
export const SHOP_TABLES: readonly { model: string; column?: string }[] = [
  { model: "OrderLineItem" },
  { model: "Refund" },
  { model: "LoyaltyEntry" },
  { model: "LoyaltyRedemption" },
  { model: "LoyaltyTierChange" },
  { model: "LoyaltyAccount" },
  { model: "LoyaltyReward" },
  { model: "LoyaltyRuleVersion" },
  { model: "LoyaltyProgram" },
  { model: "Referral" },
  { model: "ReferralClick" },
  { model: "ReferralShare" },
  { model: "ReferralCode" },
  { model: "ReferralSettings" },
  { model: "ReplenishmentReminder" },
  { model: "ReplenishmentInterval" },
  { model: "ReplenishmentOverride" },
  { model: "ReplenishmentSettings" },
  { model: "Job" },
  { model: "BehaviourEvent" },
  { model: "BehaviourClient" },
  { model: "CustomerBehaviour" },
  { model: "CustomerRecommendation" },
  { model: "ProductRecommendation" },
  { model: "FlowTriggerEvent" },
  { model: "FlowChurnRiskSeen" },
  { model: "MetricAlert" },
  { model: "MonitorReading" },
  { model: "MonitorSettings" },
  { model: "CampaignAction" },
  { model: "CampaignAssignment" },
  { model: "CampaignCustomerLock" },
  { model: "Campaign" },
  { model: "Order" },
  { model: "CustomerDataExport" },
  { model: "LayerMove" },
  { model: "CustomerInsight" },
  { model: "ShopInsight" },
  { model: "ShopSettings" },
  { model: "Customer" },
  // After every table whose deletion marks customers stale (Order, Customer, CustomerInsight: triggers).
  { model: "CustomerInsightStale" },
  { model: "Product" },
  { model: "SyncRun" },
  { model: "WebhookDelivery" },
  { model: "Session", column: "shop" },
  { model: "Shop", column: "domain" },
];

/** The customer the request is about, and the orders Shopify names with it. */
export interface CustomerScope {
  shopDomain: string;
  customerGid: string;
  orderGids: readonly string[];
}

/**
 * A redaction's scope: `pseudonym` is what the customer's points and referral
 * rows are re-keyed to, random per redaction, so the rows keep the ledger's
 * totals but lead back to no one.
 */
export interface RedactionScope extends CustomerScope {
  pseudonym: string;
}

/**
 * What customers/redact does to a table holding a customer's rows:
 * `delete` them, `anonymise` them (blank the personal columns, keep amounts),
 * or `keep` them (no personal data in them; say why).
 */
export type CustomerDataPolicy =
  | { kind: "delete"; where: (s: CustomerScope) => Where }
  | { kind: "anonymise"; where: (s: CustomerScope) => Where; data: Record<string, unknown> | ((s: RedactionScope) => Record<string, unknown>) }
  | { kind: "keep"; why: string };

const byCustomer = (s: CustomerScope): Where => ({ shopDomain: s.shopDomain, customerGid: s.customerGid });
const byOrders = (s: CustomerScope): Where => ({ shopDomain: s.shopDomain, orderGid: { in: [...s.orderGids] } });
const ordersOfCustomer = (s: CustomerScope): Where => ({
  shopDomain: s.shopDomain,
  OR: [{ customerGid: s.customerGid }, { orderGid: { in: [...s.orderGids] } }],
});

/**
 * Per table holding customer data. Orders keep their amounts (the shop's
 * revenue and cohorts must not change when a customer is forgotten); derived
 * scores are deleted (recomputed without personal data on the next pass).
 */
export const CUSTOMER_DATA_POLICIES: Readonly<Record<string, CustomerDataPolicy | readonly CustomerDataPolicy[]>> = {
  Customer: {
    kind: "anonymise",
    where: byCustomer,
    data: { email: null, firstName: null, lastName: null, phone: null, birthday: null, countryCode: null, tags: "", locale: null },
  },
  Order: { kind: "anonymise", where: ordersOfCustomer, data: { email: null } },
  OrderLineItem: { kind: "keep", why: "products, quantities and prices only; the order row carries the link to the customer" },
  Refund: { kind: "keep", why: "amounts and a merchant note only" },
  CustomerInsight: { kind: "delete", where: byCustomer },
  LayerMove: { kind: "delete", where: byCustomer },
  CustomerDataExport: { kind: "delete", where: byCustomer },
  // Points are money the shop owes: the ledger keeps every entry (its totals
  // and the points liability do not move) under a pseudonym, without the
  // free-text reasons and computation details that could name the shopper.
  LoyaltyEntry: { kind: "anonymise", where: byCustomer, data: (s) => ({ customerGid: s.pseudonym, reason: null, detail: null }) },
  LoyaltyAccount: { kind: "anonymise", where: byCustomer, data: (s) => ({ customerGid: s.pseudonym }) },
  LoyaltyRedemption: { kind: "anonymise", where: byCustomer, data: (s) => ({ customerGid: s.pseudonym }) },
  LoyaltyTierChange: { kind: "anonymise", where: byCustomer, data: (s) => ({ customerGid: s.pseudonym }) },
  // The share code is personal (it names the member to friends): gone.
  ReferralCode: { kind: "delete", where: byCustomer },
  // Referral funnel counts stay; both sides lose their identity.
  Referral: [
    { kind: "anonymise", where: (s) => ({ shopDomain: s.shopDomain, referrerCustomerGid: s.customerGid }), data: (s) => ({ referrerCustomerGid: s.pseudonym }) },
    {
      kind: "anonymise",
      where: (s) => ({ shopDomain: s.shopDomain, friendCustomerGid: s.customerGid }),
      data: (s) => ({ friendCustomerGid: s.pseudonym, friendEmailHash: null, attributedFriendKey: null, visitorHash: null }),
    },
  ],
  ReplenishmentReminder: { kind: "delete", where: byCustomer },
  // Browsing (a browser's anonymous events take the customer's id when it logs in: all of them go).
  BehaviourEvent: { kind: "delete", where: byCustomer },
  BehaviourClient: { kind: "delete", where: byCustomer },
  CustomerBehaviour: { kind: "delete", where: byCustomer },
  CustomerRecommendation: { kind: "delete", where: byCustomer },
  // Flow triggers pending or sent about the customer; the last churn risk seen.
  FlowTriggerEvent: { kind: "delete", where: byCustomer },
  FlowChurnRiskSeen: { kind: "delete", where: byCustomer },
  // Experiments: which arm the (by then anonymous) customer was in and what was spent on them, so results and budgets stay true.
  CampaignAssignment: { kind: "keep", why: "arm and timestamps only; the customer row it points to is anonymised" },
  CampaignAction: { kind: "keep", why: "action kind, cost and status only: the campaign's spend" },
  CampaignCustomerLock: { kind: "keep", why: "a row lock (counter) with no personal data" },
  // Deleting the insight marks the customer stale (a trigger), so the next pass rescores the anonymised customer.
  CustomerInsightStale: { kind: "keep", why: "the customer id and a counter only; the next pass clears it" },
};

/**
 * What a data_request export contains: per table, the rows about the
 * customer. Every table with a customer policy other than `keep` is here.
 */
export const CUSTOMER_EXPORT_SECTIONS: Readonly<Record<string, (s: CustomerScope) => Where>> = {
  Customer: byCustomer,
  Order: ordersOfCustomer,
  OrderLineItem: (s) => ({ shopDomain: s.shopDomain, order: ordersOfCustomer(s) }),
  Refund: byOrders,
  CustomerInsight: byCustomer,
  LayerMove: byCustomer,
  LoyaltyAccount: byCustomer,
  LoyaltyEntry: byCustomer,
  LoyaltyRedemption: byCustomer,
  LoyaltyTierChange: byCustomer,
  ReferralCode: byCustomer,
  Referral: (s) => ({ shopDomain: s.shopDomain, OR: [{ referrerCustomerGid: s.customerGid }, { friendCustomerGid: s.customerGid }] }),
  ReplenishmentReminder: byCustomer,
  BehaviourEvent: byCustomer,
  BehaviourClient: byCustomer,
  CustomerBehaviour: byCustomer,
  CustomerRecommendation: byCustomer,
  FlowTriggerEvent: byCustomer,
  FlowChurnRiskSeen: byCustomer,
};

export const CUSTOMER_EXPORT_FORMAT = "evergreen.customer-data/1";

export interface CustomerDataDocument {
  format: typeof CUSTOMER_EXPORT_FORMAT;
  shopDomain: string;
  customerGid: string;
  dataRequestId: string | null;
  generatedAt: string;
  /** Table name → its rows about the customer (BigInt as decimal strings, times as ISO 8601). */
  sections: Record<string, Record<string, unknown>[]>;
}

/** The compliance payloads' shape (REST ids, numbers or strings). */
export interface CompliancePayload {
  shop_domain?: string;
  customer?: { id?: number | string | null; email?: string | null; phone?: string | null };
  orders_to_redact?: (number | string)[];
  orders_requested?: (number | string)[];
  data_request?: { id?: number | string };
}

/** The customer a compliance payload is about, or null when it names none. */
export function customerScope(shopDomain: string, payload: CompliancePayload, orders: "orders_to_redact" | "orders_requested"): CustomerScope | null {
  const id = payload.customer?.id;
  if (id === undefined || id === null || String(id).trim() === "") return null;
  const gid = (kind: string, v: number | string) => (String(v).startsWith("gid://") ? String(v) : `gid://shopify/${kind}/${v}`);
  return {
    shopDomain,
    customerGid: gid("Customer", id),
    orderGids: (payload[orders] ?? []).map((o) => gid("Order", o)),
  };
}

/** Erases the customer's personal data in every table (one transaction); returns rows touched per table. */
export async function redactCustomer(db: PrismaClient, customer: CustomerScope): Promise<Record<string, number>> {
  const scope: RedactionScope = { ...customer, pseudonym: `redacted:${randomUUID()}` };
  return db.$transaction(async (tx) => {
    const touched: Record<string, number> = {};
    for (const [model, policies] of Object.entries(CUSTOMER_DATA_POLICIES)) {
      for (const policy of [policies].flat()) {
        if (policy.kind === "keep") continue;
        const d = delegate(tx, model);
        const where = policy.where(scope);
        const { count } =
          policy.kind === "delete"
            ? await d.deleteMany({ where })
            : await d.updateMany({ where, data: typeof policy.data === "function" ? policy.data(scope) : policy.data });
        touched[model] = (touched[model] ?? 0) + count;
      }
    }
    return touched;
  });
}

/** Deletes everything Evergreen stores for a shop (shop/redact, 48 hours after uninstall); returns rows deleted per table. */
export async function redactShop(db: PrismaClient, shopDomain: string): Promise<Record<string, number>> {
  return db.$transaction(async (tx) => {
    const deleted: Record<string, number> = {};
    for (const { model, column = "shopDomain" } of SHOP_TABLES) {
      deleted[model] = (await delegate(tx, model).deleteMany({ where: { [column]: shopDomain } })).count;
    }
    return deleted;
  });
}

/** Everything held about the customer, as one JSON-safe document. */
export async function exportCustomerData(
  db: PrismaClient,
  scope: CustomerScope,
  options: { dataRequestId?: string | null; now?: Date } = {},
): Promise<CustomerDataDocument> {
  const sections: Record<string, Record<string, unknown>[]> = {};
  for (const [model, where] of Object.entries(CUSTOMER_EXPORT_SECTIONS)) {
    const rows = await delegate(db, model).findMany({ where: where(scope) });
    sections[model] = rows.map(jsonSafe);
  }
  return {
    format: CUSTOMER_EXPORT_FORMAT,
    shopDomain: scope.shopDomain,
    customerGid: scope.customerGid,
    dataRequestId: options.dataRequestId ?? null,
    generatedAt: (options.now ?? new Date()).toISOString(),
    sections,
  };
}

/**
 * customers/data_request: builds the export and keeps it for the merchant.
 * Idempotent per data request id (Shopify may deliver the webhook twice).
 */
export async function recordCustomerDataRequest(
  db: PrismaClient,
  scope: CustomerScope,
  options: { dataRequestId?: string | null; now?: Date } = {},
): Promise<{ exportId: string; created: boolean }> {
  const dataRequestId = options.dataRequestId ?? null;
  if (dataRequestId) {
    const existing = await db.customerDataExport.findFirst({ where: { shopDomain: scope.shopDomain, dataRequestId } });
    if (existing) return { exportId: existing.id, created: false };
  }
  const now = options.now ?? new Date();
  const document = await exportCustomerData(db, scope, { dataRequestId, now });
  const id = randomUUID();
  await db.customerDataExport.create({
    data: {
      id,
      shopDomain: scope.shopDomain,
      customerGid: scope.customerGid,
      dataRequestId,
      ordersRequested: scope.orderGids.join(","),
      document: JSON.stringify(document),
      requestedAt: now,
    },
  });
  return { exportId: id, created: true };
}

/** The exports waiting for the merchant, newest first (without their documents). */
export async function listCustomerDataExports(db: PrismaClient, shopDomain: string) {
  return db.customerDataExport.findMany({
    where: { shopDomain },
    orderBy: { requestedAt: "desc" },
    select: { id: true, customerGid: true, dataRequestId: true, requestedAt: true },
  });
}

function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
