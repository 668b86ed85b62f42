/**
 * A short webhook storm and a kill -9 of the app in the middle of one: the
 * app's webhook routes in their own process, a synced shop with loyalty on,
 * its activity delivered signed, with ~10% duplicates and reordering, by the
 * dev store's sender (which retries non-2xx answers and timeouts as Shopify
 * does). Afterwards the database equals the shop and the ledger equals what
 * earning recomputes: nothing lost, nothing doubled (tests/helpers/faults-truth.ts).
 * The full-rate version with figures is bench/webhook-storm.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import type { TestDevStore } from "../helpers/dev-store";
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
  type StormEvent,
} from "../helpers/faults-storm";
import { compareWithStore } from "../helpers/faults-truth";

let db: TestDatabase;
let devStore: TestDevStore;
let app: AppProcess | undefined;
const touched = { orders: new Set<string>(), createdCustomers: new Set<string>() };

/** What an overloaded database answers: Prisma's interactive-transaction limits (maxWait 2 s, timeout 5 s by default). */
const TRANSIENT = /Transaction already closed|Unable to start a transaction|Transaction API error|expired transaction/i;

function remember(events: StormEvent[]) {
  for (const gid of touchedOrderGids(events)) touched.orders.add(gid);
  for (const gid of createdCustomerGids(events)) touched.createdCustomers.add(gid);
}

beforeAll(async () => {
  db = await createTestDatabase();
  devStore = await startStormShop(db.prisma, db.url, { seed: 21, orders: 100 });
  app = await startAppProcess(db.url);
}, 60_000);

afterAll(async () => {
  await app?.stop("SIGKILL");
  await devStore?.close();
  await db?.cleanup();
});

describe("webhook storm", () => {
  it("GIVEN some two hundred signed deliveries with duplicates and reordering WHEN they are all answered THEN every order is stored once and the ledger equals the recomputed one", async () => {
    const events = recordShopActivity(devStore.store, 1, 200);
    remember(events);
    expect(events.length).toBeGreaterThanOrEqual(200);
    const { sender, takeAttempts } = createStormSender({ duplicateRate: 0.1, reorder: 8, seed: 1, attempts: 20, backoffMs: 500, timeoutMs: 10_000 });
    const deliveries = await sendPaced(sender, devStore.shop, app!.url, events, 20);
    await sender.flush();

    expect(deliveries.filter((d) => d.duplicate).length).toBeGreaterThan(events.length * 0.05);
    expect(deliveries.filter((d) => d.state !== "delivered")).toEqual([]);
    // Nothing refused as bad input. A try may time out or meet a 500 when the machine is
    // overloaded (a database transaction that waited past Prisma's limits rolls back whole);
    // it is retried like any other, and the checks below show nothing was lost or doubled.
    expect(takeAttempts().filter((a) => a.status !== null && a.status >= 400 && a.status < 500)).toEqual([]);
    expect(app!.stderr.filter((line) => line.startsWith("500 ") && !TRANSIENT.test(line))).toEqual([]);

    const report = await compareWithStore(db.prisma, devStore.store, touched);
    // Refunds carry their lines' tax and their shipping, so webhooks alone give the shop's amounts: no wait for reconciliation.
    expect(report.orderProblems).toEqual([]);
    expect(report.ledgerProblems).toEqual([]);
    expect(report.ledgerOrders).toBeGreaterThan(20);
    // One delivery record per event, however often it came.
    expect(await db.prisma.webhookDelivery.count({ where: { shopDomain: devStore.shop } })).toBe(new Set(events.map((e) => e.eventId)).size);

    await reconcileAndSweep(db.prisma, db.url, devStore);
    const converged = await compareWithStore(db.prisma, devStore.store, touched);
    expect([...converged.orderProblems, ...converged.ledgerProblems]).toEqual([]);
  }, 180_000);

  it("GIVEN the app killed -9 mid-storm WHEN it restarts and Shopify redelivers what failed THEN the data converges to the shop with nothing lost or doubled", async () => {
    const events = recordShopActivity(devStore.store, 2, 150);
    remember(events);
    // Retries for 20 s and more: longer than the restart takes.
    const { sender, takeAttempts } = createStormSender({ duplicateRate: 0.1, reorder: 8, seed: 2, attempts: 40, backoffMs: 500, timeoutMs: 10_000 });
    const port = app!.port;
    const sending = sendPaced(sender, devStore.shop, app!.url, events, 20);
    // Kill once a third of the storm is under way, in the middle of requests.
    while (takeAttemptsCount(sender) < events.length / 3) await new Promise((r) => setTimeout(r, 10));
    await app!.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    app = await startAppProcess(db.url, port);
    await sending;
    await sender.flush();

    const attempts = takeAttempts();
    // The kill was felt: some tries failed (connection refused or reset) and were retried.
    expect(attempts.filter((a) => a.status !== 200).length).toBeGreaterThan(0);
    expect(sender.deliveries.filter((d) => d.state !== "delivered")).toEqual([]);
    expect(attempts.filter((a) => a.status !== null && a.status >= 400 && a.status < 500)).toEqual([]);
    expect(app!.stderr.filter((line) => line.startsWith("500 ") && !TRANSIENT.test(line))).toEqual([]);

    const report = await compareWithStore(db.prisma, devStore.store, touched);
    // Refunds carry their lines' tax and their shipping, so webhooks alone give the shop's amounts: no wait for reconciliation.
    expect(report.orderProblems).toEqual([]);
    expect(report.ledgerProblems).toEqual([]);
    await reconcileAndSweep(db.prisma, db.url, devStore);
    const converged = await compareWithStore(db.prisma, devStore.store, touched);
    expect([...converged.orderProblems, ...converged.ledgerProblems]).toEqual([]);
  }, 180_000);
});

/** Deliveries that have had at least one try. */
function takeAttemptsCount(sender: { deliveries: { attempts: unknown[] }[] }): number {
  return sender.deliveries.filter((d) => d.attempts.length > 0).length;
}
