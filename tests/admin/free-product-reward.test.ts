/**
 * Free-product rewards from the settings form to the discount: the variant
 * search the fallback picker uses (Admin `productVariants`, on the dev
 * store's real schema), the reward saved with the variant's price read from
 * Shopify, clear errors for a missing, unknown or unreachable variant, and a
 * redemption that creates a single-use code for that variant, worth one unit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { InvalidAmountError } from "~/domain/sync/money";
import { enableProgrammeWithDefaults, saveSettingsSection, type AdminDeps } from "~/services/admin-views.server";
import { adjustPoints } from "~/services/points.server";
import { priceMinorOf, rewardVariantsPort, searchRewardVariants, type RewardVariantsPort } from "~/services/reward-products.server";
import { redeemReward, shopifyDiscountCodeIssuer } from "~/services/rewards.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

let dev: TestDevStore;
let db: TestDatabase;
let client: AdminClient;
let deps: AdminDeps & { variants: RewardVariantsPort };

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 4242, orders: 60, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
  db = await createTestDatabase();
  client = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
  await db.prisma.shop.create({ data: { domain: dev.shop, currencyCode: dev.store.shop.currencyCode } });
  deps = { db: db.prisma, dialect: dialectOf(db.url), variants: rewardVariantsPort(client, dev.store.shop.currencyCode) };
  await enableProgrammeWithDefaults(dev.shop, deps);
}, 120_000);

afterAll(async () => {
  await dev?.close();
  await db?.cleanup();
});

const activeVariant = () => {
  const product = dev.store.products().find((p) => p.status === "ACTIVE" && p.variants.length > 0 && Number(p.variants[0].price) > 0)!;
  return { product, variant: product.variants[0], gid: `gid://shopify/ProductVariant/${product.variants[0].id}` };
};

describe("the variant search behind the fallback picker", () => {
  it("finds a product's variants by words of its title, with the price in minor units", async () => {
    const { product, variant, gid } = activeVariant();
    const words = product.title.split(/\s+/).slice(0, 2).join(" ");
    const found = await searchRewardVariants(deps.variants, words);
    expect(found.error).toBeNull();
    const hit = found.variants.find((v) => v.variantGid === gid);
    expect(hit).toMatchObject({ productTitle: product.title, priceMinor: priceMinorOf(variant.price, "USD"), active: true });
    for (const v of found.variants) expect(`${v.displayName}`.toLowerCase()).toContain(words.split(" ")[0].toLowerCase());
    expect((await searchRewardVariants(deps.variants, "zzqx-no-such-product")).variants).toEqual([]);
    expect((await searchRewardVariants(deps.variants, "   ")).variants).toEqual([]);
    // Search syntax typed by the merchant is taken as words, not filters.
    expect((await searchRewardVariants(deps.variants, "status:archived")).error).toBeNull();
  });

  it("the dev store's App Bridge resource picker offers the shop's active variants in App Bridge's selection shape", async () => {
    const { product, gid } = activeVariant();
    const url = `${dev.server.url}/_dev/resource-picker?type=variant&shop=${dev.shop}&query=${encodeURIComponent(product.title)}`;
    const body = (await (await fetch(url)).json()) as { selection: { id: string; displayName: string; price: string; product: { title: string } }[] };
    expect(body.selection.find((v) => v.id === gid)).toMatchObject({ displayName: expect.stringContaining(product.title), product: { title: product.title } });
    expect((await fetch(url.replace("type=variant", "type=collection"))).status).toBe(400);
  });

  it("reports an unreachable Admin API as a message key", async () => {
    const down: RewardVariantsPort = { search: () => Promise.reject(new Error("ECONNREFUSED")), variant: () => Promise.reject(new Error("ECONNREFUSED")) };
    await expect(searchRewardVariants(down, "shirt")).resolves.toEqual({ query: "shirt", variants: [], error: "err.productLookup" });
  });

  it("reads Shopify money strings exactly, and refuses a price with more decimals than the currency has (never truncated)", () => {
    expect(priceMinorOf("12.5", "USD")).toBe(1250);
    expect(priceMinorOf("12.05", "USD")).toBe(1205);
    expect(priceMinorOf("12.050", "USD")).toBe(1205);
    expect(priceMinorOf("1200", "JPY")).toBe(1200);
    expect(priceMinorOf("1500.00", "HUF")).toBe(150_000); // ISO 4217: hundredths, though HUF is shown without decimals
    expect(priceMinorOf("1.234", "KWD")).toBe(1234);
    expect(() => priceMinorOf("0.999", "USD")).toThrow(InvalidAmountError);
    expect(() => priceMinorOf("1200.5", "JPY")).toThrow(/more than 0 decimal places/);
  });

  it("GIVEN a variant whose price has a third decimal THEN the search leaves it out, and saving it as a reward says why (no 500, nothing saved)", async () => {
    const product = dev.store.products().filter((p) => p.status === "ACTIVE" && p.variants.length > 0 && Number(p.variants[0].price) > 0)[1];
    const variant = product.variants[0];
    const gid = `gid://shopify/ProductVariant/${variant.id}`;
    const price = variant.price;
    const words = product.title.split(/\s+/).slice(0, 2).join(" ");
    expect((await searchRewardVariants(deps.variants, words)).variants.map((v) => v.variantGid)).toContain(gid);
    variant.price = "12.345";
    try {
      const found = await searchRewardVariants(deps.variants, words);
      expect(found.error).toBeNull();
      expect(found.variants.map((v) => v.variantGid)).not.toContain(gid);
      const result = await saveSettingsSection(dev.shop, "createReward", form({ title: "Odd price", kind: "free_product", pointsCost: "900", variantGid: gid }), deps);
      expect(result).toEqual({ ok: false, errors: { variantGid: { key: "err.productPrice" } } });
      expect(await db.prisma.loyaltyReward.count({ where: { shopDomain: dev.shop, title: "Odd price" } })).toBe(0);
    } finally {
      variant.price = price;
    }
  });
});

describe("a free-product reward from the settings form", () => {
  it("GIVEN no product or an unknown one THEN a clear error at the picker and nothing saved; an unreachable API says so", async () => {
    const base = { title: "Free socks", kind: "free_product", pointsCost: "900" };
    await expect(saveSettingsSection(dev.shop, "createReward", form(base), deps)).resolves.toEqual({ ok: false, errors: { variantGid: { key: "err.chooseProduct" } } });
    await expect(saveSettingsSection(dev.shop, "createReward", form({ ...base, variantGid: "gid://shopify/ProductVariant/999999999" }), deps))
      .resolves.toEqual({ ok: false, errors: { variantGid: { key: "err.noSuchVariant" } } });
    await expect(saveSettingsSection(dev.shop, "createReward", form({ ...base, variantGid: "not-a-gid" }), deps)).resolves.toMatchObject({ ok: false, errors: { variantGid: { key: "err.chooseProduct" } } });
    const down = { ...deps, variants: { search: () => Promise.reject(new Error("down")), variant: () => Promise.reject(new Error("down")) } };
    await expect(saveSettingsSection(dev.shop, "createReward", form({ ...base, variantGid: activeVariant().gid }), down)).resolves.toEqual({ ok: false, errors: { variantGid: { key: "err.productLookup" } } });
    expect(await db.prisma.loyaltyReward.count({ where: { shopDomain: dev.shop, kind: "free_product" } })).toBe(0);
  });

  it("GIVEN a variant WHEN saved THEN the reward covers one unit at Shopify's price, and redeeming it creates a single-use code for that variant", async () => {
    const { variant, gid } = activeVariant();
    const result = await saveSettingsSection(dev.shop, "createReward", form({ title: "Free socks", kind: "free_product", pointsCost: "900", variantGid: gid, amount: "0.01" }), deps);
    expect(result).toEqual({ ok: true });
    const reward = await db.prisma.loyaltyReward.findFirstOrThrow({ where: { shopDomain: dev.shop, kind: "free_product" } });
    expect(reward).toMatchObject({ title: "Free socks", pointsCost: 900, productVariantGids: gid, amountMinor: BigInt(priceMinorOf(variant.price, "USD")), currencyCode: "USD" });

    const customerGid = `gid://shopify/Customer/${dev.store.customers()[2].id}`;
    await adjustPoints({ shopDomain: dev.shop, customerGid, points: 1000, reason: "test", idempotencyKey: "fp-seed", staffMember: "staff:1" }, { db: db.prisma });
    const { status, redemption } = await redeemReward(
      { shopDomain: dev.shop, customerGid, rewardId: reward.id, idempotencyKey: "fp-1" },
      { db: db.prisma, issuer: shopifyDiscountCodeIssuer(() => client) },
    );
    expect(status).toBe("issued");
    const code = dev.store.discountCodeByCode(redemption.code)!;
    expect(code).toMatchObject({
      kind: "basic",
      items: { variantIds: [variant.id] },
      value: { amount: expect.any(String), appliesOnEachItem: false },
      customerIds: [dev.store.customers()[2].id],
      usageLimit: 1,
    });
    expect(priceMinorOf((code.value as { amount: string }).amount, "USD")).toBe(priceMinorOf(variant.price, "USD"));
  });
});
