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

/** Runs `transaction` again (up to `attempts` times, with a short growing pause) while SQLite refuses it for a stale snapshot. */
export async function retryingBusySnapshot<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isBusySnapshot(error)) throw error;
      await sleep(20 * attempt);
    }
  }
}
