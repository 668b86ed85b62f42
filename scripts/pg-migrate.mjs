// Applies Prisma migrations to PostgreSQL without Prisma's schema engine.
//
// Why: with Prisma 6.19's JS engine, `prisma migrate deploy` through
// @prisma/adapter-pg fails ("Column type 'name' could not be deserialized").
// This does what deploy does, in the same bookkeeping table, so `prisma migrate
// status` (and a later `migrate deploy`, once Prisma fixes the bug) agree with
// it: each migration's SQL in its own transaction, under one advisory lock so
// concurrent starters apply it once, recorded in `_prisma_migrations` with the
// sha256 of the migration file as its checksum. See docs/decisions/0002-prisma-js-engine.md.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PG_MIGRATIONS_DIR = path.join(ROOT, "prisma", "postgres", "migrations");

/** One key for every Evergreen migrator ("EVGR"), so app instances starting together apply each migration once. */
export const ADVISORY_LOCK_KEY = 0x45564752;

// The table as Prisma's schema engine creates it on PostgreSQL.
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The committed migrations of a folder, oldest first: [{ name, file, sql, checksum }]. */
export function readMigrations(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      const buf = readFileSync(file);
      return { name, file, sql: buf.toString("utf8"), checksum: createHash("sha256").update(buf).digest("hex") };
    });
}

/**
 * Applies the migrations in `dir` that `url`'s database has not recorded yet.
 * Fails, changing nothing, when an earlier migration was left half-applied.
 * Returns the names applied now. `log` receives one line per migration.
 */
export async function applyPostgresMigrations(url, { dir = PG_MIGRATIONS_DIR, log = () => {}, warn = log } = {}) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied = [];
  try {
    await client.query("SET client_min_messages = warning");
    await client.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
    try {
      await client.query(MIGRATIONS_TABLE);
      const { rows } = await client.query(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
      );
      const unfinished = rows.filter((r) => r.finished_at == null && r.rolled_back_at == null);
      if (unfinished.length > 0) {
        throw new Error(
          `migration(s) ${unfinished.map((r) => r.migration_name).join(", ")} started but never finished: ` +
            "repair the database, then mark them with `prisma migrate resolve`",
        );
      }
      const done = new Map(rows.filter((r) => r.finished_at != null).map((r) => [r.migration_name, r.checksum]));
      for (const m of readMigrations(dir)) {
        if (done.has(m.name)) {
          if (done.get(m.name) !== m.checksum) warn(`migration ${m.name} was edited after it was applied`);
          continue;
        }
        const id = randomUUID();
        await client.query("BEGIN");
        try {
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
             VALUES ($1, $2, $3, clock_timestamp(), 0)`,
            [id, m.checksum, m.name],
          );
          await client.query(m.sql); // simple query protocol: the whole file, several statements
          await client.query(
            `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
            [id],
          );
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          throw new Error(`migration ${m.name} failed and was rolled back: ${e.message}`, { cause: e });
        }
        applied.push(m.name);
        log(`applied ${m.name}`);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
  return applied;
}

/** `url` with its database name replaced. */
export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}

/**
 * Creates an empty database named `prefix_<random>` on `url`'s server (the
 * connecting role needs CREATEDB) and returns its URL and a `drop()`.
 */
export async function createScratchDatabase(url, { prefix = "scratch" } = {}) {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(url, name),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A PostgreSQL database's schema as sorted text lines: columns (type,
 * nullability, default), indexes and constraints of the tables in `public`,
 * less `_prisma_migrations`. Column order is left out, as Prisma's own diff
 * does (a column added by a later migration comes last). Two databases with
 * the same fingerprint have the same schema for Prisma's purposes.
 */
export async function schemaFingerprint(url, { schema = "public" } = {}) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const skip = "_prisma_migrations";
    const columns = await client.query(
      `SELECT c.relname AS t, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
              pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = $1
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> $2`,
      [schema, skip],
    );
    const indexes = await client.query(
      `SELECT tablename AS t, indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename <> $2`,
      [schema, skip],
    );
    const constraints = await client.query(
      `SELECT c.relname AS t, k.conname AS name, pg_get_constraintdef(k.oid) AS def
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = $1
        WHERE c.relname <> $2`,
      [schema, skip],
    );
    const enums = await client.query(
      `SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = $1
        GROUP BY t.typname`,
      [schema],
    );
    return [
      ...columns.rows.map((r) => `column ${r.t}.${r.col} ${r.type}${r.notnull ? " NOT NULL" : ""}${r.def ? ` DEFAULT ${r.def}` : ""}`),
      ...indexes.rows.map((r) => `index ${r.t}: ${r.def}`),
      ...constraints.rows.map((r) => `constraint ${r.t}.${r.name}: ${r.def}`),
      ...enums.rows.map((r) => `enum ${r.name}: ${r.labels}`),
    ].sort();
  } finally {
    await client.end();
  }
}

/** Runs a SQL script (several statements) against `url` in one transaction. */
export async function executeScript(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET client_min_messages = warning");
    await client.query("BEGIN");
    await client.query(sql);
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}
