/**
 * Seeded simulation of a BG/NBD customer base, for tests, benchmarks and demo
 * data. Pure: the same seed gives the same customers.
 */
import type { BgNbdParams, RfmObservation } from "./bg-nbd";
import { seededRandom, type Random } from "../random";

export { seededRandom, type Random };


function standardNormal(random: Random): number {
  // Box-Muller; 1 − u keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000), with the shape < 1 boost U^(1/shape). */
export function sampleGamma(random: Random, shape: number, rate: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1, rate) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export function sampleBeta(random: Random, a: number, b: number): number {
  const g1 = sampleGamma(random, a, 1);
  return g1 / (g1 + sampleGamma(random, b, 1));
}

/**
 * Simulate `customers` customers from the BG/NBD story (FHL 2005 §3): λ ~
 * Gamma(r, α), p ~ Beta(a, b); repeat purchases arrive as a Poisson(λ)
 * process from the first purchase at 0, and after each repeat purchase the
 * customer leaves with probability p. Observed until `observedFor(i)`.
 *
 * @param observedFor T of customer i, in the unit of α.
 * @param roundTimes optional rounding of tₓ and T (e.g. to whole days); tₓ is
 *   clamped to T after rounding.
 */
export function simulateBgNbd(input: {
  params: BgNbdParams;
  customers: number;
  observedFor: (i: number) => number;
  seed: number;
  roundTimes?: (t: number) => number;
}): RfmObservation[] {
  const { params, customers, observedFor, roundTimes } = input;
  const random = seededRandom(input.seed);
  const out: RfmObservation[] = [];
  for (let i = 0; i < customers; i++) {
    const T = observedFor(i);
    const lambda = sampleGamma(random, params.r, params.alpha);
    const p = sampleBeta(random, params.a, params.b);
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      x++;
      tx = t;
      if (random() < p) break;
    }
    if (roundTimes) {
      const rT = roundTimes(T);
      out.push({ x, tx: x === 0 ? 0 : Math.min(roundTimes(tx), rT), T: rT });
    } else out.push({ x, tx, T });
  }
  return out;
}
