/**
 * A seeded local dev store on a free port, for tests that talk to "Shopify".
 */
import { createDevStoreServer, type DevStoreServer, type DevStoreServerOptions } from "../../dev-store/server";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import type { SqlDialect } from "~/db/adapter.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { runFullSync } from "~/services/full-sync.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

export const TEST_API_KEY = "evergreen-test-key";
export const TEST_API_SECRET = "evergreen-test-secret";

export interface TestDevStore {
  server: DevStoreServer;
  store: DevStore;
  shop: string;
  accessToken: string;
  close(): Promise<void>;
}

export async function startTestDevStore(
  options: { seed?: number; orders?: number; appUrl?: string; storeClock?: () => Date } & Partial<Omit<DevStoreServerOptions, "stores" | "apiKey" | "apiSecret" | "appUrl">> = {},
): Promise<TestDevStore> {
  const { seed = 1, orders = 300, appUrl = "http://127.0.0.1:9", storeClock, ...rest } = options;
  const store = new DevStore(generateShop({ seed, orders }), storeClock ? { clock: storeClock } : undefined);
  const server = await createDevStoreServer({ stores: store, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl, ...rest });
  const shop = store.shop.domain;
  return { server, store, shop, accessToken: server.issueAccessToken(shop), close: () => server.close() };
}

/** A clock that starts at `start` and moves `stepMs` on every reading: deterministic same-second ties. */
export function steppingClock(start: string, stepMs: number): () => Date {
  let at = Date.parse(start);
  return () => new Date((at += stepMs));
}

/**
 * Runs `act` on the dev store and applies the webhooks it emits straight
 * through the app's webhook service (no HTTP), as the webhook route would.
 */
export async function applyStoreEvents(
  devStore: TestDevStore,
  deps: { db: Parameters<typeof applyShopWebhook>[1]["db"]; dialect: SqlDialect },
  act: () => void,
): Promise<void> {
  const { events } = devStore.store.capture(act);
  for (const [i, e] of events.entries()) {
    await applyShopWebhook(
      { shopDomain: devStore.shop, topic: e.topic, webhookId: `test-${e.occurredAt}-${i}-${e.topic}`, triggeredAt: e.occurredAt, payload: e.payload },
      deps,
    );
  }
}

/**
 * Points the Shopify clients at the dev store and runs a full sync of its shop into `db`
 * (bulk operations, batches of 500); throws unless the run completes.
 * Returns the Admin client and the function that undoes the fetch redirect (call it in afterAll).
 */
export async function syncTestDevStore(
  devStore: TestDevStore,
  deps: { db: PrismaClient; dialect: SqlDialect },
): Promise<{ client: AdminClient; restoreFetch: () => void }> {
  const restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  const run = await runFullSync(devStore.shop, { ...deps, batchSize: 500, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  if (run.status !== "completed") {
    restoreFetch();
    throw new Error(`full sync of ${devStore.shop} ended ${run.status}`);
  }
  return { client, restoreFetch };
}
