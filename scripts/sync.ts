/**
 * Runs (or resumes) the full sync of one shop from the command line:
 *
 *   npx tsx scripts/sync.ts --shop demo-shop.myshopify.com --token <offline access token> [--batch 500]
 *
 * With SHOPIFY_LOCAL_STORE_URL set, Shopify traffic goes to the local dev
 * store. Prints one JSON line per committed batch and a summary line; used by
 * the crash-and-resume test and the benchmark.
 */
import { parseArgs } from "node:util";
import { createPrismaClient } from "~/db.server";
import { databaseUrl, dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { installLocalShopifyFetch } from "../dev-store/redirect-fetch";

const { values } = parseArgs({
  options: {
    shop: { type: "string" },
    token: { type: "string" },
    batch: { type: "string", default: "500" },
    "poll-ms": { type: "string", default: "250" },
  },
});
if (!values.shop || !values.token) {
  console.error("usage: tsx scripts/sync.ts --shop <shop.myshopify.com> --token <access token> [--batch N]");
  process.exit(2);
}
if (process.env.SHOPIFY_LOCAL_STORE_URL) installLocalShopifyFetch(process.env.SHOPIFY_LOCAL_STORE_URL);

const url = databaseUrl();
const prisma = createPrismaClient(url);
const client = new AdminClient({ shop: values.shop, accessToken: values.token });
const started = Date.now();
try {
  const run = await runFullSync(values.shop, {
    db: prisma,
    dialect: dialectOf(url),
    batchSize: Number(values.batch),
    bulk: adminBulkSource(client, { wait: { pollIntervalMs: Number(values["poll-ms"]) } }),
    onProgress: ({ runId, resource, rows }) => console.log(JSON.stringify({ event: "batch", runId, resource, rows })),
  });
  console.log(
    JSON.stringify({
      event: "done",
      runId: run.id,
      status: run.status,
      rows: run.rowsProcessed,
      rowsByResource: run.rowsByResource,
      seconds: (Date.now() - started) / 1000,
      api: client.counters,
    }),
  );
} finally {
  await prisma.$disconnect();
}
