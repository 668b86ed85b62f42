/**
 * A bound on concurrent work in one process: at most `limit` tasks run, at most
 * `maxQueued` wait (first come, first served), and none waits longer than
 * `maxWaitMs`. What cannot get in is refused at once with {@link OverloadedError}.
 *
 * Why: a webhook storm used to start every delivery at once; on PostgreSQL they
 * queued for the connection pool and answered 500 after ~5 s, each try wasted
 * work. Refusing early (503) costs nothing: the delivery is not acknowledged,
 * so Shopify sends it again, and the work already admitted stays fast.
 */
export class OverloadedError extends Error {
  constructor(readonly reason: "queue full" | "wait timed out") {
    super(`overloaded: ${reason}`);
    this.name = "OverloadedError";
  }
}

export interface AdmissionLimits {
  limit: number;
  maxQueued: number;
  maxWaitMs: number;
}

interface Waiter {
  admit: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export class AdmissionGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limits: AdmissionLimits) {
    if (!(limits.limit >= 1)) throw new RangeError("AdmissionGate: limit must be at least 1");
  }

  /** Tasks running now, and waiting: for logs and tests. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Runs `task` once a slot is free; the slot is released however it ends.
   *
   * @throws OverloadedError when the queue is full or the wait exceeds `maxWaitMs` (the task never starts)
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limits.limit && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueued) return Promise.reject(new OverloadedError("queue full"));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          this.running++;
          resolve();
        },
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new OverloadedError("wait timed out"));
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next.admit();
  }
}

/**
 * Limits from the environment: `name` (an integer ≥ 1) overrides `limit`; the
 * queue holds four times the limit and a wait is capped so that admitted work
 * still answers inside Shopify's 5-second webhook budget.
 */
export function admissionLimitsFromEnv(name: string, defaultLimit: number, env: Readonly<Record<string, string | undefined>> = process.env): AdmissionLimits {
  const configured = Number(env[name]);
  const limit = Number.isInteger(configured) && configured >= 1 ? configured : defaultLimit;
  return { limit, maxQueued: limit * 4, maxWaitMs: 2_000 };
}
