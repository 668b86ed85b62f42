import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TokenBucketLimiter } from "~/proxy/rate-limit.server";

describe("TokenBucketLimiter", () => {
  it("allows a burst of `capacity`, then refuses with the seconds until a token is back", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.5, now: () => now });
    expect([1, 2, 3].map(() => limiter.take("a").allowed)).toEqual([true, true, true]);
    expect(limiter.take("a")).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 2 });
    // Other keys are not affected.
    expect(limiter.take("b").allowed).toBe(true);
    now = 2_000;
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
  });

  it("keeps at most maxKeys buckets, dropping refilled (full) ones before the least recently used", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 2, now: () => now });
    limiter.take("old");
    now = 10_000; // "old" has refilled: forgetting it changes nothing
    limiter.take("drained");
    limiter.take("drained");
    limiter.take("new");
    expect(limiter.size).toBe(2);
    expect(limiter.take("drained").allowed).toBe(false);
  });

  it("property: over any request pattern, allowed requests never exceed capacity + elapsed × rate", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.1, max: 5, noNaN: true }), (gaps, capacity, rate) => {
        let now = 0;
        const limiter = new TokenBucketLimiter({ capacity, refillPerSecond: rate, now: () => now });
        let allowed = 0;
        for (const gap of gaps) {
          now += gap;
          if (limiter.take("k").allowed) allowed++;
        }
        expect(allowed).toBeLessThanOrEqual(capacity + Math.floor((now / 1000) * rate) + 1);
      }),
    );
  });
});
