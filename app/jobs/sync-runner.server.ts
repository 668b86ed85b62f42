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
import { AdminClient } from "~/shopify/admin-client.server";
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
  const existing = running.get(shopDomain);
  if (existing) return existing;
  const job = (async () => {
    if (!options.force) {
      const completed = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: "completed" } });
      const incomplete = await prisma.syncRun.findFirst({ where: { shopDomain, kind: "full", status: { not: "completed" } } });
      if (completed && !incomplete) return;
    }
    const session = await prisma.session.findFirst({ where: { shop: shopDomain, isOnline: false } });
    if (!session) throw new Error(`No offline session for ${shopDomain}: the shop must install the app first`);
    const client = new AdminClient({ shop: shopDomain, accessToken: session.accessToken });
    const run = await runFullSync(shopDomain, {
      db: prisma,
      dialect: appDatabaseDialect(),
      bulk: adminBulkSource(client, { wait: { sleep: (ms, signal) => sleepUntilBulkFinished(shopDomain, ms, signal) } }),
      onProgress: ({ resource, rows }) => logger.debug("sync progress", { shop: shopDomain, resource, rows }),
    });
    logger.info("sync finished", { shop: shopDomain, runId: run.id, rows: run.rowsProcessed, status: run.status });
  })()
    .catch((error: unknown) => {
      logger.error("sync failed", { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
    })
    .finally(() => running.delete(shopDomain));
  running.set(shopDomain, job);
  return job;
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
