/**
 * `npm run bench`: the full-sync benchmark.
 *
 *   npm run bench                                  100k and 1M orders, SQLite and PostgreSQL
 *   npm run bench -- --quick                       20k orders only (smoke)
 *   npm run bench -- --orders 100000 --db sqlite   chosen sizes / databases
 *
 * Options: --orders N[,N…] (default 100000,1000000), --db sqlite,postgres,
 * --quick (20,000 orders), --seed S (1), --batch N (500, the app's default),
 * --bucket plus|standard (plus), --overlap (import while Shopify still
 * exports, the app's natural order; default: all exports first, then the
 * import, so the two phases are timed apart), --raw-rows N (default: as many
 * rows as the sync wrote), --no-raw, --profile (CPU profile of each sync
 * process, summarised; files in .cache/bench/profiles/).
 *
 * For each shop size one dev store process (bench/dev-store-child.ts) serves a
 * seeded shop; for each database a sync process (bench/sync-pass.ts) runs the
 * app's real runFullSync into a fresh migrated database and counts the rows
 * (the benchmark fails when they differ from the store's), then a raw-insert
 * process (bench/raw-insert.ts) measures the same database's ceiling.
 * PostgreSQL: DATABASE_URL / TEST_DATABASE_URL when postgres://, else a
 * throw-away cluster (scripts/postgres-local.sh, in its own folder), stopped
 * at the end. Results: a table on stdout and .cache/bench/latest.json.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/prisma.mjs";
import {
  BUCKETS,
  parseTagged,
  postgresServer,
  stopOnSignal,
  round,
  type BenchDb,
  type Postgres,
  type BucketName,
  type DevStoreInfo,
  type RawInsertResult,
  type SyncPassResult,
} from "./common";
import { BENCH_CACHE, benchPrismaClient } from "./prisma-clients";
import { summariseProfile } from "./profile-summary";

const { values } = parseArgs({
  options: {
    orders: { type: "string" },
    db: { type: "string" },
    quick: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    batch: { type: "string", default: "500" },
    bucket: { type: "string", default: "plus" },
    overlap: { type: "boolean", default: false },
    "raw-rows": { type: "string" },
    "no-raw": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});

const say = (message: string) => process.stdout.write(`[bench] ${message}\n`);
const sizes = (values.orders ?? (values.quick ? "20000" : "100000,1000000")).split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new Error(`--orders: positive integers, got ${values.orders}`);
const dbsExplicit = values.db !== undefined;
const dbs = (values.db ?? "sqlite,postgres").split(",").map((s) => s.trim()) as BenchDb[];
for (const d of dbs) if (d !== "sqlite" && d !== "postgres") throw new Error(`--db: sqlite and/or postgres, got ${d}`);
const bucketName = values.bucket as BucketName;
if (!BUCKETS[bucketName]) throw new Error(`--bucket: ${Object.keys(BUCKETS).join(" or ")}`);

const NODE = existsSync(path.join(ROOT, "node_modules", ".bin", "node")) ? path.join(ROOT, "node_modules", ".bin", "node") : process.execPath;
const children = new Set<ChildProcess>();

// ---- child processes
interface Child {
  process: ChildProcess;
  /** Resolves with the first value `pick` returns for a stdout line (rejects if the process exits first). */
  waitFor<T>(pick: (line: string) => T | undefined, timeoutMs?: number): Promise<T>;
  exited: Promise<number>;
}

function startChild(script: string, args: string[], options: { nodeArgs?: string[]; label: string; echo?: boolean }): Child {
  const child = spawn(NODE, [...(options.nodeArgs ?? []), "--import", "tsx", path.join(ROOT, "bench", script), ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "development", NODE_OPTIONS: "" },
  });
  children.add(child);
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    if (options.echo && !line.startsWith("BENCH_")) process.stdout.write(`  [${options.label}] ${line}\n`);
    for (const waiter of waiters) waiter(line);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => process.stderr.write(`  ${line.startsWith("[") ? "" : `[${options.label}] `}${line}\n`));
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  return {
    process: child,
    exited,
    waitFor<T>(pick: (line: string) => T | undefined, timeoutMs = 60 * 60 * 1000) {
      return new Promise<T>((resolve, reject) => {
        for (const line of lines) {
          const value = pick(line);
          if (value !== undefined) return resolve(value);
        }
        const timer = setTimeout(() => reject(new Error(`${options.label}: no answer in ${timeoutMs / 1000} s`)), timeoutMs);
        const waiter = (line: string) => {
          const value = pick(line);
          if (value === undefined) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          // Lines are delivered before 'exit' only mostly: give readline a tick.
          setImmediate(() => {
            if (!waiters.has(waiter)) return;
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new Error(`${options.label} exited ${code} before reporting`));
          });
        });
      });
    },
  };
}


function postgresVersion(url: string): string | null {
  const r = spawnSync(NODE, ["-e", `const pg=require("pg");const c=new pg.Client({connectionString:process.argv[1]});c.connect().then(()=>c.query("SHOW server_version")).then(r=>{console.log(r.rows[0].server_version);return c.end()})`, url], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ---- one database × size
interface PassResult {
  db: BenchDb;
  orders: number;
  sync?: SyncPassResult;
  raw?: RawInsertResult;
  ratio?: number;
  profile?: string;
  /** 1-minute load average when the sync started and ended (other work on this machine skews the numbers). */
  load?: { start: number; end: number };
  error?: string;
}

async function runSize(orders: number, targets: { db: BenchDb; client: string; pgUrl?: string }[]): Promise<{ devStore?: DevStoreInfo; devStorePeakRssMB?: number; passes: PassResult[] }> {
  say(`${orders.toLocaleString("en-US")} orders: generating the shop (seed ${values.seed}) in the dev store process`);
  const store = startChild("dev-store-child.ts", ["--seed", values.seed!, "--orders", String(orders), "--bucket", bucketName], { label: "dev store" });
  const passes: PassResult[] = [];
  let info: DevStoreInfo | undefined;
  try {
    info = await store.waitFor((line) => parseTagged<DevStoreInfo>(line, "BENCH_DEVSTORE"));
    const e = info.expected;
    say(
      `dev store ready in ${info.generateSeconds.toFixed(1)} s (${info.rssMB} MB): ${e.orders} orders, ${e.lineItems} line items, ` +
        `${e.refunds} refunds, ${e.customers} customers, ${e.products} products; plan "${info.planName}", bucket ${info.bucket.label}`,
    );
    for (const target of targets) {
      const pass: PassResult = { db: target.db, orders };
      passes.push(pass);
      try {
        const profileDir = path.join(BENCH_CACHE, "profiles", `${target.db}-${orders}`);
        const nodeArgs: string[] = [];
        if (values.profile) {
          mkdirSync(profileDir, { recursive: true });
          for (const f of readdirSync(profileDir)) if (f.endsWith(".cpuprofile")) spawnSync("rm", ["-f", path.join(profileDir, f)]);
          nodeArgs.push("--cpu-prof", "--cpu-prof-dir", profileDir);
        }
        say(`${target.db}: full sync of ${orders.toLocaleString("en-US")} orders (load ${os.loadavg()[0].toFixed(2)})`);
        pass.load = { start: round(os.loadavg()[0]), end: 0 };
        const sync = startChild(
          "sync-pass.ts",
          [
            "--db", target.db,
            "--client", target.client,
            ...(target.pgUrl ? ["--pg-url", target.pgUrl] : []),
            "--store-url", info.url,
            "--shop", info.shop,
            "--token", info.accessToken,
            "--expected", JSON.stringify(info.expected),
            "--batch", values.batch!,
            ...(values.overlap ? ["--overlap"] : []),
          ],
          { nodeArgs, label: `sync ${target.db}`, echo: true },
        );
        const syncResult = await sync.waitFor((line) => parseTagged<SyncPassResult>(line, "BENCH_SYNC")).catch((error: Error) => error);
        const code = await sync.exited;
        pass.load!.end = round(os.loadavg()[0]);
        if (syncResult instanceof Error) throw syncResult;
        pass.sync = syncResult;
        if (syncResult.mismatches.length || code !== 0) {
          throw new Error(`row counts differ from the dev store's: ${syncResult.mismatches.join("; ") || `exit ${code}`}`);
        }
        say(
          `${target.db}: ${syncResult.totalRows} rows; export ${syncResult.exportSeconds} s, import ${syncResult.importSeconds} s ` +
            `(${syncResult.importRowsPerSecond.toLocaleString("en-US")} rows/s), peak RSS ${syncResult.peakRssMB} MB; counts match the dev store`,
        );
        if (values.profile) {
          const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
          if (file) {
            pass.profile = path.join(profileDir, file);
            process.stdout.write(summariseProfile(pass.profile, { title: `${target.db}, ${orders} orders` }) + "\n");
          }
        }
        if (!values["no-raw"]) {
          const rawRows = values["raw-rows"] ? Number(values["raw-rows"]) : syncResult.totalRows;
          say(`${target.db}: raw insert of ${rawRows.toLocaleString("en-US")} rows`);
          const raw = startChild("raw-insert.ts", ["--db", target.db, "--rows", String(rawRows), ...(target.pgUrl ? ["--pg-url", target.pgUrl] : [])], {
            label: `raw ${target.db}`,
            echo: true,
          });
          const rawResult = await raw.waitFor((line) => parseTagged<RawInsertResult>(line, "BENCH_RAW"));
          await raw.exited;
          pass.raw = rawResult;
          pass.ratio = round(syncResult.importRowsPerSecond / rawResult.rowsPerSecond, 3);
          say(`${target.db}: raw ${rawResult.rowsPerSecond.toLocaleString("en-US")} rows/s (${rawResult.seconds} s, ${rawResult.peakRssMB} MB); sync/raw ${pass.ratio}`);
        }
      } catch (error) {
        pass.error = error instanceof Error ? error.message : String(error);
        say(`${target.db}, ${orders} orders: FAILED: ${pass.error}`);
      }
    }
  } finally {
    store.process.kill("SIGTERM");
  }
  const done = await store
    .waitFor((line) => parseTagged<{ peakRssMB: number }>(line, "BENCH_DEVSTORE_DONE"), 60_000)
    .catch(() => undefined);
  await store.exited;
  return { devStore: info, devStorePeakRssMB: done?.peakRssMB, passes };
}

// ---- report
function pad(text: string, width: number, right = true): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function table(passes: PassResult[]): string {
  const header = ["db", "orders", "total rows", "export s", "import s", "import rows/s", "peak RSS MB", "raw rows/s", "sync/raw"];
  const rows = passes.map((p) => {
    const s = p.sync;
    const n = (v: number | undefined) => (v === undefined ? "-" : v.toLocaleString("en-US"));
    return [
      p.db,
      n(p.orders),
      n(s?.totalRows),
      s ? s.exportSeconds.toFixed(1) : "-",
      s ? s.importSeconds.toFixed(1) : "-",
      n(s?.importRowsPerSecond),
      s ? s.peakRssMB.toFixed(0) : "-",
      n(p.raw?.rowsPerSecond),
      p.ratio === undefined ? (p.error ? "FAILED" : "-") : p.ratio.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i > 0)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function details(passes: PassResult[]): string {
  const out: string[] = [];
  for (const p of passes) {
    const s = p.sync;
    if (!s) {
      out.push(`${p.db} ${p.orders}: ${p.error ?? "no result"}`);
      continue;
    }
    const res = Object.entries(s.resources)
      .map(([r, t]) => `${r} ${t.records.toLocaleString("en-US")} in ${t.seconds.toFixed(1)} s (${(t.bytes / 1024 / 1024).toFixed(0)} MB JSONL)`)
      .join(", ");
    const ops = Object.entries(s.bulkOperations)
      .map(([r, o]) => `${r} ${o.seconds.toFixed(1)} s`)
      .join(", ");
    const c = s.rows;
    out.push(
      `${p.db} ${p.orders}: rows ${c.orders} orders + ${c.lineItems} line items + ${c.refunds} refunds + ${c.customers} customers + ${c.products} products; ` +
        `import ${res}; bulk exports (dev store) ${ops}; db ${s.dbSizeMB ?? "?"} MB; kernel max RSS ${s.maxRssMB} MB` +
        (p.load ? `; load avg ${p.load.start} → ${p.load.end} on ${os.cpus().length} cores` : "") +
        (p.raw ? `; raw: ${p.raw.rows.toLocaleString("en-US")} rows in ${p.raw.seconds} s, ${p.raw.peakRssMB} MB (${p.raw.method})` : ""),
    );
  }
  return out.join("\n");
}

// ---- main
let pg: Postgres | null = null;
stopOnSignal(children, () => pg, say);

const startedAt = new Date();
let failed = false;
const allPasses: PassResult[] = [];
const sizeInfo: { orders: number; devStore?: Omit<DevStoreInfo, "accessToken">; devStorePeakRssMB?: number }[] = [];
const notes: string[] = [];
try {
  const nodeVersion = spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
  say(`node ${nodeVersion}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${round(os.totalmem() / 1024 ** 3, 1)} GB; load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  say(`sizes ${sizes.join(", ")}; databases ${dbs.join(", ")}; bucket ${BUCKETS[bucketName].label}; batch ${values.batch}; ${values.overlap ? "overlapping export/import" : "exports first, then import"}`);

  const targets: { db: BenchDb; client: string; pgUrl?: string }[] = [];
  for (const db of dbs) {
    if (db === "sqlite") {
      targets.push({ db, client: benchPrismaClient("sqlite", say) });
      continue;
    }
    pg = postgresServer(path.join(os.tmpdir(), "evergreen-bench-pg"), say);
    if (!pg) {
      const message = "PostgreSQL is not available (scripts/postgres-local.sh start failed)";
      if (dbsExplicit) throw new Error(message);
      notes.push(message + ": skipped");
      say(message + ": skipping it");
      continue;
    }
    notes.push(`PostgreSQL ${postgresVersion(pg.url) ?? "?"}${pg.url.includes("127.0.0.1") ? " (local throw-away cluster: fsync=off, synchronous_commit=off)" : ""}`);
    targets.push({ db, client: benchPrismaClient("postgresql", say), pgUrl: pg.url });
  }

  for (const orders of sizes) {
    const { devStore, devStorePeakRssMB, passes } = await runSize(orders, targets);
    if (devStore) {
      const { accessToken: _token, ...rest } = devStore;
      sizeInfo.push({ orders, devStore: rest, devStorePeakRssMB });
    }
    allPasses.push(...passes);
    if (passes.some((p) => p.error)) failed = true;
  }
} catch (error) {
  failed = true;
  say(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  if (pg) {
    pg.stop();
    pg = null;
  }
}

const finishedAt = new Date();
process.stdout.write("\n" + table(allPasses) + "\n\n" + details(allPasses) + "\n");
for (const note of notes) say(note);
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGB: round(os.totalmem() / 1024 ** 3, 1), loadAtEnd: os.loadavg() },
  node: spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim(),
  commit: spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim(),
  options: { sizes, dbs, seed: values.seed, batch: Number(values.batch), bucket: { name: bucketName, ...BUCKETS[bucketName] }, overlap: values.overlap },
  notes,
  shops: sizeInfo,
  results: allPasses,
};
mkdirSync(BENCH_CACHE, { recursive: true });
const latest = path.join(BENCH_CACHE, "latest.json");
writeFileSync(latest, JSON.stringify(report, null, 2) + "\n");
writeFileSync(path.join(BENCH_CACHE, `sync-bench-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(report, null, 2) + "\n");
say(`results in ${path.relative(ROOT, latest)}`);
if (failed) say("FAILED (see above)");
process.exit(failed ? 1 : 0);
