/**
 * What the storefront widget shows a shopper (GET /apps/evergreen/profile),
 * composed from one port per feature, so each section is wired to the module
 * that owns it and a feature that is off (or not built) is simply absent.
 *
 * A section is `null` when its feature is not enabled for the shop (no
 * loyalty programme, referrals off): the widget hides it. `features`
 * says which sections the shop offers, so a guest sees what joining gives.
 */
import { prisma as appPrisma, type PrismaClient } from "~/db.server";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import { tierRank } from "~/domain/loyalty/rules";
import { logger } from "~/logger.server";
import { boughtTogetherIds, productsByGid, recommendedProducts, type RecommendedProduct } from "./behaviour-recommendations.server";
import { getBalance } from "./points.server";
import { getOrCreateReferralCode, getReferralSettings } from "./referrals.server";
import { dueRemindersFor, type DueReminder } from "./replenishment.server";
import { currentTier, qualifyingValue } from "./tiers.server";

export interface LoyaltySection {
  points: { available: number; pending: number };
  tier: { id: string; name: string };
  /** The next tier and how far the shopper is: null at the top tier. */
  nextTier: { id: string; name: string; threshold: number; current: number; basis: "spend" | "points"; progress: number } | null;
}

export interface RewardOffer {
  id: string;
  title: string;
  pointsCost: number;
  affordable: boolean;
}

export interface ReferralSection {
  code: string;
  url: string;
}

export interface ReminderView {
  id: string;
  productTitle: string;
  /** /products/{handle}; null when the product has no handle synced. */
  productUrl: string | null;
  /** The numeric variant id for /cart/add; null when unknown (the widget then links to the product). */
  variantId: string | null;
  quantity: number;
  dueAt: string;
  daysLeft: number;
  /** A product often bought together with this one (docs/behaviour.md), or null. */
  together: ProductLink | null;
}

/** A product to show as a link: its title and /products/{handle} (null without a synced handle). */
export interface ProductLink {
  title: string;
  url: string | null;
}

export interface StorefrontProfile {
  /** The signed-in shopper, or null for a guest. */
  customer: { id: string } | null;
  features: { loyalty: boolean; rewards: boolean; referrals: boolean; reminders: boolean };
  loyalty: LoyaltySection | null;
  rewards: RewardOffer[] | null;
  referral: ReferralSection | null;
  reminders: ReminderView[];
  /** "Recommended for you" (docs/behaviour.md): empty for a guest or before the first behaviour refresh. */
  recommended: ProductLink[];
}

/** The port: one function per section; a section function returns null when its feature is off. */
export interface StorefrontProfileSource {
  loyaltyEnabled(shopDomain: string): Promise<boolean>;
  loyalty(shopDomain: string, customerGid: string, now: Date): Promise<LoyaltySection | null>;
  rewards(shopDomain: string, customerGid: string, now: Date): Promise<RewardOffer[] | null>;
  referralsEnabled(shopDomain: string): Promise<boolean>;
  referral(shopDomain: string, customerGid: string): Promise<ReferralSection | null>;
  reminders(shopDomain: string, customerGid: string, now: Date): Promise<DueReminder[]>;
  recommended(shopDomain: string, customerGid: string): Promise<RecommendedProduct[]>;
  /** Per product GID: the product most often bought together with it, if any. */
  boughtTogether(shopDomain: string, productGids: readonly string[]): Promise<Map<string, RecommendedProduct>>;
}

/** Recommended products shown in the widget's panel. */
const RECOMMENDED_SHOWN = 4;

/**
 * The sources as wired today: points and tiers (points.server, tiers.server),
 * referral links (referrals.server), replenishment reminders, and the
 * rewards catalogue (LoyaltyReward, read here: the loyalty module has no
 * storefront read of it) with what the shopper can afford.
 */
export function appProfileSource(deps: { db?: PrismaClient } = {}): StorefrontProfileSource {
  const db = deps.db ?? appPrisma;
  return {
    async loyaltyEnabled(shopDomain) {
      return (await loadActiveProgram(db, shopDomain)) !== null;
    },
    async loyalty(shopDomain, customerGid, now) {
      const active = await loadActiveProgram(db, shopDomain);
      if (!active) return null;
      const [balance, tier, value] = await Promise.all([
        getBalance(shopDomain, customerGid, { db, now: () => now }),
        currentTier(db, active, customerGid),
        qualifyingValue(db, active, customerGid, now),
      ]);
      const next = active.rules.tiers[tierRank(active.rules, tier.id) + 1];
      return {
        points: { available: balance.available, pending: balance.pending },
        tier: { id: tier.id, name: tier.name },
        nextTier: next
          ? { id: next.id, name: next.name, threshold: next.threshold, current: value, basis: active.rules.tierBasis, progress: Math.min(1, value / next.threshold) }
          : null,
      };
    },
    async rewards(shopDomain, customerGid, now) {
      const active = await loadActiveProgram(db, shopDomain);
      if (!active) return null;
      const [rewards, balance, tier] = await Promise.all([
        db.loyaltyReward.findMany({ where: { shopDomain, active: true }, orderBy: [{ pointsCost: "asc" }, { id: "asc" }] }),
        getBalance(shopDomain, customerGid, { db, now: () => now }),
        currentTier(db, active, customerGid),
      ]);
      const rank = tierRank(active.rules, tier.id);
      // Tier-exclusive rewards are shown only from their tier up (redeemReward refuses them below).
      return rewards
        .filter((r) => !r.tier || rank >= tierRank(active.rules, r.tier))
        .map((r) => {
          const cost = r.kind === "free_shipping" && tier.freeShipping ? 0 : r.pointsCost;
          return { id: r.id, title: r.title, pointsCost: cost, affordable: balance.available >= cost };
        });
    },
    async referralsEnabled(shopDomain) {
      return (await getReferralSettings(shopDomain, { db })).enabled;
    },
    async referral(shopDomain, customerGid) {
      if (!(await getReferralSettings(shopDomain, { db })).enabled) return null;
      return getOrCreateReferralCode(shopDomain, customerGid, { db });
    },
    reminders: (shopDomain, customerGid, now) => dueRemindersFor(shopDomain, customerGid, now, { db }),
    recommended: (shopDomain, customerGid) => recommendedProducts(shopDomain, customerGid, RECOMMENDED_SHOWN, { db }),
    async boughtTogether(shopDomain, productGids) {
      const firsts = new Map<string, string>();
      for (const gid of productGids) {
        const [first] = (await boughtTogetherIds(shopDomain, gid, 3, { db })).filter((g) => !productGids.includes(g));
        if (first) firsts.set(gid, first);
      }
      const products = new Map((await productsByGid(shopDomain, [...new Set(firsts.values())], { db })).map((p) => [p.productGid, p]));
      const out = new Map<string, RecommendedProduct>();
      for (const [gid, other] of firsts) {
        const p = products.get(other);
        if (p) out.set(gid, p);
      }
      return out;
    },
  };
}

const numericId = (gid: string | null) => (gid ? (gid.split("/").pop() ?? null) : null);

const productLink = (p: RecommendedProduct): ProductLink => ({ title: p.title, url: p.handle ? `/products/${encodeURIComponent(p.handle)}` : null });

function reminderView(r: DueReminder, together: RecommendedProduct | undefined): ReminderView {
  return {
    id: r.id,
    productTitle: r.productTitle,
    productUrl: r.productHandle ? `/products/${encodeURIComponent(r.productHandle)}` : null,
    variantId: numericId(r.variantGid),
    quantity: r.quantity,
    dueAt: r.dueAt.toISOString(),
    daysLeft: r.daysLeft,
    together: together ? productLink(together) : null,
  };
}

/** A section that fails is left out (null) and logged; the rest of the profile still loads. */
async function section<T>(name: string, shopDomain: string, work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    logger.warn("storefront.profile_section_failed", { shop: shopDomain, section: name, error: error instanceof Error ? error.message : String(error) });
    return fallback;
  }
}

/**
 * The profile of `customerGid` (null: a guest) at `now`. Sections load in
 * parallel; each one's failure leaves only it out.
 */
export async function storefrontProfile(shopDomain: string, customerGid: string | null, now: Date, source: StorefrontProfileSource): Promise<StorefrontProfile> {
  const [loyaltyOn, referralsOn] = await Promise.all([
    section("loyalty", shopDomain, () => source.loyaltyEnabled(shopDomain), false),
    section("referral", shopDomain, () => source.referralsEnabled(shopDomain), false),
  ]);
  if (customerGid === null) {
    return {
      customer: null,
      features: { loyalty: loyaltyOn, rewards: false, referrals: referralsOn, reminders: true },
      loyalty: null,
      rewards: null,
      referral: null,
      reminders: [],
      recommended: [],
    };
  }
  const [loyalty, rewards, referral, reminders, recommended] = await Promise.all([
    loyaltyOn ? section("loyalty", shopDomain, () => source.loyalty(shopDomain, customerGid, now), null) : null,
    loyaltyOn ? section("rewards", shopDomain, () => source.rewards(shopDomain, customerGid, now), null) : null,
    referralsOn ? section("referral", shopDomain, () => source.referral(shopDomain, customerGid), null) : null,
    section("reminders", shopDomain, () => source.reminders(shopDomain, customerGid, now), []),
    section("recommended", shopDomain, () => source.recommended(shopDomain, customerGid), []),
  ]);
  const together = reminders.length
    ? await section("together", shopDomain, () => source.boughtTogether(shopDomain, reminders.map((r) => r.productGid)), new Map<string, RecommendedProduct>())
    : new Map<string, RecommendedProduct>();
  return {
    customer: { id: numericId(customerGid) as string },
    features: { loyalty: loyaltyOn, rewards: rewards !== null, referrals: referralsOn, reminders: true },
    loyalty,
    rewards,
    referral: referral ? { code: referral.code, url: referral.url } : null,
    reminders: reminders.map((r) => reminderView(r, together.get(r.productGid))),
    recommended: recommended.map(productLink),
  };
}
