import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPostgresMigrations } from "../../scripts/pg-migrate.mjs";
import { applyMigrations, applySqliteMigrations, checkMigrations, pgSchemaInStep, POSTGRES, readMigrations, runPrisma, SQLITE } from "../../scripts/prisma.mjs";
import { createTestDatabase, testPostgresUrl, type TestDatabase } from "../setup/test-db";

const MODEL_TABLES = ["Customer", "Order", "OrderLineItem", "Product", "Refund", "Session", "Shop", "SyncRun", "WebhookDelivery"];

describe("schemas and migrations", () => {
  it("keeps prisma/postgres/schema.prisma in step with prisma/schema.prisma", () => {
    expect(pgSchemaInStep().inStep, "run `node scripts/prisma.mjs gen-pg-schema` and commit the result").toBe(true);
  });

  it("has the same migrations for both providers", () => {
    const names = (dir: string) => readMigrations(dir).map((m: { name: string }) => m.name);
    expect(names(SQLITE.migrations).length).toBeGreaterThan(0);
    expect(names(POSTGRES.migrations)).toEqual(names(SQLITE.migrations));
  });

  it("builds exactly the schema from the committed migrations (SQLite, and PostgreSQL when configured)", async () => {
    const problems = await checkMigrations({ pgUrl: testPostgresUrl() });
    expect(problems).toEqual([]);
  });
});

describe("applying migrations", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.cleanup());

  it("creates every model's table and records each migration", async () => {
    const tables =
      db.provider === "sqlite"
        ? await db.prisma.$queryRaw<{ name: string }[]>`SELECT name FROM sqlite_master WHERE type = 'table'`
        : await db.prisma.$queryRaw<{ name: string }[]>`SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public'`;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining([...MODEL_TABLES, "_prisma_migrations"]));

    const target = db.provider === "sqlite" ? SQLITE : POSTGRES;
    const recorded = await db.prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`
      SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
    expect(recorded).toEqual(readMigrations(target.migrations).map((m: { name: string; checksum: string }) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  it("applies nothing the second time", async () => {
    expect(await applyMigrations(db.url)).toEqual([]);
  });

  it("leaves `prisma migrate status` satisfied", () => {
    const target = db.provider === "sqlite" ? SQLITE : POSTGRES;
    const r = runPrisma(["migrate", "status", "--schema", target.schema], { url: db.url, capture: true, allowFail: true });
    expect(r.stdout + r.stderr).toContain("Database schema is up to date");
    expect(r.status).toBe(0);
  });
});

describe.runIf(testPostgresUrl())("applying migrations on PostgreSQL", () => {
  it("applies each migration once when two processes start together (advisory lock)", async () => {
    const { createScratchDatabase } = await import("../../scripts/pg-migrate.mjs");
    const scratch = await createScratchDatabase(testPostgresUrl()!, { prefix: "test" });
    try {
      const [a, b] = await Promise.all([applyPostgresMigrations(scratch.url), applyPostgresMigrations(scratch.url)]);
      expect([...a, ...b].sort()).toEqual(readMigrations(POSTGRES.migrations).map((m: { name: string }) => m.name));
    } finally {
      await scratch.drop();
    }
  });
});

describe.runIf(!testPostgresUrl())("applying migrations on SQLite", () => {
  // Prisma redefines a SQLite table to change a column: copy, DROP TABLE, rename.
  // Dropping a parent table with foreign keys on would cascade-delete its children.
  function redefineOrder(): string {
    const init = readMigrations(SQLITE.migrations)[0].sql as string;
    const createOrder = init.match(/CREATE TABLE "Order" \([\s\S]*?\n\);/)?.[0];
    if (!createOrder) throw new Error("no CREATE TABLE \"Order\" in the first migration");
    return [
      "-- RedefineTables",
      "PRAGMA defer_foreign_keys=ON;",
      "PRAGMA foreign_keys=OFF;",
      createOrder.replace('CREATE TABLE "Order"', 'CREATE TABLE "new_Order"'),
      'INSERT INTO "new_Order" SELECT * FROM "Order";',
      'DROP TABLE "Order";',
      'ALTER TABLE "new_Order" RENAME TO "Order";',
      "PRAGMA foreign_keys=ON;",
      "PRAGMA defer_foreign_keys=OFF;",
      "",
    ].join("\n");
  }

  it("GIVEN orders with line items WHEN a migration redefines Order THEN the line items are kept", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-redefine-"));
    const migrations = path.join(dir, "migrations");
    const url = "file:" + path.join(dir, "test.db");
    try {
      cpSync(SQLITE.migrations, migrations, { recursive: true });
      await applySqliteMigrations(url, { dir: migrations });
      const client = createClient({ url });
      await client.execute(
        `INSERT INTO "Order" (shopDomain, orderGid, name, currencyCode, subtotalMinor, totalPriceMinor, processedAt, shopifyCreatedAt, shopifyUpdatedAt)
         VALUES ('s', 'o', '#1', 'JPY', 1, 1, 0, 0, 0)`,
      );
      await client.execute(
        `INSERT INTO "OrderLineItem" (shopDomain, lineItemGid, orderGid, title, quantity, unitPriceMinor, discountedTotalMinor)
         VALUES ('s', 'l', 'o', 't', 1, 1, 1)`,
      );
      mkdirSync(path.join(migrations, "29990101000000_redefine_order"));
      writeFileSync(path.join(migrations, "29990101000000_redefine_order", "migration.sql"), redefineOrder());

      expect(await applySqliteMigrations(url, { dir: migrations })).toEqual(["29990101000000_redefine_order"]);
      const { rows } = await client.execute(`SELECT count(*) AS n FROM "OrderLineItem"`);
      expect(Number(rows[0].n)).toBe(1);
      client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rolls back a failing migration whole, recording nothing", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-failing-"));
    const migrations = path.join(dir, "migrations");
    const url = "file:" + path.join(dir, "test.db");
    try {
      cpSync(SQLITE.migrations, migrations, { recursive: true });
      mkdirSync(path.join(migrations, "29990101000000_broken"));
      writeFileSync(
        path.join(migrations, "29990101000000_broken", "migration.sql"),
        `CREATE TABLE "Partial" ("id" TEXT PRIMARY KEY);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" TEXT;\n`,
      );
      await expect(applySqliteMigrations(url, { dir: migrations })).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
      const client = createClient({ url });
      const tables = await client.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Partial'`);
      expect(tables.rows).toEqual([]);
      const recorded = await client.execute(`SELECT migration_name FROM "_prisma_migrations"`);
      expect(recorded.rows.map((r) => r.migration_name)).toEqual(readMigrations(SQLITE.migrations).map((m: { name: string }) => m.name));
      client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
