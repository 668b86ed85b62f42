/**
 * Sync on real purchase data nobody here generated: the CDNOW cohort
 * (23,570 customers, 69,659 purchases, 1997-98) served by the dev store and
 * synced through the app's own path. Needs ../shared/datasets beside the
 * repository (CI has it); skipped, saying so, where it is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { TEST_API_KEY, TEST_API_SECRET } from "../helpers/dev-store";
import { expectDatabaseToMatchStore } from "../helpers/compare";
import { cdnowPath, DatasetFormatError, parseCdnow, shopFromCdnow } from "../../dev-store/datasets/cdnow";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { createDevStoreServer, type DevStoreServer } from "../../dev-store/server";
import { DevStore } from "../../dev-store/store";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const ROOT = path.resolve(__dirname, "../..");
const MASTER = cdnowPath("CDNOW_master.txt", ROOT);
const available = existsSync(MASTER);
if (!available) console.warn(`CDNOW data not found at ${MASTER}: the real-data sync test is skipped`);

describe("CDNOW parsing", () => {
  it("reads both file layouts and refuses a bad row, naming its line", () => {
    expect(parseCdnow(" customer_id date cds dollars\r\n 00001 19970101  1   11.77\r\n")).toEqual([
      { customerId: "1", date: "1997-01-01", cds: 1, cents: 1177 },
    ]);
    expect(parseCdnow(" 00004 0001 19970118  2   29.7\n")).toEqual([{ customerId: "4", date: "1997-01-18", cds: 2, cents: 2973 - 3 }]);
    expect(() => parseCdnow("00001 19970101 1 11.77\n00002 1997-01-12 1 12.00\n", "upload.txt")).toThrow(
      new DatasetFormatError("upload.txt", 2, 'date "1997-01-12" is not yyyymmdd'),
    );
    expect(() => parseCdnow("00001 19970101 1 $11\n")).toThrow(/line 1: dollar value/);
    expect(() => parseCdnow("00001 19970101 1\n")).toThrow(/line 1: expected 4 or 5 columns/);
  });
});

describe.skipIf(!available)("sync of the CDNOW cohort", () => {
  let db: TestDatabase;
  let server: DevStoreServer;
  let store: DevStore;
  let restoreFetch: () => void;
  const purchases = available ? parseCdnow(readFileSync(MASTER, "utf8"), "CDNOW_master.txt") : [];

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new DevStore(shopFromCdnow(purchases));
    server = await createDevStoreServer({ stores: store, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, appUrl: "http://127.0.0.1:9", bucket: { max: 20_000, restoreRate: 1_000 } });
    restoreFetch = installLocalShopifyFetch(server.url);
  });

  afterAll(async () => {
    restoreFetch?.();
    await server?.close();
    await db?.cleanup();
  });

  it("GIVEN 69,659 real purchases WHEN synced THEN every customer, order and dollar arrives exactly once", async () => {
    expect(purchases).toHaveLength(69_659);
    const shop = store.shop.domain;
    const client = new AdminClient({ shop, accessToken: server.issueAccessToken(shop) });
    const run = await runFullSync(shop, { db: db.prisma, dialect: dialectOf(db.url), bulk: adminBulkSource(client, { wait: { pollIntervalMs: 50 } }) });
    expect(run.status).toBe("completed");

    expect(await db.prisma.customer.count()).toBe(23_570);
    expect(await db.prisma.order.count()).toBe(69_659);
    const revenue = await db.prisma.order.aggregate({ _sum: { totalPriceMinor: true } });
    // Summed from the file itself, independently of the dev store and the mappers.
    expect(revenue._sum.totalPriceMinor).toBe(BigInt(purchases.reduce((sum, p) => sum + p.cents, 0)));
    await expectDatabaseToMatchStore(db.prisma, store);
    // ~20 s on a quiet runner; over a minute when the machine is shared.
  }, 240_000);
});
