/**
 * Fires Evergreen's Shopify Flow triggers (extensions/flow-*, docs/storefront.md#flow-triggers)
 * once per event, through an outbox (table FlowTriggerEvent):
 *
 * 1. collect: every event due at `now` (a layer move, a tier change, a due
 *    replenishment reminder, points about to expire, a churn-risk rise) is
 *    written as a "pending" row keyed by the event, so finding it again on the
 *    next run adds nothing;
 * 2. send: each pending row is claimed ("sending"), sent with
 *    flowTriggerReceive, then marked "sent".
 *
 * Delivery is at most once. Flow starts a workflow per accepted trigger (an
 * email, a discount), so a duplicate is worse than a miss: a row still
 * "sending" after a crash, or a send that failed in a way Shopify may have
 * run it (5xx, network), becomes "unknown" and is never resent. A send that
 * certainly did not reach Flow (throttled out, auth, GraphQL error) is retried
 * on later runs, at most {@link MAX_ATTEMPTS} times ("dead" after). Flow's
 * refusals (unknown handle, invalid or oversized payload) are "rejected" and
 * never retried.
 *
 * Scheduling is the job queue's business: run it hourly or daily per shop.
 */
import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "~/generated/prisma/client";
import { addMonthsUtc } from "~/domain/loyalty/ledger";
import { logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { AdminApiError, AdminAuthError, AdminHttpError } from "~/shopify/errors";
import {
  fireFlowTrigger,
  FLOW_TRIGGER_PAYLOAD_MAX_BYTES,
  FlowTriggerPayloadTooLargeError,
  FlowTriggerRejectedError,
} from "~/shopify/flow.server";

/** The handles of extensions/flow-*\/shopify.extension.toml. */
export const FLOW_TRIGGERS = {
  replenishmentDue: "evergreen-replenishment-due",
  layerChanged: "evergreen-layer-changed",
  tierChanged: "evergreen-tier-changed",
  pointsExpiring: "evergreen-points-expiring",
  churnRiskRose: "evergreen-churn-risk-rose",
} as const;

const DAY_MS = 86_400_000;
/** Events older than this when first seen are not fired: the first run after install does not replay history. */
export const LOOKBACK_DAYS = 7;
/** "Points expiring" fires this many days before the points expire. */
export const POINTS_EXPIRY_NOTICE_DAYS = 14;
/** Sends that certainly failed are retried on later runs up to this many attempts in all. */
export const MAX_ATTEMPTS = 5;
/** A row "sending" for longer than this was left by a crashed run. */
export const SEND_LEASE_MS = 10 * 60_000;
/** At most this many sends per run; the rest wait for the next run. */
export const MAX_SENDS_PER_RUN = 500;
/** Churn reasons are cut to this many characters (the payload stays far below Flow's limit). */
const REASONS_MAX_CHARS = 500;

const CHURN_RANK: Record<string, number> = { low: 1, medium: 2, high: 3 };

type Payload = Record<string, string | number>;

interface FlowEvent {
  eventKey: string;
  customerGid: string;
  handle: string;
  payload: Payload;
}

export interface FlowTriggerDeps {
  db: PrismaClient;
  client: AdminClient;
}

/**
 * Records the events due at `now` and fires every pending one.
 *
 * @returns fired: triggers Flow accepted in this run; failed: events that
 *   failed in this run (refused, given up, left ambiguous, or to be retried).
 */
export async function fireDueFlowTriggers(
  shopDomain: string,
  now: Date,
  deps: { db: PrismaClient; client: AdminClient },
): Promise<{ fired: number; failed: number }> {
  const { db } = deps;
  await recordEvents(db, shopDomain, now, [
    ...(await layerMoveEvents(db, shopDomain, now)),
    ...(await tierChangeEvents(db, shopDomain, now)),
    ...(await replenishmentEvents(db, shopDomain, now)),
    ...(await pointsExpiringEvents(db, shopDomain, now)),
  ]);
  await recordChurnRiskRises(db, shopDomain, now);
  const abandoned = await abandonStaleSends(db, shopDomain, now);
  const result = await sendPending(deps, shopDomain, now);
  const summary = { fired: result.fired, failed: result.failed + abandoned };
  if (summary.fired || summary.failed) logger.info("flow_triggers.fired", { shop: shopDomain, ...summary });
  return summary;
}

// ---------------------------------------------------------------- collect

/** The numeric id Flow's reference fields take, from a GID; null when it has none. */
function numericId(gid: string): number | null {
  const tail = gid.slice(gid.lastIndexOf("/") + 1);
  return /^\d+$/.test(tail) && Number.isSafeInteger(Number(tail)) ? Number(tail) : null;
}

function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

async function layerMoveEvents(db: PrismaClient, shopDomain: string, now: Date): Promise<FlowEvent[]> {
  const moves = await db.layerMove.findMany({
    // fromLayer null is a first assignment, not a change.
    where: { shopDomain, movedAt: { gte: new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS), lte: now }, fromLayer: { not: null } },
    orderBy: [{ movedAt: "asc" }, { id: "asc" }],
  });
  return moves.flatMap((m) => {
    const customerId = numericId(m.customerGid);
    if (customerId === null) return [];
    return [{
      eventKey: `layer-move:${m.id}`,
      customerGid: m.customerGid,
      handle: FLOW_TRIGGERS.layerChanged,
      payload: { customer_id: customerId, layer: m.toLayer, previous_layer: m.fromLayer ?? "", direction: m.direction },
    }];
  });
}

async function tierChangeEvents(db: PrismaClient, shopDomain: string, now: Date): Promise<FlowEvent[]> {
  const changes = await db.loyaltyTierChange.findMany({
    where: { shopDomain, changedAt: { gte: new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS), lte: now } },
    orderBy: [{ changedAt: "asc" }, { id: "asc" }],
  });
  return changes.flatMap((c) => {
    const customerId = numericId(c.customerGid);
    if (customerId === null) return [];
    return [{
      eventKey: `tier-change:${c.id}`,
      customerGid: c.customerGid,
      handle: FLOW_TRIGGERS.tierChanged,
      payload: { customer_id: customerId, tier: c.toTier ?? "", previous_tier: c.fromTier ?? "", reason: c.reason },
    }];
  });
}

async function replenishmentEvents(db: PrismaClient, shopDomain: string, now: Date): Promise<FlowEvent[]> {
  const reminders = await db.replenishmentReminder.findMany({
    where: {
      shopDomain, status: "due",
      remindAt: { gte: new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS), lte: now },
      expiresAt: { gt: now },
    },
    orderBy: [{ remindAt: "asc" }, { id: "asc" }],
  });
  if (reminders.length === 0) return [];
  const products = await db.product.findMany({
    where: { shopDomain, productGid: { in: [...new Set(reminders.map((r) => r.productGid))] } },
    select: { productGid: true, title: true },
  });
  const titles = new Map(products.map((p) => [p.productGid, p.title]));
  return reminders.flatMap((r) => {
    const customerId = numericId(r.customerGid);
    const productId = numericId(r.productGid);
    const title = titles.get(r.productGid);
    // A deleted product's reminder is not worth a workflow.
    if (customerId === null || productId === null || title === undefined) return [];
    return [{
      eventKey: `replenishment:${r.id}`,
      customerGid: r.customerGid,
      handle: FLOW_TRIGGERS.replenishmentDue,
      payload: {
        customer_id: customerId,
        product_id: productId,
        product_title: title,
        due_date: isoDay(r.dueAt),
        days_left: Math.round((r.dueAt.getTime() - now.getTime()) / DAY_MS),
        quantity: r.quantity,
      },
    }];
  });
}

async function pointsExpiringEvents(db: PrismaClient, shopDomain: string, now: Date): Promise<FlowEvent[]> {
  const program = await db.loyaltyProgram.findUnique({ where: { shopDomain } });
  if (!program?.enabled || !program.expiryMonths) return [];
  const months = program.expiryMonths;
  const horizon = new Date(now.getTime() + POINTS_EXPIRY_NOTICE_DAYS * DAY_MS);
  // Month arithmetic clamps at month ends, so the query window is a few days
  // wider than the exact test below (the same rule as expireInactivePoints).
  const from = new Date(addMonthsUtc(now, -months).getTime() - 3 * DAY_MS);
  const to = new Date(addMonthsUtc(horizon, -months).getTime() + 3 * DAY_MS);
  const accounts = await db.loyaltyAccount.findMany({
    where: {
      shopDomain, available: { gt: 0 },
      OR: [{ lastActivityAt: { gt: from, lte: to } }, { lastActivityAt: null, createdAt: { gt: from, lte: to } }],
    },
    select: { customerGid: true, available: true, lastActivityAt: true, createdAt: true },
  });
  return accounts.flatMap((a) => {
    const customerId = numericId(a.customerGid);
    const expiresAt = addMonthsUtc(a.lastActivityAt ?? a.createdAt, months);
    if (customerId === null || expiresAt <= now || expiresAt > horizon) return [];
    return [{
      // Keyed by the expiry instant: new activity moves it, and a later expiry is a new event.
      eventKey: `points-expiring:${a.customerGid}:${expiresAt.toISOString()}`,
      customerGid: a.customerGid,
      handle: FLOW_TRIGGERS.pointsExpiring,
      payload: { customer_id: customerId, points: a.available, expires_on: isoDay(expiresAt) },
    }];
  });
}

/** A short text of the churn-risk rules that fired (CustomerInsight.churnReason JSON). */
function churnReasonsText(json: string | null): string {
  if (!json) return "";
  try {
    const reasons = JSON.parse(json) as { rule: string; pAlive?: number; daysSinceLastOrder?: number; limitDays?: number }[];
    const text = reasons
      .map((r) =>
        r.rule === "pAliveBelow" ? `P(active) ${Number(r.pAlive).toFixed(2)}`
        : r.rule === "gapExceeded" ? `${r.daysSinceLastOrder} days since the last order (limit ${r.limitDays})`
        : r.rule)
      .join("; ");
    return text.slice(0, REASONS_MAX_CHARS);
  } catch {
    return "";
  }
}

/**
 * Nothing else keeps CustomerInsight.churnRisk's history, so the level last
 * seen is kept in FlowChurnRiskSeen; a rise since then is an event. The first
 * sight of a customer only sets the baseline (an install does not fire for
 * every customer already at risk). Snapshot and event are written in one
 * transaction: a crash cannot lose a rise or record it twice.
 */
async function recordChurnRiskRises(db: PrismaClient, shopDomain: string, now: Date): Promise<void> {
  const [insights, seen] = await Promise.all([
    db.customerInsight.findMany({ where: { shopDomain }, select: { customerGid: true, churnRisk: true, churnReason: true, computedAt: true } }),
    db.flowChurnRiskSeen.findMany({ where: { shopDomain }, select: { customerGid: true, churnRisk: true } }),
  ]);
  const before = new Map(seen.map((s) => [s.customerGid, s.churnRisk]));
  const firstSeen: { customerGid: string; churnRisk: string | null }[] = [];
  const changed: { customerGid: string; churnRisk: string | null }[] = [];
  const rises: FlowEvent[] = [];
  for (const insight of insights) {
    if (!before.has(insight.customerGid)) {
      firstSeen.push({ customerGid: insight.customerGid, churnRisk: insight.churnRisk });
      continue;
    }
    const previous = before.get(insight.customerGid) ?? null;
    if (previous === insight.churnRisk) continue;
    changed.push({ customerGid: insight.customerGid, churnRisk: insight.churnRisk });
    const customerId = numericId(insight.customerGid);
    if (customerId === null || !previous || !insight.churnRisk) continue;
    if ((CHURN_RANK[insight.churnRisk] ?? 0) <= (CHURN_RANK[previous] ?? 0)) continue;
    rises.push({
      eventKey: `churn-risk:${insight.customerGid}:${insight.computedAt.toISOString()}`,
      customerGid: insight.customerGid,
      handle: FLOW_TRIGGERS.churnRiskRose,
      payload: { customer_id: customerId, churn_risk: insight.churnRisk, previous_churn_risk: previous, reasons: churnReasonsText(insight.churnReason) },
    });
  }
  if (!firstSeen.length && !changed.length) return;
  await db.$transaction(async (tx) => {
    for (let i = 0; i < firstSeen.length; i += 1000) {
      await tx.flowChurnRiskSeen.createMany({ data: firstSeen.slice(i, i + 1000).map((s) => ({ shopDomain, ...s, seenAt: now })) });
    }
    for (const s of changed) {
      await tx.flowChurnRiskSeen.update({ where: { shopDomain_customerGid: { shopDomain, customerGid: s.customerGid } }, data: { churnRisk: s.churnRisk, seenAt: now } });
    }
    await insertNewEvents(tx as unknown as PrismaClient, shopDomain, now, rises);
  }, { timeout: 60_000 });
}

function outboxRow(shopDomain: string, now: Date, event: FlowEvent) {
  const payload = JSON.stringify(event.payload);
  const bytes = Buffer.byteLength(payload);
  // Never sent when Flow would refuse it: recorded as rejected, so it is visible.
  const tooLarge = bytes > FLOW_TRIGGER_PAYLOAD_MAX_BYTES;
  return {
    id: randomUUID(), shopDomain, eventKey: event.eventKey, customerGid: event.customerGid, handle: event.handle, payload,
    status: tooLarge ? "rejected" : "pending",
    lastError: tooLarge ? `payload is ${bytes} bytes; Flow accepts at most ${FLOW_TRIGGER_PAYLOAD_MAX_BYTES}` : null,
    createdAt: now,
  };
}

/** Inserts the events not in the outbox yet; returns how many were new. */
async function insertNewEvents(db: PrismaClient, shopDomain: string, now: Date, events: FlowEvent[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    const known = await db.flowTriggerEvent.findMany({
      where: { shopDomain, eventKey: { in: chunk.map((e) => e.eventKey) } },
      select: { eventKey: true },
    });
    const knownKeys = new Set(known.map((k) => k.eventKey));
    const fresh = chunk.filter((e) => !knownKeys.has(e.eventKey));
    if (fresh.length === 0) continue;
    await db.flowTriggerEvent.createMany({ data: fresh.map((e) => outboxRow(shopDomain, now, e)) });
    inserted += fresh.length;
  }
  return inserted;
}

async function recordEvents(db: PrismaClient, shopDomain: string, now: Date, events: FlowEvent[]): Promise<void> {
  try {
    await insertNewEvents(db, shopDomain, now, events);
  } catch (error) {
    // A concurrent run inserted some of the same events first: insert the rest one by one.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
    for (const event of events) {
      try {
        await insertNewEvents(db, shopDomain, now, [event]);
      } catch (e) {
        if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
      }
    }
  }
}

// ---------------------------------------------------------------- send

/** Rows a crashed run left "sending": they may have reached Flow, so they are not resent. */
async function abandonStaleSends(db: PrismaClient, shopDomain: string, now: Date): Promise<number> {
  const { count } = await db.flowTriggerEvent.updateMany({
    where: { shopDomain, status: "sending", claimedAt: { lt: new Date(now.getTime() - SEND_LEASE_MS) } },
    data: { status: "unknown", lastError: "the run sending it stopped before recording the answer; not resent" },
  });
  if (count) logger.warn("flow_triggers.abandoned", { shop: shopDomain, count });
  return count;
}

type SendOutcome = "sent" | "rejected" | "unknown" | "retry" | "stop";

function classify(error: unknown): SendOutcome {
  if (error instanceof FlowTriggerRejectedError || error instanceof FlowTriggerPayloadTooLargeError || error instanceof RangeError) return "rejected";
  // The token is gone or lacks the scope: every other send would fail too.
  if (error instanceof AdminAuthError) return "stop";
  // 5xx or a network failure: Shopify may have run it.
  if (error instanceof AdminHttpError && (error.status === undefined || error.status >= 500)) return "unknown";
  if (error instanceof AdminApiError) return "retry";
  return "unknown";
}

async function sendPending(deps: FlowTriggerDeps, shopDomain: string, now: Date): Promise<{ fired: number; failed: number }> {
  const { db, client } = deps;
  const rows = await db.flowTriggerEvent.findMany({
    where: { shopDomain, status: "pending" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: MAX_SENDS_PER_RUN,
  });
  let fired = 0;
  let failed = 0;
  for (const row of rows) {
    // The claim is the intent record: once "sending", a crash leaves it unsent-or-not, never resent.
    const claim = await db.flowTriggerEvent.updateMany({
      where: { id: row.id, status: "pending" },
      data: { status: "sending", claimedAt: now, attempts: { increment: 1 } },
    });
    if (claim.count === 0) continue; // a concurrent run took it
    const attempts = row.attempts + 1;
    let outcome: SendOutcome = "sent";
    let message: string | null = null;
    try {
      await fireFlowTrigger(client, row.handle, JSON.parse(row.payload) as Record<string, unknown>);
    } catch (error) {
      outcome = classify(error);
      message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    }
    if (outcome === "sent") {
      await db.flowTriggerEvent.update({ where: { id: row.id }, data: { status: "sent", sentAt: now, lastError: null } });
      if (row.handle === FLOW_TRIGGERS.replenishmentDue) await markReminderSent(db, shopDomain, row.eventKey, now);
      fired++;
      continue;
    }
    failed++;
    const status = outcome === "rejected" || outcome === "unknown" ? outcome
      : attempts >= MAX_ATTEMPTS ? "dead"
      : "pending";
    await db.flowTriggerEvent.update({ where: { id: row.id }, data: { status, lastError: message } });
    logger.warn("flow_triggers.send_failed", { shop: shopDomain, handle: row.handle, eventKey: row.eventKey, status, attempts, error: message });
    if (outcome === "stop") break;
  }
  return { fired, failed };
}

/** The reminder's cycle was announced: "due" -> "sent" (the storefront still shows it). */
async function markReminderSent(db: PrismaClient, shopDomain: string, eventKey: string, now: Date): Promise<void> {
  const id = eventKey.slice("replenishment:".length);
  await db.replenishmentReminder.updateMany({ where: { shopDomain, id, status: "due" }, data: { status: "sent", statusChangedAt: now } });
}
