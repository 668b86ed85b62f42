/**
 * Where the import time goes, step by step, on the orders path (the bulk of
 * a full sync's rows): the same records through
 *
 *   1. download + split + JSON.parse of the bulk JSONL (readBulkJsonl),
 *   2. mapping (orderFromGraphql),
 *   3. SyncRepository.upsertOrders against a client that executes nothing
 *      (row arrays, content hashes, SQL text, parameter lists: the repository's own JS),
 *   4. SyncRepository.upsertOrders through Prisma ($transaction + $executeRawUnsafe/$queryRawUnsafe, as the app),
 *   5. SyncRepository.upsertOrders through the driver directly (libsql / pg), same SQL, same transactions,
 *
 * each timed on its own, in one process.
 *
 *   node --import tsx bench/write-path.ts [--orders 50000] [--db sqlite,postgres] [--batch 500] [--pg-url URL]
 *
 * PostgreSQL: --pg-url, DATABASE_URL/TEST_DATABASE_URL when postgres://, else
 * a throw-away cluster (scripts/postgres-local.sh, /tmp/evergreen-bench-pg-wp).
 * `--analyze` runs `ANALYZE` on the order tables after the first batch: on a
 * fresh database the line items' foreign-key check is otherwise planned
 * against empty statistics (a scan of all the shop's orders per line item)
 * until autovacuum analyzes the table.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createClient, type InValue } from "@libsql/client";
import pg from "pg";
import { createAdapter } from "~/db.server";
import { SyncRepository, type RawSqlClient } from "~/db/sync-repository.server";
import { orderFromGraphql } from "~/domain/sync/map-graphql";
import type { OrderRecord } from "~/domain/sync/records";
import type { PrismaClient } from "~/generated/prisma/client";
import { AdminClient } from "~/shopify/admin-client.server";
import { readBulkJsonl } from "~/shopify/bulk.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { generateShop } from "../dev-store/generator";
import { installLocalShopifyFetch } from "../dev-store/redirect-fetch";
import { createDevStoreServer } from "../dev-store/server";
import { DevStore } from "../dev-store/store";
import { createScratchDatabase } from "../scripts/pg-migrate.mjs";
import { applyMigrations, ROOT } from "../scripts/prisma.mjs";
import { benchPrismaClient } from "./prisma-clients";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "50000" },
    db: { type: "string", default: "sqlite,postgres" },
    batch: { type: "string", default: "500" },
    "pg-url": { type: "string" },
    analyze: { type: "boolean", default: false },
  },
});
const N = Number(values.orders);
const batchSize = Number(values.batch);
const SHOP = "demo-shop.myshopify.com";
const say = (message: string) => process.stdout.write(`[write-path] ${message}\n`);
type Json = Record<string, unknown>;

// ---- 1 + 2: export, download, parse, map
const store = new DevStore(generateShop({ seed: 1, orders: N }));
const server = await createDevStoreServer({
  stores: store,
  apiKey: "k",
  apiSecret: "s",
  appUrl: "http://127.0.0.1:9",
  port: 0,
  bucket: { max: 20_000, restoreRate: 1_000 },
  webhooks: { subscriptions: [] },
});
const undoFetch = installLocalShopifyFetch(server.url);
const admin = new AdminClient({ shop: SHOP, accessToken: server.issueAccessToken(SHOP) });
const source = adminBulkSource(admin, { wait: { pollIntervalMs: 100 } });
const op = await source.wait(await source.start("orders"));
if (!op.url) throw new Error("no orders export");

let t = performance.now();
const lines: Json[] = [];
for await (const { line } of readBulkJsonl(op.url)) lines.push(line);
const parseSeconds = (performance.now() - t) / 1000;

t = performance.now();
const records: OrderRecord[] = [];
let parent: Json | null = null;
let children: Json[] = [];
for (const line of lines) {
  if (typeof line.__parentId === "string") {
    children.push(line);
    continue;
  }
  if (parent) records.push(orderFromGraphql(parent, children));
  parent = line;
  children = [];
}
if (parent) records.push(orderFromGraphql(parent, children));
const mapSeconds = (performance.now() - t) / 1000;
undoFetch();
await server.close();

const rows = records.reduce((sum, o) => sum + 1 + o.lineItems.length + o.refunds.length, 0);
const batches: OrderRecord[][] = [];
for (let i = 0; i < records.length; i += batchSize) batches.push(records.slice(i, i + batchSize));
say(`${records.length} orders = ${rows} rows (orders + line items + refunds), ${lines.length} JSONL lines; batches of ${batchSize}`);

const results: { step: string; seconds: number }[] = [
  { step: "download + split + JSON.parse (readBulkJsonl)", seconds: parseSeconds },
  { step: "mapping (orderFromGraphql)", seconds: mapSeconds },
];

// ---- 3: the repository's own JS
/** Executes nothing; answers RETURNING with the keys it was given, so every order counts as written. */
const noopClient: RawSqlClient = {
  async $executeRawUnsafe() {
    return 0;
  },
  async $queryRawUnsafe<T>(sql: string, ...params: unknown[]) {
    const columns = /\(([^)]*)\) VALUES/.exec(sql)![1].split(",").map((c) => c.replace(/"/g, ""));
    const returning = /RETURNING "([^"]+)"/.exec(sql)![1];
    const at = columns.indexOf(returning);
    const out: Record<string, unknown>[] = [];
    for (let i = at; i < params.length; i += columns.length) out.push({ [returning]: params[i] });
    return out as T;
  },
};
t = performance.now();
for (const batch of batches) await new SyncRepository(noopClient, "sqlite").upsertOrders(SHOP, batch, new Date());
results.push({ step: "SyncRepository JS only (rows, hashes, SQL text; no database)", seconds: (performance.now() - t) / 1000 });

// ---- 4 + 5 per database
const sqliteArg = (v: unknown): InValue => (v instanceof Date ? v.toISOString().replace("Z", "+00:00") : (v as InValue));
const pgArg = (v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v);

async function loadPrisma(provider: "sqlite" | "postgresql", url: string): Promise<PrismaClient> {
  const dir = benchPrismaClient(provider, say);
  const module = (await import(pathToFileURL(path.join(dir, "client.ts")).href)) as {
    PrismaClient: new (options: { adapter: ReturnType<typeof createAdapter> }) => PrismaClient;
  };
  return new module.PrismaClient({ adapter: createAdapter(url) });
}

async function timeIt(step: string, run: () => Promise<void>) {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  results.push({ step, seconds });
  say(`${step}: ${seconds.toFixed(1)} s, ${Math.round(rows / seconds).toLocaleString("en-US")} rows/s`);
}

const dbs = values.db!.split(",");
if (dbs.includes("sqlite")) {
  const fresh = async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-bench-wp-"));
    const url = "file:" + path.join(dir, "wp.db");
    await applyMigrations(url);
    return { url, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };
  {
    const db = await fresh();
    const prisma = await loadPrisma("sqlite", db.url);
    await timeIt("SQLite via Prisma ($transaction + raw, as the app)", async () => {
      for (const batch of batches) {
        await prisma.$transaction((tx) => new SyncRepository(tx, "sqlite").upsertOrders(SHOP, batch, new Date()), { timeout: 120_000 });
      }
    });
    await prisma.$disconnect();
    db.cleanup();
  }
  {
    const db = await fresh();
    const client = createClient({ url: db.url, intMode: "bigint" });
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
    await client.execute("PRAGMA foreign_keys = ON");
    await timeIt("SQLite via @libsql/client directly (same SQL, same transactions)", async () => {
      for (const batch of batches) {
        const tx = await client.transaction("write");
        const raw: RawSqlClient = {
          $executeRawUnsafe: async (sql, ...params) => (await tx.execute({ sql, args: params.map(sqliteArg) })).rowsAffected,
          $queryRawUnsafe: async <T,>(sql: string, ...params: unknown[]) => (await tx.execute({ sql, args: params.map(sqliteArg) })).rows as T,
        };
        await new SyncRepository(raw, "sqlite").upsertOrders(SHOP, batch, new Date());
        await tx.commit();
      }
    });
    client.close();
    db.cleanup();
  }
}

if (dbs.includes("postgres")) {
  let serverUrl = values["pg-url"] ?? [process.env.TEST_DATABASE_URL, process.env.DATABASE_URL].find((u) => /^postgres(ql)?:\/\//.test(u ?? ""));
  let stop = () => {};
  if (!serverUrl) {
    const env = { ...process.env, EVERGREEN_PG_DIR: path.join(os.tmpdir(), "evergreen-bench-pg-wp") };
    const script = path.join(ROOT, "scripts", "postgres-local.sh");
    const r = spawnSync("bash", [script, "start"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error("could not start PostgreSQL");
    serverUrl = r.stdout.trim().split("\n").pop()!;
    stop = () => void spawnSync("bash", [script, "stop"], { env, stdio: "inherit" });
  }
  const analyze = async (run: (sql: string) => Promise<unknown>, i: number) => {
    if (values.analyze && i === 0) await run(`ANALYZE "Order", "OrderLineItem", "Refund"`);
  };
  try {
    {
      const scratch = await createScratchDatabase(serverUrl, { prefix: "bench_wp" });
      await applyMigrations(scratch.url);
      const prisma = await loadPrisma("postgresql", scratch.url);
      await timeIt(`PostgreSQL via Prisma ($transaction + raw, as the app)${values.analyze ? ", ANALYZE after batch 1" : ""}`, async () => {
        for (const [i, batch] of batches.entries()) {
          await prisma.$transaction((tx) => new SyncRepository(tx, "postgresql").upsertOrders(SHOP, batch, new Date()), { timeout: 120_000 });
          await analyze((sql) => prisma.$executeRawUnsafe(sql), i);
        }
      });
      await prisma.$disconnect();
      await scratch.drop();
    }
    {
      const scratch = await createScratchDatabase(serverUrl, { prefix: "bench_wp" });
      await applyMigrations(scratch.url);
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      await timeIt(`PostgreSQL via pg directly (same SQL, same transactions)${values.analyze ? ", ANALYZE after batch 1" : ""}`, async () => {
        const raw: RawSqlClient = {
          $executeRawUnsafe: async (sql, ...params) => (await client.query(sql, params.map(pgArg))).rowCount ?? 0,
          $queryRawUnsafe: async <T,>(sql: string, ...params: unknown[]) => (await client.query(sql, params.map(pgArg))).rows as T,
        };
        for (const [i, batch] of batches.entries()) {
          await client.query("BEGIN");
          await new SyncRepository(raw, "postgresql").upsertOrders(SHOP, batch, new Date());
          await client.query("COMMIT");
          await analyze((sql) => client.query(sql), i);
        }
      });
      await client.end();
      await scratch.drop();
    }
  } finally {
    stop();
  }
}

process.stdout.write(`\nstep${" ".repeat(66)}seconds   rows/s\n`);
for (const r of results) {
  process.stdout.write(`${r.step.padEnd(70)}${r.seconds.toFixed(2).padStart(7)}  ${Math.round(rows / r.seconds).toLocaleString("en-US").padStart(8)}\n`);
}
process.exit(0);
