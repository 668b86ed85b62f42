/**
 * Timing of the retention analysis on synthetic data (not a test):
 *   npx tsx tests/domain/analytics/bench-cohorts.ts [customers=1000000]
 * About 2.5 orders per customer, first purchases spread over two years,
 * exponential gaps between orders. Deterministic (seeded PRNG).
 */
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { analyzeRetention } from "~/domain/analytics";
import { seededRandom as mulberry32 } from "~/domain/random";


const customers = Number(process.argv[2] ?? 1_000_000);
const random = mulberry32(42);
const start = Date.UTC(2023, 0, 1);
const asOf = Date.UTC(2025, 0, 1);
let t0 = performance.now();
const histories: PurchaseHistory[] = new Array(customers);
let orderCount = 0;
for (let c = 0; c < customers; c++) {
  let at = start + Math.floor(random() * 730 * DAY_MS);
  const orders = [{ at, valueMinor: 1000 + Math.floor(random() * 9000) }];
  // 1 + Geometric(p = 0.4) orders: mean 2.5.
  while (random() < 0.6) {
    at += Math.floor(-Math.log(1 - random()) * 60 * DAY_MS) + 1;
    orders.push({ at, valueMinor: 1000 + Math.floor(random() * 9000) });
  }
  orderCount += orders.length;
  histories[c] = { customerId: String(c), createdAt: orders[0].at, orders };
}
console.log(`generated ${customers} customers, ${orderCount} orders in ${(performance.now() - t0).toFixed(0)} ms`);

const timings: number[] = [];
for (let run = 1; run <= 5; run++) {
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { cohorts, shop } = analyzeRetention(histories, { asOf });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  timings.push(ms);
  console.log(
    `run ${run}: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (incl. GC threads), ${cohorts.length} cohorts, r30 ${shop.retention[30].rate?.toFixed(4)}, r90 ${shop.retention[90].rate?.toFixed(4)}, ` +
      `repeat ${shop.repeatRate?.toFixed(4)}, median 2nd ${shop.timeToSecondOrder.medianDays?.toFixed(1)} d, churn peak day ${shop.curve.churnPeakDay}`,
  );
}
timings.sort((a, b) => a - b);
console.log(`min ${timings[0].toFixed(0)} ms, median ${timings[2].toFixed(0)} ms`);
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
