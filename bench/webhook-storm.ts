/**
 * Webhook storm: signed order, payment, refund and customer webhooks (with
 * ~10% duplicates and reordering) at rising rates against the app's real
 * webhook routes in their own process, then a check against the dev store's
 * truth: every order present once, the loyalty ledger equal to what earning
 * recomputes, nothing lost or doubled.
 *
 *   npx tsx bench/webhook-storm.ts [--db sqlite|postgres] [--rates 50,100,200,400] [--seconds 10] [--orders 300]
 *
 * Prints, per rate: deliveries sent (duplicates included), tries, accepted
 * (2xx), p50/p99/max latency of a try, errors (non-2xx or no answer) and
 * deliveries that never got a 2xx. A rate is "held" when its p99 is under
 * 200 ms with no error. Exits 1 on any loss or duplicate. docs/operations.md
 * ("Load and fault tests") has the figures.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { postgresServer, round, stopOnSignal, type Postgres } from "./common";
import { createPrismaClient } from "~/db.server";
import { createScratchDatabase } from "../scripts/pg-migrate.mjs";
import { applyMigrations } from "../scripts/prisma.mjs";
import {
  createdCustomerGids,
  createStormSender,
  percentile,
  reconcileAndSweep,
  recordShopActivity,
  sendPaced,
  startAppProcess,
  startStormShop,
  touchedOrderGids,
} from "../tests/helpers/faults-storm";
import { compareWithStore } from "../tests/helpers/faults-truth";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    rates: { type: "string", default: "50,100,200,400" },
    seconds: { type: "string", default: "10" },
    orders: { type: "string", default: "300" },
    seed: { type: "string", default: "7" },
  },
});
const say = (message: string) => process.stderr.write(`[webhook-storm] ${message}\n`);
const rates = values.rates!.split(",").map(Number).filter((n) => n > 0);
const seconds = Number(values.seconds);
const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-storm-"));
let postgres: Postgres | null = null;
const children = new Set<ChildProcess>();
stopOnSignal(children, () => postgres, say);

async function database(): Promise<{ url: string; drop(): Promise<void> }> {
  if (values.db === "postgres") {
    // Not inside `dir`: that is private to us, and the cluster runs as the postgres user.
    postgres = postgresServer(path.join(os.tmpdir(), `evergreen-storm-pg-${process.pid}`), say);
    if (!postgres) throw new Error("no PostgreSQL");
    const scratch = await createScratchDatabase(postgres.url, { prefix: "storm" });
    await applyMigrations(scratch.url);
    return { url: scratch.url, drop: () => scratch.drop() };
  }
  const url = "file:" + path.join(dir, "storm.db");
  await applyMigrations(url);
  return { url, drop: async () => {} };
}

const target = await database();
let prisma: ReturnType<typeof createPrismaClient> | undefined;
let failed = false;
try {
  prisma = createPrismaClient(target.url);
  say(`${values.db}: syncing a shop of ${values.orders} orders, loyalty on`);
  const devStore = await startStormShop(prisma, target.url, { seed: Number(values.seed), orders: Number(values.orders) });
  const app = await startAppProcess(target.url);
  children.add(app.child);
  const touched = { orders: new Set<string>(), createdCustomers: new Set<string>() };
  const { sender, takeAttempts } = createStormSender({ duplicateRate: 0.1, reorder: 8, seed: Number(values.seed), attempts: 30, backoffMs: 1000 });
  const rows: Record<string, unknown>[] = [];
  for (const rate of rates) {
    const events = recordShopActivity(devStore.store, `${values.seed}:${rate}`, rate * seconds);
    for (const gid of touchedOrderGids(events)) touched.orders.add(gid);
    for (const gid of createdCustomerGids(events)) touched.createdCustomers.add(gid);
    const started = performance.now();
    const deliveries = await sendPaced(sender, devStore.shop, app.url, events, rate);
    await sender.flush();
    const elapsed = (performance.now() - started) / 1000;
    const tries = takeAttempts();
    const ms = tries.map((t) => t.ms);
    const errors = tries.filter((t) => t.status === null || t.status < 200 || t.status >= 300).length;
    const row = {
      rate,
      events: events.length,
      sent: deliveries.length,
      duplicates: deliveries.filter((d) => d.duplicate).length,
      achievedPerSec: round(deliveries.length / elapsed, 0),
      tries: tries.length,
      accepted: tries.length - errors,
      p50ms: round(percentile(ms, 50), 1),
      p99ms: round(percentile(ms, 99), 1),
      // Answered 200 only: the latency of applied work, with deferred (503) tries left out.
      acceptedP99ms: round(percentile(tries.filter((t) => t.status !== null && t.status >= 200 && t.status < 300).map((t) => t.ms), 99), 1),
      // 503 + Retry-After from the webhook admission gate: refused before any work, redelivered later.
      deferred: tries.filter((t) => t.status === 503).length,
      maxms: round(Math.max(0, ...ms), 1),
      errors,
      undelivered: deliveries.filter((d) => d.state !== "delivered").length,
    };
    rows.push(row);
    say(JSON.stringify(row));
  }
  await sender.close();
  console.table(rows);
  say("checking against the dev store");
  // Right after the storm: orders present once, the ledger equal to what earning recomputes from them.
  const immediate = await compareWithStore(prisma, devStore.store, touched);
  // Webhooks alone must give the shop's amounts (refund lines carry their tax, refunds their shipping).
  const otherOrderProblems = [...immediate.orderProblems];
  const eventIds = new Set(sender.deliveries.map((d) => d.eventId)).size;
  const recorded = await prisma.webhookDelivery.count({ where: { shopDomain: devStore.shop } });
  if (recorded !== eventIds) otherOrderProblems.push(`${recorded} webhook delivery records for ${eventIds} events`);
  // Then what the app runs on a schedule: reconciliation and the loyalty sweep.
  await reconcileAndSweep(prisma, target.url, devStore);
  const converged = await compareWithStore(prisma, devStore.store, touched);
  const problems = [...otherOrderProblems, ...immediate.ledgerProblems, ...converged.orderProblems, ...converged.ledgerProblems];
  const app500s = app.stderr.filter((line) => line.startsWith("500 "));
  console.log(
    JSON.stringify({
      db: values.db,
      heldRatePerSec: rates.filter((_, i) => (rows[i].p99ms as number) < 200 && rows[i].errors === 0 && rows[i].undelivered === 0).pop() ?? 0,
      orders: converged.orders,
      ordersWithPoints: converged.ledgerOrders,
      ledgerEntries: converged.entries,
      events: eventIds,
      app500s: app500s.length,
      lostOrDoubled: problems.length,
    }),
  );
  for (const problem of problems.slice(0, 50)) say(`PROBLEM ${problem}`);
  for (const line of app500s.slice(0, 5)) say(line);
  failed = problems.length > 0;
  await app.stop("SIGTERM");
  await devStore.close();
} finally {
  await prisma?.$disconnect();
  await target.drop();
  (postgres as Postgres | null)?.stop();
  if (!process.env.EVERGREEN_STORM_KEEP) rmSync(dir, { recursive: true, force: true });
  else say(`kept ${dir}`);
}
process.exit(failed ? 1 : 0);
