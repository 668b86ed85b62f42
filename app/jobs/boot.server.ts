/**
 * Background work the app process starts once: its worker on the durable job
 * queue (app/jobs/app-queue.server.ts), the scheduler tick that enqueues each
 * shop's recurring work, syncs a crash interrupted, and reconciliation.
 * Every instance does this; the queue table keeps the work from doubling.
 */
import { logger } from "~/logger.server";
import { appQueue } from "./app-queue.server";
import { reconcileDueShops, resumeInterruptedSyncs } from "./sync-runner.server";

const SCHEDULE_EVERY_MS = 60 * 1000;
const RECONCILE_CHECK_EVERY_MS = 15 * 60 * 1000;

declare global {
  var __evergreenBooted: boolean | undefined;
}

export function bootBackgroundWork(): void {
  if (globalThis.__evergreenBooted || process.env.NODE_ENV === "test") return;
  globalThis.__evergreenBooted = true;
  const tick = (what: string, work: () => Promise<unknown>) =>
    work().catch((error: unknown) => logger.error(`${what} failed`, { error: error instanceof Error ? error.message : String(error) }));
  const queue = appQueue();
  void tick("starting the job worker", () => queue.start());
  void tick("resuming interrupted syncs", async () => {
    const shops = await resumeInterruptedSyncs();
    if (shops.length > 0) logger.info("resumed interrupted syncs", { shops: shops.length });
  });
  // EVERGREEN_RECURRING_JOBS=off: only jobs something asks for (syncs) run; browser tests use it.
  if (process.env.EVERGREEN_RECURRING_JOBS === "off") return;
  setInterval(() => void tick("scheduling recurring work", () => queue.scheduleRecurringWork()), SCHEDULE_EVERY_MS).unref();
  setInterval(() => void tick("reconciling shops", () => reconcileDueShops()), RECONCILE_CHECK_EVERY_MS).unref();
}
