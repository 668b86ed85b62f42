/**
 * `npm run demo:campaign`: the campaign loop, launch to result, offline
 * (scripts/campaign-loop.ts): a seeded dev-store process, the app's webhook
 * routes and services on a fresh SQLite database, a campaign with a reward
 * code and a Flow step, shoppers responding with a known true effect, and
 * the result table with the injected effect beside the measured one.
 *
 * Options (environment): DEMO_ORDERS (default 3000), DEMO_SEED (1),
 * DEMO_P0 (0.12: the chance an untreated customer orders in the window),
 * DEMO_P1 (0.30: a treated one), DEMO_HOLDOUT (0.3).
 */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPrismaClient } from "~/db.server";
import { applyMigrations } from "./prisma.mjs";
import { formatCampaignLoop, runCampaignLoop } from "./campaign-loop";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${process.env[name]}`);
  return value;
};

// The app's per-webhook info lines would bury the table.
process.env.LOG_LEVEL ??= "warn";
const dbFile = path.join(root, ".cache", "demo-campaign", "demo.db");
mkdirSync(path.dirname(dbFile), { recursive: true });
for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dbFile + suffix, { force: true });
const url = `file:${dbFile}`;
await applyMigrations(url);
const db = createPrismaClient(url);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
try {
  const result = await runCampaignLoop({
    db,
    databaseUrl: url,
    seed: process.env.DEMO_SEED ?? "1",
    orders: number("DEMO_ORDERS", 3000),
    baselineRate: number("DEMO_P0", 0.12),
    treatedRate: number("DEMO_P1", 0.3),
    holdoutShare: number("DEMO_HOLDOUT", 0.3),
    log: (line) => console.log(`${elapsed()}  ${line}`),
  });
  console.log(`\nCampaign "${result.campaign.name}" on ${result.layerIds.join(" + ")}: ${result.codesIssued} reward codes and ${result.flowTriggers} Flow triggers sent; ` +
    `${result.ordersSynced} simulated orders synced through webhooks (${result.responses.codesUsed} used their code; ${result.webhooksDeferred} deliveries deferred by the app's back-pressure and redelivered` +
    `${result.ordersReconciled ? `; ${result.ordersReconciled} orders brought in by reconciliation` : ""}).\n`);
  console.log(formatCampaignLoop(result));
} finally {
  await db.$disconnect();
}
