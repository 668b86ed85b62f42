/**
 * Test doubles for the referral ports (points ledger, discount codes) with
 * failure injection, and writers for the synced rows referrals read.
 */
import type { PrismaClient } from "~/db.server";
import type { AbuseSignals, AbuseSignalsPort, AwardPointsInput, ReferralPorts, RewardDiscountSpec } from "~/services/referrals.server";

export interface LedgerEntry {
  entryId: string;
  input: AwardPointsInput;
  reversedBy: string | null;
}

export interface FakePorts {
  ports: ReferralPorts;
  /** Awards by idempotency key. */
  ledger: Map<string, LedgerEntry>;
  discounts: Map<string, RewardDiscountSpec & { discountGid: string }>;
  calls: { award: number; reverse: number; discount: number };
  /** Make the next n calls of a port throw (after doing nothing). */
  failNext: { award: number; reverse: number; discount: number };
  /** Make the next n awards throw AFTER writing the entry (an ambiguous failure: the ledger has it, the caller does not know). */
  failAfterAward: number;
}

export function fakePorts(): FakePorts {
  const ledger = new Map<string, LedgerEntry>();
  const discounts = new Map<string, RewardDiscountSpec & { discountGid: string }>();
  const calls = { award: 0, reverse: 0, discount: 0 };
  const failNext = { award: 0, reverse: 0, discount: 0 };
  const fake: FakePorts = { ports: undefined as unknown as ReferralPorts, ledger, discounts, calls, failNext, failAfterAward: 0 };
  let seq = 0;
  fake.ports = {
    async awardPoints(input) {
      calls.award++;
      await Promise.resolve();
      if (failNext.award > 0) { failNext.award--; throw new Error("ledger unavailable"); }
      const existing = ledger.get(input.idempotencyKey);
      if (existing) {
        const same = existing.input.customerGid === input.customerGid && existing.input.points === input.points && existing.input.kind === input.kind;
        if (!same) throw new Error(`idempotency conflict on ${input.idempotencyKey}`);
        return { entryId: existing.entryId, created: false };
      }
      const entry = { entryId: `entry-${++seq}`, input, reversedBy: null };
      ledger.set(input.idempotencyKey, entry);
      if (fake.failAfterAward > 0) { fake.failAfterAward--; throw new Error("timeout after write"); }
      return { entryId: entry.entryId, created: true };
    },
    async reversePoints({ idempotencyKey }) {
      calls.reverse++;
      await Promise.resolve();
      if (failNext.reverse > 0) { failNext.reverse--; throw new Error("ledger unavailable"); }
      const entry = ledger.get(idempotencyKey);
      if (!entry) return null;
      entry.reversedBy ??= `reversal-${++seq}`;
      return { entryId: entry.reversedBy };
    },
    async ensureDiscountCode(input) {
      calls.discount++;
      await Promise.resolve();
      if (failNext.discount > 0) { failNext.discount--; throw new Error("Admin API unavailable"); }
      const key = input.code.toUpperCase();
      const existing = discounts.get(key);
      if (existing) return { discountGid: existing.discountGid, code: existing.code, created: false };
      const discountGid = `gid://shopify/DiscountCodeNode/${discounts.size + 1}`;
      discounts.set(key, { ...input, discountGid });
      return { discountGid, code: input.code, created: true };
    },
  };
  return fake;
}

/** Signals keyed by order or customer GID. */
export function fakeSignals(orders: Record<string, Partial<AbuseSignals>>, customers: Record<string, Partial<AbuseSignals>>): AbuseSignalsPort {
  const full = (s?: Partial<AbuseSignals>): AbuseSignals => ({ addresses: s?.addresses ?? [], paymentFingerprints: s?.paymentFingerprints ?? [] });
  return {
    orderSignals: async (_shop, gid) => full(orders[gid]),
    customerSignals: async (_shop, gid) => full(customers[gid]),
  };
}

export async function putCustomer(db: PrismaClient, shopDomain: string, customerGid: string, email: string | null, at = new Date("2026-01-01T00:00:00Z")) {
  await db.customer.upsert({
    where: { shopDomain_customerGid: { shopDomain, customerGid } },
    create: { shopDomain, customerGid, email, shopifyCreatedAt: at, shopifyUpdatedAt: at },
    update: { email },
  });
}

export interface OrderFields {
  orderGid: string;
  customerGid?: string | null;
  email?: string | null;
  financialStatus?: string;
  subtotalMinor?: bigint;
  discountCodes?: string[];
  processedAt: Date;
  cancelledAt?: Date | null;
  totalRefundedMinor?: bigint;
  test?: boolean;
}

/** Writes (or rewrites) an order as the sync layer would have stored it. */
export async function putOrder(db: PrismaClient, shopDomain: string, o: OrderFields) {
  const subtotal = o.subtotalMinor ?? 5000n;
  const data = {
    name: `#${o.orderGid.split("/").pop()}`,
    customerGid: o.customerGid ?? null,
    email: o.email ?? null,
    financialStatus: o.financialStatus ?? "PAID",
    currencyCode: "EUR",
    subtotalMinor: subtotal,
    totalPriceMinor: subtotal,
    totalRefundedMinor: o.totalRefundedMinor ?? 0n,
    discountCodes: (o.discountCodes ?? []).join(","),
    test: o.test ?? false,
    processedAt: o.processedAt,
    cancelledAt: o.cancelledAt ?? null,
    shopifyCreatedAt: o.processedAt,
    shopifyUpdatedAt: o.processedAt,
  };
  await db.order.upsert({
    where: { shopDomain_orderGid: { shopDomain, orderGid: o.orderGid } },
    create: { shopDomain, orderGid: o.orderGid, ...data },
    update: data,
  });
}

export async function putRefund(db: PrismaClient, shopDomain: string, orderGid: string, refundGid: string, at: Date, totalMinor = 1000n) {
  await db.refund.create({ data: { shopDomain, refundGid, orderGid, totalMinor, currencyCode: "EUR", shopifyCreatedAt: at } });
  await db.order.update({ where: { shopDomain_orderGid: { shopDomain, orderGid } }, data: { totalRefundedMinor: { increment: totalMinor }, financialStatus: "PARTIALLY_REFUNDED" } });
}

/** A clock the test moves by hand. */
export function manualClock(start: string) {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    set: (iso: string | number) => { at = typeof iso === "number" ? iso : Date.parse(iso); },
    advanceDays: (days: number) => { at += days * 24 * 3600_000; },
  };
}
