/**
 * A fresh, migrated database for one test file.
 *
 * SQLite (the default): a new file in a temp folder, the committed migrations
 * applied through libsql directly (a few milliseconds; spawning the Prisma CLI
 * costs about 1.5 s a file). PostgreSQL, when TEST_DATABASE_URL or
 * DATABASE_URL is a postgres:// URL: a new database `test_<random>` created
 * through that URL's server (its role needs CREATEDB), migrated with our
 * applier, dropped on cleanup. The generated Prisma client must be for the same
 * provider (`npm test` generates it; see scripts/test.mjs).
 *
 * @example
 * let db: TestDatabase;
 * beforeAll(async () => { db = await createTestDatabase(); });
 * afterAll(() => db.cleanup());
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "~/db.server";
import { isPostgresUrl } from "~/db/adapter.server";
import { createScratchDatabase } from "../../scripts/pg-migrate.mjs";
import { applyMigrations } from "../../scripts/prisma.mjs";

export interface TestDatabase {
  prisma: PrismaClient;
  url: string;
  provider: "sqlite" | "postgresql";
  /** Disconnects and deletes the database. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** The Postgres server the tests run against, if the environment names one. */
export function testPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.TEST_DATABASE_URL || env.DATABASE_URL;
  return url && isPostgresUrl(url) ? url : undefined;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const pgUrl = testPostgresUrl();
  return pgUrl ? createPostgresTestDatabase(pgUrl) : createSqliteTestDatabase();
}

async function createSqliteTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-test-"));
  const url = "file:" + path.join(dir, "test.db");
  try {
    await applyMigrations(url);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const prisma = createPrismaClient(url);
  let done = false;
  return {
    prisma,
    url,
    provider: "sqlite",
    async cleanup() {
      if (done) return;
      done = true;
      await prisma.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgresTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(serverUrl, { prefix: "test" });
  try {
    await applyMigrations(scratch.url);
  } catch (e) {
    await scratch.drop();
    throw e;
  }
  const prisma = createPrismaClient(scratch.url);
  let done = false;
  return {
    prisma,
    url: scratch.url,
    provider: "postgresql",
    async cleanup() {
      if (done) return;
      done = true;
      await prisma.$disconnect();
      await scratch.drop();
    },
  };
}
