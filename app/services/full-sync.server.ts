/**
 * The historical import of a shop: one bulk operation per resource (products,
 * customers, orders), their JSONL results streamed and upserted in batches.
 *
 * Each batch is written in one transaction together with the checkpoint (the
 * byte offset after the batch's last record), so a sync killed at any point
 * (kill -9 included) resumes from the last committed batch; re-reading a few
 * records is harmless because every write is an idempotent, version-guarded
 * upsert. See docs/decisions/0003-sync-checkpoints.md.
 */
import { randomUUID } from "node:crypto";
import { customerFromGraphql, orderFromGraphql, productFromGraphql } from "~/domain/sync/map-graphql";
import { SYNC_RESOURCES, type SyncResource } from "~/domain/sync/records";
import type { PrismaClient } from "~/generated/prisma/client";
import { SyncRepository } from "~/db/sync-repository.server";
import {
  SyncRunRepository,
  type FullSyncCheckpoint,
  type SyncRunView,
} from "~/db/sync-run-repository.server";
import type { SqlDialect } from "~/db/adapter.server";
import { groupBulkObjects, type BulkRecord } from "~/shopify/jsonl.server";

type Json = Record<string, unknown>;

/** One JSONL line of a bulk result with its byte span. */
export interface BulkLine {
  line: Json;
  startByte: number;
  endByte: number;
}

export interface FinishedBulkOperation {
  id: string;
  status: string;
  url: string | null;
  objectCount: number;
  errorCode: string | null;
}

/** How full sync reaches Shopify's bulk operations (see app/shopify/bulk-source.server.ts). */
export interface BulkSource {
  start(resource: SyncResource): Promise<string>;
  wait(bulkOperationId: string, signal?: AbortSignal): Promise<FinishedBulkOperation>;
  read(url: string, fromByte: number, signal?: AbortSignal): AsyncIterable<BulkLine>;
}

/** The Prisma client surface full sync uses: raw writes, sync runs, transactions. */
export type SyncDatabase = Pick<PrismaClient, "$transaction" | "$executeRawUnsafe" | "$queryRawUnsafe" | "syncRun">;

export interface FullSyncDeps {
  db: SyncDatabase;
  dialect: SqlDialect;
  bulk: BulkSource;
  now?: () => Date;
  /** Records per committed batch. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (run: { runId: string; resource: SyncResource; rows: number }) => void;
}

/** Thrown by a BulkSource when a result URL no longer serves the file (HTTP 403/404/410). */
export class BulkResultExpiredError extends Error {
  constructor(url: string, status: number) {
    super(`The bulk result at ${url.split("?")[0]} is no longer available (HTTP ${status})`);
    this.name = "BulkResultExpiredError";
  }
}

const DEFAULT_BATCH_SIZE = 500;

// Tables whose planner statistics go stale while an import fills them.
const STATISTICS_TABLES: Record<SyncResource, string[]> = {
  products: ["Product"],
  customers: ["Customer"],
  orders: ["Order", "OrderLineItem", "Refund"],
};

/**
 * Runs (or resumes) the full sync of a shop to completion.
 *
 * @returns the finished run. Throws (after recording the error on the run)
 * when Shopify or the database fails; calling again resumes.
 */
export async function runFullSync(shopDomain: string, deps: FullSyncDeps): Promise<SyncRunView> {
  const now = deps.now ?? (() => new Date());
  const runs = new SyncRunRepository(deps.db);
  let run = await runs.findResumable(shopDomain);
  if (run) {
    await runs.markResumed(run.id, run.attempts + 1, now());
  } else {
    run = await runs.create({ id: randomUUID(), shopDomain, kind: "full", now: now() });
  }
  const checkpoint = run.checkpoint;

  try {
    // Start every export up front: Shopify runs up to five bulk queries per
    // shop at once (API 2026-01+), so the later resources are ready sooner.
    for (const resource of SYNC_RESOURCES) {
      const state = checkpoint.resources[resource];
      if (!state.done && !state.bulkOperationId) {
        state.bulkOperationId = await deps.bulk.start(resource);
        await runs.saveProgress(run.id, { phase: resource, checkpoint, now: now() });
      }
    }
    for (const resource of SYNC_RESOURCES) {
      await importResource(shopDomain, resource, run.id, checkpoint, deps, runs, now);
    }
    await runs.finish(run.id, { status: "completed", now: now() });
  } catch (error) {
    await runs.finish(run.id, { status: "failed", error: errorMessage(error), now: now() });
    throw error;
  }
  return (await runs.latest(shopDomain)) ?? run;
}

async function importResource(
  shopDomain: string,
  resource: SyncResource,
  runId: string,
  checkpoint: FullSyncCheckpoint,
  deps: FullSyncDeps,
  runs: SyncRunRepository,
  now: () => Date,
  restarted = false,
): Promise<void> {
  const state = checkpoint.resources[resource];
  if (state.done) return;

  if (!state.url) {
    let finished = await deps.bulk.wait(state.bulkOperationId!, deps.signal);
    if (finished.status !== "COMPLETED") {
      // Expired or failed on Shopify's side: nothing of it was read yet, so start it again.
      state.bulkOperationId = await deps.bulk.start(resource);
      await runs.saveProgress(runId, { phase: resource, checkpoint, now: now() });
      finished = await deps.bulk.wait(state.bulkOperationId, deps.signal);
      if (finished.status !== "COMPLETED") {
        throw new Error(`The ${resource} bulk operation ended ${finished.status} (${finished.errorCode ?? "no error code"})`);
      }
    }
    if (!finished.url) {
      // No objects: Shopify returns no file.
      state.done = true;
      await runs.saveProgress(runId, { phase: resource, checkpoint, now: now() });
      return;
    }
    state.url = finished.url;
    state.offset = 0;
    await runs.saveProgress(runId, { phase: resource, checkpoint, now: now() });
  }

  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  let batch: BulkRecord[] = [];
  let statisticsFresh = false;
  const commit = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    await writeBatch(shopDomain, resource, records, runId, checkpoint, deps, runs, now);
    if (!statisticsFresh) {
      statisticsFresh = true;
      await new SyncRepository(deps.db, deps.dialect).refreshStatistics(STATISTICS_TABLES[resource]);
    }
    deps.onProgress?.({ runId, resource, rows: state.rows });
  };

  try {
    for await (const record of groupBulkObjects(deps.bulk.read(state.url, state.offset, deps.signal))) {
      batch.push(record);
      if (batch.length >= batchSize) await commit();
    }
    await commit();
  } catch (error) {
    if (!(error instanceof BulkResultExpiredError) || restarted) throw error;
    // The result URL expired (Shopify keeps them 7 days) while this sync was
    // stopped: export again and re-read from the start; upserts make the
    // re-read records no-ops.
    const fresh = checkpoint.resources[resource];
    fresh.bulkOperationId = await deps.bulk.start(resource);
    fresh.url = null;
    fresh.offset = 0;
    await runs.saveProgress(runId, { phase: resource, checkpoint, now: now() });
    return importResource(shopDomain, resource, runId, checkpoint, deps, runs, now, true);
  }
  state.done = true;
  await runs.saveProgress(runId, { phase: resource, checkpoint, now: now() });
}

async function writeBatch(
  shopDomain: string,
  resource: SyncResource,
  records: BulkRecord[],
  runId: string,
  checkpoint: FullSyncCheckpoint,
  deps: FullSyncDeps,
  runs: SyncRunRepository,
  now: () => Date,
): Promise<void> {
  const syncedAt = now();
  const state = checkpoint.resources[resource];
  const next = { ...state, offset: records[records.length - 1].endByte, rows: state.rows + records.length };
  const nextCheckpoint: FullSyncCheckpoint = { resources: { ...checkpoint.resources, [resource]: next } };
  await deps.db.$transaction(
    async (tx) => {
      const repo = new SyncRepository(tx, deps.dialect);
      if (resource === "products") {
        await repo.upsertProducts(shopDomain, records.map((r) => productFromGraphql(r.parent)), syncedAt);
      } else if (resource === "customers") {
        await repo.upsertCustomers(shopDomain, records.map((r) => customerFromGraphql(r.parent)), syncedAt);
      } else {
        await repo.upsertOrders(shopDomain, records.map((r) => orderFromGraphql(r.parent, r.childrenByKey.LineItem ?? [])), syncedAt);
      }
      await runs.withClient(tx).saveProgress(runId, { phase: resource, checkpoint: nextCheckpoint, now: syncedAt });
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  // Only after the commit: the in-memory checkpoint follows the stored one.
  Object.assign(state, next);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
