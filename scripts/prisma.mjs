#!/usr/bin/env node
// Prisma tasks for Evergreen's two databases (SQLite locally, PostgreSQL in CI
// and production). Prisma 6.19 runs with the JS engine and driver adapters, so
// a few of its commands don't work for us offline or on Postgres; this script
// fills those gaps. See docs/decisions/0002-prisma-js-engine.md.
//
//   node scripts/prisma.mjs gen-pg-schema [--check]   prisma/postgres/schema.prisma from prisma/schema.prisma
//   node scripts/prisma.mjs generate [--check] [--force]
//                                                     the client for DATABASE_URL's provider (sqlite by default);
//                                                     --check: first fail if the Postgres schema is out of step
//   node scripts/prisma.mjs migrate                   apply committed migrations to DATABASE_URL
//   node scripts/prisma.mjs new-migration <name> [--from <rev>]
//                                                     a migration for both providers: the schema at git HEAD (or rev) -> the current one
//   node scripts/prisma.mjs check-migrations          the migrations of both providers reproduce the schema
//   node scripts/prisma.mjs status                    `prisma migrate status` for DATABASE_URL
import { spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  applyPostgresMigrations,
  createScratchDatabase,
  executeScript,
  readMigrations,
  schemaFingerprint,
} from "./pg-migrate.mjs";

export { readMigrations };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SQLITE = {
  provider: "sqlite",
  schema: path.join(ROOT, "prisma", "schema.prisma"),
  migrations: path.join(ROOT, "prisma", "migrations"),
};
export const POSTGRES = {
  provider: "postgresql",
  schema: path.join(ROOT, "prisma", "postgres", "schema.prisma"),
  migrations: path.join(ROOT, "prisma", "postgres", "migrations"),
};
const PRISMA_BIN = path.join(ROOT, "node_modules", ".bin", "prisma");
const DEFAULT_SQLITE_URL = "file:./prisma/dev.db";
const SCRATCH_SQLITE_URL = "file::memory:";
const PG_PLACEHOLDER_URL = "postgresql://evergreen@localhost:5432/evergreen";

export function isPostgresUrl(url) {
  return /^postgres(ql)?:\/\//.test(url ?? "");
}

export function databaseUrl(env = process.env) {
  return env.DATABASE_URL || DEFAULT_SQLITE_URL;
}

export function targetFor(url) {
  return isPostgresUrl(url) ? POSTGRES : SQLITE;
}

// ---------------------------------------------------------------------------
// Postgres schema: a text transform of the SQLite one.

/**
 * The Postgres schema for a SQLite schema's text: same generator and models;
 * the datasource becomes postgresql with a literal placeholder url (as the SQLite
 * schema has: every connection goes through prisma.config.ts's driver adapter,
 * which reads DATABASE_URL; an unresolved env("DATABASE_URL") would make
 * generate/validate try to download a query engine); the generator's relative
 * output is re-pointed from prisma/postgres/.
 */
export function pgSchemaFrom(sqliteText) {
  const header = [
    "// GENERATED from prisma/schema.prisma by `node scripts/prisma.mjs gen-pg-schema`. Do not edit:",
    "// change prisma/schema.prisma and run that command (CI runs it with --check).",
    "",
    "",
  ].join("\n");
  let text = sqliteText.replace(/^(\s*\/\/[^\n]*\n)+\n?/, ""); // the source's header comment
  let sawDatasource = false;
  text = text.replace(/datasource\s+(\w+)\s*\{[^}]*\}/, (_block, name) => {
    sawDatasource = true;
    return `datasource ${name} {\n  provider = "postgresql"\n  url      = "${PG_PLACEHOLDER_URL}" // not used: prisma.config.ts connects to DATABASE_URL\n}`;
  });
  if (!sawDatasource) throw new Error("prisma/schema.prisma has no datasource block");
  text = text.replace(/(generator\s+\w+\s*\{[^}]*?output\s*=\s*")([^"]+)(")/, (_m, pre, out, post) => {
    if (path.isAbsolute(out)) return pre + out + post;
    const abs = path.resolve(path.dirname(SQLITE.schema), out);
    return pre + path.relative(path.dirname(POSTGRES.schema), abs).split(path.sep).join("/") + post;
  });
  return header + text;
}

/** Whether the committed prisma/postgres/schema.prisma is what gen-pg-schema would write. */
export function pgSchemaInStep() {
  const want = pgSchemaFrom(readFileSync(SQLITE.schema, "utf8"));
  const have = existsSync(POSTGRES.schema) ? readFileSync(POSTGRES.schema, "utf8") : null;
  return { inStep: have === want, want };
}

function genPgSchema({ check }) {
  const { inStep, want } = pgSchemaInStep();
  const rel = path.relative(ROOT, POSTGRES.schema);
  if (check) {
    if (!inStep) fail(`${rel} is out of step with prisma/schema.prisma: run \`node scripts/prisma.mjs gen-pg-schema\` and commit it.`);
    log(`${rel} is in step with prisma/schema.prisma`);
    return;
  }
  if (inStep) return log(`${rel} is up to date`);
  mkdirSync(path.dirname(POSTGRES.schema), { recursive: true });
  writeFileSync(POSTGRES.schema, want);
  log(`wrote ${rel}`);
}

// ---------------------------------------------------------------------------
// Running the prisma CLI

/**
 * Runs the prisma CLI with DATABASE_URL = `url` (prisma.config.ts builds its
 * driver adapter from it and picks the Postgres schema for a Postgres URL).
 * Commands that only read schema files get an in-memory SQLite adapter: the CLI
 * opens the adapter even for `migrate diff --from-empty`, and a Postgres one
 * would need a server (the diff is still rendered for the schemas' provider).
 */
export function runPrisma(args, { url = SCRATCH_SQLITE_URL, capture = false, allowFail = false } = {}) {
  const env = {
    ...process.env,
    DATABASE_URL: url,
    DATABASE_PROVIDER: isPostgresUrl(url) ? "postgresql" : "sqlite",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
  const r = spawnSync(PRISMA_BIN, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFail) {
    throw new Error(`prisma ${args.join(" ")} exited ${r.status}${capture ? `:\n${r.stderr}${r.stdout}` : ""}`);
  }
  return r;
}

const GENERATED_DIR = path.join(ROOT, "app", "generated", "prisma");
const GENERATED_STAMP = path.join(GENERATED_DIR, ".evergreen-stamp");

/**
 * Generates the Prisma client (app/generated/prisma) for the provider of
 * `url`. Skipped when the client there was generated from the same schema
 * text, provider and Prisma version (a stamp file), unless `force`.
 * Returns whether it ran.
 */
export function generateClient({ url = databaseUrl(), force = false, check = false } = {}) {
  if (check) genPgSchema({ check: true });
  const target = targetFor(url);
  if (target === POSTGRES && !existsSync(POSTGRES.schema)) genPgSchema({ check: false });
  const prismaVersion = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "prisma", "package.json"), "utf8")).version;
  const stamp = createHash("sha256")
    .update(`${target.provider}\n${prismaVersion}\n`)
    .update(readFileSync(target.schema))
    .digest("hex");
  const current = existsSync(path.join(GENERATED_DIR, "client.ts")) && existsSync(GENERATED_STAMP) && readFileSync(GENERATED_STAMP, "utf8") === stamp;
  if (current && !force) {
    log(`the Prisma client for ${target.provider} is up to date`);
    return false;
  }
  runPrisma(["generate", "--schema", target.schema], { capture: true });
  writeFileSync(GENERATED_STAMP, stamp);
  log(`generated the Prisma client for ${target.provider} (app/generated/prisma)`);
  return true;
}

// ---------------------------------------------------------------------------
// Migrations

function timestamp(date = new Date()) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

function gitShow(spec) {
  const r = spawnSync("git", ["show", spec], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : null;
}

/**
 * Writes `<timestamp>_<name>/migration.sql` for both providers: the SQL from
 * the schema at git `fromRev` (HEAD: the last committed schema) to the current
 * one; the first migration of a folder is from an empty database.
 */
async function newMigration(name, fromRev = "HEAD") {
  if (!name || !/^[a-z0-9_]+$/i.test(name)) {
    fail("usage: node scripts/prisma.mjs new-migration <name> [--from <git rev>]  (name: letters, digits, _)");
  }
  genPgSchema({ check: false });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "evergreen-migration-"));
  let made = 0;
  try {
    const ts = timestamp();
    const previousSqlite = gitShow(`${fromRev}:prisma/schema.prisma`);
    for (const target of [SQLITE, POSTGRES]) {
      const hasMigrations = readMigrations(target.migrations).length > 0;
      // From the schema at fromRev when there are migrations already; from nothing for the first one.
      let from = ["--from-empty"];
      if (hasMigrations) {
        if (previousSqlite == null) throw new Error(`no prisma/schema.prisma at git ${fromRev} to diff from`);
        const prev = path.join(tmp, `${target.provider}.prisma`);
        writeFileSync(prev, target === SQLITE ? previousSqlite : pgSchemaFrom(previousSqlite));
        from = ["--from-schema-datamodel", prev];
      }
      const r = runPrisma(["migrate", "diff", ...from, "--to-schema-datamodel", target.schema, "--script"], { capture: true });
      const sql = r.stdout;
      if (!/\S/.test(sql.replace(/^--.*$/gm, ""))) {
        log(`${target.provider}: no change from the schema at git ${fromRev}`);
        continue;
      }
      const dir = path.join(target.migrations, `${ts}_${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "migration.sql"), sql);
      const lock = path.join(target.migrations, "migration_lock.toml");
      if (!existsSync(lock)) {
        writeFileSync(
          lock,
          `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${target.provider}"\n`,
        );
      }
      log(`wrote ${path.relative(ROOT, dir)}/migration.sql`);
      made++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // HEAD's schema is only right as the starting point when the committed
  // migrations built it: check that all of them now build the current schema.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "evergreen-migcheck-"));
  try {
    const drift = await sqliteMigrationDrift("file:" + path.join(scratch, "check.db"));
    if (drift) {
      fail(
        `the migrations (with the new one) still do not build prisma/schema.prisma; the SQL still needed:\n${drift}\n` +
          "Was the schema at git " + fromRev + " not what the earlier migrations built? Delete the new folders and retry with --from <rev>.",
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (made > 0) log("review the SQL (data moves, defaults for new NOT NULL columns), then commit both folders with the schema");
}

// ---------------------------------------------------------------------------
// Applying migrations

/**
 * Applies the committed migrations to a database, recording each in Prisma's
 * `_prisma_migrations` table so `prisma migrate status`/`deploy` agree.
 * PostgreSQL: scripts/pg-migrate.mjs (`prisma migrate deploy` fails through
 * @prisma/adapter-pg 6.19). SQLite: through libsql directly, the fast path for
 * per-test databases (the CLI's `migrate deploy` does the same in ~1.5 s).
 * Returns the names applied now.
 */
export async function applyMigrations(url, { quiet = true } = {}) {
  const say = quiet ? () => {} : log;
  return isPostgresUrl(url) ? applyPostgresMigrations(url, { log: say, warn }) : applySqliteMigrations(url, { log: say });
}

// The same table as Prisma's schema engine creates on SQLite.
const MIGRATIONS_TABLE_SQLITE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** Prisma's own timestamp format in `_prisma_migrations` on SQLite (RFC 3339). */
function rfc3339(date) {
  return date.toISOString().replace("Z", "+00:00");
}

/**
 * Applies prisma/migrations to a SQLite database through libsql, each
 * migration and its `_prisma_migrations` row in one transaction; returns the
 * names applied now.
 */
export async function applySqliteMigrations(url, { dir = SQLITE.migrations, log: say = () => {} } = {}) {
  const { createClient } = await import("@libsql/client");
  const client = createClient({ url: sqliteUrlFromRoot(url) });
  const applied = [];
  try {
    await client.execute("PRAGMA busy_timeout = 5000");
    await client.execute(MIGRATIONS_TABLE_SQLITE);
    const { rows } = await client.execute(
      `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const unfinished = rows.filter((r) => r.finished_at == null && r.rolled_back_at == null);
    if (unfinished.length > 0) throw new Error(`migration(s) ${unfinished.map((r) => r.migration_name).join(", ")} never finished`);
    const done = new Set(rows.filter((r) => r.finished_at != null).map((r) => r.migration_name));
    for (const m of readMigrations(dir)) {
      if (done.has(m.name)) continue;
      const startedAt = rfc3339(new Date());
      // SQLite's procedure for schema changes (sqlite.org/lang_altertable.html):
      // foreign keys off *before* the transaction (inside one the migration's own
      // PRAGMA is a no-op, and redefining a parent table with DROP TABLE would
      // cascade-delete its children), the statements, a foreign_key_check, commit.
      await client.execute("PRAGMA foreign_keys = OFF");
      const tx = await client.transaction("write");
      try {
        await tx.executeMultiple(m.sql);
        const violations = await tx.execute("PRAGMA foreign_key_check");
        if (violations.rows.length > 0) {
          throw new Error(`leaves ${violations.rows.length} foreign key violation(s), e.g. ${JSON.stringify(violations.rows[0])}`);
        }
        await tx.execute({
          sql: `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)`,
          args: [randomUUID(), m.checksum, m.name, startedAt, rfc3339(new Date())],
        });
        await tx.commit();
      } catch (e) {
        await tx.rollback().catch(() => {});
        throw new Error(`migration ${m.name} failed and was rolled back: ${e instanceof Error ? e.message : e}`, { cause: e });
      } finally {
        tx.close();
      }
      applied.push(m.name);
      say(`applied ${m.name}`);
    }
  } finally {
    client.close();
  }
  return applied;
}

/** libsql resolves `file:` URLs against the process's cwd; Prisma's CLI against the repo root here. */
function sqliteUrlFromRoot(url) {
  if (!url.startsWith("file:")) return url;
  const rest = url.slice("file:".length);
  if (rest.startsWith("/") || rest === ":memory:") return url;
  return "file:" + path.resolve(ROOT, rest);
}

async function migrate() {
  const url = databaseUrl();
  if (isPostgresUrl(url)) {
    const applied = await applyPostgresMigrations(url, { log, warn });
    log(applied.length ? `postgresql: applied ${applied.length} migration(s)` : "postgresql: database is up to date");
    return;
  }
  // SQLite: Prisma's own deploy works here.
  runPrisma(["migrate", "deploy", "--schema", SQLITE.schema], { url, capture: true });
  log(`sqlite: migrations deployed to ${url}`);
}

// ---------------------------------------------------------------------------
// Migrations reproduce the schema

/**
 * What a SQLite database built by the committed migrations lacks or has beyond
 * the schema, as the SQL that would fix it: '' when they agree. The
 * migrations are applied to a scratch file, which is introspected
 * (`db pull --print`) and diffed against the schema. (In Prisma 6.19 with an
 * adapter, `migrate diff --from-migrations` runs only each migration's first
 * statement through libsql, and `--from-url` is refused.)
 */
export async function sqliteMigrationDrift(scratchUrl) {
  await applySqliteMigrations(scratchUrl);
  const tmp = mkdtempSync(path.join(os.tmpdir(), "evergreen-migcheck-"));
  try {
    const pulled = runPrisma(["db", "pull", "--print", "--schema", SQLITE.schema], { url: scratchUrl, capture: true });
    // The CLI prints a warning about the schema's (unused) url before the schema on stdout.
    const start = pulled.stdout.search(/^(generator|datasource)\s/m);
    if (start < 0) throw new Error(`prisma db pull --print printed no schema:\n${pulled.stdout}`);
    const pulledSchema = path.join(tmp, "pulled.prisma");
    writeFileSync(pulledSchema, pulled.stdout.slice(start));
    const r = runPrisma(
      ["migrate", "diff", "--from-schema-datamodel", pulledSchema, "--to-schema-datamodel", SQLITE.schema, "--script", "--exit-code"],
      { capture: true, allowFail: true },
    );
    if (r.status === 0) return "";
    if (r.status === 2) return r.stdout;
    throw new Error(`prisma migrate diff failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The same for PostgreSQL, where introspection through @prisma/adapter-pg
 * fails in 6.19: one scratch database gets the migrations, another the
 * schema's from-empty SQL, and their catalogs are compared. Returns the lines
 * that differ ('-' only in the migrated one, '+' only in the schema's), '' when none.
 */
export async function postgresMigrationDrift(serverUrl) {
  const fromEmpty = runPrisma(["migrate", "diff", "--from-empty", "--to-schema-datamodel", POSTGRES.schema, "--script"], {
    capture: true,
  }).stdout;
  const migrated = await createScratchDatabase(serverUrl, { prefix: "migcheck" });
  const expected = await createScratchDatabase(serverUrl, { prefix: "migcheck" });
  try {
    await applyPostgresMigrations(migrated.url);
    await executeScript(expected.url, fromEmpty);
    const have = await schemaFingerprint(migrated.url);
    const want = await schemaFingerprint(expected.url);
    const haveSet = new Set(have);
    const wantSet = new Set(want);
    return [...have.filter((l) => !wantSet.has(l)).map((l) => `- ${l}`), ...want.filter((l) => !haveSet.has(l)).map((l) => `+ ${l}`)].join("\n");
  } finally {
    await migrated.drop();
    await expected.drop();
  }
}

/**
 * Checks that each provider's migrations reproduce its schema; returns the
 * problems found. Postgres is checked only given a server (`pgUrl`): a scratch
 * database is created on it and dropped.
 */
export async function checkMigrations({ pgUrl } = {}) {
  const problems = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), "evergreen-migcheck-"));
  try {
    const drift = await sqliteMigrationDrift("file:" + path.join(tmp, "check.db"));
    if (drift) problems.push(`sqlite: prisma/migrations do not build prisma/schema.prisma; the SQL still needed:\n${drift}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (pgUrl) {
    const drift = await postgresMigrationDrift(pgUrl);
    if (drift) problems.push(`postgresql: prisma/postgres/migrations do not build prisma/postgres/schema.prisma:\n${drift}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------

function log(msg) {
  process.stdout.write(`[prisma] ${msg}\n`);
}
function warn(msg) {
  process.stderr.write(`[prisma] warning: ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`[prisma] ${msg}\n`);
  process.exit(1);
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const check = rest.includes("--check");
  switch (cmd) {
    case "gen-pg-schema":
      return genPgSchema({ check });
    case "generate":
      generateClient({ check, force: rest.includes("--force") });
      return;
    case "migrate":
      return migrate();
    case "new-migration": {
      const fromAt = rest.indexOf("--from");
      const from = fromAt >= 0 ? rest[fromAt + 1] : "HEAD";
      return newMigration(rest.find((a, i) => !a.startsWith("-") && (fromAt < 0 || i !== fromAt + 1)), from);
    }
    case "check-migrations": {
      const url = databaseUrl();
      const problems = await checkMigrations({ pgUrl: isPostgresUrl(url) ? url : undefined });
      if (problems.length) fail(problems.join("\n"));
      log(`migrations reproduce the schema (sqlite${isPostgresUrl(url) ? " and postgresql" : ""})`);
      return;
    }
    case "status": {
      const url = databaseUrl();
      runPrisma(["migrate", "status", "--schema", targetFor(url).schema], { url });
      return;
    }
    default:
      fail(`unknown command ${cmd ?? "(none)"}; see the top of scripts/prisma.mjs`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`[prisma] ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  });
}
