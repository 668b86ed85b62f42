/**
 * The benchmark's "Shopify": a seeded local dev store in its own process, so
 * the sync process's memory and CPU are the app's alone.
 *
 *   node --import tsx bench/dev-store-child.ts --seed 1 --orders 100000 --bucket plus
 *
 * Like `dev-store/cli.ts` (same generator, store and server), plus what the
 * benchmark needs and the CLI does not offer: a chosen cost bucket, an access
 * token issued directly (`server.issueAccessToken`, what token exchange
 * gives), the expected row counts (line items and refunds included), no
 * webhook deliveries (nobody listens; bulk_operations/finish would only be
 * retried against a dead port), and the process's own peak RSS.
 *
 * Prints one line `BENCH_DEVSTORE {json}` once listening; on SIGTERM (or when
 * its stdin closes: the parent died) closes and prints `BENCH_DEVSTORE_DONE {json}`.
 */
import { parseArgs } from "node:util";
import { generateShop } from "../dev-store/generator";
import { createDevStoreServer } from "../dev-store/server";
import { DevStore } from "../dev-store/store";
import { BUCKETS, type BucketName, mb } from "./common";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    orders: { type: "string", default: "20000" },
    bucket: { type: "string", default: "plus" },
  },
});

const bucketName = values.bucket as BucketName;
const bucket = BUCKETS[bucketName];
if (!bucket) throw new Error(`unknown bucket ${values.bucket}; one of ${Object.keys(BUCKETS).join(", ")}`);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
sampler.unref();

const started = performance.now();
const store = new DevStore(generateShop({ seed: values.seed!, orders: Number(values.orders) }));
const generateSeconds = (performance.now() - started) / 1000;

const server = await createDevStoreServer({
  stores: store,
  apiKey: "evergreen-bench-key",
  apiSecret: "evergreen-bench-secret",
  appUrl: "http://127.0.0.1:9",
  port: 0,
  bucket: { max: bucket.max, restoreRate: bucket.restoreRate },
  webhooks: { subscriptions: [] },
});

const shop = store.shop.domain;
let lineItems = 0;
let refunds = 0;
for (const order of store.orders()) {
  lineItems += order.lineItems.length;
  refunds += order.refunds.length;
}
const expected = {
  products: store.products().length,
  customers: store.customers().length,
  orders: store.orders().length,
  lineItems,
  refunds,
};

console.log(
  "BENCH_DEVSTORE " +
    JSON.stringify({
      url: server.url,
      shop,
      planName: store.shop.planName,
      accessToken: server.issueAccessToken(shop),
      bucket: { name: bucketName, ...bucket },
      expected,
      generateSeconds,
      rssMB: mb(process.memoryUsage().rss),
      pid: process.pid,
    }),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await server.close().catch(() => undefined);
  console.log("BENCH_DEVSTORE_DONE " + JSON.stringify({ peakRssMB: mb(peakRss), maxRssMB: mb(process.resourceUsage().maxRSS * 1024) }));
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.on("error", () => void stop());
process.stdin.resume();
