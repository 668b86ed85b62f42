/**
 * SQLite's stale-snapshot refusal (SQLITE_BUSY_SNAPSHOT) on a real file with
 * two connections, as the demo's browsing replay met it: a transaction reads,
 * another connection commits, the transaction's first write is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapter, createPrismaClient, type PrismaClient } from "~/db.server";
import { PrismaClient as RawPrismaClient } from "~/generated/prisma/client";
import { isBusySnapshot, retryingBusySnapshot } from "~/db/busy-snapshot.server";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let db: TestDatabase;
let other: PrismaClient;
/** Without the app client's own retry, so a test can set the budget. */
let raw: RawPrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  other = createPrismaClient(db.url);
  raw = new RawPrismaClient({ adapter: createAdapter(db.url) });
  await db.prisma.$executeRawUnsafe(`CREATE TABLE "SnapshotProbe" ("n" INTEGER NOT NULL)`);
});

afterAll(async () => {
  await other?.$disconnect();
  await raw?.$disconnect();
  await db?.cleanup();
});

/** Empties the probe table before a test. */
const clearProbe = () => db.prisma.$executeRawUnsafe(`DELETE FROM "SnapshotProbe"`);

/** The probe table's values, sorted: 1 per commit of the other connection, 2 per committed transaction. */
async function probeValues(): Promise<number[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT "n" FROM "SnapshotProbe" ORDER BY "n"`);
  return rows.map((r) => Number(r.n));
}

/** Reads, lets the other connection commit (when `interleave` says so), then writes. */
function readThenWrite(interleave: () => boolean, client: PrismaClient | RawPrismaClient = db.prisma) {
  return client.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT count(*) FROM "SnapshotProbe"`);
    if (interleave()) await other.$executeRawUnsafe(`INSERT INTO "SnapshotProbe" ("n") VALUES (1)`);
    await tx.$executeRawUnsafe(`INSERT INTO "SnapshotProbe" ("n") VALUES (2)`);
  });
}

describe.skipIf(!!process.env.TEST_DATABASE_URL?.startsWith("postgres") || !!process.env.DATABASE_URL?.startsWith("postgres"))("SQLite stale snapshots", () => {
  it("GIVEN another connection commits between a transaction's read and its write THEN the write is refused, and recognised as a stale snapshot", async () => {
    const error = await readThenWrite(() => true, raw).then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(isBusySnapshot(error)).toBe(true);
    expect(isBusySnapshot(new Error("UNIQUE constraint failed"))).toBe(false);
  });

  it("GIVEN the same race once WHEN retried THEN the transaction commits on its second run", async () => {
    await clearProbe();
    let runs = 0;
    await retryingBusySnapshot(() => readThenWrite(() => ++runs === 1, raw));
    expect(runs).toBe(2);
    expect(await probeValues()).toEqual([1, 2]);
  });

  it("GIVEN the same race once THEN the app's client runs the transaction again by itself", async () => {
    await clearProbe();
    let runs = 0;
    await readThenWrite(() => ++runs === 1);
    expect(runs).toBe(2);
    expect(await probeValues()).toEqual([1, 2]);
  });

  it("GIVEN a burst of commits that races twelve runs in a row THEN the transaction still commits, once", async () => {
    await clearProbe();
    let runs = 0;
    await readThenWrite(() => ++runs <= 12);
    expect(runs).toBe(13);
    expect(await probeValues()).toEqual([...Array(12).fill(1), 2]);
  });

  it("GIVEN refusals that outlast the budget THEN the refusal is thrown and nothing is written", async () => {
    await clearProbe();
    let runs = 0;
    const error = await retryingBusySnapshot(() => readThenWrite(() => (runs++, true), raw), { budgetMs: 150, firstPauseMs: 5, maxPauseMs: 20 }).then(() => null, (e: unknown) => e);
    expect(isBusySnapshot(error)).toBe(true);
    expect(runs).toBeGreaterThan(2);
    expect((await probeValues()).filter((n) => n === 2)).toEqual([]);
  });

  it("GIVEN another error THEN it is not retried", async () => {
    let runs = 0;
    await expect(retryingBusySnapshot(async () => { runs++; throw new Error("boom"); })).rejects.toThrow("boom");
    expect(runs).toBe(1);
  });
});
