import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

describe("Shopify session storage on our Prisma client", () => {
  let db: TestDatabase;
  let storage: PrismaSessionStorage<never>;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Typed against @prisma/client's class; ours is generated for the JS engine with the same Session delegate.
    storage = new PrismaSessionStorage(db.prisma as never);
  });
  afterAll(() => db?.cleanup());

  it("stores, loads, finds and deletes an online session", async () => {
    const session = new Session({
      id: "offline_evergreen-test.myshopify.com_42",
      shop: "evergreen-test.myshopify.com",
      state: "state-1",
      isOnline: true,
      scope: "read_customers,read_orders",
      expires: new Date("2030-01-01T00:00:00.000Z"),
      accessToken: "shpat_test",
      onlineAccessInfo: {
        expires_in: 86400,
        associated_user_scope: "read_customers",
        associated_user: {
          id: 2 ** 40 + 3, // Shopify user ids exceed 32 bits
          first_name: "Ada",
          last_name: "Lovelace",
          email: "ada@example.com",
          email_verified: true,
          account_owner: true,
          locale: "en",
          collaborator: false,
        },
      },
    });

    await expect(storage.storeSession(session)).resolves.toBe(true);
    const loaded = await storage.loadSession(session.id);
    // The Session table keeps the user, not the token's expires_in / associated_user_scope.
    const { onlineAccessInfo: storedInfo, ...stored } = loaded!.toObject();
    const { onlineAccessInfo: sentInfo, ...sent } = session.toObject();
    expect(stored).toEqual(sent);
    expect(storedInfo?.associated_user).toEqual(sentInfo?.associated_user);
    expect(loaded!.onlineAccessInfo?.associated_user.id).toBe(2 ** 40 + 3);
    expect(loaded!.isActive("read_customers,read_orders")).toBe(true);

    // An upsert: storing again updates the row.
    session.accessToken = "shpat_rotated";
    await storage.storeSession(session);
    expect((await storage.loadSession(session.id))!.accessToken).toBe("shpat_rotated");

    const byShop = await storage.findSessionsByShop("evergreen-test.myshopify.com");
    expect(byShop.map((s) => s.id)).toEqual([session.id]);

    await storage.deleteSession(session.id);
    expect(await storage.loadSession(session.id)).toBeUndefined();
  });

  it("round-trips an offline session with no user", async () => {
    const session = new Session({ id: "offline_shop-2.myshopify.com", shop: "shop-2.myshopify.com", state: "s", isOnline: false, accessToken: "t" });
    await storage.storeSession(session);
    expect((await storage.loadSession(session.id))!.toObject()).toEqual(session.toObject());
    await storage.deleteSessions([session.id]);
    expect(await storage.loadSession(session.id)).toBeUndefined();
  });
});
