/**
 * Reward discount codes: the Shopify side of redeeming a loyalty reward (or
 * a referral's). Each redemption becomes one single-use code discount limited
 * to the redeeming customer (operations: app/shopify/operations/discounts.ts).
 * One discount per redemption, not redeem codes bulk-added to a shared
 * discount: Shopify limits buyers (`context`), expiry and minimums per
 * discount, so a shared discount cannot be limited to one customer.
 *
 * Idempotent by code: the caller derives the code from its redemption id, so
 * calling again for the same redemption finds the code instead of creating a
 * second one. A create that failed ambiguously (5xx or network: Shopify may
 * have run it; the client does not resend mutations) is settled by looking the
 * code up again, and only then retried; codes are unique per shop, so a retry
 * can never make two.
 *
 * Failures, for the caller's ledger:
 * - {@link RewardDiscountRejectedError} (Shopify's userErrors) and
 *   {@link RewardDiscountConflictError} (the code exists but is not this
 *   reward's): no code was created and none will be: restore the points.
 * - RangeError: the spec is invalid; nothing was sent.
 * - Any other AdminApiError (auth, retries exhausted, a still-ambiguous
 *   failure): the outcome is unknown; call again later with the same spec.
 */
import { formatMinorUnits } from "~/domain/sync/money";
import type { DiscountBuyerSelection } from "~/types/admin.types";
import type { AdminClient } from "./admin-client.server";
import { AdminApiError, AdminHttpError, AdminUserErrorsError, type AdminUserError } from "./errors";
import {
  RewardDiscountCodeBasicCreate,
  RewardDiscountCodeDelete,
  RewardDiscountCodeFreeShippingCreate,
  RewardDiscountCodeLookup,
} from "./operations/discounts";

/** What a reward gives, in Shopify's discount types. */
export type RewardKind = "fixed_amount" | "percentage" | "free_shipping" | "free_product";

/**
 * One reward's discount code. Flat, so the loyalty and referral services can
 * pass their own specs (app/services/rewards.server.ts, referrals.server.ts) as they are.
 */
export interface RewardDiscountSpec {
  /** Deterministic, from the redemption id (e.g. `EG-7K3Q9P`): the idempotency key. 1-255 characters, no newlines. */
  code: string;
  /** Shown to the merchant in Discounts and to the customer at checkout. */
  title: string;
  kind: RewardKind;
  /**
   * fixed_amount: the amount off the order (or the selected variants);
   * free_product: the price of one unit of the product (the discount is capped
   * at it, so further units in the cart stay paid). Integer minor units of `currencyCode`.
   */
  amountMinor?: number | bigint;
  /** The shop's currency (Shopify reads discount amounts in it); needed with `amountMinor` or `minimumSubtotalMinor`. */
  currencyCode?: string;
  /** percentage: percent off, in (0, 100] (Shopify's fraction is this / 100). */
  percentage?: number;
  /**
   * The only customer who can use the code. Omitted: any buyer, still once
   * (e.g. a referred friend who has no account yet).
   */
  customerGid?: string;
  /** Variants the discount applies to: required for free_product, optional for amount off. */
  productVariantGids?: readonly string[];
  /** Minimum subtotal (of the selected variants when there are some), minor units of `currencyCode`. */
  minimumSubtotalMinor?: number | bigint;
  /** When the code starts to work; now when omitted. */
  startsAt?: Date | string;
  /** When it stops working; never when omitted. */
  endsAt?: Date | string | null;
  /** Discount classes it combines with; Shopify's default (none) when omitted. */
  combinesWith?: { orderDiscounts?: boolean; productDiscounts?: boolean; shippingDiscounts?: boolean };
}

export interface RewardDiscountCode {
  /** The DiscountCodeNode GID. */
  discountGid: string;
  code: string;
  /** True when this call created it; false when it already existed (an earlier call did). */
  created: boolean;
}

/** Shopify refused to create the code (its userErrors): nothing was created. */
export class RewardDiscountRejectedError extends AdminUserErrorsError {
  constructor(
    operationName: string,
    userErrors: readonly AdminUserError[],
    readonly code: string,
  ) {
    super(operationName, userErrors);
  }
}

/** The code exists in the shop but is not this reward's (another kind or customer): nothing was created. */
export class RewardDiscountConflictError extends AdminApiError {
  constructor(
    readonly code: string,
    readonly discountGid: string,
    readonly reason: string,
  ) {
    super(`Discount code ${code} already exists as ${discountGid} and is not this reward's: ${reason}`);
  }
}

/** True for the failures after which no code exists and none will: the caller restores the points. */
export function isPermanentRewardDiscountFailure(error: unknown): boolean {
  return error instanceof RewardDiscountRejectedError || error instanceof RewardDiscountConflictError || error instanceof RangeError;
}

type Admin = Pick<AdminClient, "request">;

const MAX_CREATE_ATTEMPTS = 3;
const MAX_CODE_LENGTH = 255;

/**
 * Makes sure the reward's discount code exists: finds it (created by an
 * earlier call) or creates it, single-use and limited to `spec.customerGid`.
 *
 * @returns the discount's GID, its code, and whether this call created it.
 * @throws RangeError for an invalid spec (nothing sent).
 * @throws RewardDiscountRejectedError when Shopify answers userErrors.
 * @throws RewardDiscountConflictError when the code exists for another customer or kind.
 * @throws AdminApiError (others) when the outcome is unknown: call again with the same spec.
 * @example
 * const { code } = await ensureRewardDiscountCode(client, {
 *   code: "EG-7K3Q9P", title: "$5 off (Evergreen reward)", kind: "fixed_amount",
 *   amountMinor: 500n, currencyCode: "USD", customerGid, startsAt: redeemedAt,
 * });
 */
export async function ensureRewardDiscountCode(admin: Admin, spec: RewardDiscountSpec): Promise<RewardDiscountCode> {
  const create = createRequest(spec);
  let createdByUs = false;
  for (let attempt = 1; ; attempt++) {
    const found = await findRewardDiscountCode(admin, spec.code);
    if (found) {
      assertSameReward(spec, found);
      return { discountGid: found.id, code: spec.code, created: createdByUs };
    }
    try {
      const discountGid = await create(admin);
      return { discountGid, code: spec.code, created: true };
    } catch (error) {
      if (attempt >= MAX_CREATE_ATTEMPTS) throw error;
      if (error instanceof RewardDiscountRejectedError && error.userErrors.every((e) => e.code === "TAKEN")) {
        // Created concurrently (or by our own earlier attempt): the next lookup finds it.
        continue;
      }
      if (isAmbiguous(error)) {
        // Shopify may have created it before failing; the next lookup tells.
        createdByUs = true;
        continue;
      }
      throw error;
    }
  }
}

/**
 * Deletes a reward's discount code, e.g. when a redemption is cancelled
 * before the customer used it. Idempotent: a code that does not exist is not
 * an error.
 * @returns true when this call deleted it.
 * @throws RewardDiscountRejectedError when Shopify refuses the deletion.
 */
export async function deleteRewardDiscountCode(admin: Admin, code: string): Promise<boolean> {
  const found = await findRewardDiscountCode(admin, code);
  if (!found) return false;
  const { discountCodeDelete } = await admin.request(RewardDiscountCodeDelete, { id: found.id });
  const userErrors = discountCodeDelete?.userErrors ?? [];
  if (userErrors.length > 0) {
    // Deleted by someone else between the lookup and the delete.
    if (!(await findRewardDiscountCode(admin, code))) return false;
    throw new RewardDiscountRejectedError("RewardDiscountCodeDelete", userErrors, code);
  }
  return true;
}

type FoundDiscount = NonNullable<Awaited<ReturnType<typeof lookup>>>;

function lookup(admin: Admin, code: string) {
  return admin.request(RewardDiscountCodeLookup, { code }).then((data) => data.codeDiscountNodeByCode ?? null);
}

/** The code discount with this code (case-insensitive), or null. Needs `read_discounts`. */
export async function findRewardDiscountCode(admin: Admin, code: string): Promise<FoundDiscount | null> {
  return lookup(admin, code);
}

function assertSameReward(spec: RewardDiscountSpec, found: FoundDiscount): void {
  const discount = found.codeDiscount;
  const expectedType = spec.kind === "free_shipping" ? "DiscountCodeFreeShipping" : "DiscountCodeBasic";
  if (discount.__typename !== expectedType) {
    throw new RewardDiscountConflictError(spec.code, found.id, `it is a ${discount.__typename}, the reward needs a ${expectedType}`);
  }
  const context = "context" in discount ? discount.context : null;
  if (spec.customerGid === undefined) {
    if (context?.__typename !== "DiscountBuyerSelectionAll") {
      throw new RewardDiscountConflictError(spec.code, found.id, "it is limited to some buyers, the reward is for any buyer");
    }
    return;
  }
  const customers = context && context.__typename === "DiscountCustomers" ? context.customers.map((c) => c.id) : null;
  if (!customers || customers.length !== 1 || customers[0] !== spec.customerGid) {
    throw new RewardDiscountConflictError(spec.code, found.id, `it is not limited to ${spec.customerGid} alone`);
  }
}

function isAmbiguous(error: unknown): boolean {
  return error instanceof AdminHttpError && (error.status === undefined || error.status >= 500);
}

/** Positive integer minor units as Shopify's decimal string in `currencyCode`. */
function decimal(amountMinor: number | bigint | undefined, currencyCode: string | undefined, what: string): string {
  if (amountMinor === undefined) throw new RangeError(`${what} is required`);
  if (typeof amountMinor === "number" && !Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`${what} must be an integer number of minor units, got ${amountMinor}`);
  }
  const minor = BigInt(amountMinor);
  if (minor <= 0n) throw new RangeError(`${what} must be positive, got ${minor}`);
  if (!currencyCode || !/^[A-Z]{3}$/.test(currencyCode)) throw new RangeError(`${what} needs a currencyCode, got ${currencyCode}`);
  return formatMinorUnits(minor, currencyCode);
}

function instant(value: Date | string, what: string): Date {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`${what} is not a date: ${String(value)}`);
  return date;
}

/** Validates the spec and builds the create call (RangeError before anything is sent). */
function createRequest(spec: RewardDiscountSpec): (admin: Admin) => Promise<string> {
  if (!spec.code || spec.code.length > MAX_CODE_LENGTH || /[\r\n]/.test(spec.code) || spec.code.trim() !== spec.code) {
    throw new RangeError(`a discount code must be 1-${MAX_CODE_LENGTH} characters without surrounding spaces or newlines, got ${JSON.stringify(spec.code)}`);
  }
  if (!spec.title.trim()) throw new RangeError("a reward discount needs a title");
  if (spec.customerGid !== undefined && !/^gid:\/\/shopify\/Customer\/\d+$/.test(spec.customerGid)) {
    throw new RangeError(`not a customer GID: ${spec.customerGid}`);
  }
  const startsAt = spec.startsAt === undefined ? new Date() : instant(spec.startsAt, "startsAt");
  const endsAt = spec.endsAt == null ? null : instant(spec.endsAt, "endsAt");
  if (endsAt && endsAt.getTime() <= startsAt.getTime()) throw new RangeError("endsAt must be after startsAt");
  const variants = spec.productVariantGids ?? [];
  for (const gid of variants) {
    if (!/^gid:\/\/shopify\/ProductVariant\/\d+$/.test(gid)) throw new RangeError(`not a product variant GID: ${gid}`);
  }

  const common = {
    code: spec.code,
    title: spec.title,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt ? endsAt.toISOString() : null,
    // One use, by one customer: the code is the reward.
    context: spec.customerGid === undefined ? { all: "ALL" as DiscountBuyerSelection } : { customers: { add: [spec.customerGid] } },
    usageLimit: 1,
    appliesOncePerCustomer: true,
    ...(spec.minimumSubtotalMinor !== undefined && {
      minimumRequirement: {
        subtotal: { greaterThanOrEqualToSubtotal: decimal(spec.minimumSubtotalMinor, spec.currencyCode, "minimumSubtotalMinor") },
      },
    }),
    ...(spec.combinesWith && { combinesWith: spec.combinesWith }),
  };

  if (spec.kind === "free_shipping") {
    if (spec.amountMinor !== undefined || spec.percentage !== undefined) throw new RangeError("a free_shipping reward has no value");
    if (variants.length) throw new RangeError("a free_shipping reward applies to the whole order");
    return async (admin) => {
      const { discountCodeFreeShippingCreate: payload } = await admin.request(RewardDiscountCodeFreeShippingCreate, {
        freeShippingCodeDiscount: { ...common, destination: { all: true } },
      });
      return createdId(payload, "RewardDiscountCodeFreeShippingCreate", spec.code);
    };
  }

  const items = variants.length ? { products: { productVariantsToAdd: [...variants] } } : { all: true };
  let value;
  if (spec.kind === "percentage") {
    const percent = spec.percentage ?? NaN;
    if (!(percent > 0 && percent <= 100)) throw new RangeError(`a percentage reward needs a percentage in (0, 100], got ${spec.percentage}`);
    if (spec.amountMinor !== undefined) throw new RangeError("a percentage reward has no amountMinor");
    // Shopify's percentage is a fraction; 15 -> 0.15 exactly (whole percents stay exact as decimals).
    value = { percentage: Number((percent / 100).toFixed(6)) };
  } else {
    if (spec.percentage !== undefined) throw new RangeError(`a ${spec.kind} reward has no percentage`);
    if (spec.kind === "free_product" && variants.length === 0) throw new RangeError("a free_product reward needs productVariantGids");
    // free_product: the amount (one unit's price) is split across the selected
    // variants' lines, so one unit is free however many are in the cart; a 100%
    // percentage would make every unit of the variant free.
    value = { discountAmount: { amount: decimal(spec.amountMinor, spec.currencyCode, "amountMinor"), appliesOnEachItem: false } };
  }
  return async (admin) => {
    const { discountCodeBasicCreate: payload } = await admin.request(RewardDiscountCodeBasicCreate, {
      basicCodeDiscount: { ...common, customerGets: { items, value } },
    });
    return createdId(payload, "RewardDiscountCodeBasicCreate", spec.code);
  };
}

function createdId(
  payload: { codeDiscountNode?: { id: string } | null; userErrors: readonly AdminUserError[] } | null | undefined,
  operationName: string,
  code: string,
): string {
  if (!payload) throw new RewardDiscountRejectedError(operationName, [{ message: "the mutation returned no payload" }], code);
  if (payload.userErrors.length > 0) throw new RewardDiscountRejectedError(operationName, payload.userErrors, code);
  if (!payload.codeDiscountNode) throw new RewardDiscountRejectedError(operationName, [{ message: "no discount was returned" }], code);
  return payload.codeDiscountNode.id;
}
