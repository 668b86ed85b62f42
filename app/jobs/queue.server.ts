/**
 * A durable job queue in the app's own database (ADR 0007): what pg-boss
 * gives, on both of our databases, with one code path.
 *
 * - At-least-once: a job is claimed with a lease that its worker extends while
 *   it runs; a worker killed mid-job loses the lease and another worker (in
 *   this process after a restart, or in another instance) claims it again.
 *   Handlers are idempotent (every Evergreen job is: syncs resume from their
 *   checkpoint, ledger entries carry idempotency keys).
 * - Retries with exponential back-off and jitter, then a dead letter (kept,
 *   listed, retryable by an operator). `PermanentJobError` dead-letters at once.
 * - Per-shop concurrency per queue (default 1), exact across instances.
 * - Singleton keys: "one sync per shop" — enqueueing while one is pending or
 *   running joins it.
 * - Schedules: `scheduleDue` enqueues a queue's job for each shop whose last
 *   run finished more than `everyMs` ago.
 *
 * On SQLite (the local default) the same jobs run in the app's process; on
 * PostgreSQL any number of instances share the table.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { JobRepository, type JobRow, type NewJob } from "~/db/job-repository.server";
import type { PrismaClient } from "~/generated/prisma/client";

/** A failure retrying cannot fix (bad input, missing shop): dead-letter now. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export interface JobContext {
  job: JobRow;
  payload: unknown;
  /** Aborted when the worker stops or loses the job's lease: stop at the next safe point. */
  signal: AbortSignal;
}

export type JobHandler = (context: JobContext) => Promise<void>;

export interface QueueDefinition {
  handler: JobHandler;
  /** Jobs of this queue running at once for one shop, across all instances. Default 1. */
  perShopConcurrency?: number;
  /** Attempts before a dead letter. Default 5. */
  maxAttempts?: number;
}

export interface JobQueueOptions {
  db: PrismaClient;
  provider: "sqlite" | "postgresql";
  queues: Record<string, QueueDefinition>;
  now?: () => Date;
  /** Lease length; the worker renews it every third of it. Default 60 s. */
  leaseMs?: number;
  /** Polling interval when idle. Default 1 s (local enqueues wake the worker at once). */
  pollMs?: number;
  /** Jobs this process runs at once (all queues). Default 2. */
  concurrency?: number;
  /** Retry delay after attempt n (1-based). Default 2^n s, capped at 15 min, ±20% jitter. */
  backoffMs?: (attempt: number) => number;
  workerId?: string;
  onError?: (job: JobRow, error: unknown, willRetry: boolean) => void;
}

export const defaultBackoffMs = (attempt: number): number => {
  const base = Math.min(15 * 60_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
};

export class JobQueue {
  readonly workerId: string;
  readonly repository: JobRepository;
  private readonly options: Required<Omit<JobQueueOptions, "onError" | "workerId">> & Pick<JobQueueOptions, "onError">;
  private readonly active = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(options: JobQueueOptions) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.repository = new JobRepository(options.db, options.provider);
    this.options = {
      now: () => new Date(),
      leaseMs: 60_000,
      pollMs: 1000,
      concurrency: 2,
      backoffMs: defaultBackoffMs,
      ...options,
    };
  }

  /** Adds a job (or joins the pending/running one with the same singleton key). */
  async enqueue(job: NewJob): Promise<{ id: string; joined: boolean }> {
    const definition = this.options.queues[job.queue];
    if (!definition) throw new Error(`unknown queue ${job.queue}`);
    const { job: row, joined } = await this.repository.enqueue({ maxAttempts: definition.maxAttempts, ...job }, this.options.now());
    this.wake?.();
    return { id: row.id, joined };
  }

  /** Resolves with the job once it is completed or dead (polling the table, so any instance may run it). */
  async waitFor(id: string, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<JobRow> {
    const started = Date.now();
    for (;;) {
      const job = await this.repository.find(id);
      if (!job) throw new Error(`job ${id} not found`);
      if (job.state === "completed" || job.state === "dead") return job;
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) throw new Error(`job ${id} still ${job.state} after ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
    }
  }

  /**
   * For each shop, enqueues `queue` unless one is pending/running or the last
   * one finished less than `everyMs` ago. Returns the shops enqueued.
   */
  async scheduleDue(queue: string, shops: readonly string[], everyMs: number): Promise<string[]> {
    const now = this.options.now();
    const enqueued: string[] = [];
    for (const shopDomain of shops) {
      const last = await this.repository.lastFinishedAt(queue, shopDomain);
      if (last && now.getTime() - last.getTime() < everyMs) continue;
      const { joined } = await this.enqueue({ queue, shopDomain, singletonKey: `${queue}:${shopDomain}` });
      if (!joined) enqueued.push(shopDomain);
    }
    return enqueued;
  }

  /**
   * Claims and runs at most one job now (tests and scripts drive the queue
   * step by step with it). Returns the job as it ended, or null if none was due.
   */
  async runOnce(): Promise<JobRow | null> {
    const job = await this.claim();
    if (!job) return null;
    await this.execute(job);
    return this.repository.find(job.id);
  }

  /** Starts the worker loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.work();
  }

  /** Stops claiming, aborts running handlers' signals and waits for them to return. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    for (const { abort } of this.active.values()) abort.abort(new Error("worker stopping"));
    await this.loop;
    await Promise.allSettled([...this.active.values()].map((a) => a.promise));
  }

  private async work(): Promise<void> {
    while (this.running) {
      if (this.active.size < this.options.concurrency) {
        let job: JobRow | null = null;
        try {
          job = await this.claim();
        } catch (error) {
          this.options.onError?.({ id: "-", queue: "-" } as JobRow, error, true);
        }
        if (job) {
          const abort = new AbortController();
          const promise = this.execute(job, abort).finally(() => {
            this.active.delete(job.id);
            this.wake?.();
          });
          this.active.set(job.id, { promise, abort });
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private claim(): Promise<JobRow | null> {
    return this.repository.claim({
      queues: Object.keys(this.options.queues),
      workerId: this.workerId,
      leaseMs: this.options.leaseMs,
      perShopLimit: (queue) => this.options.queues[queue]?.perShopConcurrency ?? 1,
      now: this.options.now(),
    });
  }

  private async execute(job: JobRow, abort = new AbortController()): Promise<void> {
    const definition = this.options.queues[job.queue]!;
    const { leaseMs } = this.options;
    const renew = setInterval(() => {
      void this.repository.heartbeat(job.id, this.workerId, leaseMs, this.options.now()).then((held) => {
        if (!held) abort.abort(new Error("lease lost"));
      });
    }, Math.max(50, Math.floor(leaseMs / 3)));
    renew.unref?.();
    try {
      await definition.handler({ job, payload: JSON.parse(job.payload) as unknown, signal: abort.signal });
      clearInterval(renew);
      await this.repository.complete(job.id, this.workerId, this.options.now());
    } catch (error) {
      clearInterval(renew);
      const permanent = error instanceof PermanentJobError;
      const willRetry = !permanent && job.attempts < job.maxAttempts;
      const now = this.options.now();
      const retryAt = willRetry ? new Date(now.getTime() + this.options.backoffMs(job.attempts)) : null;
      this.options.onError?.(job, error, willRetry);
      await this.repository.fail(job.id, this.workerId, describe(error), retryAt, now);
    }
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2000);
}
