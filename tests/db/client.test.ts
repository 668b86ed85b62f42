import { Prisma } from "~/generated/prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

const SHOP = "evergreen-test.myshopify.com";
const at = new Date("2026-01-02T03:04:05.678Z");

function order(orderGid: string, totalPriceMinor: bigint, shopDomain = SHOP) {
  return {
    shopDomain,
    orderGid,
    name: `#${orderGid.split("/").pop()}`,
    currencyCode: "JPY",
    subtotalMinor: totalPriceMinor,
    totalPriceMinor,
    processedAt: at,
    shopifyCreatedAt: at,
    shopifyUpdatedAt: at,
  };
}

describe("the Prisma client on the test database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.cleanup());

  it("stores BigInt money beyond 2^31 and 2^53 exactly", async () => {
    const amounts = [2n ** 31n + 1n, 2n ** 40n + 7n, 2n ** 53n + 1n, 2n ** 63n - 1n];
    for (const [i, amount] of amounts.entries()) {
      await db.prisma.order.create({ data: order(`gid://shopify/Order/${i + 1}`, amount) });
    }
    const rows = await db.prisma.order.findMany({ where: { shopDomain: SHOP }, orderBy: { orderGid: "asc" } });
    expect(rows.map((r) => r.totalPriceMinor)).toEqual(amounts);

    const sum = await db.prisma.order.aggregate({ where: { shopDomain: SHOP, totalPriceMinor: { lt: 2n ** 60n } }, _sum: { totalPriceMinor: true } });
    expect(sum._sum.totalPriceMinor).toBe(amounts[0] + amounts[1] + amounts[2]);
  });

  it("rejects a duplicate composite key, and accepts the same id in another shop", async () => {
    const customer = {
      shopDomain: SHOP,
      customerGid: "gid://shopify/Customer/1",
      shopifyCreatedAt: at,
      shopifyUpdatedAt: at,
    };
    await db.prisma.customer.create({ data: customer });
    const duplicate = db.prisma.customer.create({ data: { ...customer, email: "other@example.com" } });
    await expect(duplicate).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(db.prisma.customer.create({ data: { ...customer } })).rejects.toMatchObject({ code: "P2002" });
    await db.prisma.customer.create({ data: { ...customer, shopDomain: "another-shop.myshopify.com" } });
    expect(await db.prisma.customer.count({ where: { customerGid: customer.customerGid } })).toBe(2);

    await db.prisma.webhookDelivery.create({ data: { shopDomain: SHOP, eventId: "e-1", webhookId: "w-1", topic: "orders/create", status: "received" } });
    await expect(
      db.prisma.webhookDelivery.create({ data: { shopDomain: SHOP, eventId: "e-1", webhookId: "w-2", topic: "orders/create", status: "received" } }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("enforces foreign keys: a line item needs its order, and goes with it", async () => {
    const lineItem = {
      shopDomain: SHOP,
      lineItemGid: "gid://shopify/LineItem/1",
      orderGid: "gid://shopify/Order/404",
      title: "Tea",
      quantity: 1,
      unitPriceMinor: 1200n,
      discountedTotalMinor: 1200n,
    };
    await expect(db.prisma.orderLineItem.create({ data: lineItem })).rejects.toMatchObject({ code: "P2003" });
    await db.prisma.order.create({ data: order("gid://shopify/Order/404", 1200n) });
    await db.prisma.orderLineItem.create({ data: lineItem });
    await db.prisma.order.delete({ where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid: lineItem.orderGid } } });
    expect(await db.prisma.orderLineItem.count({ where: { orderGid: lineItem.orderGid } })).toBe(0);
  });

  it("commits and rolls back interactive transactions", async () => {
    await db.prisma.$transaction(async (tx) => {
      await tx.shop.create({ data: { domain: "committed.myshopify.com" } });
    });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.shop.create({ data: { domain: "rolled-back.myshopify.com" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    const domains = (await db.prisma.shop.findMany()).map((s) => s.domain);
    expect(domains).toContain("committed.myshopify.com");
    expect(domains).not.toContain("rolled-back.myshopify.com");
  });
});

describe.runIf(!process.env.TEST_DATABASE_URL?.startsWith("postgres") && !process.env.DATABASE_URL?.startsWith("postgres"))(
  "SQLite connection settings",
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db?.cleanup());

    async function pragmas() {
      const one = async (name: string) => {
        const [row] = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
        return String(Object.values(row)[0]);
      };
      return {
        journal_mode: await one("journal_mode"),
        foreign_keys: await one("foreign_keys"),
        busy_timeout: await one("busy_timeout"),
        synchronous: await one("synchronous"),
      };
    }

    const expected = { journal_mode: "wal", foreign_keys: "1", busy_timeout: "5000", synchronous: "1" };

    it("uses WAL, foreign keys, a busy timeout and synchronous=NORMAL", async () => {
      expect(await pragmas()).toEqual(expected);
    });

    it("keeps them on the connection libsql opens after an interactive transaction", async () => {
      await db.prisma.$transaction(async (tx) => {
        await tx.shop.upsert({ where: { domain: "pragma.myshopify.com" }, create: { domain: "pragma.myshopify.com" }, update: {} });
      });
      expect(await pragmas()).toEqual(expected);
    });
  },
);
