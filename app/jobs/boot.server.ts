/**
 * Background work the app process starts once: resume syncs a crash
 * interrupted, and reconcile shops on a schedule. (A durable job queue on
 * PostgreSQL takes this over with the production-readiness work.)
 */
import { logger } from "~/logger.server";
import { runLoyaltyJobs } from "./loyalty-jobs.server";
import { reconcileDueShops, resumeInterruptedSyncs } from "./sync-runner.server";

const CHECK_EVERY_MS = 15 * 60 * 1000;
const LOYALTY_EVERY_MS = 60 * 60 * 1000;

declare global {
  var __evergreenBooted: boolean | undefined;
}

export function bootBackgroundWork(): void {
  if (globalThis.__evergreenBooted || process.env.NODE_ENV === "test") return;
  globalThis.__evergreenBooted = true;
  const tick = (what: string, work: () => Promise<string[]>) =>
    work()
      .then((shops) => shops.length > 0 && logger.info(what, { shops: shops.length }))
      .catch((error: unknown) => logger.error(`${what} failed`, { error: error instanceof Error ? error.message : String(error) }));
  void tick("resumed interrupted syncs", () => resumeInterruptedSyncs());
  setInterval(() => void tick("reconciling shops", () => reconcileDueShops()), CHECK_EVERY_MS).unref();

  // Loyalty (docs/loyalty.md): order earning sweep, birthdays, expiry, tier periods. Idempotent, hourly.
  setInterval(() => void tick("loyalty jobs", () => runLoyaltyJobs()), LOYALTY_EVERY_MS).unref();
}
