/**
 * Sync runs: what a merchant sees as sync status, and the checkpoint a killed
 * sync resumes from.
 */
import type { Prisma, SyncRun } from "~/generated/prisma/client";
import type { SyncResource } from "~/domain/sync/records";

export type SyncRunStatus = "pending" | "running" | "completed" | "failed";
export type SyncKind = "full" | "incremental";

export interface ResourceCheckpoint {
  bulkOperationId: string | null;
  url: string | null;
  /** Incremental sync: the page cursor after the last committed page. */
  cursor?: string | null;
  /** Byte offset in the bulk result after the last committed record. */
  offset: number;
  rows: number;
  done: boolean;
}

export interface FullSyncCheckpoint {
  resources: Record<SyncResource, ResourceCheckpoint>;
  /** Incremental sync: changes after this instant (ISO) are fetched. */
  since?: string;
}

export interface SyncRunView {
  id: string;
  shopDomain: string;
  kind: SyncKind;
  status: SyncRunStatus;
  phase: string | null;
  checkpoint: FullSyncCheckpoint;
  rowsProcessed: number;
  rowsByResource: Record<string, number>;
  attempts: number;
  lastError: string | null;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

/** A Prisma client or transaction client: all this repository touches is the SyncRun table. */
export type SyncRunStore = Pick<Prisma.TransactionClient, "syncRun">;

export function emptyCheckpoint(): FullSyncCheckpoint {
  const fresh = (): ResourceCheckpoint => ({ bulkOperationId: null, url: null, offset: 0, rows: 0, done: false });
  return { resources: { products: fresh(), customers: fresh(), orders: fresh() } };
}

function toView(row: SyncRun): SyncRunView {
  return {
    ...row,
    kind: row.kind as SyncKind,
    status: row.status as SyncRunStatus,
    checkpoint: row.checkpoint ? (JSON.parse(row.checkpoint) as FullSyncCheckpoint) : emptyCheckpoint(),
    rowsByResource: JSON.parse(row.rowsByResource || "{}") as Record<string, number>,
  };
}

export class SyncRunRepository {
  constructor(private readonly db: SyncRunStore) {}

  withClient(db: SyncRunStore): SyncRunRepository {
    return new SyncRunRepository(db);
  }

  async create(input: { id: string; shopDomain: string; kind: SyncKind; now: Date; checkpoint?: FullSyncCheckpoint }): Promise<SyncRunView> {
    const row = await this.db.syncRun.create({
      data: {
        id: input.id,
        shopDomain: input.shopDomain,
        kind: input.kind,
        status: "running",
        checkpoint: JSON.stringify(input.checkpoint ?? emptyCheckpoint()),
        attempts: 1,
        startedAt: input.now,
        heartbeatAt: input.now,
      },
    });
    return toView(row);
  }

  /** The newest sync of a kind that has not completed (to resume), if any. */
  async findResumable(shopDomain: string, kind: SyncKind = "full"): Promise<SyncRunView | null> {
    const row = await this.db.syncRun.findFirst({
      where: { shopDomain, kind, status: { in: ["pending", "running", "failed"] } },
      orderBy: { startedAt: "desc" },
    });
    return row ? toView(row) : null;
  }

  async latest(shopDomain: string): Promise<SyncRunView | null> {
    const row = await this.db.syncRun.findFirst({ where: { shopDomain }, orderBy: { startedAt: "desc" } });
    return row ? toView(row) : null;
  }

  async lastCompleted(shopDomain: string, kind?: SyncKind): Promise<SyncRunView | null> {
    const row = await this.db.syncRun.findFirst({
      where: { shopDomain, status: "completed", ...(kind ? { kind } : {}) },
      orderBy: { startedAt: "desc" },
    });
    return row ? toView(row) : null;
  }

  async history(shopDomain: string, take = 10): Promise<SyncRunView[]> {
    const rows = await this.db.syncRun.findMany({ where: { shopDomain }, orderBy: { startedAt: "desc" }, take });
    return rows.map(toView);
  }

  async markResumed(id: string, attempts: number, now: Date): Promise<void> {
    await this.db.syncRun.update({
      where: { id },
      data: { status: "running", attempts, heartbeatAt: now, lastError: null },
    });
  }

  async saveProgress(
    id: string,
    progress: { phase: string; checkpoint: FullSyncCheckpoint; now: Date },
  ): Promise<void> {
    const rowsByResource = Object.fromEntries(
      Object.entries(progress.checkpoint.resources).map(([k, v]) => [k, v.rows]),
    );
    const rowsProcessed = Object.values(rowsByResource).reduce((a, b) => a + b, 0);
    await this.db.syncRun.update({
      where: { id },
      data: {
        phase: progress.phase,
        checkpoint: JSON.stringify(progress.checkpoint),
        rowsProcessed,
        rowsByResource: JSON.stringify(rowsByResource),
        heartbeatAt: progress.now,
      },
    });
  }

  async finish(id: string, outcome: { status: "completed" | "failed"; error?: string; now: Date }): Promise<void> {
    await this.db.syncRun.update({
      where: { id },
      data: {
        status: outcome.status,
        lastError: outcome.error ?? null,
        heartbeatAt: outcome.now,
        finishedAt: outcome.status === "completed" ? outcome.now : null,
      },
    });
  }
}
