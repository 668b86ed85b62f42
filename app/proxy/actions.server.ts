/**
 * Storefront actions that need another module's service plus an Admin API
 * adapter (discount codes). Each is optional: a route whose action is not
 * wired answers 501 `not_enabled` (after the signature, shopper and rate
 * limit checks, which always run). Wiring: docs/storefront.md#wiring.
 */
import { offlineAdminClient } from "~/shopify/offline-client.server";
import { prisma as appPrisma, type PrismaClient } from "~/db.server";
import { InsufficientPointsError, LoyaltyProgramOffError } from "~/services/points.server";
import { recordReferralClick, referralPorts } from "~/services/referrals.server";
import { redeemReward, RewardUnavailableError, shopifyDiscountCodeIssuer } from "~/services/rewards.server";
import { AdminClient } from "~/shopify/admin-client.server";

export interface RedeemRequest {
  shopDomain: string;
  customerGid: string;
  rewardId: string;
  /** From the widget (one per button press); a retry returns the same redemption. */
  idempotencyKey: string;
}

export type RedeemOutcome =
  | { status: "issued"; code: string; pointsSpent: number }
  | { status: "pending"; code: string; pointsSpent: number }
  | { status: "refused"; reason: "insufficient_points" | "unavailable" | "program_off" | "failed" };

export interface ReferralLandingRequest {
  shopDomain: string;
  code: string;
  /** A first-party random token the widget keeps for the visitor (cookie/localStorage), not an identity. */
  visitorToken: string;
  /** The signed-in shopper, if any (a customer opening their own link earns nothing). */
  customerGid: string | null;
}

export type ReferralLandingOutcome =
  | { status: "ok"; friendDiscountCode: string | null }
  | { status: "unknown_code" | "disabled" | "own_link" | "throttled" };

export interface StorefrontActions {
  redeem?: (request: RedeemRequest) => Promise<RedeemOutcome>;
  referralLanding?: (request: ReferralLandingRequest) => Promise<ReferralLandingOutcome>;
}

/** The shop's Admin client from its offline session (stored at install); fetched per call, so a reinstall's new token is used. */
function offlineClientFor(db: PrismaClient, shopDomain: string): Pick<AdminClient, "request"> {
  return {
    request: (async (...args: Parameters<AdminClient["request"]>) => (await offlineAdminClient(shopDomain, db)).request(...args)) as AdminClient["request"],
  };
}

/** Redeem over rewards.server: its errors and results as the widget's outcomes. */
export function rewardsRedeemAction(deps: { db?: PrismaClient; clientFor?: (shopDomain: string) => Pick<AdminClient, "request"> } = {}): NonNullable<StorefrontActions["redeem"]> {
  const db = deps.db ?? appPrisma;
  const issuer = shopifyDiscountCodeIssuer(deps.clientFor ?? ((shop) => offlineClientFor(db, shop)));
  return async (request) => {
    try {
      const { redemption, status } = await redeemReward(request, { db, issuer });
      if (status === "failed") return { status: "refused", reason: "failed" };
      return { status: status === "issued" ? "issued" : "pending", code: redemption.code, pointsSpent: redemption.pointsCost };
    } catch (error) {
      if (error instanceof InsufficientPointsError) return { status: "refused", reason: "insufficient_points" };
      if (error instanceof RewardUnavailableError) return { status: "refused", reason: "unavailable" };
      if (error instanceof LoyaltyProgramOffError) return { status: "refused", reason: "program_off" };
      throw error;
    }
  };
}

/**
 * The referral landing over referrals.server: the click recorded, the
 * friend's single-use discount found or created with the shop's offline
 * Admin client, a member opening their own link minting nothing.
 */
export function referralLandingAction(deps: { db?: PrismaClient; clientFor?: (shopDomain: string) => Pick<AdminClient, "request"> } = {}): NonNullable<StorefrontActions["referralLanding"]> {
  const db = deps.db ?? appPrisma;
  return async (request) => {
    const admin = deps.clientFor?.(request.shopDomain) ?? offlineClientFor(db, request.shopDomain);
    const result = await recordReferralClick(request.shopDomain, request.code, request.visitorToken, { db, ports: referralPorts(admin, { db }) }, { loggedInCustomerGid: request.customerGid });
    if (result.outcome === "ok") return { status: "ok", friendDiscountCode: result.friendDiscountCode };
    return { status: result.outcome };
  };
}

/** The actions as wired in this build: redeem and the referral landing, both issuing codes with the shop's offline Admin client. */
export const storefrontActions: StorefrontActions = { redeem: rewardsRedeemAction(), referralLanding: referralLandingAction() };
