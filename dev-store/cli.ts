/**
 * Starts the local dev store with a generated shop:
 *
 *   SHOPIFY_API_KEY=… SHOPIFY_API_SECRET=… npx tsx dev-store/cli.ts \
 *     --seed 1 --orders 10000 --port 4000 --app-url http://localhost:3000 [--shop demo-shop.myshopify.com]
 *
 * Prints the URL, then "dev store ready" once it listens.
 */
import { parseArgs } from "node:util";
import { generateShop } from "./generator";
import { createDevStoreServer } from "./server";
import { DevStore } from "./store";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    orders: { type: "string", default: "1000" },
    port: { type: "string", default: "4000" },
    host: { type: "string", default: "127.0.0.1" },
    "app-url": { type: "string", default: process.env.SHOPIFY_APP_URL ?? "http://localhost:3000" },
    "public-url": { type: "string" },
    shop: { type: "string", default: "demo-shop.myshopify.com" },
    currency: { type: "string", default: "USD" },
    "duplicate-rate": { type: "string" },
    reorder: { type: "string" },
    "delay-ms": { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

const apiKey = process.env.SHOPIFY_API_KEY;
const apiSecret = process.env.SHOPIFY_API_SECRET;
if (!apiKey || !apiSecret) {
  console.error("dev store: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET (the app's credentials) in the environment");
  process.exit(2);
}

const started = Date.now();
const data = generateShop({ seed: values.seed!, orders: Number(values.orders), domain: values.shop, currencyCode: values.currency });
const store = new DevStore(data);
const optional = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const server = await createDevStoreServer({
  stores: store,
  apiKey,
  apiSecret,
  appUrl: values["app-url"]!,
  publicUrl: values["public-url"],
  port: Number(values.port),
  host: values.host,
  webhooks: {
    duplicateRate: optional(values["duplicate-rate"]),
    reorder: optional(values.reorder),
    delayMs: optional(values["delay-ms"]),
    retry: { attempts: 8, backoffMs: (n) => Math.min(30_000, 500 * 2 ** (n - 1)) },
    onAttempt: (delivery, attempt) => {
      const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
      if (!ok || values.verbose) {
        console.log(`webhook ${delivery.topic} -> ${delivery.url}: ${attempt.status ?? attempt.error} (try ${delivery.attempts.length})`);
      }
    },
  },
  log: values.verbose ? (line) => console.log(line) : undefined,
});

console.log(
  `dev store: ${server.url} shop ${store.shop.domain} (${store.customers().length} customers, ${store.orders().length} orders, ` +
    `${((Date.now() - started) / 1000).toFixed(1)}s)`,
);
console.log("dev store ready");

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
