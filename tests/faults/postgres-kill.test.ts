/**
 * PostgreSQL killed -9 (postmaster and backends) in the middle of a full sync
 * and in the middle of a webhook storm, on a private cluster of this file's own
 * (never the shared test cluster): after PostgreSQL restarts and recovers, the
 * sync resumes from its committed checkpoint, Shopify's retries redeliver what
 * failed, and the data equals the shop, nothing lost or doubled. Only with
 * PostgreSQL (`npm run test:postgres`); SQLite has no server to kill.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPostgresUrl } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore } from "../helpers/compare";
import { startPrivateCluster, type PrivateCluster } from "../helpers/faults-postgres";
import {
  createdCustomerGids,
  createStormSender,
  reconcileAndSweep,
  recordShopActivity,
  sendPaced,
  startAppProcess,
  startStormShop,
  touchedOrderGids,
  type AppProcess,
} from "../helpers/faults-storm";
import { compareWithStore } from "../helpers/faults-truth";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { applyMigrations } from "../../scripts/prisma.mjs";
import { createPrismaClient, type PrismaClient } from "~/db.server";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const ROOT = path.resolve(__dirname, "../..");

describe.runIf(testPostgresUrl())("PostgreSQL killed -9 mid-sync", () => {
  let cluster: PrivateCluster;
  let devStore: TestDevStore;
  let prisma: PrismaClient | undefined;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    await applyMigrations(cluster.url);
    devStore = await startTestDevStore({ seed: 78, orders: 1_500 });
  }, 120_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await devStore?.close();
    cluster?.destroy();
  });

  it("GIVEN PostgreSQL killed mid-storm WHEN it restarts THEN the app recovers, redeliveries converge and nothing is lost or doubled", async () => {
    const stormCluster = await startPrivateCluster();
    let app: AppProcess | undefined;
    let stormDb: PrismaClient | undefined;
    let shop: TestDevStore | undefined;
    try {
      await applyMigrations(stormCluster.url);
      stormDb = createPrismaClient(stormCluster.url);
      shop = await startStormShop(stormDb, stormCluster.url, { seed: 31, orders: 100 });
      // The test's own client holds no connection while PostgreSQL is down.
      await stormDb.$disconnect();
      app = await startAppProcess(stormCluster.url);
      const events = recordShopActivity(shop.store, 3, 150);
      const { sender, takeAttempts } = createStormSender({ duplicateRate: 0.1, reorder: 8, seed: 3, attempts: 40, backoffMs: 500, timeoutMs: 10_000 });
      const sending = sendPaced(sender, shop.shop, app.url, events, 20);
      while (sender.deliveries.filter((d) => d.attempts.length > 0).length < events.length / 3) await new Promise((r) => setTimeout(r, 10));
      stormCluster.kill9();
      await new Promise((r) => setTimeout(r, 1_000));
      stormCluster.restart();
      await sending;
      await sender.flush();
      const attempts = takeAttempts();

      // The outage was felt (5xx or no answer while the database was gone), the app process survived it, and every delivery got through.
      expect(attempts.filter((a) => a.status !== 200).length).toBeGreaterThan(0);
      expect(app.child.exitCode, app.stderr.join("\n")).toBeNull();
      expect(sender.deliveries.filter((d) => d.state !== "delivered")).toEqual([]);

      stormDb = createPrismaClient(stormCluster.url);
      const touched = { orders: touchedOrderGids(events), createdCustomers: createdCustomerGids(events) };
      const report = await compareWithStore(stormDb, shop.store, touched);
      expect(report.orderProblems).toEqual([]);
      expect(report.ledgerProblems).toEqual([]);
      expect(await stormDb.webhookDelivery.count({ where: { shopDomain: shop.shop } })).toBe(new Set(events.map((e) => e.eventId)).size);
      await reconcileAndSweep(stormDb, stormCluster.url, shop);
      const converged = await compareWithStore(stormDb, shop.store, touched);
      expect([...converged.orderProblems, ...converged.ledgerProblems]).toEqual([]);
    } finally {
      await app?.stop("SIGKILL");
      await stormDb?.$disconnect();
      await shop?.close();
      stormCluster.destroy();
    }
  }, 300_000);

  it("GIVEN PostgreSQL killed while orders are imported WHEN it restarts and the sync runs again THEN it resumes and the data equals the shop", async () => {
    // The sync in its own process, as the job runner runs it; PostgreSQL dies under it at 300 orders.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/sync.ts", "--shop", devStore.shop, "--token", devStore.accessToken, "--batch", "50", "--poll-ms", "20"],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: cluster.url, SHOPIFY_LOCAL_STORE_URL: devStore.server.url, LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const output: string[] = [];
    let killedAt = -1;
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      output.push(line);
      try {
        const event = JSON.parse(line) as { event?: string; resource?: string; rows?: number };
        if (killedAt < 0 && event.event === "batch" && event.resource === "orders" && (event.rows ?? 0) >= 300) {
          killedAt = event.rows!;
          cluster.kill9();
        }
      } catch {
        // not a progress line
      }
    });
    child.stderr!.on("data", (chunk) => output.push(String(chunk)));
    const exit = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("exit", (code) => {
        clearTimeout(guard);
        resolve(code);
      });
    });
    expect(killedAt, output.join("\n")).toBeGreaterThanOrEqual(300);
    // The sync could not finish without its database.
    expect(exit, output.join("\n")).not.toBe(0);

    cluster.restart();
    prisma = createPrismaClient(cluster.url);
    const total = devStore.store.orders().length;
    const interrupted = await prisma.syncRun.findFirstOrThrow({ where: { shopDomain: devStore.shop } });
    expect(interrupted.status).not.toBe("completed");
    const partial = await prisma.order.count({ where: { shopDomain: devStore.shop } });
    // Every batch the sync reported committed survived the kill.
    expect(partial).toBeGreaterThanOrEqual(killedAt);
    expect(partial).toBeLessThan(total);

    const restore = installLocalShopifyFetch(devStore.server.url);
    try {
      const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
      const run = await runFullSync(devStore.shop, { db: prisma, dialect: dialectOf(cluster.url), batchSize: 50, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
      expect(run.status).toBe("completed");
      expect(run.id).toBe(interrupted.id);
      expect(run.rowsByResource.orders).toBe(total);
    } finally {
      restore();
    }
    await expectDatabaseToMatchStore(prisma, devStore.store);
  }, 240_000);
});
