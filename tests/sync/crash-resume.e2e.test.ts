/**
 * A sync killed with SIGKILL part-way through resumes from its checkpoint and
 * ends with exactly the shop's data: nothing missing, nothing doubled.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore } from "../helpers/compare";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const ROOT = path.resolve(__dirname, "../..");
let db: TestDatabase;
let devStore: TestDevStore;

beforeAll(async () => {
  db = await createTestDatabase();
  devStore = await startTestDevStore({ seed: 77, orders: 3_000 });
});

afterAll(async () => {
  await devStore?.close();
  await db?.cleanup();
});

/** Runs scripts/sync.ts in a child process and SIGKILLs it once `killWhen` matches a progress line. */
function syncUntilKilled(killWhen: (event: { resource: string; rows: number }) => boolean): Promise<{ killed: boolean; output: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/sync.ts", "--shop", devStore.shop, "--token", devStore.accessToken, "--batch", "50", "--poll-ms", "20"],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, SHOPIFY_LOCAL_STORE_URL: devStore.server.url, LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const output: string[] = [];
    let killed = false;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      output.push(line);
      try {
        const event = JSON.parse(line) as { event: string; resource: string; rows: number };
        if (!killed && event.event === "batch" && killWhen(event)) {
          killed = child.kill("SIGKILL");
        }
      } catch {
        // not a progress line
      }
    });
    child.stderr.on("data", (chunk) => output.push(String(chunk)));
    child.on("error", reject);
    child.on("exit", () => resolve({ killed, output }));
  });
}

describe("crash and resume", () => {
  it("GIVEN a sync killed -9 while importing orders WHEN it runs again THEN it resumes and the data equals the shop", async () => {
    const total = devStore.store.orders().length;
    const { killed, output } = await syncUntilKilled((e) => e.resource === "orders" && e.rows >= 600);
    expect(killed, output.join("\n")).toBe(true);

    const interrupted = await db.prisma.syncRun.findFirstOrThrow({ where: { shopDomain: devStore.shop } });
    expect(interrupted.status).toBe("running"); // the process died without a word
    const partial = await db.prisma.order.count({ where: { shopDomain: devStore.shop } });
    expect(partial).toBeGreaterThanOrEqual(600);
    expect(partial).toBeLessThan(total);
    const checkpoint = JSON.parse(interrupted.checkpoint!) as { resources: { orders: { rows: number; offset: number } } };
    // The checkpoint counts exactly the orders committed with it.
    expect(checkpoint.resources.orders.rows).toBe(partial);
    expect(checkpoint.resources.orders.offset).toBeGreaterThan(0);

    const restore = installLocalShopifyFetch(devStore.server.url);
    try {
      const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
      const run = await runFullSync(devStore.shop, {
        db: db.prisma,
        dialect: dialectOf(db.url),
        batchSize: 50,
        bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }),
      });
      expect(run.id).toBe(interrupted.id);
      expect(run.status).toBe("completed");
      expect(run.attempts).toBe(2);
      // Counted on from the checkpoint: re-reading from the start would count the first orders twice.
      expect(run.rowsByResource.orders).toBe(total);
    } finally {
      restore();
    }
    await expectDatabaseToMatchStore(db.prisma, devStore.store);
  });
});
