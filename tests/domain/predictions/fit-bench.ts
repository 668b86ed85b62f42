/**
 * Fit-time benchmark (not a test): `npx tsx tests/domain/predictions/fit-bench.ts [sizes…]`.
 * Simulates day-granular BG/NBD summaries (CDNOW-like, α in days, T 1–730
 * whole days) and times grouping + fitting.
 */
import { fitBgNbd, groupObservations } from "../../../app/domain/predictions/bg-nbd";
import { simulateBgNbd } from "../../../app/domain/predictions/simulate";

const truth = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 };
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [100_000, 1_000_000]) {
  const t0 = performance.now();
  const data = simulateBgNbd({
    params: truth,
    customers: n,
    observedFor: (i) => 1 + ((i * 7919) % 730),
    seed: 42,
    roundTimes: Math.floor,
  });
  const t1 = performance.now();
  const grouped = groupObservations(data);
  const t2 = performance.now();
  const fit = fitBgNbd(grouped);
  const t3 = performance.now();
  console.log(
    JSON.stringify({
      customers: n,
      distinctTriples: grouped.weight.length,
      simulateMs: Math.round(t1 - t0),
      groupMs: Math.round(t2 - t1),
      fitMs: Math.round(t3 - t2),
      iterations: fit.iterations,
      converged: fit.converged,
      params: Object.fromEntries(Object.entries(fit.params).map(([k, v]) => [k, Number(v.toFixed(4))])),
    }),
  );
}
