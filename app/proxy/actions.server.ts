/**
 * Storefront actions that need another module's service plus an Admin API
 * adapter (discount codes). Each is optional: a route whose action is not
 * wired answers 501 `not_enabled` (after the signature, shopper and rate
 * limit checks, which always run). Wiring: docs/storefront.md#wiring.
 */
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

/**
 * The actions as wired in this build. Both need a discount-code adapter
 * bound to the shop's Admin client (rewards.server's DiscountCodeIssuer,
 * referrals.server's ReferralPorts); until those adapters exist, neither is
 * wired.
 */
export const storefrontActions: StorefrontActions = {};
