/**
 * The products a free-product reward can give: a search for the settings
 * page's fallback picker (when App Bridge's resource picker is not there) and
 * the check before such a reward is saved. The reward covers one unit at the
 * variant's current price, read from Shopify, never from the form.
 */
import { shopCurrency } from "~/db/admin-queries.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { InvalidAmountError, toMinorUnits } from "~/domain/sync/money";
import { logger } from "~/logger.server";
import { offlineAdminClient } from "~/shopify/offline-client.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { RewardVariant, RewardVariantSearch } from "~/shopify/operations/reward-products";
import type { RewardVariantFieldsFragment } from "~/types/admin.generated";

export interface RewardVariantView {
  variantGid: string;
  /** "Product - Variant", as Shopify shows it. */
  displayName: string;
  productTitle: string;
  sku: string | null;
  /** One unit's price in minor units of the shop currency. */
  priceMinor: number;
  active: boolean;
}

/** The Admin API port (the route builds it from the shop's client). */
export interface RewardVariantsPort {
  search(query: string): Promise<RewardVariantView[]>;
  variant(variantGid: string): Promise<RewardVariantView | null>;
}

export const MAX_VARIANT_QUERY_LENGTH = 100;
const VARIANT_GID = /^gid:\/\/shopify\/ProductVariant\/\d{1,20}$/;

export function isVariantGid(value: string): boolean {
  return VARIANT_GID.test(value);
}

/**
 * Shopify's Money string ("12.50") in minor units of the shop currency, exactly.
 * @throws InvalidAmountError for more decimals than the currency has (never rounded: a reward must not cover a made-up price).
 */
export function priceMinorOf(price: string, currencyCode: string): number {
  return Number(toMinorUnits(price, currencyCode));
}

function view(v: RewardVariantFieldsFragment, currencyCode: string): RewardVariantView {
  return {
    variantGid: v.id, displayName: v.displayName, productTitle: v.product.title, sku: v.sku ?? null,
    priceMinor: priceMinorOf(String(v.price), currencyCode), active: v.product.status === "ACTIVE",
  };
}

/** The picker's rows: a variant whose price cannot be read exactly is left out (logged), not the whole search. */
function views(variants: RewardVariantFieldsFragment[], currencyCode: string): RewardVariantView[] {
  return variants.flatMap((v) => {
    try {
      return [view(v, currencyCode)];
    } catch (error) {
      if (!(error instanceof InvalidAmountError)) throw error;
      logger.warn("reward picker: variant price unreadable", { variantGid: v.id, error: error.message });
      return [];
    }
  });
}

/**
 * The port over the Admin API: `productVariants(query:)` (Shopify's search
 * syntax; the merchant's words are quoted term by term, so they cannot add
 * filters) and `productVariant(id:)`.
 */
export function rewardVariantsPort(client: Pick<AdminClient, "request">, currencyCode: string): RewardVariantsPort {
  return {
    async search(query) {
      const terms = query.slice(0, MAX_VARIANT_QUERY_LENGTH).split(/\s+/).map((t) => t.replace(/["\\:()]/g, "")).filter(Boolean);
      if (terms.length === 0) return [];
      const data = await client.request(RewardVariantSearch, { query: terms.map((t) => `"${t}"`).join(" "), first: 10 });
      return views(data.productVariants.nodes, currencyCode);
    },
    async variant(variantGid) {
      if (!isVariantGid(variantGid)) return null;
      const data = await client.request(RewardVariant, { id: variantGid });
      return data.productVariant ? view(data.productVariant, currencyCode) : null;
    },
  };
}

/** The port for a shop, over its offline session's client; built on first use (a page that never searches never needs it). */
export function shopRewardVariants(shopDomain: string, db: PrismaClient): RewardVariantsPort {
  let port: Promise<RewardVariantsPort> | null = null;
  const get = () =>
    (port ??= Promise.all([offlineAdminClient(shopDomain, db), shopCurrency(db, shopDomain)]).then(([client, currency]) => rewardVariantsPort(client, currency ?? "USD")));
  return {
    search: async (query) => (await get()).search(query),
    variant: async (variantGid) => (await get()).variant(variantGid),
  };
}

/** The fallback picker's search: variants for the words typed, or a lookup failure (message key) the page shows. */
export async function searchRewardVariants(port: RewardVariantsPort, query: string): Promise<{ query: string; variants: RewardVariantView[]; error: "err.productLookup" | null }> {
  const q = query.trim().slice(0, MAX_VARIANT_QUERY_LENGTH);
  try {
    return { query: q, variants: await port.search(q), error: null };
  } catch {
    return { query: q, variants: [], error: "err.productLookup" };
  }
}
