/**
 * Per-key token buckets, in process: each key (shop + customer) holds up to
 * `capacity` tokens, refilled at `refillPerSecond`; a request takes one. A
 * bucket left alone refills to full, so forgetting it changes nothing: the
 * map is bounded by dropping full buckets first, then the least recently used.
 *
 * In process means per app instance: with N instances a customer gets up to
 * N × the limit. That is fine for abuse control (the limit is about stopping
 * scripts, not metering); a shared store (Redis, Postgres) can implement the
 * same {@link RateLimiter} interface when the app scales out.
 */

export interface RateLimitDecision {
  allowed: boolean;
  /** Tokens left after this request (whole). */
  remaining: number;
  /** When refused: whole seconds until one token is back (≥ 1). 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(key: string): RateLimitDecision;
}

export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
  /** Buckets kept at most; default 50,000 (about 5 MB). */
  maxKeys?: number;
  /** Milliseconds clock; Date.now by default (tests inject one). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: TokenBucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) throw new RangeError("a token bucket needs capacity ≥ 1 and a positive refill rate");
    this.capacity = options.capacity;
    this.refillPerMs = options.refillPerSecond / 1000;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateLimitDecision {
    const now = this.now();
    const existing = this.buckets.get(key);
    const tokens = existing ? Math.min(this.capacity, existing.tokens + Math.max(0, now - existing.at) * this.refillPerMs) : this.capacity;
    // Re-insert: Map order is then least recently used first.
    this.buckets.delete(key);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      this.evict(now);
      return { allowed: true, remaining: Math.floor(tokens - 1), retryAfterSeconds: 0 };
    }
    this.buckets.set(key, { tokens, at: now });
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.refillPerMs / 1000)) };
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    if (this.buckets.size <= this.maxKeys) return;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.capacity) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * The app proxy's limits. Reads: a burst of 30, then one a second (a shopper
 * opening the panel costs 1). Writes (redeem, dismiss): a burst of 5, then
 * one per 10 s. Guests share one bucket per shop (they carry no identity
 * Shopify vouches for); it is large because a guest's profile is cheap.
 */
export const proxyLimiters = {
  read: new TokenBucketLimiter({ capacity: 30, refillPerSecond: 1 }),
  write: new TokenBucketLimiter({ capacity: 5, refillPerSecond: 0.1 }),
  guest: new TokenBucketLimiter({ capacity: 600, refillPerSecond: 20 }),
};
