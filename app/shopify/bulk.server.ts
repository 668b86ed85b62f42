import { assertNoUserErrors, type AdminClient } from "./admin-client.server";
import { AdminApiError, BulkOperationFailedError, BulkOperationTimeoutError } from "./errors";
import { BulkOperationCancel, BulkOperationRunQuery, BulkOperationStatus } from "./operations/bulk-operations";

export { groupBulkObjects, readBulkJsonl, gidType } from "./jsonl.server";
export type { BulkJsonlLine, BulkRecord, GroupBulkObjectsOptions, ReadBulkJsonlOptions } from "./jsonl.server";

/** BulkOperationStatus values in 2026-10. */
export type BulkOperationStatusValue = "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";

/** A bulk operation as polled, with Shopify's UnsignedInt64 counts as numbers. */
export interface BulkOperationSnapshot {
  id: string;
  status: BulkOperationStatusValue;
  /** ACCESS_DENIED, INTERNAL_SERVER_ERROR or TIMEOUT when it failed. */
  errorCode: string | null;
  /** Objects written so far (children included). */
  objectCount: number;
  /** Root objects written so far. */
  rootObjectCount: number;
  /** Bytes of the result file; null until complete (or when empty). */
  fileSize: number | null;
  /** Result file; null until COMPLETED, and null for an empty result. Expires after 7 days. */
  url: string | null;
  /** What was written before a failure, if anything. */
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
}

const FAILED_STATUSES: ReadonlySet<string> = new Set(["FAILED", "CANCELED", "EXPIRED"]);

/**
 * Starts a bulk query.
 *
 * @param query the body, e.g. `ordersBulkQuery({ updatedAfter })` (fragment-free, no variables).
 * @param options.groupObjects default true: children follow their parent, which
 *   `groupBulkObjects` needs. Ungrouped output is faster; pass false only when
 *   lines are processed independently.
 * @throws AdminUserErrorsError e.g. `[LIMIT_REACHED]` when 5 bulk queries already run, `[INVALID]` for a bad query.
 * @example const { id } = await startBulkQuery(client, customersBulkQuery());
 */
export async function startBulkQuery(
  client: AdminClient,
  query: string,
  options: { groupObjects?: boolean } = {},
): Promise<{ id: string; status: BulkOperationStatusValue }> {
  const data = await client.request(BulkOperationRunQuery, { query, groupObjects: options.groupObjects ?? true });
  const payload = data.bulkOperationRunQuery;
  assertNoUserErrors(payload, "bulkOperationRunQuery");
  if (!payload.bulkOperation) {
    throw new AdminApiError("bulkOperationRunQuery returned neither a bulk operation nor userErrors");
  }
  return { id: payload.bulkOperation.id, status: payload.bulkOperation.status as BulkOperationStatusValue };
}

/** The bulk operation's current state, or null when Shopify does not know the id. */
export async function getBulkOperation(client: AdminClient, id: string): Promise<BulkOperationSnapshot | null> {
  const data = await client.request(BulkOperationStatus, { id });
  const op = data.bulkOperation;
  if (!op) return null;
  return {
    id: op.id,
    status: op.status as BulkOperationStatusValue,
    errorCode: op.errorCode ?? null,
    objectCount: Number(op.objectCount ?? 0),
    rootObjectCount: Number(op.rootObjectCount ?? 0),
    fileSize: op.fileSize === null || op.fileSize === undefined ? null : Number(op.fileSize),
    url: op.url ?? null,
    partialDataUrl: op.partialDataUrl ?? null,
    createdAt: op.createdAt,
    completedAt: op.completedAt ?? null,
  };
}

export interface WaitForBulkOperationOptions {
  /** Between polls. Default 2 s (a poll costs 1 point). */
  pollIntervalMs?: number;
  /** Give up (the operation keeps running) after this long. Default 6 h. */
  timeoutMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Called with every poll's snapshot: progress for sync status. */
  onPoll?: (operation: BulkOperationSnapshot) => void;
}

/**
 * Polls until the bulk operation ends. The `bulk_operations/finish` webhook
 * is the primary signal; polling is the fallback and the way to wait in
 * scripts and tests.
 *
 * @returns the COMPLETED snapshot (`url` is null when nothing matched).
 * @throws BulkOperationFailedError on FAILED, CANCELED or EXPIRED.
 * @throws BulkOperationTimeoutError after `timeoutMs`.
 * @throws the signal's reason when aborted.
 */
export async function waitForBulkOperation(
  client: AdminClient,
  id: string,
  options: WaitForBulkOperationOptions = {},
): Promise<BulkOperationSnapshot> {
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 6 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const startedAt = now();
  let lastStatus: string | undefined;

  for (;;) {
    options.signal?.throwIfAborted();
    const op = await getBulkOperation(client, id);
    if (!op) throw new AdminApiError(`Bulk operation ${id} not found`);
    lastStatus = op.status;
    options.onPoll?.(op);
    if (op.status === "COMPLETED") return op;
    if (FAILED_STATUSES.has(op.status)) throw new BulkOperationFailedError(op);
    if (now() - startedAt + pollIntervalMs > timeoutMs) {
      throw new BulkOperationTimeoutError(id, lastStatus, timeoutMs);
    }
    await sleep(pollIntervalMs, options.signal);
  }
}

/**
 * Asks Shopify to cancel a running bulk operation (it moves to CANCELING,
 * then CANCELED).
 *
 * @throws AdminUserErrorsError e.g. when it already finished.
 */
export async function cancelBulkOperation(client: AdminClient, id: string): Promise<{ id: string; status: BulkOperationStatusValue }> {
  const data = await client.request(BulkOperationCancel, { id });
  const payload = data.bulkOperationCancel;
  assertNoUserErrors(payload, "bulkOperationCancel");
  return { id: payload.bulkOperation?.id ?? id, status: (payload.bulkOperation?.status ?? "CANCELING") as BulkOperationStatusValue };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
