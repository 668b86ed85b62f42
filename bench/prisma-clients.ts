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
