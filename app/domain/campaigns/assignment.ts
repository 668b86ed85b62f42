/**
 * Deterministic experiment assignment. A stable hash of (shop, campaign,
 * customer) gives each customer a fixed point u in [0, 1); the arms are nested
 * thresholds on it:
 *
 *   u < holdoutShare                                   → control (gets nothing)
 *   (u − holdoutShare) / (1 − holdoutShare) < rollout  → treatment
 *   otherwise                                          → not yet (outside the rollout)
 *
 * Widening the rollout only moves "not yet" customers into treatment: nobody
 * already in control or treatment changes arm. The holdout is fixed at launch
 * (changing it would move customers between arms). Control does not depend on
 * the rollout, so at 5% rollout the control group is already its full size.
 */

export type Arm = "control" | "treatment";
export type Placement = Arm | "not_yet";

/**
 * cyrb53 (bryc, public domain): a fast 53-bit string hash with good
 * avalanche; not cryptographic, which assignment does not need.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The customer's fixed point in [0, 1) for this campaign. */
export function assignmentPoint(shopDomain: string, campaignId: string, customerGid: string): number {
  return hash53(`${shopDomain}\u0000${campaignId}\u0000${customerGid}`) / 2 ** 53;
}

/** Which arm a point falls in; see the module comment for the thresholds. */
export function placementOf(u: number, holdoutShare: number, rolloutShare: number): Placement {
  if (u < holdoutShare) return "control";
  return (u - holdoutShare) / (1 - holdoutShare) < rolloutShare ? "treatment" : "not_yet";
}

/** {@link placementOf} for a customer of a campaign. */
export function placeCustomer(
  shopDomain: string,
  campaignId: string,
  customerGid: string,
  shares: { holdoutShare: number; rolloutShare: number },
): Placement {
  return placementOf(assignmentPoint(shopDomain, campaignId, customerGid), shares.holdoutShare, shares.rolloutShare);
}

/**
 * A rollout change the merchant asks for: widening, or rolling back to 0
 * (stop treating new customers; those treated stay recorded as treated).
 * Narrowing to a share between would strand treated customers outside it.
 */
export function checkRolloutChange(current: number, next: number): string | null {
  if (!Number.isFinite(next) || next < 0 || next > 1) return "the rollout share is between 0 and 1";
  if (next !== 0 && next < current) return `a rollout can only widen (now ${current}) or roll back to 0`;
  return null;
}
