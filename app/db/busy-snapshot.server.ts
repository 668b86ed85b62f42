/**
 * SQLite in WAL mode refuses a deferred transaction's first write with
 * SQLITE_BUSY_SNAPSHOT when another connection committed after the
 * transaction's first read: its snapshot is stale, and `busy_timeout` does not
 * wait that out. The transaction is rolled back whole, so running it again is
 * safe. (Seen when the demo's browsing replay rolled up events while the app
 * process wrote its first intelligence pass.)
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Whether `error` is SQLite's stale-snapshot refusal, as Prisma's libsql adapter reports it (P1008 wrapping code 517). */
export function isBusySnapshot(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    const o = e as { message?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown; originalCode?: unknown; originalMessage?: unknown };
    if (o.originalCode === "517" || o.originalCode === 517) return true;
    if (typeof o.originalMessage === "string" && o.originalMessage.includes("SQLITE_BUSY_SNAPSHOT")) return true;
    if (typeof o.message === "string" && o.message.includes("SQLITE_BUSY_SNAPSHOT")) return true;
    e = o.meta?.driverAdapterError ?? o.cause;
  }
  return false;
}

export interface BusySnapshotRetry {
  /** Give up once this long has passed since the first run (default 10 s). */
  budgetMs?: number;
  /** First pause; it doubles per refusal up to `maxPauseMs`, each with ±50% jitter (defaults 10 and 200 ms). */
  firstPauseMs?: number;
  maxPauseMs?: number;
}

/**
 * Runs `transaction` again while SQLite refuses it for a stale snapshot, for up
 * to `budgetMs`. A time budget, not a few attempts: a burst of webhooks (the
 * customers/update echo of a metafield write-back is one per metafield) commits
 * every few milliseconds for seconds, and a transaction whose read-to-write
 * window spans one of those commits is refused again and again until the burst
 * thins; the jitter keeps two refused transactions from meeting again.
 */
export async function retryingBusySnapshot<T>(transaction: () => Promise<T>, options: BusySnapshotRetry = {}): Promise<T> {
  const { budgetMs = 10_000, firstPauseMs = 10, maxPauseMs = 200 } = options;
  const started = Date.now();
  for (let refusals = 0; ; refusals++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isBusySnapshot(error) || Date.now() - started >= budgetMs) throw error;
      const pause = Math.min(maxPauseMs, firstPauseMs * 2 ** refusals);
      await sleep(pause * (0.5 + Math.random()));
    }
  }
}
