/**
 * Code discounts in the dev store, through real Admin GraphQL requests: the
 * shapes a loyalty reward needs (single use, one customer, fixed / percentage
 * / free shipping / free product, minimum subtotal, expiry), Shopify's
 * validation and userErrors, lookup by code, deletion and deactivation, the
 * write_discounts scope, and a shopper redeeming the code in an order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid } from "../../dev-store/model";
import { parseMinor } from "../../dev-store/money";
import { DevStoreError } from "../../dev-store/store";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";

let dev: TestDevStore;

async function gql(query: string, variables?: Record<string, unknown>, token = dev.accessToken) {
  const response = await fetch(`${dev.server.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

async function data(query: string, variables?: Record<string, unknown>) {
  const body = await gql(query, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
}

const BASIC_CREATE = `mutation Create($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { __typename ... on DiscountCodeBasic { title usageLimit appliesOncePerCustomer } } }
    userErrors { field message code extraInfo }
  }
}`;
const FREE_SHIPPING_CREATE = `mutation Create($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}`;
const BY_CODE = `query ByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      __typename
      ... on DiscountCodeBasic {
        title status startsAt endsAt usageLimit appliesOncePerCustomer asyncUsageCount discountClasses
        codes(first: 5) { nodes { code asyncUsageCount } }
        context { __typename ... on DiscountCustomers { customers { id } } }
        customerGets {
          items { __typename ... on DiscountProducts { productVariants(first: 5) { nodes { id } } } ... on AllDiscountItems { allItems } }
          value { __typename ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem } ... on DiscountPercentage { percentage } }
        }
        minimumRequirement { __typename ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount currencyCode } } }
      }
      ... on DiscountCodeFreeShipping {
        title status usageLimit appliesOncePerCustomer discountClasses
        context { __typename ... on DiscountCustomers { customers { id } } }
        destinationSelection { __typename }
      }
    }
  }
}`;

const START = "2026-11-01T00:00:00Z";

function rewardInput(overrides: Record<string, unknown>) {
  return {
    title: "Evergreen reward",
    startsAt: START,
    usageLimit: 1,
    appliesOncePerCustomer: true,
    customerGets: { items: { all: true }, value: { discountAmount: { amount: "5.00", appliesOnEachItem: false } } },
    ...overrides,
  };
}

/** A customer and a variant of at least `minMinor` shop minor units. */
function fixtures(index: number, minMinor = 1000) {
  const customer = dev.store.customers()[index];
  const variant = dev.store.products().filter((p) => p.status === "ACTIVE").flatMap((p) => p.variants)
    .find((v) => parseMinor(v.price, dev.store.shop.currencyCode) >= minMinor)!;
  return { customer, customerGid: gid("Customer", customer.id), variant, variantGid: gid("ProductVariant", variant.id) };
}

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 21, orders: 200, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
});

afterAll(async () => {
  await dev?.close();
});

describe("discountCodeBasicCreate", () => {
  it("GIVEN a fixed-amount reward for one customer WHEN created THEN codeDiscountNodeByCode finds it (any case) limited to that customer, single use", async () => {
    const { customerGid } = fixtures(1);
    const created = await data(BASIC_CREATE, {
      input: rewardInput({
        code: "EG-FIXED-1",
        context: { customers: { add: [customerGid] } },
        minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: "20" } },
        endsAt: "2027-02-01T00:00:00Z",
      }),
    });
    expect(created.discountCodeBasicCreate.userErrors).toEqual([]);
    const node = created.discountCodeBasicCreate.codeDiscountNode;
    expect(node.id).toMatch(/^gid:\/\/shopify\/DiscountCodeNode\/\d+$/);
    expect(node.codeDiscount).toEqual({ __typename: "DiscountCodeBasic", title: "Evergreen reward", usageLimit: 1, appliesOncePerCustomer: true });

    const found = await data(BY_CODE, { code: "eg-fixed-1" });
    expect(found.codeDiscountNodeByCode.id).toBe(node.id);
    expect(found.codeDiscountNodeByCode.codeDiscount).toEqual({
      __typename: "DiscountCodeBasic",
      title: "Evergreen reward",
      status: "ACTIVE",
      startsAt: "2026-11-01T00:00:00Z",
      endsAt: "2027-02-01T00:00:00Z",
      usageLimit: 1,
      appliesOncePerCustomer: true,
      asyncUsageCount: 0,
      discountClasses: ["ORDER"],
      codes: { nodes: [{ code: "EG-FIXED-1", asyncUsageCount: 0 }] },
      context: { __typename: "DiscountCustomers", customers: [{ id: customerGid }] },
      customerGets: {
        items: { __typename: "AllDiscountItems", allItems: true },
        value: { __typename: "DiscountAmount", amount: { amount: "5.00", currencyCode: "USD" }, appliesOnEachItem: false },
      },
      minimumRequirement: { __typename: "DiscountMinimumSubtotal", greaterThanOrEqualToSubtotal: { amount: "20.00", currencyCode: "USD" } },
    });
    expect((await data(BY_CODE, { code: "EG-NOPE" })).codeDiscountNodeByCode).toBeNull();
  });

  it("a duplicate code (any case) is TAKEN and creates nothing", async () => {
    const { customerGid } = fixtures(2);
    const input = rewardInput({ code: "EG-DUP", context: { customers: { add: [customerGid] } } });
    expect((await data(BASIC_CREATE, { input })).discountCodeBasicCreate.userErrors).toEqual([]);
    const count = dev.store.discountCodes().length;
    const again = await data(BASIC_CREATE, { input: { ...input, code: "eg-dup" } });
    expect(again.discountCodeBasicCreate).toEqual({
      codeDiscountNode: null,
      userErrors: [{ field: ["basicCodeDiscount", "code"], message: "Code must be unique. Please try a different code.", code: "TAKEN", extraInfo: null }],
    });
    expect(dev.store.discountCodes()).toHaveLength(count);
  });

  it("reports every invalid input at once, with Shopify's error codes and input paths, and creates nothing", async () => {
    const count = dev.store.discountCodes().length;
    const result = await data(BASIC_CREATE, {
      input: {
        code: "EG-BAD",
        title: " ",
        startsAt: "2026-12-01T00:00:00Z",
        endsAt: "2026-11-30T00:00:00Z",
        usageLimit: 0,
        context: { customers: { add: [gid("Customer", "1")] } },
        customerGets: { items: { all: true }, value: { percentage: 1.5 } },
      },
    });
    const errors = result.discountCodeBasicCreate.userErrors as { field: string[]; code: string }[];
    expect(result.discountCodeBasicCreate.codeDiscountNode).toBeNull();
    expect(errors.map((e) => [e.field.join("."), e.code])).toEqual([
      ["basicCodeDiscount.title", "BLANK"],
      ["basicCodeDiscount.endsAt", "END_DATE_BEFORE_START_DATE"],
      ["basicCodeDiscount.context.customers.add", "INVALID"],
      ["basicCodeDiscount.usageLimit", "GREATER_THAN"],
      ["basicCodeDiscount.customerGets.value.percentage", "VALUE_OUTSIDE_RANGE"],
    ]);
    expect(dev.store.discountCodes()).toHaveLength(count);

    const missing = await data(BASIC_CREATE, { input: { code: "EG-MISSING", title: "x" } });
    expect(missing.discountCodeBasicCreate.userErrors.map((e: { field: string[]; code: string }) => [e.field.join("."), e.code])).toEqual([
      ["basicCodeDiscount.startsAt", "BLANK"],
      ["basicCodeDiscount.context", "BLANK"],
      ["basicCodeDiscount.customerGets", "BLANK"],
    ]);

    const both = await data(BASIC_CREATE, {
      input: rewardInput({ code: "EG-BOTH", context: { all: "ALL" }, customerSelection: { all: true } }),
    });
    expect(both.discountCodeBasicCreate.userErrors).toEqual([
      { field: ["basicCodeDiscount"], message: "Only one of context or customerSelection can be provided", code: "TOO_MANY_ARGUMENTS", extraInfo: null },
    ]);

    const long = await data(BASIC_CREATE, { input: rewardInput({ code: "X".repeat(256), context: { all: "ALL" } }) });
    expect(long.discountCodeBasicCreate.userErrors[0]).toMatchObject({ field: ["basicCodeDiscount", "code"], code: "TOO_LONG" });
  });

  it("refuses, loudly, what the dev store does not model (segments, collections)", async () => {
    const body = await gql(BASIC_CREATE, {
      input: rewardInput({ code: "EG-SEG", context: { customerSegments: { add: ["gid://shopify/Segment/1"] } } }),
    });
    expect(body.errors?.[0].extensions.code).toBe("NOT_IMPLEMENTED");
  });

  it("needs the write_discounts scope, as Shopify does", async () => {
    const token = dev.server.tokens.issue(dev.shop, "read_customers,read_orders");
    const body = await gql(BASIC_CREATE, { input: rewardInput({ code: "EG-SCOPE", context: { all: "ALL" } }) }, token);
    expect(body.data.discountCodeBasicCreate).toBeNull();
    expect(body.errors?.[0]).toMatchObject({
      message: "Access denied for discountCodeBasicCreate field. Required access: `write_discounts` access scope.",
      extensions: { code: "ACCESS_DENIED" },
    });
    const read = await gql(BY_CODE, { code: "EG-FIXED-1" }, token);
    expect(read.errors?.[0].extensions.code).toBe("ACCESS_DENIED");
    expect(dev.store.discountCodeByCode("EG-SCOPE")).toBeUndefined();
  });
});

describe("discountCodeFreeShippingCreate", () => {
  it("creates a free-shipping code limited to one customer", async () => {
    const { customerGid } = fixtures(3);
    const created = await data(FREE_SHIPPING_CREATE, {
      input: { code: "EG-SHIP-1", title: "Free shipping", startsAt: START, usageLimit: 1, appliesOncePerCustomer: true, context: { customers: { add: [customerGid] } }, destination: { all: true } },
    });
    expect(created.discountCodeFreeShippingCreate.userErrors).toEqual([]);
    const found = await data(BY_CODE, { code: "EG-SHIP-1" });
    expect(found.codeDiscountNodeByCode.codeDiscount).toEqual({
      __typename: "DiscountCodeFreeShipping",
      title: "Free shipping",
      status: "ACTIVE",
      usageLimit: 1,
      appliesOncePerCustomer: true,
      discountClasses: ["SHIPPING"],
      context: { __typename: "DiscountCustomers", customers: [{ id: customerGid }] },
      destinationSelection: { __typename: "DiscountCountryAll" },
    });
  });
});

describe("a shopper redeems a reward code", () => {
  it("GIVEN a single-use fixed-amount code for customer A WHEN A orders with it THEN the order carries it, its usage counts, and no second use or other customer is accepted", async () => {
    const a = fixtures(10, 2500);
    const b = fixtures(11);
    await data(BASIC_CREATE, { input: rewardInput({ code: "EG-REDEEM-1", context: { customers: { add: [a.customerGid] } } }) });

    expect(() => dev.store.redeemDiscountCode("EG-REDEEM-1", { customerId: b.customer.id })).toThrow(/not available to this customer/);
    const order = dev.store.redeemDiscountCode("eg-redeem-1", { customerId: a.customer.id, lines: [{ variantId: a.variant.id, quantity: 1 }] });
    expect(order.discountCodes).toEqual(["EG-REDEEM-1"]);
    expect(order.totalDiscounts.shopMoney.amount).toBe("5.00");
    expect(dev.store.events().slice(-2).map((e) => e.topic)).toEqual(["orders/create", "orders/paid"]);

    const found = await data(BY_CODE, { code: "EG-REDEEM-1" });
    expect(found.codeDiscountNodeByCode.codeDiscount.asyncUsageCount).toBe(1);
    const read = await data(`query($id: ID!) { order(id: $id) { discountCode totalDiscountsSet { shopMoney { amount } } } }`, { id: gid("Order", order.id) });
    expect(read.order).toEqual({ discountCode: "EG-REDEEM-1", totalDiscountsSet: { shopMoney: { amount: "5.00" } } });

    const second = () => dev.store.redeemDiscountCode("EG-REDEEM-1", { customerId: a.customer.id });
    expect(second).toThrow(DevStoreError);
    expect(second).toThrow(/usage limit/);
  });

  it("a minimum subtotal is enforced, and the default cart is sized to meet it", async () => {
    const a = fixtures(12, 100);
    await data(BASIC_CREATE, {
      input: rewardInput({ code: "EG-MIN", context: { customers: { add: [a.customerGid] } }, minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: "60.00" } } }),
    });
    const cheap = dev.store.products().flatMap((p) => p.variants).find((v) => parseMinor(v.price, "USD") < 6000)!;
    expect(() => dev.store.redeemDiscountCode("EG-MIN", { customerId: a.customer.id, lines: [{ variantId: cheap.id, quantity: 1 }] })).toThrow(/needs a subtotal of 60.00/);
    const order = dev.store.redeemDiscountCode("EG-MIN", { customerId: a.customer.id });
    expect(parseMinor(order.lineItems[0].originalUnitPrice.shopMoney.amount, "USD") * order.lineItems[0].quantity).toBeGreaterThanOrEqual(6000);
    expect(order.totalDiscounts.shopMoney.amount).toBe("5.00");
  });

  it("a free-product code (one unit's price off the chosen variant) makes exactly one unit free and leaves other lines paid", async () => {
    const a = fixtures(13, 1500);
    const other = dev.store.products().flatMap((p) => p.variants).find((v) => v.productId !== a.variant.productId)!;
    const created = await data(BASIC_CREATE, {
      input: rewardInput({
        code: "EG-FREEBIE",
        context: { customers: { add: [a.customerGid] } },
        customerGets: { items: { products: { productVariantsToAdd: [a.variantGid] } }, value: { discountAmount: { amount: a.variant.price, appliesOnEachItem: false } } },
      }),
    });
    expect(created.discountCodeBasicCreate.userErrors).toEqual([]);
    const found = await data(BY_CODE, { code: "EG-FREEBIE" });
    expect(found.codeDiscountNodeByCode.codeDiscount.discountClasses).toEqual(["PRODUCT"]);
    expect(found.codeDiscountNodeByCode.codeDiscount.customerGets.items).toEqual({
      __typename: "DiscountProducts",
      productVariants: { nodes: [{ id: a.variantGid }] },
    });

    expect(() => dev.store.redeemDiscountCode("EG-FREEBIE", { customerId: a.customer.id, lines: [{ variantId: other.id, quantity: 1 }] })).toThrow(/does not apply to any item/);
    const order = dev.store.redeemDiscountCode("EG-FREEBIE", {
      customerId: a.customer.id,
      lines: [{ variantId: a.variant.id, quantity: 2 }, { variantId: other.id, quantity: 1 }],
    });
    const [free, paid] = order.lineItems;
    expect(free.totalDiscount.shopMoney.amount).toBe(a.variant.price);
    expect(free.discountedTotal.shopMoney.amount).toBe(a.variant.price); // the second unit is paid
    expect(paid.totalDiscount.shopMoney.amount).toBe("0.00");
  });

  it("a free-shipping code takes the shipping off", async () => {
    const a = fixtures(14, 100);
    const cheap = dev.store.products().flatMap((p) => p.variants).find((v) => parseMinor(v.price, "USD") < 2000)!;
    await data(FREE_SHIPPING_CREATE, {
      input: { code: "EG-SHIP-2", title: "Free shipping", startsAt: START, usageLimit: 1, appliesOncePerCustomer: true, context: { customers: { add: [a.customerGid] } } },
    });
    const without = dev.store.createOrder({ customerId: a.customer.id, lines: [{ variantId: cheap.id, quantity: 1 }] });
    expect(parseMinor(without.totalShipping.shopMoney.amount, "USD")).toBeGreaterThan(0);
    const order = dev.store.redeemDiscountCode("EG-SHIP-2", { customerId: a.customer.id, lines: [{ variantId: cheap.id, quantity: 1 }] });
    expect(order.totalShipping.shopMoney.amount).toBe("0.00");
  });
});

describe("the demo endpoint /_dev/redeem-discount-code", () => {
  it("makes a shopper use a code in a paid order, and answers 422 with the reason when checkout would refuse it", async () => {
    const a = fixtures(17);
    await data(BASIC_CREATE, { input: rewardInput({ code: "EG-DEMO", context: { customers: { add: [a.customerGid] } } }) });
    const redeem = (customerId: string) =>
      fetch(`${dev.server.url}/_dev/redeem-discount-code`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code: "EG-DEMO", customerId }),
      });
    const refused = await redeem(fixtures(18).customerGid);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/not available to this customer/), code: "INVALID_DISCOUNT_CODE" });
    const used = await redeem(a.customerGid);
    expect(used.status).toBe(201);
    const { order } = (await used.json()) as { order: { id: string; totalDiscounts: { amount: string } } };
    expect(order.totalDiscounts.amount).toBe("5.00");
    expect(dev.store.order(order.id.split("/").pop()!)!.discountCodes).toEqual(["EG-DEMO"]);
  });
});

describe("discountCodeDelete and discountCodeDeactivate", () => {
  it("deletes a code (it can no longer be found nor used); deleting again is a userError", async () => {
    const a = fixtures(15);
    const created = await data(BASIC_CREATE, { input: rewardInput({ code: "EG-DEL", context: { customers: { add: [a.customerGid] } } }) });
    const id = created.discountCodeBasicCreate.codeDiscountNode.id;
    const del = `mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { field message code } } }`;
    expect((await data(del, { id })).discountCodeDelete).toEqual({ deletedCodeDiscountId: id, userErrors: [] });
    expect((await data(BY_CODE, { code: "EG-DEL" })).codeDiscountNodeByCode).toBeNull();
    expect(() => dev.store.redeemDiscountCode("EG-DEL", { customerId: a.customer.id })).toThrow(/does not exist/);
    expect((await data(del, { id })).discountCodeDelete).toEqual({
      deletedCodeDiscountId: null,
      userErrors: [{ field: ["id"], message: "Discount does not exist", code: "INVALID" }],
    });
  });

  it("deactivates a code: it reads EXPIRED and checkout refuses it", async () => {
    const a = fixtures(16);
    const created = await data(BASIC_CREATE, { input: rewardInput({ code: "EG-OFF", context: { customers: { add: [a.customerGid] } } }) });
    const id = created.discountCodeBasicCreate.codeDiscountNode.id;
    const off = await data(`mutation($id: ID!) { discountCodeDeactivate(id: $id) { codeDiscountNode { id } userErrors { message } } }`, { id });
    expect(off.discountCodeDeactivate).toEqual({ codeDiscountNode: { id }, userErrors: [] });
    expect((await data(BY_CODE, { code: "EG-OFF" })).codeDiscountNodeByCode.codeDiscount.status).toBe("EXPIRED");
    expect(() => dev.store.redeemDiscountCode("EG-OFF", { customerId: a.customer.id })).toThrow(/has expired/);
  });
});
