/**
 * `npx tsx bench/recommendations-bench.ts [--k 10]`: the recommendation
 * evaluation on real data (UCI Online Retail, ../shared/datasets): leave each
 * repeat customer's last order out, recommend from the rest, and print
 * precision@k, recall@k and hit rate for item-to-item similarity against the
 * popularity baseline, with the time to load, train and evaluate.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { evaluateLeaveLastOut, type HoldoutOrder } from "~/domain/behaviour";
import { onlineRetailPurchases } from "../tests/replenishment/online-retail";

const { values } = parseArgs({ options: { k: { type: "string", default: "10" } } });
const k = Number(values.k);

let t = performance.now();
const purchases = onlineRetailPurchases();
if (!purchases) {
  console.error("UCI Online Retail files not found beside the repository (../shared/datasets/online-retail)");
  process.exit(1);
}
const loadMs = performance.now() - t;
const orders = new Map<string, HoldoutOrder & { items: string[] }>();
for (const p of purchases) {
  const key = `${p.customerGid}|${p.at}`;
  const order = orders.get(key) ?? { customer: p.customerGid, at: p.at, items: [] };
  order.items.push(p.productGid);
  orders.set(key, order);
}
t = performance.now();
const result = evaluateLeaveLastOut([...orders.values()], { k });
const evalMs = performance.now() - t;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
console.log(`UCI Online Retail: ${purchases.length.toLocaleString()} purchase lines, ${orders.size.toLocaleString()} orders; loaded in ${(loadMs / 1000).toFixed(1)} s`);
console.log(`leave-last-out, k = ${k}, ${result.model.customers.toLocaleString()} customers with new items in their last order (train + evaluate ${(evalMs / 1000).toFixed(1)} s)`);
console.log(`| model | precision@${k} | recall@${k} | hit rate |`);
console.log(`|---|---|---|---|`);
for (const [name, s] of [["item-to-item", result.model], ["popularity", result.popularity]] as const) {
  console.log(`| ${name} | ${pct(s.precisionAtK)} | ${pct(s.recallAtK)} | ${pct(s.hitRate)} |`);
}
