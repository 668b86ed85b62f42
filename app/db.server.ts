/**
 * The app's Prisma client: one per process, over the driver adapter for
 * DATABASE_URL (SQLite through libsql by default, PostgreSQL through `pg`).
 * Prisma runs with its JS engine; see docs/decisions/0002-prisma-js-engine.md.
 */
import type { Client as LibsqlClient, TransactionMode } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { createDriverAdapter, databaseUrl, dialectOf, type SqlDialect } from "./db/adapter.server";
import { retryingBusySnapshot } from "./db/busy-snapshot.server";
import { PrismaClient } from "./generated/prisma/client";

export type { PrismaClient };

/**
 * Per-connection SQLite settings. foreign_keys is already ON in libsql's
 * build, set here so it never depends on that; busy_timeout makes a writer
 * wait for another process's write (the CLI, a sync script) instead of
 * failing at once with SQLITE_BUSY; synchronous=NORMAL is safe with WAL and
 * much faster for sync's batched writes.
 */
export const SQLITE_CONNECTION_PRAGMAS = ["PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL"];

/**
 * Sets the pragmas on every connection a libsql client opens. libsql's client
 * hands its connection to each interactive transaction and lazily opens a new
 * one for what follows (`prisma.$transaction(async tx => …)`), and that one
 * starts with SQLite's defaults (busy_timeout 0): so setting them once on
 * connect, as `$executeRaw` after `new PrismaClient` would, does not last.
 * WAL is a property of the file: set once, it holds for every connection.
 */
function withSqlitePragmas(client: LibsqlClient, url: string): LibsqlClient {
  const inMemory = url.includes(":memory:");
  // libsql's local client runs each statement synchronously inside execute(),
  // so these are in place before the first query Prisma sends.
  const configure = (first: boolean) =>
    Promise.all([...(first && !inMemory ? ["PRAGMA journal_mode = WAL"] : []), ...SQLITE_CONNECTION_PRAGMAS].map((sql) => client.execute(sql)));
  void configure(true);
  const transaction = client.transaction.bind(client);
  client.transaction = async (mode?: TransactionMode) => {
    const tx = await transaction(mode);
    await configure(false); // opens and sets up the connection the client uses next
    return tx;
  };
  return client;
}

/** The driver adapter for `url`, with our SQLite connection settings. */
export function createAdapter(url: string) {
  const adapter = createDriverAdapter(url);
  if (adapter instanceof PrismaLibSQL) {
    const createClient = adapter.createClient.bind(adapter);
    adapter.createClient = (config) => withSqlitePragmas(createClient(config), url);
  }
  return adapter;
}

/**
 * A new Prisma client for a database URL (tests, scripts). It connects on
 * first use; call `$disconnect()` when done.
 *
 * @example
 * const db = createPrismaClient("file:/tmp/evergreen-test.db");
 * await db.shop.findMany();
 * await db.$disconnect();
 */
export function createPrismaClient(url: string): PrismaClient {
  const client = new PrismaClient({ adapter: createAdapter(url) });
  return dialectOf(url) === "sqlite" ? retryingStaleSnapshots(client) : client;
}

/**
 * SQLite: an interactive transaction (`$transaction(async tx => …)`) that
 * reads before it writes is refused at its first write, whole, when another
 * connection committed in between (SQLITE_BUSY_SNAPSHOT: the intelligence
 * driver's connection, another process). Such a transaction is run again.
 * Not BEGIN IMMEDIATE instead: libsql waits for a lock synchronously, so a
 * transaction holding the write lock across awaits stalls the process's
 * other connection (and with it the event loop) until busy_timeout.
 * A transaction callback must not call out (Shopify, HTTP) before it writes.
 */
function retryingStaleSnapshots(client: PrismaClient): PrismaClient {
  const transaction = client.$transaction.bind(client) as (...args: unknown[]) => Promise<unknown>;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "$transaction") return Reflect.get(target, property, receiver);
      return (arg: unknown, options?: unknown) =>
        typeof arg === "function" ? retryingBusySnapshot(() => transaction(arg, options)) : transaction(arg, options);
    },
  });
}

/** The SQL dialect of the app's database, for the few raw queries that differ. */
export function appDatabaseDialect(): SqlDialect {
  return dialectOf(databaseUrl());
}

declare global {
  // Survives Remix/Vite's module reloads in development, so each edit does not open another pool.
  var __evergreenPrisma: PrismaClient | undefined;
}

function appClient(): PrismaClient {
  if (process.env.NODE_ENV === "development") return (globalThis.__evergreenPrisma ??= createPrismaClient(databaseUrl()));
  return (moduleClient ??= createPrismaClient(databaseUrl()));
}
let moduleClient: PrismaClient | undefined;

/**
 * The app's client, for DATABASE_URL. Created on first use rather than at
 * import, so scripts and tests can set DATABASE_URL before anything connects.
 */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = appClient();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
