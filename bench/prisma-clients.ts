/**
 * Prisma clients for the benchmark, one per provider, generated into
 * .cache/bench/prisma-client-<provider>/ (gitignored).
 *
 * The generated client is tied to one provider, and the checkout's
 * app/generated/prisma is shared with whoever else works in it (tests, the
 * dev server): regenerating it for PostgreSQL during a long benchmark would
 * break their runs. The app's sync code only imports the client's *types*,
 * so the benchmark constructs its PrismaClient from its own copy and never
 * touches app/generated/prisma. Regenerated only when the schema or Prisma changes.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { POSTGRES, ROOT, SQLITE, runPrisma } from "../scripts/prisma.mjs";

export type Provider = "sqlite" | "postgresql";

export const BENCH_CACHE = path.join(ROOT, ".cache", "bench");

/** The folder of the benchmark's client for `provider` (its `client.ts` exports PrismaClient). */
export function benchPrismaClient(provider: Provider, log: (message: string) => void = () => {}): string {
  const target = provider === "postgresql" ? POSTGRES : SQLITE;
  if (!existsSync(target.schema)) throw new Error(`${path.relative(ROOT, target.schema)} is missing (npm run db:pg-schema makes it)`);
  const outDir = path.join(BENCH_CACHE, `prisma-client-${provider}`);
  const schemaText = readFileSync(target.schema, "utf8");
  const prismaVersion = (JSON.parse(readFileSync(path.join(ROOT, "node_modules", "prisma", "package.json"), "utf8")) as { version: string }).version;
  const stamp = createHash("sha256").update(`${provider}\n${prismaVersion}\n${schemaText}`).digest("hex");
  const stampFile = path.join(outDir, ".bench-stamp");
  if (existsSync(path.join(outDir, "client.ts")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return outDir;

  mkdirSync(BENCH_CACHE, { recursive: true });
  const schemaCopy = path.join(BENCH_CACHE, `schema-${provider}.prisma`);
  const pointed = schemaText.replace(/^(\s*output\s*=\s*)".*"/m, `$1${JSON.stringify(outDir)}`);
  if (pointed === schemaText) throw new Error(`no generator output line found in ${target.schema}`);
  writeFileSync(schemaCopy, pointed);
  const started = Date.now();
  runPrisma(["generate", "--schema", schemaCopy], { capture: true });
  writeFileSync(stampFile, stamp);
  log(`generated the ${provider} Prisma client into ${path.relative(ROOT, outDir)} (${Date.now() - started} ms)`);
  return outDir;
}

/** A PrismaClient of the benchmark's own generated client (`benchPrismaClient`, or a given folder) over the app's driver adapter for `url`. */
export async function openBenchClient(
  url: string,
  from: { provider: Provider; log?: (message: string) => void } | { clientDir: string },
): Promise<import("~/generated/prisma/client").PrismaClient> {
  const dir = "clientDir" in from ? path.resolve(from.clientDir) : benchPrismaClient(from.provider, from.log);
  const { createAdapter } = await import("~/db.server");
  const module = (await import(pathToFileURL(path.join(dir, "client.ts")).href)) as {
    PrismaClient: new (options: { adapter: unknown }) => import("~/generated/prisma/client").PrismaClient;
  };
  return new module.PrismaClient({ adapter: createAdapter(url) });
}

/**
 * A fresh, migrated database for one benchmark run and a client on it:
 * SQLite in `scratchDir`, or a scratch database on the benchmark's PostgreSQL
 * server (started on first use into `server`, so the benchmark's signal
 * handler can stop it). `drop()` removes it.
 */
export async function openScratchDatabase(
  db: "sqlite" | "postgres",
  scratchDir: string,
  server: { current: import("./common").Postgres | null },
  name: string,
  say: (message: string) => void,
) {
  const { applyMigrations } = await import("../scripts/prisma.mjs");
  const { createScratchDatabase } = await import("../scripts/pg-migrate.mjs");
  const { dialectOf } = await import("~/db/adapter.server");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  let url: string;
  let drop: () => Promise<void>;
  if (db === "sqlite") {
    const dir = mkdtempSync(path.join(scratchDir, "sqlite-"));
    url = `file:${path.join(dir, "bench.db")}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    // Its own folder under /tmp, not the 0700 scratch folder: the cluster runs as the postgres OS user when we are root.
    const { postgresServer } = await import("./common");
    server.current ??= postgresServer(path.join(os.tmpdir(), `evergreen-${name}-pg`), say);
    if (!server.current) throw new Error("no PostgreSQL server");
    const scratch = await createScratchDatabase(server.current.url, { prefix: name.replace(/[^a-z]/g, "") });
    url = scratch.url;
    drop = () => scratch.drop();
  }
  await applyMigrations(url);
  const prisma = await openBenchClient(url, { provider: db === "sqlite" ? "sqlite" : "postgresql", log: say });
  return { url, prisma, dialect: dialectOf(url), drop };
}
