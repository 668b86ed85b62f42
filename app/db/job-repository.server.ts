/**
 * The `Job` table: the durable queue's storage (app/jobs/queue.server.ts).
 *
 * Claims are serialised per database: on PostgreSQL under a transaction-scoped
 * advisory lock (claims take about a millisecond, so one at a time across all
 * app instances costs nothing and makes per-shop limits exact); SQLite runs
 * one writer at a time anyway. Every state change is fenced on the lease
 * holder, so a worker that lost its lease cannot complete or fail a job that
 * another worker has claimed since.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";
import { Prisma } from "~/generated/prisma/client";

/** Any constant: the advisory lock all claimers share. */
const CLAIM_LOCK_KEY = 7_301_2026;

export type JobState = "pending" | "running" | "completed" | "dead";

export interface JobRow {
  id: string;
  queue: string;
  shopDomain: string;
  payload: string;
  state: string;
  singletonKey: string | null;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewJob {
  queue: string;
  shopDomain: string;
  payload?: unknown;
  singletonKey?: string;
  maxAttempts?: number;
  runAt?: Date;
}

export class JobRepository {
  constructor(
    private readonly db: PrismaClient,
    private readonly provider: "sqlite" | "postgresql",
  ) {}

  /**
   * Inserts a job, or returns the pending/running one holding the same
   * singleton key (`joined: true`).
   */
  async enqueue(job: NewJob, now: Date): Promise<{ job: JobRow; joined: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (job.singletonKey) {
        const existing = await this.db.job.findUnique({ where: { singletonKey: job.singletonKey } });
        if (existing) return { job: existing, joined: true };
      }
      try {
        const created = await this.db.job.create({
          data: {
            id: randomUUID(),
            queue: job.queue,
            shopDomain: job.shopDomain,
            payload: JSON.stringify(job.payload ?? {}),
            state: "pending",
            singletonKey: job.singletonKey ?? null,
            maxAttempts: job.maxAttempts ?? 5,
            runAt: job.runAt ?? now,
            createdAt: now,
          },
        });
        return { job: created, joined: false };
      } catch (error) {
        // Another process enqueued the same singleton between our read and insert: join it.
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
      }
    }
    throw new Error(`could not enqueue ${job.queue} for ${job.shopDomain}: singleton ${job.singletonKey} kept changing`);
  }

  /**
   * Claims the oldest due job of `queues` whose shop is under its per-queue
   * concurrency limit: pending and due, or running with an expired lease (its
   * worker died). Returns null when there is none.
   */
  async claim(input: { queues: readonly string[]; workerId: string; leaseMs: number; perShopLimit: (queue: string) => number; now: Date }): Promise<JobRow | null> {
    const { queues, workerId, leaseMs, now } = input;
    if (queues.length === 0) return null;
    return this.db.$transaction(async (tx) => {
      if (this.provider === "postgresql") await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`;
      const claimable = {
        queue: { in: [...queues] },
        OR: [
          { state: "pending", runAt: { lte: now } },
          { state: "running", lockedUntil: { lt: now } },
        ],
      };
      const candidates = await tx.job.findMany({ where: claimable, orderBy: [{ runAt: "asc" }, { createdAt: "asc" }], take: 50 });
      if (candidates.length === 0) return null;
      const busy = await tx.job.groupBy({
        by: ["queue", "shopDomain"],
        where: { queue: { in: [...queues] }, state: "running", lockedUntil: { gte: now } },
        _count: { _all: true },
      });
      const running = new Map(busy.map((b) => [`${b.queue}\u0000${b.shopDomain}`, b._count._all]));
      for (const job of candidates) {
        if ((running.get(`${job.queue}\u0000${job.shopDomain}`) ?? 0) >= input.perShopLimit(job.queue)) continue;
        const { count } = await tx.job.updateMany({
          where: { id: job.id, ...claimable },
          data: { state: "running", lockedBy: workerId, lockedUntil: new Date(now.getTime() + leaseMs), attempts: { increment: 1 } },
        });
        if (count === 1) return tx.job.findUniqueOrThrow({ where: { id: job.id } });
      }
      return null;
    });
  }

  /** Extends the lease; false when the worker no longer holds it. */
  async heartbeat(id: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    const { count } = await this.db.job.updateMany({
      where: { id, lockedBy: workerId, state: "running" },
      data: { lockedUntil: new Date(now.getTime() + leaseMs) },
    });
    return count === 1;
  }

  /** Marks the job done; false when the worker lost the lease (the job will run again elsewhere). */
  async complete(id: string, workerId: string, now: Date): Promise<boolean> {
    const { count } = await this.db.job.updateMany({
      where: { id, lockedBy: workerId, state: "running" },
      data: { state: "completed", finishedAt: now, lockedBy: null, lockedUntil: null, singletonKey: null },
    });
    return count === 1;
  }

  /** Schedules a retry at `retryAt`, or dead-letters the job when `retryAt` is null. */
  async fail(id: string, workerId: string, error: string, retryAt: Date | null, now: Date): Promise<boolean> {
    const { count } = await this.db.job.updateMany({
      where: { id, lockedBy: workerId, state: "running" },
      data: retryAt
        ? { state: "pending", runAt: retryAt, lockedBy: null, lockedUntil: null, lastError: error }
        : { state: "dead", finishedAt: now, lockedBy: null, lockedUntil: null, lastError: error, singletonKey: null },
    });
    return count === 1;
  }

  async find(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id } });
  }

  /** When a job of `queue` last finished for the shop (completed or dead), if ever. */
  async lastFinishedAt(queue: string, shopDomain: string): Promise<Date | null> {
    const last = await this.db.job.findFirst({
      where: { queue, shopDomain, finishedAt: { not: null } },
      orderBy: { finishedAt: "desc" },
      select: { finishedAt: true },
    });
    return last?.finishedAt ?? null;
  }

  /** Dead letters of a shop (or all shops), newest first: what the admin shows and an operator retries. */
  async deadLetters(shopDomain?: string, take = 50): Promise<JobRow[]> {
    return this.db.job.findMany({ where: { state: "dead", ...(shopDomain ? { shopDomain } : {}) }, orderBy: { finishedAt: "desc" }, take });
  }

  /** Puts a dead job back in the queue with fresh attempts. */
  async retryDead(id: string, now: Date): Promise<boolean> {
    const { count } = await this.db.job.updateMany({
      where: { id, state: "dead" },
      data: { state: "pending", attempts: 0, runAt: now, finishedAt: null, lastError: null },
    });
    return count === 1;
  }

  /** Deletes finished jobs older than `before` (completed ones; dead letters are kept for an operator). */
  async pruneCompleted(before: Date): Promise<number> {
    const { count } = await this.db.job.deleteMany({ where: { state: "completed", finishedAt: { lt: before } } });
    return count;
  }
}
