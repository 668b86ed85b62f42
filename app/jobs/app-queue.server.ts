/**
 * The app's background work on its durable job queue (app/jobs/queue.server.ts,
 * docs/decisions/0007-durable-job-queue.md): which queues exist, what each
 * runs, how often the recurring ones run per shop, and the one queue instance
 * per process. Every instance runs a worker; the table (PostgreSQL in
 * production, SQLite locally) makes sure each job runs once at a time.
 */
import { appDatabaseDialect, prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { refreshCustomerBehaviour } from "~/services/behaviour.server";
import { runCampaignsForShop } from "~/services/campaigns.server";
import { fireDueFlowTriggers } from "~/services/flow-triggers.server";
import { runMonitorsForShop } from "~/services/monitors.server";
import { learnReplenishmentIntervals, refreshDueReminders } from "~/services/replenishment.server";
import { installedShops, NotInstalledError, offlineAdminClient } from "~/shopify/offline-client.server";
import { runLoyaltyJobsForShop, runReferralJobsForShop } from "./loyalty-jobs.server";
import { JobQueue, PermanentJobError, type QueueDefinition } from "./queue.server";

export { PermanentJobError };

export const QUEUE = {
  sync: "sync",
  insights: "insights.recompute",
  loyalty: "loyalty",
  referrals: "referrals",
  replenishment: "replenishment",
  behaviour: "behaviour",
  campaigns: "campaigns",
  flowTriggers: "flow.triggers",
  monitors: "monitors",
} as const;

const HOUR = 3600_000;

/** Recurring work per installed shop: enqueued when the last run of it finished longer ago than `everyMs`. */
export const SCHEDULES: readonly { queue: string; everyMs: number }[] = [
  // The scheduled full pass behind the per-order rescoring (layers drift with time alone).
  { queue: QUEUE.insights, everyMs: 24 * HOUR },
  { queue: QUEUE.loyalty, everyMs: HOUR },
  { queue: QUEUE.referrals, everyMs: HOUR },
  { queue: QUEUE.replenishment, everyMs: 24 * HOUR },
  { queue: QUEUE.behaviour, everyMs: 24 * HOUR },
  { queue: QUEUE.campaigns, everyMs: HOUR },
  // Level-one metric monitors; their alerts' Flow triggers go out with the next Flow trigger run.
  { queue: QUEUE.monitors, everyMs: 24 * HOUR },
  // Replenishment due, layer and tier changes, points expiring, churn risk rising: soon after they happen.
  { queue: QUEUE.flowTriggers, everyMs: 15 * 60_000 },
];

/** Completed jobs are kept this long (history, "last run" of schedules), then pruned. */
const KEEP_COMPLETED_MS = 7 * 24 * HOUR;

/** A handler for one shop, with what the queue hands it. */
type ShopHandler = (shopDomain: string, payload: unknown, signal: AbortSignal) => Promise<void>;

function shopQueue(run: ShopHandler, options: Omit<QueueDefinition, "handler"> = {}): QueueDefinition {
  return {
    ...options,
    handler: async ({ job, payload, signal }) => {
      try {
        await run(job.shopDomain, payload, signal);
      } catch (error) {
        // An uninstalled shop's work will never succeed: no retries.
        if (error instanceof NotInstalledError) throw new PermanentJobError(error.message);
        throw error;
      }
    },
  };
}

async function queueDefinitions(): Promise<Record<string, QueueDefinition>> {
  // sync-runner imports this module for `appQueue`: loaded lazily to keep the import graph acyclic at load time.
  const { recomputeInsights, runSyncJob } = await import("./sync-runner.server");
  return {
    [QUEUE.sync]: shopQueue((shop, payload, signal) => runSyncJob(shop, payload as { mode: "full" | "catch-up"; force?: boolean }, signal), { maxAttempts: 8 }),
    [QUEUE.insights]: shopQueue(async (shop) => recomputeInsights(shop, await offlineAdminClient(shop))),
    // Earning sweep, birthdays, expiry, tier period ends, tier metafields, stuck redemptions (docs/loyalty.md).
    [QUEUE.loyalty]: shopQueue(async (shop) => void (await runLoyaltyJobsForShop(shop, new Date(), { db: prisma }))),
    // Referral payouts past their return window (docs/referrals.md).
    [QUEUE.referrals]: shopQueue(async (shop) => void (await runReferralJobsForShop(shop, new Date(), { db: prisma }))),
    [QUEUE.replenishment]: shopQueue(async (shop) => {
      const now = new Date();
      const deps = { db: prisma, dialect: appDatabaseDialect() };
      await learnReplenishmentIntervals(shop, { ...deps, now });
      await refreshDueReminders(shop, now, deps);
    }),
    // Running campaigns: audiences entered since the last run, assignment, treatment actions (docs/campaigns.md).
    [QUEUE.campaigns]: shopQueue(async (shop) => void (await runCampaignsForShop(shop, new Date(), { db: prisma, client: await offlineAdminClient(shop) }))),
    // Shopify Flow triggers from the outbox, each at most once (docs/storefront.md).
    [QUEUE.flowTriggers]: shopQueue(async (shop) => void (await fireDueFlowTriggers(shop, new Date(), { db: prisma, client: await offlineAdminClient(shop) }))),
    // Monitors on retention, repeat rate, LTV/CAC and churn risk: alerts and their Flow triggers (docs/campaigns.md).
    [QUEUE.monitors]: shopQueue(async (shop) => void (await runMonitorsForShop(shop, new Date(), { db: prisma, dialect: appDatabaseDialect() }))),
    // The web pixel's behaviour and interest dimensions; raw events past retention rolled up (docs/behaviour.md).
    [QUEUE.behaviour]: shopQueue(async (shop) => void (await refreshCustomerBehaviour(shop, new Date(), { db: prisma }))),
  };
}

declare global {
  var __evergreenQueue: Promise<JobQueue> | undefined;
}

/** This process's queue (created on first use; survives Vite's module reloads in development). */
export function appQueue(): AppQueue {
  globalThis.__evergreenQueue ??= queueDefinitions().then(
    (queues) =>
      new JobQueue({
        db: prisma,
        provider: appDatabaseDialect(),
        queues,
        onError: (job, error, willRetry) =>
          logger.warn("job failed", {
            queue: job.queue,
            shop: job.shopDomain,
            attempt: job.attempts,
            willRetry,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
      }),
  );
  return new AppQueue(globalThis.__evergreenQueue);
}

/** The queue, awaited on each call (its definitions load asynchronously), with the worker started on first enqueue. */
class AppQueue {
  constructor(private readonly queue: Promise<JobQueue>) {}

  async enqueue(...args: Parameters<JobQueue["enqueue"]>) {
    const queue = await this.queue;
    queue.start(); // whoever enqueues also works: a job never waits for a worker that was never started
    return queue.enqueue(...args);
  }

  async waitFor(...args: Parameters<JobQueue["waitFor"]>) {
    return (await this.queue).waitFor(...args);
  }

  async start(): Promise<void> {
    (await this.queue).start();
  }

  async stop(): Promise<void> {
    await (await this.queue).stop();
  }

  /** One scheduler tick: every recurring queue for every installed shop, then old completed jobs pruned. */
  async scheduleRecurringWork(now = new Date()): Promise<Record<string, string[]>> {
    const queue = await this.queue;
    queue.start();
    const shops = await installedShops();
    const enqueued: Record<string, string[]> = {};
    for (const { queue: name, everyMs } of SCHEDULES) enqueued[name] = await queue.scheduleDue(name, shops, everyMs);
    await queue.repository.pruneCompleted(new Date(now.getTime() - KEEP_COMPLETED_MS));
    return enqueued;
  }

  async deadLetters(shopDomain?: string) {
    return (await this.queue).repository.deadLetters(shopDomain);
  }
}
