/**
 * One measured full sync: a fresh migrated database, the app's real
 * `runFullSync` against a running dev store (bench/dev-store-child.ts), then
 * the rows counted in the database and checked against the store's.
 *
 *   node --import tsx bench/sync-pass.ts --db sqlite|postgres [--pg-url URL] --client DIR \
 *     --store-url URL --shop DOMAIN --token TOKEN --expected JSON [--batch 500] [--overlap]
 *
 * `--client` is a Prisma client generated for this database's provider (see
 * bench/prisma-clients.ts): the checkout's app/generated/prisma is tied to one
 * provider and is left alone. Prints progress on stderr and one
 * `BENCH_SYNC {json}` line (SyncPassResult) on stdout; exits 1 when the
 * counts differ or the sync did not complete.
 *
 * Export vs import: by default the first `wait()` of the sync waits for *all*
 * its bulk operations (a barrier), so the export phase is the dev store's work
 * only and the import phase the app's only (real Shopify exports on its own
 * servers; here both would share this machine's 2 cores). `--overlap` keeps
 * the app's natural order (products and customers import while orders export).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createAdapter } from "~/db.server";
import { dialectOf } from "~/db/adapter.server";
import type { SyncResource } from "~/domain/sync/records";
import type { PrismaClient } from "~/generated/prisma/client";
import { runFullSync, type BulkSource } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { getBulkOperation } from "~/shopify/bulk.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { installLocalShopifyFetch } from "../dev-store/redirect-fetch";
import { createScratchDatabase } from "../scripts/pg-migrate.mjs";
import { applyMigrations } from "../scripts/prisma.mjs";
import { mb, round, totalRows, type BenchDb, type RowCounts, type SyncPassResult } from "./common";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: "sqlite" },
    "pg-url": { type: "string" },
    client: { type: "string" },
    "store-url": { type: "string" },
    shop: { type: "string" },
    token: { type: "string" },
    expected: { type: "string" },
    batch: { type: "string", default: "500" },
    "poll-ms": { type: "string", default: "250" },
    overlap: { type: "boolean", default: false },
  },
});

const db = values.db as BenchDb;
if (db !== "sqlite" && db !== "postgres") throw new Error(`--db must be sqlite or postgres, got ${values.db}`);
for (const required of ["client", "store-url", "shop", "token", "expected"] as const) {
  if (!values[required]) throw new Error(`--${required} is required`);
}
if (db === "postgres" && !values["pg-url"]) throw new Error("--pg-url is required for postgres");
const shop = values.shop!;
const expected = JSON.parse(values.expected!) as RowCounts;
const batchSize = Number(values.batch);
const log = (message: string) => process.stderr.write(`[sync ${db}] ${message}\n`);

// ---- memory: sampled every 100 ms (the kernel's max RSS is reported too)
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
sampler.unref();

// ---- a fresh migrated database
interface Database {
  url: string;
  prisma: PrismaClient;
  sizeMB(): Promise<number | null>;
  cleanup(): Promise<void>;
}

async function loadPrismaClient(url: string): Promise<PrismaClient> {
  const module = (await import(pathToFileURL(path.join(path.resolve(values.client!), "client.ts")).href)) as {
    PrismaClient: new (options: { adapter: ReturnType<typeof createAdapter> }) => PrismaClient;
  };
  return new module.PrismaClient({ adapter: createAdapter(url) });
}

async function createDatabase(): Promise<Database> {
  if (db === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-bench-"));
    const file = path.join(dir, "bench.db");
    const url = "file:" + file;
    await applyMigrations(url);
    const prisma = await loadPrismaClient(url);
    return {
      url,
      prisma,
      async sizeMB() {
        let bytes = 0;
        for (const suffix of ["", "-wal"]) {
          try {
            bytes += statSync(file + suffix).size;
          } catch {
            // no WAL file
          }
        }
        return mb(bytes);
      },
      async cleanup() {
        await prisma.$disconnect().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const scratch = await createScratchDatabase(values["pg-url"]!, { prefix: "bench" });
  await applyMigrations(scratch.url);
  const prisma = await loadPrismaClient(scratch.url);
  return {
    url: scratch.url,
    prisma,
    async sizeMB() {
      const rows = await prisma.$queryRawUnsafe<{ bytes: bigint | number }[]>("SELECT pg_database_size(current_database()) AS bytes");
      return mb(Number(rows[0].bytes));
    },
    async cleanup() {
      await prisma.$disconnect().catch(() => undefined);
      await scratch.drop();
    },
  };
}

// ---- the bulk source, timed
interface ResourceTiming {
  readStartedAt?: number;
  lastCommitAt?: number;
  records: number;
  bytes: number;
}

function timedSource(inner: BulkSource, overlap: boolean) {
  const ids = new Map<string, SyncResource>();
  /** Result URL → resource (read() only sees the URL). */
  const urls = new Map<string, SyncResource>();
  const timings: Record<string, ResourceTiming> = {};
  let barrier: Promise<void> | undefined;
  let waitMs = 0;
  let exportsDoneAt: number | undefined;
  const source: BulkSource = {
    async start(resource) {
      const id = await inner.start(resource);
      ids.set(id, resource);
      return id;
    },
    async wait(id, signal) {
      const t = performance.now();
      try {
        if (!overlap) {
          barrier ??= Promise.all([...ids.keys()].map((other) => inner.wait(other, signal))).then(() => {
            exportsDoneAt = performance.now();
          });
          await barrier;
        }
        const finished = await inner.wait(id, signal);
        const resource = ids.get(id);
        if (resource && finished.url) urls.set(finished.url, resource);
        return finished;
      } finally {
        waitMs += performance.now() - t;
      }
    },
    async *read(url, fromByte, signal) {
      const resource = urls.get(url) ?? url;
      const timing = (timings[resource] ??= { records: 0, bytes: 0 });
      timing.readStartedAt ??= performance.now();
      for await (const line of inner.read(url, fromByte, signal)) {
        timing.bytes = line.endByte;
        yield line;
      }
    },
  };
  return {
    source,
    ids,
    timings,
    waitMs: () => waitMs,
    exportsDoneAt: () => exportsDoneAt,
  };
}

async function countRows(prisma: PrismaClient): Promise<RowCounts> {
  const p = db === "postgres" ? "$1" : "?";
  const count = async (table: string) => {
    const rows = await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT COUNT(*) AS n FROM "${table}" WHERE "shopDomain" = ${p}`, shop);
    return Number(rows[0].n);
  };
  return {
    products: await count("Product"),
    customers: await count("Customer"),
    orders: await count("Order"),
    lineItems: await count("OrderLineItem"),
    refunds: await count("Refund"),
  };
}

// ---- run
installLocalShopifyFetch(values["store-url"]!);
const database = await createDatabase();
let exitCode = 0;
try {
  const client = new AdminClient({ shop, accessToken: values.token! });
  const inner = adminBulkSource(client, { wait: { pollIntervalMs: Number(values["poll-ms"]) } });
  const timed = timedSource(inner, values.overlap!);

  log(`database ${database.url.replace(/\/\/[^@]*@/, "//")}; batch ${batchSize}; ${values.overlap ? "overlapping export and import" : "exports first, then import"}`);
  let lastLog = performance.now();
  const started = performance.now();
  const startedWall = Date.now();
  const run = await runFullSync(shop, {
    db: database.prisma,
    dialect: dialectOf(database.url),
    bulk: timed.source,
    batchSize,
    onProgress: ({ resource, rows }) => {
      const now = performance.now();
      const timing = (timed.timings[resource] ??= { records: 0, bytes: 0 });
      timing.lastCommitAt = now;
      timing.records = rows;
      if (now - lastLog > 10_000) {
        lastLog = now;
        log(`${resource}: ${rows} records, ${round((now - started) / 1000, 1)} s, rss ${mb(process.memoryUsage().rss)} MB`);
      }
    },
  });
  const finished = performance.now();
  const totalSeconds = (finished - started) / 1000;
  const waitSeconds = timed.waitMs() / 1000;
  // Barrier: when the app saw the last export finish. Overlap: when the dev
  // store finished the last one (its clock is this machine's); the import is
  // then the time the app was not blocked waiting for an export.
  let exportSeconds = ((timed.exportsDoneAt() ?? started) - started) / 1000;
  let importSeconds = totalSeconds - exportSeconds;

  const rows = await countRows(database.prisma);
  const mismatches: string[] = [];
  for (const key of Object.keys(expected) as (keyof RowCounts)[]) {
    if (rows[key] !== expected[key]) mismatches.push(`${key}: database has ${rows[key]}, dev store has ${expected[key]}`);
  }
  if (run.status !== "completed") mismatches.push(`sync run ended ${run.status}`);

  const bulkOperations: SyncPassResult["bulkOperations"] = {};
  let lastCompletedAt = 0;
  for (const [id, resource] of timed.ids) {
    const op = await getBulkOperation(client, id);
    if (!op) continue;
    if (op.completedAt) lastCompletedAt = Math.max(lastCompletedAt, Date.parse(op.completedAt));
    bulkOperations[resource] = {
      seconds: op.completedAt ? round((Date.parse(op.completedAt) - Date.parse(op.createdAt)) / 1000) : -1,
      objectCount: op.objectCount,
      fileSizeMB: op.fileSize === null ? null : mb(op.fileSize),
    };
  }
  if (values.overlap) {
    exportSeconds = (lastCompletedAt - startedWall) / 1000;
    importSeconds = totalSeconds - waitSeconds;
  }
  const resources: SyncPassResult["resources"] = {};
  for (const [resource, t] of Object.entries(timed.timings)) {
    resources[resource] = {
      seconds: t.readStartedAt !== undefined && t.lastCommitAt !== undefined ? round((t.lastCommitAt - t.readStartedAt) / 1000) : 0,
      records: t.records,
      bytes: t.bytes,
    };
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const total = totalRows(rows);
  const result: SyncPassResult = {
    db,
    status: run.status,
    rows,
    totalRows: total,
    exportSeconds: round(exportSeconds),
    importSeconds: round(importSeconds),
    totalSeconds: round(totalSeconds),
    importRowsPerSecond: Math.round(total / importSeconds),
    resources,
    bulkOperations,
    peakRssMB: mb(peakRss),
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
    dbSizeMB: await database.sizeMB().catch(() => null),
    batchSize,
    overlap: values.overlap!,
    api: { ...(client as unknown as { counters: Record<string, number> }).counters },
    mismatches,
  };
  console.log("BENCH_SYNC " + JSON.stringify(result));
  if (mismatches.length) {
    log(`FAILED: ${mismatches.join("; ")}`);
    exitCode = 1;
  }
} catch (error) {
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await database.cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
}
process.exit(exitCode);
