/**
 * Typed entry to the fetch redirect that sends Shopify shop traffic to the
 * local dev store. The logic lives in preload.mjs (which must run under plain
 * Node via `node --import`); this module only gives it types.
 */
import * as preload from "./preload.mjs";

export const SHOP_DOMAIN_HEADER: string = preload.SHOP_DOMAIN_HEADER;

/**
 * Wraps `globalThis.fetch` so `https://{shop}.myshopify.com/...` goes to
 * `${localStoreUrl}/...` with the shop in `X-Evergreen-Shop-Domain`.
 * Returns the undo function. Throws when NODE_ENV is production.
 * @example const undo = installLocalShopifyFetch("http://127.0.0.1:4000");
 */
export function installLocalShopifyFetch(
  localStoreUrl: string,
  options: { env?: Record<string, string | undefined> } = {},
): () => void {
  return preload.installLocalShopifyFetch(localStoreUrl, options);
}
