/**
 * Shared set-up for the loyalty service tests: a shop with a programme, and
 * orders written through the sync layer's version-guarded upserts (as a
 * webhook would write them).
 */
import { dialectOf } from "~/db/adapter.server";
import { SyncRepository } from "~/db/sync-repository.server";
import { saveEarnRules, upsertProgram, type ProgramSettings } from "~/db/loyalty-program.server";
import type { OrderRecord, RefundRecord } from "~/domain/sync/records";
import { DEFAULT_EARN_RULES, type EarnRules } from "~/domain/loyalty/rules";
import type { PrismaClient } from "~/generated/prisma/client";
import type { TestDatabase } from "../setup/test-db";

export const T0 = new Date("2026-03-01T12:00:00Z");
export const at = (days: number, from: Date = T0) => new Date(from.getTime() + days * 24 * 3600_000);

/** A fixed clock tests can move. */
export function testClock(start: Date = T0) {
  let now = start;
  return { now: () => now, set: (d: Date) => (now = d), advanceDays: (days: number) => (now = at(days, now)) };
}

export async function createProgram(db: PrismaClient, shopDomain: string, settings: ProgramSettings = {}, rules?: Partial<EarnRules>): Promise<void> {
  await upsertProgram(db, shopDomain, settings);
  if (rules) await saveEarnRules(db, shopDomain, { ...DEFAULT_EARN_RULES, ...rules });
}

export function orderRecord(o: Partial<OrderRecord> & { orderGid: string }): OrderRecord {
  return {
    name: `#${o.orderGid.split("/").pop()}`,
    customerGid: "gid://shopify/Customer/1",
    email: null,
    financialStatus: "PAID",
    fulfillmentStatus: "UNFULFILLED",
    currencyCode: "USD",
    presentmentCurrencyCode: "USD",
    subtotalMinor: 10_000n,
    totalDiscountsMinor: 0n,
    totalShippingMinor: 1_000n,
    totalTaxMinor: 1_000n,
    totalPriceMinor: 12_000n,
    totalRefundedMinor: 0n,
    discountCodes: [],
    tags: [],
    sourceName: "web",
    test: false,
    processedAt: T0,
    cancelledAt: null,
    cancelReason: null,
    createdAt: T0,
    updatedAt: T0,
    lineItems: [],
    refunds: [],
    ...o,
  };
}

/** A refund; without `goodsMinor` its make-up is unknown (as from the bulk export) and points come back pro rata to its total. */
export function refundRecord(orderGid: string, refundId: string, totalMinor: bigint, createdAt: Date = T0, goodsMinor: bigint | null = null): RefundRecord {
  return { refundGid: `gid://shopify/Refund/${refundId}`, orderGid, note: null, totalMinor, goodsMinor, currencyCode: "USD", createdAt };
}

export function syncRepo(db: TestDatabase): SyncRepository {
  return new SyncRepository(db.prisma, dialectOf(db.url));
}
