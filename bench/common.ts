/** Shared bits of the benchmarks' processes (bench/*.ts). */
import { spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "../scripts/prisma.mjs";

/** GraphQL Admin API cost buckets of Shopify's plans (points, points per second). */
export const BUCKETS = {
  plus: { max: 20_000, restoreRate: 1_000, label: "Shopify Plus (20,000 points, 1,000/s)" },
  standard: { max: 2_000, restoreRate: 100, label: "Standard (2,000 points, 100/s)" },
} as const;
export type BucketName = keyof typeof BUCKETS;

export type BenchDb = "sqlite" | "postgres";

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The row counts a sync must leave in the database. */
export interface RowCounts {
  products: number;
  customers: number;
  orders: number;
  lineItems: number;
  refunds: number;
}

export const totalRows = (c: RowCounts) => c.products + c.customers + c.orders + c.lineItems + c.refunds;

/** What bench/dev-store-child.ts prints once listening. */
export interface DevStoreInfo {
  url: string;
  shop: string;
  planName: string;
  accessToken: string;
  bucket: { name: BucketName; max: number; restoreRate: number; label: string };
  expected: RowCounts;
  generateSeconds: number;
  rssMB: number;
  pid: number;
}

/** What bench/sync-pass.ts prints as its result. */
export interface SyncPassResult {
  db: BenchDb;
  status: string;
  rows: RowCounts;
  totalRows: number;
  /** Sync start to the end of the last bulk export (Shopify's side, the dev store's work). */
  exportSeconds: number;
  /** The app's own work after the exports: download stream, parse, map, upsert, commit. */
  importSeconds: number;
  totalSeconds: number;
  importRowsPerSecond: number;
  /** Per resource: seconds from its first line read to its last batch committed, and records. */
  resources: Record<string, { seconds: number; records: number; bytes: number }>;
  /** Bulk operations as the dev store reports them (createdAt → completedAt). */
  bulkOperations: Record<string, { seconds: number; objectCount: number; fileSizeMB: number | null }>;
  /** Peak of process.memoryUsage().rss sampled every 100 ms, and the kernel's max RSS. */
  peakRssMB: number;
  maxRssMB: number;
  dbSizeMB: number | null;
  batchSize: number;
  overlap: boolean;
  api: Record<string, number>;
  mismatches: string[];
}

/** What bench/raw-insert.ts prints. */
export interface RawInsertResult {
  db: BenchDb;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMB: number;
  method: string;
}

/** Finds `PREFIX {json}` in a line; undefined when the line is something else. */
export function parseTagged<T>(line: string, tag: string): T | undefined {
  if (!line.startsWith(tag + " ")) return undefined;
  return JSON.parse(line.slice(tag.length + 1)) as T;
}

/** A PostgreSQL server for a benchmark: the environment's, or a throw-away local cluster in `dir`. */
export interface Postgres {
  url: string;
  stop(): void;
}

export function postgresServer(dir: string, say: (message: string) => void): Postgres | null {
  const given = [process.env.TEST_DATABASE_URL, process.env.DATABASE_URL].find((u) => /^postgres(ql)?:\/\//.test(u ?? ""));
  if (given) {
    say(`PostgreSQL: the server of ${given.replace(/\/\/[^@]*@/, "//")} (from the environment)`);
    return { url: given, stop: () => {} };
  }
  const env = { ...process.env, EVERGREEN_PG_DIR: dir };
  const script = path.join(ROOT, "scripts", "postgres-local.sh");
  say(`PostgreSQL: starting a throw-away cluster in ${dir}`);
  const r = spawnSync("bash", [script, "start"], { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) return null;
  const url = r.stdout.trim().split("\n").pop()!;
  return { url, stop: () => void spawnSync("bash", [script, "stop"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] }) };
}

/** On Ctrl-C or SIGTERM: stop the benchmark's child processes and its PostgreSQL, then exit. */
export function stopOnSignal(children: ReadonlySet<ChildProcess>, postgres: () => Postgres | null, say: (message: string) => void): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping`);
    for (const child of children) child.kill("SIGTERM");
    postgres()?.stop();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
