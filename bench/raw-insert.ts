/**
 * The raw insert rate of a database on this machine: the ceiling a sync's
 * write path can approach (see shared stack-notes, "Raw insert rates").
 * N order-like rows of 6 columns with a text primary key, into a fresh table
 * of a fresh database, in one process:
 *
 * - SQLite through @libsql/client, WAL, synchronous=NORMAL, multi-row
 *   `INSERT … VALUES (…),(…)` of 150 rows, 30 statements per `batch()`;
 * - PostgreSQL through `pg`, multi-row inserts of 1,000 rows, a commit every 20,000 rows.
 *
 *   node --import tsx bench/raw-insert.ts --db sqlite|postgres --rows 1000000 [--pg-url URL]
 *
 * Prints `BENCH_RAW {json}` (RawInsertResult).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import pg from "pg";
import { createScratchDatabase } from "../scripts/pg-migrate.mjs";
import { mb, type BenchDb, type RawInsertResult } from "./common";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    rows: { type: "string", default: "1000000" },
    "pg-url": { type: "string" },
  },
});
const db = values.db as BenchDb;
const total = Number(values.rows);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
sampler.unref();

const CREATE = `CREATE TABLE raw_order (
  id TEXT PRIMARY KEY,
  shop_domain TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  total_minor BIGINT NOT NULL,
  created_at TEXT NOT NULL
)`;
const COLUMNS = 6;

/** Row i: values like an order's. */
function row(i: number): [string, string, string, string, number, string] {
  return [
    `gid://shopify/Order/${5_000_000_000_001 + i}`,
    "demo-shop.myshopify.com",
    `#${1001 + i}`,
    `customer${i % 50_000}@example.com`,
    1_000 + ((i * 7_919) % 250_000),
    new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
  ];
}

function valuesList(rows: number, postgres: boolean): string {
  const groups: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const slots: string[] = [];
    for (let c = 0; c < COLUMNS; c++) slots.push(postgres ? `$${n++}` : "?");
    groups.push(`(${slots.join(",")})`);
  }
  return groups.join(",");
}

async function sqlite(): Promise<{ seconds: number; method: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-bench-raw-"));
  const client = createClient({ url: "file:" + path.join(dir, "raw.db"), intMode: "bigint" });
  try {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
    await client.execute(CREATE);
    const perStatement = 150;
    const perBatch = 30;
    const sqlFull = `INSERT INTO raw_order VALUES ${valuesList(perStatement, false)}`;
    const started = performance.now();
    let i = 0;
    while (i < total) {
      const statements = [];
      for (let s = 0; s < perBatch && i < total; s++) {
        const n = Math.min(perStatement, total - i);
        const args: (string | number)[] = [];
        for (let r = 0; r < n; r++) args.push(...row(i + r));
        statements.push({ sql: n === perStatement ? sqlFull : `INSERT INTO raw_order VALUES ${valuesList(n, false)}`, args });
        i += n;
      }
      await client.batch(statements, "write");
    }
    return { seconds: (performance.now() - started) / 1000, method: "libsql WAL sync=NORMAL, 150-row INSERTs, 30 per batch()" };
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<{ seconds: number; method: string }> {
  if (!values["pg-url"]) throw new Error("--pg-url is required for postgres");
  const scratch = await createScratchDatabase(values["pg-url"], { prefix: "bench_raw" });
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    await client.query(CREATE);
    const perStatement = 1_000;
    const perCommit = 20_000;
    const sqlFull = `INSERT INTO raw_order VALUES ${valuesList(perStatement, true)}`;
    const started = performance.now();
    let i = 0;
    while (i < total) {
      await client.query("BEGIN");
      const end = Math.min(total, i + perCommit);
      while (i < end) {
        const n = Math.min(perStatement, end - i);
        const args: (string | number)[] = [];
        for (let r = 0; r < n; r++) args.push(...row(i + r));
        await client.query(n === perStatement ? sqlFull : `INSERT INTO raw_order VALUES ${valuesList(n, true)}`, args);
        i += n;
      }
      await client.query("COMMIT");
    }
    return { seconds: (performance.now() - started) / 1000, method: "pg 1,000-row INSERTs, COMMIT every 20,000" };
  } finally {
    await client.end();
    await scratch.drop();
  }
}

const { seconds, method } = db === "postgres" ? await postgres() : await sqlite();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const result: RawInsertResult = { db, rows: total, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(total / seconds), peakRssMB: mb(peakRss), method };
console.log("BENCH_RAW " + JSON.stringify(result));
