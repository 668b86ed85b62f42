/**
 * Syncs as jobs on the app's durable queue (app/jobs/app-queue.server.ts):
 * one sync per shop across every app instance (a singleton key), resumed by
 * another worker when the one running it dies (its lease runs out), retried
 * with back-off, and each finished sync followed by the shop's intelligence
 * pass and metafield write-back.
 */
import { EventEmitter } from "node:events";
import { appDatabaseDialect, prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { runFullSync } from "~/services/full-sync.server";
import { writeBackInsights } from "~/services/insight-writeback.server";
import { recomputeShop } from "~/services/intelligence.server";
import { runReconciliation } from "~/services/reconcile.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { AdminAuthError } from "~/shopify/errors";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { forgetOfflineSession, installedShops, NotInstalledError, offlineAdminClient } from "~/shopify/offline-client.server";
import { appQueue, PermanentJobError, QUEUE } from "./app-queue.server";

const bulkFinished = new EventEmitter();
bulkFinished.setMaxListeners(0);

/** A run whose heartbeat is older than this is taken to be dead (its process was killed). */
const STALE_AFTER_MS = 60_000;

/** How often each shop is reconciled against Shopify, besides webhooks. */
export const RECONCILE_EVERY_MS = 6 * 60 * 60 * 1000;

export interface SyncJobPayload {
  /** "full": the bulk history (skipped when one completed, unless `force`); "catch-up": changes since the last sync. */
  mode: "full" | "catch-up";
  force?: boolean;
}

/**
 * Starts (or joins) the shop's sync job and resolves when it has finished,
 * whichever instance ran it. Failures are logged and recorded on the run, not thrown.
 */
export async function startFullSync(shopDomain: string, options: { force?: boolean } = {}): Promise<void> {
  await appQueue().waitFor(await enqueueSync(shopDomain, { mode: "full", force: options.force }), { pollMs: 200 });
}

/** "Sync again": catch up on everything changed since the last sync, or a full sync when none completed. */
export async function startCatchUpSync(shopDomain: string): Promise<void> {
  await appQueue().waitFor(await enqueueSync(shopDomain, { mode: "catch-up" }), { pollMs: 200 });
}

/**
 * Enqueues the shop's sync and returns (install, "Sync again", boot,
 * reconciliation): the queue's worker runs it and logs a failure. Nothing
 * polls for its end, and an enqueue that fails (the database gone) is logged,
 * never left as an unhandled rejection, which would end the process.
 */
export function syncInBackground(shopDomain: string, mode: SyncJobPayload["mode"]): void {
  enqueueSync(shopDomain, { mode }).catch((error: unknown) =>
    logger.error("sync not enqueued", { shop: shopDomain, mode, error: error instanceof Error ? error.message : String(error) }),
  );
}

async function enqueueSync(shopDomain: string, payload: SyncJobPayload): Promise<string> {
  const { id } = await appQueue().enqueue({ queue: QUEUE.sync, shopDomain, singletonKey: `${QUEUE.sync}:${shopDomain}`, payload });
  return id;
}

/** The sync queue's handler. */
export async function runSyncJob(shopDomain: string, payload: SyncJobPayload, signal: AbortSignal): Promise<void> {
  let client: AdminClient;
  try {
    client = await offlineAdminClient(shopDomain);
    if (payload.mode === "full") await fullSync(shopDomain, client, payload.force ?? false, signal);
    else await catchUp(shopDomain, client, signal);
  } catch (error) {
    logger.error("sync failed", { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
    if (error instanceof AdminAuthError) {
      await forgetOfflineSession(shopDomain);
      throw new PermanentJobError(error.message);
    }
    if (error instanceof NotInstalledError) throw new PermanentJobError(error.message);
    throw error;
  }
}

async function fullSync(shopDomain: string, client: AdminClient, force: boolean, signal: AbortSignal): Promise<void> {
  if (!force) {
    const completed = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: "completed" } });
    const incomplete = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: { not: "completed" } } });
    if (completed && !incomplete) return;
  }
  const run = await runFullSync(shopDomain, {
    db: prisma,
    dialect: appDatabaseDialect(),
    bulk: adminBulkSource(client, { wait: { sleep: (ms, s) => sleepUntilBulkFinished(shopDomain, ms, s) } }),
    signal,
    onProgress: ({ resource, rows }) => logger.debug("sync progress", { shop: shopDomain, resource, rows }),
  });
  logger.info("full sync finished", { shop: shopDomain, runId: run.id, rows: run.rowsProcessed, status: run.status });
  await recomputeInsights(shopDomain, client);
}

async function catchUp(shopDomain: string, client: AdminClient, signal: AbortSignal): Promise<void> {
  const full = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: "completed" } });
  if (!full) return fullSync(shopDomain, client, true, signal);
  const run = await runReconciliation(shopDomain, { db: prisma, dialect: appDatabaseDialect(), client });
  logger.info("reconciliation finished", { shop: shopDomain, runId: run.id, rows: run.rowsProcessed });
  await recomputeInsights(shopDomain, client);
}

/**
 * Layers, scores and predictions for the whole shop, after the data under
 * them changed; then the changed ones written back to Shopify's customer metafields.
 */
export async function recomputeInsights(shopDomain: string, client: AdminClient): Promise<void> {
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  const summary = await recomputeShop(shopDomain, { ...deps, asOf: new Date() });
  logger.info("insights recomputed", { shop: shopDomain, customers: summary.customers, moves: summary.moves, model: summary.model });
  const written = await writeBackInsights(shopDomain, { ...deps, client });
  logger.info("insights written to Shopify", { shop: shopDomain, written: written.written, failed: written.failed, requests: written.requests });
}

/** The bulk_operations/finish webhook: wake the sync waiting on that shop's operation (if it runs in this instance; others poll). */
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

/**
 * On boot: full syncs whose process died before the queue existed (or whose
 * job was lost) get a sync job. A job whose worker died is reclaimed by the
 * queue itself when its lease runs out.
 */
export async function resumeInterruptedSyncs(now = new Date()): Promise<string[]> {
  const stale = await prisma.syncRun.findMany({
    where: { kind: "full", status: { in: ["running", "pending", "failed"] }, heartbeatAt: { lt: new Date(now.getTime() - STALE_AFTER_MS) } },
    select: { shopDomain: true },
    distinct: ["shopDomain"],
  });
  const shops = stale.map((r) => r.shopDomain);
  for (const shop of shops) syncInBackground(shop, "full");
  return shops;
}

/** Shops whose last completed sync is older than `RECONCILE_EVERY_MS`: catch them up. */
export async function reconcileDueShops(now = new Date()): Promise<string[]> {
  const due: string[] = [];
  for (const shop of await installedShops()) {
    const last = await prisma.syncRun.findFirst({ where: { shopDomain: shop, status: "completed" }, orderBy: { startedAt: "desc" } });
    if (last && now.getTime() - last.startedAt.getTime() >= RECONCILE_EVERY_MS) {
      due.push(shop);
      syncInBackground(shop, "catch-up");
    }
  }
  return due;
}
