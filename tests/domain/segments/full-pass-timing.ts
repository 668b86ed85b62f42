/**
 * Not a test: times the full pass and single-customer updates on a synthetic shop.
 *   npx tsx tests/domain/segments/full-pass-timing.ts [customers=1000000]
 */
import { performance } from "node:perf_hooks";
import { DAY_MS } from "~/domain/customers/purchase-history";
import {
  DEFAULT_LAYERS, compileLayers, emptyFeatures, fillFeatures, layerMap, lifecycleThresholds, matchLayerIndex, readColumns,
  scoreShop, segmentCustomer, segmentShop, shopNorms, thresholdsFromColumns,
} from "~/domain/segments";
import { syntheticShop } from "./synthetic";

const customers = Number(process.argv[2] ?? 1_000_000);
const asOf = Date.UTC(2025, 0, 1);
let t = performance.now();
const histories = syntheticShop(customers, asOf, 42);
const orders = histories.reduce((n, h) => n + h.orders.length, 0);
console.log(`generated ${customers} customers, ${orders} orders in ${(performance.now() - t).toFixed(0)} ms (not timed below)`);

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
for (let run = 1; run <= 3; run++) {
  gc();
  t = performance.now();
  const pass = segmentShop(histories, asOf);
  const fullMs = performance.now() - t;
  t = performance.now();
  const map = layerMap(pass);
  const mapMs = performance.now() - t;
  console.log(`run ${run}: full pass (RFM + lifecycle + layer, ${pass.customerIds.length} customers) ${fullMs.toFixed(0)} ms; ` +
    `layerMap (${map.size} entries) ${mapMs.toFixed(0)} ms more`);
  if (run === 3) {
    // The same work in phases, to see where the time goes.
    gc();
    const t0 = performance.now();
    const cols = readColumns(histories, asOf);
    const t1 = performance.now();
    const rfm = thresholdsFromColumns(cols);
    const baseline = { rfm, lifecycle: lifecycleThresholds(rfm.typicalGapDays) };
    const compiledPhase = compileLayers(DEFAULT_LAYERS, shopNorms(baseline));
    const t2 = performance.now();
    const layerIndex = new Uint8Array(cols.count);
    const row = emptyFeatures();
    for (let i = 0; i < cols.count; i++) {
      fillFeatures(row, histories[i].customerId, cols.orders[i], cols.recencyDays[i], cols.daysSinceFirstOrder[i],
        cols.daysSinceCreated[i], cols.monetaryMinor[i], cols.aovMinor[i], baseline);
      layerIndex[i] = matchLayerIndex(row, compiledPhase);
    }
    const t3 = performance.now();
    console.log(`phases: read columns ${(t1 - t0).toFixed(0)} ms, quintiles + norms ${(t2 - t1).toFixed(0)} ms, ` +
      `scores + stage + layer ${(t3 - t2).toFixed(0)} ms`);
    console.log(JSON.stringify(pass.layerSizes));
    t = performance.now();
    const scored = scoreShop(histories, asOf);
    console.log(`scoreShop alone (thresholds + Map of ${scored.scores.size} RfmScore objects) ${(performance.now() - t).toFixed(0)} ms`);
    const compiled = compileLayers(DEFAULT_LAYERS, pass.norms);
    const sample = 10_000;
    t = performance.now();
    for (let i = 0; i < sample; i++) {
      const h = histories[(i * 7919) % customers];
      const updated = { ...h, orders: [...h.orders, { at: asOf - DAY_MS, valueMinor: 5000 }] };
      segmentCustomer(updated, pass.baseline, asOf, compiled);
    }
    const perCustomer = (performance.now() - t) / sample;
    t = performance.now();
    segmentCustomer(histories[3], pass.baseline, asOf);
    const cold = performance.now() - t;
    console.log(`single-customer update with reason: ${(perCustomer * 1000).toFixed(1)} µs average (precompiled layers), ${cold.toFixed(2)} ms compiling the layers in the call`);
  }
}
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
