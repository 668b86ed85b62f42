/**
 * Installing the app: an embedded admin request with a session token minted
 * by the local dev store goes through the Shopify library's own
 * authenticate.admin (token exchange against the dev store), stores an
 * offline session and starts the first full sync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, TEST_API_KEY, TEST_API_SECRET, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { mintSessionToken } from "../../dev-store/auth";
import { webPixelSettingsOf } from "../../dev-store/graphql/web-pixels";
import { pixelIngestToken } from "~/services/behaviour-ingest.server";

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
type Loader = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<unknown>;
let appLoader: Loader;
let runner: typeof import("~/jobs/sync-runner.server");

function adminRequest(idToken: string): Request {
  const host = Buffer.from(`admin.shopify.com/store/${devStore.shop.split(".")[0]}`).toString("base64url");
  const query = new URLSearchParams({ embedded: "1", shop: devStore.shop, host, id_token: idToken });
  return new Request(`http://localhost:3999/app?${query}`, { headers: { "User-Agent": CHROME } });
}

async function load(request: Request): Promise<{ status: number; data?: unknown }> {
  try {
    const result = await appLoader({ request, params: {}, context: {} });
    return result instanceof Response ? { status: result.status } : { status: 200, data: result };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status };
    throw thrown;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  devStore = await startTestDevStore({ seed: 21, orders: 150 });
  // Before the Shopify library loads: its Node adapter captures fetch at import.
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  Object.assign(process.env, {
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_APP_URL: "http://localhost:3999",
    DATABASE_URL: db.url,
  });
  appLoader = ((await import("../../app/routes/app.tsx")) as { loader: Loader }).loader;
  runner = await import("~/jobs/sync-runner.server");
});

afterAll(async () => {
  // The worker stops before its database goes (it polls for jobs).
  await (await import("~/jobs/app-queue.server")).appQueue().stop();
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("install through token exchange", () => {
  it("GIVEN a session token signed with another secret THEN the request is refused and nothing is stored", async () => {
    const forged = mintSessionToken({ shop: devStore.shop, apiKey: TEST_API_KEY, apiSecret: "someone-else" });
    const { status } = await load(adminRequest(forged));
    expect(status).not.toBe(200);
    expect(await db.prisma.session.count()).toBe(0);
  });

  it("GIVEN the dev store's session token WHEN the admin loads THEN an offline session is stored and the first full sync runs", async () => {
    const token = mintSessionToken({ shop: devStore.shop, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET });
    const { status, data } = await load(adminRequest(token));
    expect(status).toBe(200);
    expect(data).toMatchObject({ apiKey: TEST_API_KEY });

    const session = await db.prisma.session.findFirstOrThrow({ where: { shop: devStore.shop } });
    expect(session.isOnline).toBe(false);
    expect(session.scope).toContain("read_orders");
    const shop = await db.prisma.shop.findUniqueOrThrow({ where: { domain: devStore.shop } });
    expect(shop.currencyCode).toBe(devStore.store.shop.currencyCode);
    // The web pixel is activated with where to send events and the shop's ingest token.
    expect(webPixelSettingsOf(devStore.store)).toEqual({
      ingestUrl: `${process.env.SHOPIFY_APP_URL}/pixel/events`,
      ingestToken: pixelIngestToken(devStore.shop, TEST_API_SECRET),
    });

    await runner.startFullSync(devStore.shop); // joins the sync afterAuth started
    const run = await db.prisma.syncRun.findFirstOrThrow({ where: { shopDomain: devStore.shop } });
    expect(run.status).toBe("completed");
    expect(await db.prisma.order.count()).toBe(devStore.store.orders().length);
  });
});
