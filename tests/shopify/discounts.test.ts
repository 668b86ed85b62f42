/**
 * The reward discount adapter against a started dev store, through the real
 * Admin client: creation of each reward kind, finding the code again instead
 * of creating a second one, Shopify's userErrors as a permanent failure,
 * throttling, and a create whose answer was lost (5xx after Shopify ran it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid } from "../../dev-store/model";
import { parseMinor } from "../../dev-store/money";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { AdminClient, type FetchLike } from "~/shopify/admin-client.server";
import {
  deleteRewardDiscountCode,
  ensureRewardDiscountCode,
  isPermanentRewardDiscountFailure,
  RewardDiscountConflictError,
  RewardDiscountRejectedError,
  type RewardDiscountSpec,
} from "~/shopify/discounts.server";
import { AdminHttpError } from "~/shopify/errors";

let dev: TestDevStore;
const NOW = new Date("2026-11-20T12:00:00Z");

function client(options: { fetch?: FetchLike; maxRetries?: number } = {}) {
  return new AdminClient({
    shop: new URL(dev.server.url).host,
    protocol: "http",
    accessToken: dev.accessToken,
    baseBackoffMs: 5,
    ...options,
  });
}

function customerGid(index: number) {
  return gid("Customer", dev.store.customers()[index].id);
}

function spec(overrides: Partial<RewardDiscountSpec> & Pick<RewardDiscountSpec, "code">): RewardDiscountSpec {
  return {
    title: "$5 off (Evergreen reward)",
    kind: "fixed_amount",
    amountMinor: 500,
    currencyCode: "USD",
    customerGid: customerGid(1),
    startsAt: NOW,
    ...overrides,
  };
}

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 31, orders: 150, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
});

afterAll(async () => {
  await dev?.close();
});

describe("ensureRewardDiscountCode", () => {
  it("GIVEN no code yet WHEN ensured THEN it is created single-use and limited to the customer; WHEN ensured again THEN it is found, not created twice", async () => {
    const admin = client();
    const reward = spec({
      code: "EG-R1",
      minimumSubtotalMinor: 2_000n,
      endsAt: new Date("2027-02-20T12:00:00Z"),
    });
    const first = await ensureRewardDiscountCode(admin, reward);
    expect(first).toEqual({ discountGid: expect.stringMatching(/^gid:\/\/shopify\/DiscountCodeNode\/\d+$/), code: "EG-R1", created: true });
    const stored = dev.store.discountCodeByCode("EG-R1")!;
    expect(stored).toMatchObject({
      kind: "basic",
      value: { amount: "5.00", appliesOnEachItem: false },
      items: "all",
      customerIds: [dev.store.customers()[1].id],
      usageLimit: 1,
      appliesOncePerCustomer: true,
      minimumSubtotal: "20.00",
      startsAt: "2026-11-20T12:00:00.000Z",
      endsAt: "2027-02-20T12:00:00.000Z",
    });

    const requestsBefore = admin.counters.requests;
    const again = await ensureRewardDiscountCode(admin, reward);
    expect(again).toEqual({ ...first, created: false });
    expect(admin.counters.requests - requestsBefore).toBe(1); // the lookup only
    expect(dev.store.discountCodes().filter((d) => d.code.toLowerCase() === "eg-r1")).toHaveLength(1);
  });

  it("creates percentage, free-shipping and free-product rewards with Shopify's shapes", async () => {
    const admin = client();
    await ensureRewardDiscountCode(admin, spec({ code: "EG-PCT", kind: "percentage", percentage: 15, amountMinor: undefined }));
    expect(dev.store.discountCodeByCode("EG-PCT")).toMatchObject({ kind: "basic", value: { percentage: 0.15 }, items: "all" });

    await ensureRewardDiscountCode(admin, spec({ code: "EG-SHIP", kind: "free_shipping", amountMinor: undefined }));
    expect(dev.store.discountCodeByCode("EG-SHIP")).toMatchObject({ kind: "free_shipping", value: null, usageLimit: 1 });

    const variant = dev.store.products().filter((p) => p.status === "ACTIVE").flatMap((p) => p.variants)[0];
    const priceMinor = parseMinor(variant.price, "USD");
    await ensureRewardDiscountCode(admin, spec({
      code: "EG-FREE",
      kind: "free_product",
      amountMinor: BigInt(priceMinor),
      productVariantGids: [gid("ProductVariant", variant.id)],
    }));
    expect(dev.store.discountCodeByCode("EG-FREE")).toMatchObject({
      kind: "basic",
      value: { amount: variant.price, appliesOnEachItem: false },
      items: { variantIds: [variant.id], productIds: [] },
    });
    // The shopper uses it on two units: one is free.
    const order = dev.store.redeemDiscountCode("EG-FREE", { customerId: dev.store.customers()[1].id, lines: [{ variantId: variant.id, quantity: 2 }] });
    expect(parseMinor(order.totalDiscounts.shopMoney.amount, "USD")).toBe(priceMinor);
  });

  it("without a customer the code is for any buyer, still single use (a referred friend without an account)", async () => {
    const admin = client();
    const friend = spec({ code: "EG-FRIEND", customerGid: undefined, kind: "percentage", amountMinor: undefined, percentage: 10, endsAt: "2027-01-01T00:00:00Z" });
    expect((await ensureRewardDiscountCode(admin, friend)).created).toBe(true);
    expect(dev.store.discountCodeByCode("EG-FRIEND")).toMatchObject({ customerIds: "all", usageLimit: 1, value: { percentage: 0.1 } });
    expect((await ensureRewardDiscountCode(admin, friend)).created).toBe(false);
    // The same code asked for one customer is not the same reward.
    await expect(ensureRewardDiscountCode(admin, { ...friend, customerGid: customerGid(4) })).rejects.toBeInstanceOf(RewardDiscountConflictError);
  });

  it("Shopify's userErrors become a permanent RewardDiscountRejectedError (the caller restores the points)", async () => {
    const admin = client();
    const error = await ensureRewardDiscountCode(admin, spec({ code: "EG-GHOST", customerGid: "gid://shopify/Customer/1" })).catch((e) => e);
    expect(error).toBeInstanceOf(RewardDiscountRejectedError);
    expect(error.userErrors).toEqual([
      expect.objectContaining({ field: ["basicCodeDiscount", "context", "customers", "add"], code: "INVALID" }),
    ]);
    expect(isPermanentRewardDiscountFailure(error)).toBe(true);
    expect(dev.store.discountCodeByCode("EG-GHOST")).toBeUndefined();
  });

  it("a code that exists for another customer or another kind is a permanent conflict, never reused", async () => {
    const admin = client();
    await ensureRewardDiscountCode(admin, spec({ code: "EG-TAKEN", customerGid: customerGid(2) }));
    const otherCustomer = await ensureRewardDiscountCode(admin, spec({ code: "eg-taken", customerGid: customerGid(3) })).catch((e) => e);
    expect(otherCustomer).toBeInstanceOf(RewardDiscountConflictError);
    expect(isPermanentRewardDiscountFailure(otherCustomer)).toBe(true);
    const otherKind = await ensureRewardDiscountCode(admin, spec({ code: "EG-TAKEN", customerGid: customerGid(2), kind: "free_shipping", amountMinor: undefined })).catch((e) => e);
    expect(otherKind).toBeInstanceOf(RewardDiscountConflictError);
    expect(otherKind.message).toMatch(/DiscountCodeBasic, the reward needs a DiscountCodeFreeShipping/);
  });

  it("an invalid spec is refused before anything is sent", async () => {
    const admin = client();
    const cases: RewardDiscountSpec[] = [
      spec({ code: " EG-SPACE" }),
      spec({ code: "EG-PCT2", kind: "percentage", amountMinor: undefined, percentage: 150 }),
      spec({ code: "EG-PCT3", kind: "percentage" }),
      spec({ code: "EG-FP", kind: "free_product" }),
      spec({ code: "EG-AMT", amountMinor: 4.5 }),
      spec({ code: "EG-CUR", currencyCode: undefined }),
      spec({ code: "EG-END", endsAt: new Date(NOW.getTime() - 1) }),
      spec({ code: "EG-DATE", endsAt: "not a date" }),
      spec({ code: "EG-CUST", customerGid: "123" }),
    ];
    for (const bad of cases) await expect(ensureRewardDiscountCode(admin, bad)).rejects.toThrow(RangeError);
    expect(admin.counters.requests).toBe(0);
  });

  it("survives throttling: a drained bucket is waited out and the code is created once", async () => {
    // A shop of its own with a small, slow bucket (20 points/s), drained by "other apps".
    const slow = await startTestDevStore({ seed: 32, orders: 60, bucket: { max: 60, restoreRate: 20 }, webhooks: { subscriptions: [] } });
    try {
      const admin = new AdminClient({ shop: new URL(slow.server.url).host, protocol: "http", accessToken: slow.accessToken });
      const bucket = slow.server.bucket(slow.shop);
      while (bucket.take(1));
      const result = await ensureRewardDiscountCode(admin, spec({ code: "EG-THROTTLED", customerGid: gid("Customer", slow.store.customers()[0].id) }));
      expect(result.created).toBe(true);
      expect(admin.counters.throttledRetries).toBeGreaterThan(0);
      expect(slow.store.discountCodes().filter((d) => d.code === "EG-THROTTLED")).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it("GIVEN Shopify created the code but the answer was lost (502) WHEN ensured THEN the lookup settles it: created, exactly once", async () => {
    let failed = 0;
    const lossy: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (String(init?.body).includes("RewardDiscountCodeBasicCreate") && failed++ === 0) {
        return new Response("Bad Gateway", { status: 502 });
      }
      return response;
    };
    const admin = client({ fetch: lossy });
    const result = await ensureRewardDiscountCode(admin, spec({ code: "EG-LOST" }));
    expect(result).toMatchObject({ code: "EG-LOST", created: true });
    expect(failed).toBe(1); // the create was sent once: after the 502 the lookup found it
    expect(dev.store.discountCodes().filter((d) => d.code === "EG-LOST")).toHaveLength(1);
  });

  it("GIVEN the create never reached Shopify (network failure) WHEN ensured THEN it is created on the next attempt", async () => {
    let dropped = 0;
    const flaky: FetchLike = async (input, init) => {
      if (String(init?.body).includes("RewardDiscountCodeBasicCreate") && dropped++ === 0) throw new TypeError("fetch failed");
      return fetch(input, init);
    };
    const admin = client({ fetch: flaky });
    const result = await ensureRewardDiscountCode(admin, spec({ code: "EG-DROPPED" }));
    expect(result).toMatchObject({ code: "EG-DROPPED", created: true });
    expect(dev.store.discountCodes().filter((d) => d.code === "EG-DROPPED")).toHaveLength(1);
  });

  it("gives up with the client's error when creates keep failing ambiguously (outcome unknown: not permanent)", async () => {
    const broken: FetchLike = async (input, init) =>
      String(init?.body).includes("RewardDiscountCodeBasicCreate") ? new Response("oops", { status: 503 }) : fetch(input, init);
    const error = await ensureRewardDiscountCode(client({ fetch: broken }), spec({ code: "EG-BROKEN" })).catch((e) => e);
    expect(error).toBeInstanceOf(AdminHttpError);
    expect(isPermanentRewardDiscountFailure(error)).toBe(false);
  });
});

describe("deleteRewardDiscountCode", () => {
  it("deletes the code once; a code that is gone is not an error", async () => {
    const admin = client();
    await ensureRewardDiscountCode(admin, spec({ code: "EG-CANCELLED" }));
    expect(await deleteRewardDiscountCode(admin, "eg-cancelled")).toBe(true);
    expect(dev.store.discountCodeByCode("EG-CANCELLED")).toBeUndefined();
    expect(await deleteRewardDiscountCode(admin, "EG-CANCELLED")).toBe(false);
  });
});
