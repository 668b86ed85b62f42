/**
 * Sends the app process's Shopify traffic to the local dev store.
 *
 *   SHOPIFY_LOCAL_STORE_URL=http://127.0.0.1:4000 node --import ./dev-store/preload.mjs <app>
 *
 * Runs under plain Node 22 (no tsx). Loaded before the app, it wraps
 * `globalThis.fetch` before @shopify/shopify-api's Node adapter captures it,
 * so exactly one copy of the library talks to the dev store. A request to
 * `https://{shop}.myshopify.com/{path}` becomes `{store}/{path}` with the shop
 * in `X-Evergreen-Shop-Domain`; everything else is untouched. Refused when
 * NODE_ENV=production. redirect-fetch.ts re-exports this with types.
 */

export const SHOP_DOMAIN_HEADER = "X-Evergreen-Shop-Domain";
const MYSHOPIFY = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;
const INSTALLED = Symbol.for("evergreen.localShopifyFetch");

/**
 * Wraps globalThis.fetch so Shopify shop requests go to `localStoreUrl`.
 * Returns a function that restores the previous fetch. Throws in production.
 * @param {string} localStoreUrl
 * @param {{ env?: Record<string, string | undefined> }} [options]
 * @returns {() => void}
 */
export function installLocalShopifyFetch(localStoreUrl, options = {}) {
  const env = options.env ?? process.env;
  if (env.NODE_ENV === "production") {
    throw new Error("Refusing to redirect Shopify traffic to a local dev store: NODE_ENV is production");
  }
  const base = new URL(localStoreUrl);
  const previous = globalThis.fetch;
  if (previous[INSTALLED]) previous[INSTALLED].uninstall();
  const original = globalThis.fetch;

  /** @type {typeof fetch} */
  const redirected = (input, init) => {
    const isRequest = typeof Request !== "undefined" && input instanceof Request;
    const raw = isRequest ? input.url : input instanceof URL ? input.href : String(input);
    let url;
    try {
      url = new URL(raw);
    } catch {
      return original(input, init);
    }
    if (url.protocol !== "https:" || !MYSHOPIFY.test(url.hostname)) return original(input, init);
    const target = new URL(url.pathname + url.search, base);
    const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
    headers.set(SHOP_DOMAIN_HEADER, url.hostname.toLowerCase());
    if (!isRequest) return original(target, { ...init, headers });
    const request = new Request(input, init);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    return original(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      signal: request.signal,
      redirect: request.redirect,
      ...(hasBody && { duplex: "half" }),
    });
  };
  const uninstall = () => {
    if (globalThis.fetch === redirected) globalThis.fetch = original;
  };
  Object.defineProperty(redirected, INSTALLED, { value: { uninstall, localStoreUrl: base.href } });
  globalThis.fetch = redirected;
  return uninstall;
}

if (process.env.SHOPIFY_LOCAL_STORE_URL) {
  installLocalShopifyFetch(process.env.SHOPIFY_LOCAL_STORE_URL);
}
