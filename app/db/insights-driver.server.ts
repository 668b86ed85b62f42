/**
 * The database driver under a Prisma client, for the intelligence layer's bulk
 * reads and writes (a full pass reads every customer and order of a shop and
 * may write a row per customer).
 *
 * Why not Prisma: its raw-query path (query compiler, parameter and row
 * conversion) was 33–47% of the CPU of such passes (README, Benchmarks), and
 * libsql's client builds an object per row with a property per column. Here
 * SQLite is read and written through libsql's native statements (rows as
 * arrays, streamed) and PostgreSQL through a small `pg` pool (rows as arrays,
 * large reads through a cursor). Same database, same SQL as the repositories,
 * a connection of its own.
 *
 * The driver is found from the Prisma client's driver adapter (the SQLite file
 * through `PRAGMA database_list`, the PostgreSQL connection from the adapter's
 * config). When it cannot be (an in-memory database, another client), the
 * same interface runs on Prisma's raw queries: slower, same results.
 */
import Database from "libsql";
import pg from "pg";
import type { PrismaClient } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import type { SqlDialect } from "./adapter.server";
import type { RawSqlClient } from "./sync-repository.server";

/** A value as the repositories pass it; each driver converts Dates and BigInts its own way. */
export type SqlValue = string | number | bigint | boolean | Date | null;

/** Statements on one connection (inside a transaction when given to `transaction`'s callback). */
export interface SqlSession {
  /** Streams the rows of a query as arrays, in column order. */
  each(sql: string, params: readonly SqlValue[], onRow: (row: unknown[]) => void): Promise<void>;
  all(sql: string, params: readonly SqlValue[]): Promise<unknown[][]>;
  /** Runs a statement; returns the rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
}

export interface InsightsDriver extends SqlSession {
  readonly dialect: SqlDialect;
  /** "libsql" and "pg" talk to the driver; "prisma" is the fallback through Prisma's raw queries. */
  readonly kind: "libsql" | "pg" | "prisma";
  /** Runs `fn` in one transaction (SQLite: BEGIN IMMEDIATE, so the write lock is held from the start). */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** What the driver is found from: a Prisma client (or anything with raw queries and `$transaction`). */
export type DriverSource = RawSqlClient & Pick<PrismaClient, "$transaction">;

const drivers = new WeakMap<object, Promise<InsightsDriver>>();

/**
 * The driver for a Prisma client, opened once per client and reused.
 *
 * @example
 * const driver = await insightsDriver(prisma, "sqlite");
 * await driver.each(`SELECT "customerGid" FROM "Customer"`, [], (row) => console.log(row[0]));
 */
export function insightsDriver(db: DriverSource, dialect: SqlDialect): Promise<InsightsDriver> {
  let driver = drivers.get(db);
  if (!driver) {
    driver = openDriver(db, dialect).catch((error: unknown) => {
      // Same results, several times slower: say so, or a broken driver goes unseen.
      logger.warn("insights driver unavailable: bulk queries go through Prisma", {
        dialect, error: error instanceof Error ? error.message : String(error),
      });
      return prismaDriver(db, dialect);
    });
    drivers.set(db, driver);
  }
  return driver;
}

async function openDriver(db: DriverSource, dialect: SqlDialect): Promise<InsightsDriver> {
  // Prisma keeps the adapter factory it was given here (not a public API: hence the fallback).
  const factory = (db as unknown as { _engineConfig?: { adapter?: { config?: pg.PoolConfig; externalPool?: pg.Pool | null } } })._engineConfig?.adapter;
  if (!factory) return prismaDriver(db, dialect);
  if (dialect === "postgresql") {
    const pool = factory.externalPool ?? (factory.config ? new pg.Pool({ ...factory.config, max: 2, idleTimeoutMillis: 5_000, allowExitOnIdle: true }) : null);
    if (!pool) return prismaDriver(db, dialect);
    // An idle connection the server ends (a dropped test database) must not crash the process.
    pool.on("error", () => {});
    return pgDriver(pool);
  }
  const files = await db.$queryRawUnsafe<{ name: string; file: string }[]>("PRAGMA database_list");
  const file = files.find((f) => f.name === "main")?.file;
  if (!file) return prismaDriver(db, dialect); // in-memory: a second connection would be another database
  return libsqlDriver(new Database(file));
}

// ---------------------------------------------------------------- SQLite (libsql native)

const sqliteValue = (v: SqlValue): unknown =>
  v instanceof Date ? v.toISOString().replace("Z", "+00:00") : typeof v === "boolean" ? (v ? 1 : 0) : v; // Prisma's DateTime text

function libsqlDriver(conn: Database.Database): InsightsDriver {
  // As db.server.ts's connection settings, plus a larger page cache for whole-shop scans.
  // all(), not run() or exec(): a PRAGMA that answers a row (busy_timeout does) makes libsql throw
  // "Execute returned rows", which once sent every SQLite pass down the Prisma fallback unnoticed.
  for (const pragma of ["PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -65536"]) {
    conn.prepare(pragma).all();
  }
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = conn.prepare(sql);
      if (statements.size > 64) statements.clear();
      statements.set(sql, s);
    }
    return s;
  };
  // One array argument: libsql binds it positionally (a lone object argument would bind by name).
  const session: SqlSession = {
    async each(sql, params, onRow) {
      for (const row of prepare(sql).raw(true).iterate(params.map(sqliteValue))) onRow(row as unknown[]);
    },
    async all(sql, params) {
      return prepare(sql).raw(true).all(params.map(sqliteValue)) as unknown[][];
    },
    async run(sql, params) {
      return prepare(sql).run(params.map(sqliteValue)).changes;
    },
  };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    dialect: "sqlite",
    kind: "libsql",
    ...session,
    transaction(fn) {
      // One connection: transactions of this process wait for each other.
      const result = queue.then(async () => {
        conn.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(session);
          conn.exec("COMMIT");
          return value;
        } catch (error) {
          if (conn.inTransaction) conn.exec("ROLLBACK");
          throw error;
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL (pg)

const pgValue = (v: SqlValue): unknown => (v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : v);
const CURSOR_ROWS = 20_000;

function pgSession(client: pg.PoolClient, inTransaction: boolean): SqlSession {
  let cursors = 0;
  return {
    async each(sql, params, onRow) {
      if (!inTransaction) {
        const { rows } = await client.query({ text: sql, values: params.map(pgValue), rowMode: "array" });
        for (const row of rows) onRow(row as unknown[]);
        return;
      }
      // Large reads through a cursor, so memory holds a batch of rows, not the result.
      const name = `insights_cursor_${++cursors}`;
      await client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values: params.map(pgValue) });
      for (;;) {
        const { rows } = await client.query({ text: `FETCH ${CURSOR_ROWS} FROM ${name}`, rowMode: "array" });
        for (const row of rows) onRow(row as unknown[]);
        if (rows.length < CURSOR_ROWS) break;
      }
      await client.query(`CLOSE ${name}`);
    },
    async all(sql, params) {
      return (await client.query({ text: sql, values: params.map(pgValue), rowMode: "array" })).rows as unknown[][];
    },
    async run(sql, params) {
      return (await client.query({ text: sql, values: params.map(pgValue) })).rowCount ?? 0;
    },
  };
}

function pgDriver(pool: pg.Pool): InsightsDriver {
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    // A checked-out client emits 'error' when the server goes away (PostgreSQL killed, failover):
    // unheard, Node ends the process. Its query rejects anyway; the client is discarded below.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      return await fn(client);
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  };
  return {
    dialect: "postgresql",
    kind: "pg",
    each: (sql, params, onRow) => withClient((c) => pgSession(c, false).each(sql, params, onRow)),
    all: (sql, params) => withClient((c) => pgSession(c, false).all(sql, params)),
    run: (sql, params) => withClient((c) => pgSession(c, false).run(sql, params)),
    transaction: (fn) =>
      withClient(async (client) => {
        await client.query("BEGIN");
        try {
          const value = await fn(pgSession(client, true));
          await client.query("COMMIT");
          return value;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }),
  };
}

// ---------------------------------------------------------------- fallback: Prisma raw queries

function prismaSession(db: RawSqlClient): SqlSession {
  const all = async (sql: string, params: readonly SqlValue[]) =>
    (await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params)).map((row) => Object.values(row));
  return {
    all,
    async each(sql, params, onRow) {
      for (const row of await all(sql, params)) onRow(row);
    },
    run: (sql, params) => db.$executeRawUnsafe(sql, ...params),
  };
}

function prismaDriver(db: DriverSource, dialect: SqlDialect): InsightsDriver {
  return {
    dialect,
    kind: "prisma",
    ...prismaSession(db),
    async transaction(fn) {
      // A large shop's write is one long transaction by design (readers never see half a pass).
      return db.$transaction((tx) => fn(prismaSession(tx)), { timeout: 30 * 60_000, maxWait: 60_000 });
    },
  };
}
