/**
 * Code discounts in the local dev store: discountCodeBasicCreate,
 * discountCodeFreeShippingCreate, discountCodeDelete, discountCodeDeactivate.
 * https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/discountCodeBasicCreate
 *
 * Validation follows the input's documentation in the 2026-10 schema: `code`,
 * `title`, `startsAt`, `context` (or the deprecated `customerSelection`, never
 * both) and, for amount off, `customerGets` are required; percentages lie in
 * (0, 1]; `endsAt` follows `startsAt`; codes are unique per shop,
 * case-insensitively, up to 255 characters. Every problem comes back at once
 * as a `DiscountUserError` with a `DiscountErrorCode` and the input path in
 * `field`; nothing is created then. Shopify does not publish its messages, so
 * callers should branch on `code`, not on `message`.
 *
 * What the dev store does not model (customer segments, markets, collections,
 * minimum quantities, per-country free shipping, BXGY) is refused with a
 * NOT_IMPLEMENTED GraphQL error instead of being silently ignored.
 */
import { DevStoreError } from "../store";
import { formatMinor, parseMinor } from "../money";
import { parseGid, type DevDiscountCode } from "../model";
import type { ResolverContext } from "./context";
import { NotImplementedError, tagType } from "./resolvers";
import { requireScope } from "./scopes";

export interface DiscountUserError {
  field: string[] | null;
  message: string;
  code: string | null;
  extraInfo: string | null;
}

/** Shopify's limit on a redeem code's length. */
export const MAX_DISCOUNT_CODE_LENGTH = 255;

type Input = Record<string, any>;



function userError(field: string[] | null, message: string, code: string): DiscountUserError {
  return { field, message, code, extraInfo: null };
}

/** A Decimal input (string or number) as minor units of the shop currency, or null when not a non-negative decimal. */
function decimalMinor(value: unknown, currencyCode: string): number | null {
  if (value === null || value === undefined) return null;
  try {
    const minor = parseMinor(String(value), currencyCode);
    return minor >= 0 ? minor : null;
  } catch {
    return null;
  }
}

function isoInstant(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The fields every code discount shares: code, title, dates, buyers, limits, minimum subtotal, combinations. */
function commonFields(root: string, input: Input, ctx: ResolverContext, errors: DiscountUserError[]) {
  const at = (...path: string[]) => [root, ...path];
  const code = typeof input.code === "string" ? input.code.trim() : "";
  if (!code) errors.push(userError(at("code"), "Code can't be blank", "BLANK"));
  else if (code.length > MAX_DISCOUNT_CODE_LENGTH) {
    errors.push(userError(at("code"), `Code is too long (maximum is ${MAX_DISCOUNT_CODE_LENGTH} characters)`, "TOO_LONG"));
  } else if (/[\r\n]/.test(code)) errors.push(userError(at("code"), "Code can't contain newline characters", "INVALID"));
  else if (ctx.store.discountCodeByCode(code)) {
    errors.push(userError(at("code"), "Code must be unique. Please try a different code.", "TAKEN"));
  }

  const title = typeof input.title === "string" ? input.title.trim() : "";
  if (!title) errors.push(userError(at("title"), "Title can't be blank", "BLANK"));

  const startsAt = isoInstant(input.startsAt);
  if (input.startsAt == null) errors.push(userError(at("startsAt"), "Starts at can't be blank", "BLANK"));
  else if (!startsAt) errors.push(userError(at("startsAt"), "Starts at is invalid", "INVALID"));
  const endsAt = input.endsAt == null ? null : isoInstant(input.endsAt);
  if (input.endsAt != null && !endsAt) errors.push(userError(at("endsAt"), "Ends at is invalid", "INVALID"));
  if (startsAt && endsAt && endsAt <= startsAt) {
    errors.push(userError(at("endsAt"), "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE"));
  }

  let customerIds: string[] | "all" = "all";
  if (input.context != null && input.customerSelection != null) {
    errors.push(userError([root], "Only one of context or customerSelection can be provided", "TOO_MANY_ARGUMENTS"));
  } else if (input.context == null && input.customerSelection == null) {
    errors.push(userError(at("context"), "Context can't be blank", "BLANK"));
  } else {
    const key = input.context != null ? "context" : "customerSelection";
    const selection = input[key] as Input;
    if (selection.customerSegments) throw new NotImplementedError(`${key}.customerSegments`);
    if (selection.markets) throw new NotImplementedError(`${key}.markets`);
    if (selection.customers) {
      const add: string[] = selection.customers.add ?? [];
      if (add.length === 0) errors.push(userError(at(key, "customers", "add"), "Customers can't be blank", "BLANK"));
      const unknown = add.filter((id) => {
        const parsed = parseGid(id);
        return !parsed || parsed.type !== "Customer" || !ctx.store.customer(parsed.id);
      });
      if (unknown.length) {
        errors.push(userError(at(key, "customers", "add"), `Customer ids are invalid: ${unknown.join(", ")}`, "INVALID"));
      }
      customerIds = [...new Set(add.map((id) => parseGid(id)?.id ?? id))];
    } else if (selection.all !== "ALL" && selection.all !== true) {
      errors.push(userError(at(key), "Context can't be blank", "BLANK"));
    }
  }

  const usageLimit = input.usageLimit ?? null;
  if (usageLimit !== null && usageLimit < 1) errors.push(userError(at("usageLimit"), "Usage limit must be greater than 0", "GREATER_THAN"));

  let minimumSubtotal: string | null = null;
  const minimum = input.minimumRequirement as Input | null | undefined;
  if (minimum?.quantity && minimum?.subtotal) {
    errors.push(userError(at("minimumRequirement"), "Specify a minimum subtotal or a minimum quantity, not both", "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT"));
  } else if (minimum?.quantity) {
    throw new NotImplementedError("minimumRequirement.quantity");
  } else if (minimum?.subtotal) {
    const currency = ctx.store.shop.currencyCode;
    const minor = decimalMinor(minimum.subtotal.greaterThanOrEqualToSubtotal, currency);
    if (minor === null || minor === 0) {
      errors.push(userError(at("minimumRequirement", "subtotal", "greaterThanOrEqualToSubtotal"), "Minimum subtotal must be greater than 0", "GREATER_THAN"));
    } else {
      minimumSubtotal = formatMinor(minor, currency);
    }
  }

  const combinesWith = {
    orderDiscounts: Boolean(input.combinesWith?.orderDiscounts),
    productDiscounts: Boolean(input.combinesWith?.productDiscounts),
    shippingDiscounts: Boolean(input.combinesWith?.shippingDiscounts),
  };
  return {
    code, title, startsAt: startsAt ?? "", endsAt, customerIds, usageLimit,
    appliesOncePerCustomer: Boolean(input.appliesOncePerCustomer), minimumSubtotal, combinesWith,
  };
}

/** `customerGets` of an amount off discount: what it is worth and which lines it applies to. */
function customerGets(root: string, input: Input, ctx: ResolverContext, errors: DiscountUserError[]): Pick<DevDiscountCode, "value" | "items"> {
  const at = (...path: string[]) => [root, "customerGets", ...path];
  const gets = input.customerGets as Input | null | undefined;
  if (!gets) {
    errors.push(userError([root, "customerGets"], "Customer gets can't be blank", "BLANK"));
    return { value: null, items: "all" };
  }
  let value: DevDiscountCode["value"] = null;
  const given = ["percentage", "discountAmount", "discountOnQuantity"].filter((k) => gets.value?.[k] != null);
  if (given.length === 0) errors.push(userError(at("value"), "Value can't be blank", "BLANK"));
  else if (given.length > 1) errors.push(userError(at("value"), "Only one of percentage, discountAmount or discountOnQuantity can be provided", "TOO_MANY_ARGUMENTS"));
  else if (given[0] === "discountOnQuantity") {
    errors.push(userError(at("value", "discountOnQuantity"), "Discount on quantity is only supported by Buy X Get Y discounts", "INVALID"));
  } else if (given[0] === "percentage") {
    const p = Number(gets.value.percentage);
    if (!(p > 0 && p <= 1)) errors.push(userError(at("value", "percentage"), "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE"));
    else value = { percentage: p };
  } else {
    const currency = ctx.store.shop.currencyCode;
    const minor = decimalMinor(gets.value.discountAmount.amount, currency);
    if (minor === null || minor === 0) {
      errors.push(userError(at("value", "discountAmount", "amount"), "Value must be greater than 0", "GREATER_THAN"));
    } else {
      value = { amount: formatMinor(minor, currency), appliesOnEachItem: Boolean(gets.value.discountAmount.appliesOnEachItem) };
    }
  }

  let items: DevDiscountCode["items"] = "all";
  const itemsInput = gets.items as Input | null | undefined;
  if (!itemsInput || (itemsInput.all == null && !itemsInput.products && !itemsInput.collections)) {
    errors.push(userError(at("items"), "Items can't be blank", "BLANK"));
  } else if (itemsInput.collections) {
    throw new NotImplementedError("customerGets.items.collections");
  } else if (itemsInput.all && itemsInput.products) {
    errors.push(userError(at("items"), "Only one of all, products or collections can be provided", "TOO_MANY_ARGUMENTS"));
  } else if (itemsInput.products) {
    const variantIds: string[] = itemsInput.products.productVariantsToAdd ?? [];
    const productIds: string[] = itemsInput.products.productsToAdd ?? [];
    if (variantIds.length + productIds.length === 0) {
      errors.push(userError(at("items", "products"), "Products or variants can't be blank", "BLANK"));
    }
    const badVariants = variantIds.filter((id) => parseGid(id)?.type !== "ProductVariant" || !ctx.store.variant(parseGid(id)!.id));
    const badProducts = productIds.filter((id) => parseGid(id)?.type !== "Product" || !ctx.store.product(parseGid(id)!.id));
    if (badVariants.length) {
      errors.push(userError(at("items", "products", "productVariantsToAdd"), `Product variant ids are invalid: ${badVariants.join(", ")}`, "INVALID"));
    }
    if (badProducts.length) {
      errors.push(userError(at("items", "products", "productsToAdd"), `Product ids are invalid: ${badProducts.join(", ")}`, "INVALID"));
    }
    items = { variantIds: variantIds.map((id) => parseGid(id)?.id ?? id), productIds: productIds.map((id) => parseGid(id)?.id ?? id) };
  } else if (itemsInput.all !== true) {
    errors.push(userError(at("items"), "Items can't be blank", "BLANK"));
  }
  return { value, items };
}

function created(ctx: ResolverContext, input: Omit<DevDiscountCode, "id" | "createdAt">, root: string) {
  try {
    return { codeDiscountNode: tagType(ctx.store.createDiscountCode(input), "DiscountCodeNode"), userErrors: [] };
  } catch (error) {
    if (error instanceof DevStoreError && error.code === "TAKEN") {
      return { codeDiscountNode: null, userErrors: [userError([root, "code"], "Code must be unique. Please try a different code.", "TAKEN")] };
    }
    throw error;
  }
}

function missingDiscount(field: string): DiscountUserError {
  return userError([field], "Discount does not exist", "INVALID");
}

type Resolver = (source: unknown, args: any, ctx: ResolverContext) => unknown;

const discountMutations: Record<string, Resolver> = {
  discountCodeBasicCreate: (_s, args: { basicCodeDiscount: Input }, ctx) => {
    const root = "basicCodeDiscount";
    const errors: DiscountUserError[] = [];
    const common = commonFields(root, args.basicCodeDiscount, ctx, errors);
    const gets = customerGets(root, args.basicCodeDiscount, ctx, errors);
    if (errors.length) return { codeDiscountNode: null, userErrors: errors };
    return created(ctx, { ...common, kind: "basic", ...gets, maximumShippingPrice: null }, root);
  },

  discountCodeFreeShippingCreate: (_s, args: { freeShippingCodeDiscount: Input }, ctx) => {
    const root = "freeShippingCodeDiscount";
    const input = args.freeShippingCodeDiscount;
    const errors: DiscountUserError[] = [];
    const common = commonFields(root, input, ctx, errors);
    if (input.destination?.countries) throw new NotImplementedError("destination.countries");
    let maximumShippingPrice: string | null = null;
    if (input.maximumShippingPrice != null) {
      const currency = ctx.store.shop.currencyCode;
      const minor = decimalMinor(input.maximumShippingPrice, currency);
      if (minor === null) errors.push(userError([root, "maximumShippingPrice"], "Maximum shipping price is invalid", "INVALID"));
      else maximumShippingPrice = formatMinor(minor, currency);
    }
    if (errors.length) return { codeDiscountNode: null, userErrors: errors };
    return created(ctx, { ...common, kind: "free_shipping", value: null, items: "all", maximumShippingPrice }, root);
  },

  discountCodeBxgyCreate: () => {
    throw new NotImplementedError("Mutation 'discountCodeBxgyCreate'");
  },

  discountCodeDelete: (_s, args: { id: string }, ctx) => {
    const parsed = parseGid(args.id);
    if (!parsed || parsed.type !== "DiscountCodeNode" || !ctx.store.discountCode(parsed.id)) {
      return { deletedCodeDiscountId: null, userErrors: [missingDiscount("id")] };
    }
    ctx.store.deleteDiscountCode(parsed.id);
    return { deletedCodeDiscountId: args.id, userErrors: [] };
  },

  discountCodeDeactivate: (_s, args: { id: string }, ctx) => {
    const parsed = parseGid(args.id);
    if (!parsed || parsed.type !== "DiscountCodeNode" || !ctx.store.discountCode(parsed.id)) {
      return { codeDiscountNode: null, userErrors: [missingDiscount("id")] };
    }
    return { codeDiscountNode: tagType(ctx.store.deactivateDiscountCode(parsed.id), "DiscountCodeNode"), userErrors: [] };
  },
};

/** The discount mutations, each behind `write_discounts`. */
export const discountMutationResolvers: Record<string, Resolver> = Object.fromEntries(
  Object.entries(discountMutations).map(([name, resolve]) => [
    name,
    (source: unknown, args: any, ctx: ResolverContext) => {
      requireScope(ctx, "write_discounts", name);
      return resolve(source, args, ctx);
    },
  ]),
);
