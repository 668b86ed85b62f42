/**
 * The intelligence layer's bulk reads and writes must reach the database's own
 * driver: the Prisma fallback gives the same rows several times slower, so a
 * broken driver once went unseen (a PRAGMA that answers a row made libsql throw
 * at open, and every SQLite pass ran through Prisma).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { insightsDriver } from "~/db/insights-driver.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.cleanup();
});

describe("insightsDriver", () => {
  it("opens the native driver for the app's database, not the Prisma fallback", async () => {
    const dialect = dialectOf(db.url);
    const driver = await insightsDriver(db.prisma, dialect);
    expect(driver.kind).toBe(dialect === "postgresql" ? "pg" : "libsql");
  });

  it("reads, writes and rolls back on that driver", async () => {
    const driver = await insightsDriver(db.prisma, dialectOf(db.url));
    const p = (i: number) => (driver.dialect === "postgresql" ? `$${i}` : "?");
    const insert = `INSERT INTO "Shop" ("domain", "updatedAt") VALUES (${p(1)}, ${p(2)})`;
    await expect(
      driver.transaction(async (tx) => {
        await tx.run(insert, ["driver-a.myshopify.com", new Date()]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await driver.transaction(async (tx) => tx.run(insert, ["driver-b.myshopify.com", new Date()]));
    const rows = await driver.all(`SELECT "domain" FROM "Shop" WHERE "domain" LIKE ${p(1)} ORDER BY 1`, ["driver-%"]);
    expect(rows).toEqual([["driver-b.myshopify.com"]]);
  });
});
