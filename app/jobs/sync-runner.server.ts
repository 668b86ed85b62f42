/**
 * Runs syncs in the app process: one at a time per shop, resumed on boot when
 * one was interrupted. (A durable cross-process queue on PostgreSQL replaces
 * this with the background-jobs work; the sync itself is already resumable,
 * so losing this process loses no data, only time.)
 */
import { EventEmitter } from "node:events";
import { appDatabaseDialect, prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { runFullSync } from "~/services/full-sync.server";
import { writeBackInsights } from "~/services/insight-writeback.server";
import { recomputeShop } from "~/services/intelligence.server";
import { runReconciliation } from "~/services/reconcile.server";
import { AdminClient, DEFAULT_IDEMPOTENT_MUTATIONS } from "~/shopify/admin-client.server";
import { AdminAuthError } from "~/shopify/errors";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const running = new Map<string, Promise<void>>();
const bulkFinished = new EventEmitter();
bulkFinished.setMaxListeners(0);

/** A run whose heartbeat is older than this is taken to be dead (its process was killed). */
const STALE_AFTER_MS = 60_000;

export function isSyncRunning(shopDomain: string): boolean {
  return running.has(shopDomain);
}

/**
 * Starts (or resumes) the full sync of a shop in the background, unless one
 * is already running here. Without `force`, a shop that completed a full sync
 * is left alone.
 */
export function startFullSync(shopDomain: string, options: { force?: boolean } = {}): Promise<void> {
  return runExclusive(shopDomain, () => fullSync(shopDomain, options));
}

async function fullSync(shopDomain: string, options: { force?: boolean }): Promise<void> {
  if (!options.force) {
    const completed = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: "completed" } });
    const incomplete = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: { not: "completed" } } });
    if (completed && !incomplete) return;
  }
  const client = await clientFor(shopDomain);
  const run = await runFullSync(shopDomain, {
    db: prisma,
    dialect: appDatabaseDialect(),
    bulk: adminBulkSource(client, { wait: { sleep: (ms, signal) => sleepUntilBulkFinished(shopDomain, ms, signal) } }),
    onProgress: ({ resource, rows }) => logger.debug("sync progress", { shop: shopDomain, resource, rows }),
  });
  logger.info("full sync finished", { shop: shopDomain, runId: run.id, rows: run.rowsProcessed, status: run.status });
  await recomputeInsights(shopDomain, client);
}

/**
 * Layers, scores and predictions for the whole shop, after the data under
 * them changed; then the changed ones written back to Shopify's customer metafields.
 */
async function recomputeInsights(shopDomain: string, client: AdminClient): Promise<void> {
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  const summary = await recomputeShop(shopDomain, { ...deps, asOf: new Date() });
  logger.info("insights recomputed", { shop: shopDomain, customers: summary.customers, moves: summary.moves, model: summary.model });
  const written = await writeBackInsights(shopDomain, { ...deps, client });
  logger.info("insights written to Shopify", { shop: shopDomain, written: written.written, failed: written.failed, requests: written.requests });
}

/**
 * "Sync again": catch up on everything changed since the last sync
 * (reconciliation), or a full sync when the shop never completed one.
 */
export function startCatchUpSync(shopDomain: string): Promise<void> {
  return runExclusive(shopDomain, async () => {
    const full = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: "completed" } });
    if (!full) return fullSync(shopDomain, { force: true });
    const client = await clientFor(shopDomain);
    const run = await runReconciliation(shopDomain, { db: prisma, dialect: appDatabaseDialect(), client });
    logger.info("reconciliation finished", { shop: shopDomain, runId: run.id, rows: run.rowsProcessed });
    await recomputeInsights(shopDomain, client);
  });
}

/** One sync per shop in this process; failures are logged, and recorded on the run by the sync itself. */
function runExclusive(shopDomain: string, work: () => Promise<void>): Promise<void> {
  const existing = running.get(shopDomain);
  if (existing) return existing;
  const job = work()
    .catch(async (error: unknown) => {
      if (error instanceof AdminAuthError) {
        // The token was revoked (reinstall, scope change): drop it, so the
        // merchant's next visit exchanges a fresh one and sync resumes.
        await prisma.session.deleteMany({ where: { shop: shopDomain, isOnline: false } });
      }
      logger.error("sync failed", { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
    })
    .finally(() => running.delete(shopDomain));
  running.set(shopDomain, job);
  return job;
}

async function clientFor(shopDomain: string): Promise<AdminClient> {
  const session = await prisma.session.findFirst({ where: { shop: shopDomain, isOnline: false } });
  if (!session) throw new Error(`No offline session for ${shopDomain}: the shop must install the app first`);
  return new AdminClient({
    shop: shopDomain,
    accessToken: session.accessToken,
    // Setting the same metafield values twice is harmless: safe to resend after a 5xx.
    idempotentMutations: [...DEFAULT_IDEMPOTENT_MUTATIONS, "CustomerInsightMetafieldsSet"],
  });
}

/** The bulk_operations/finish webhook: wake the sync waiting on that shop's operation. */
export function notifyBulkOperationFinished(shopDomain: string, bulkOperationGid: string): void {
  bulkFinished.emit(shopDomain, bulkOperationGid);
}

function sleepUntilBulkFinished(shopDomain: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      bulkFinished.off(shopDomain, done);
      signal?.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      done();
      reject(signal?.reason);
    };
    const timer = setTimeout(done, ms);
    bulkFinished.on(shopDomain, done);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/** On boot: resume full syncs whose process died mid-way. */
export async function resumeInterruptedSyncs(now = new Date()): Promise<string[]> {
  const stale = await prisma.syncRun.findMany({
    where: { kind: "full", status: { in: ["running", "pending", "failed"] }, heartbeatAt: { lt: new Date(now.getTime() - STALE_AFTER_MS) } },
    select: { shopDomain: true },
    distinct: ["shopDomain"],
  });
  const shops = stale.map((r) => r.shopDomain);
  for (const shop of shops) void startFullSync(shop);
  return shops;
}

/** How often each shop is reconciled against Shopify, besides webhooks. */
export const RECONCILE_EVERY_MS = 6 * 60 * 60 * 1000;

/** Shops whose last completed sync is older than `RECONCILE_EVERY_MS`: catch them up. */
export async function reconcileDueShops(now = new Date()): Promise<string[]> {
  const sessions = await prisma.session.findMany({ where: { isOnline: false }, select: { shop: true }, distinct: ["shop"] });
  const due: string[] = [];
  for (const { shop } of sessions) {
    const last = await prisma.syncRun.findFirst({ where: { shopDomain: shop, status: "completed" }, orderBy: { startedAt: "desc" } });
    if (last && now.getTime() - last.startedAt.getTime() >= RECONCILE_EVERY_MS) {
      due.push(shop);
      void startCatchUpSync(shop);
    }
  }
  return due;
}
