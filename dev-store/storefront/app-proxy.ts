/**
 * Shopify's app proxy, locally: a storefront request to
 * `/{prefix}/{subpath}/…` is forwarded to the app's proxy URL with `shop`,
 * `logged_in_customer_id` (empty for a guest), `path_prefix`, `timestamp` and
 * `signature` added to the query. The signature is hex HMAC-SHA256 with the
 * app secret over every other parameter as `key=value` (repeated keys' values
 * joined with ","), sorted by key, concatenated with no separator
 * (https://shopify.dev/docs/apps/build/online-store/app-proxies/authenticate-app-proxies).
 * Shopify also drops the storefront's cookies on the way.
 */
import { createHmac } from "node:crypto";

/** The signature Shopify would put on `params` (which must not contain `signature`). */
export function appProxySignature(params: URLSearchParams, secret: string): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === "signature") continue;
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const message = [...grouped.keys()]
    .sort()
    .map((key) => `${key}=${grouped.get(key)!.join(",")}`)
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

export interface AppProxyForward {
  shop: string;
  /** Numeric customer id; null for a guest. */
  customerId: string | null;
  /** e.g. "/apps/evergreen" (prefix + subpath from shopify.app.toml). */
  pathPrefix: string;
  /** Seconds; now by default. */
  timestamp?: number;
}

/**
 * The URL Shopify's proxy would request at the app for a storefront request
 * with `storefrontQuery` to `rest` (the path after the proxy prefix, e.g.
 * "/profile"), signed with `secret`.
 *
 * @example signedAppProxyUrl("http://localhost:3000/proxy", "/profile", new URLSearchParams(), { shop, customerId: "42", pathPrefix: "/apps/evergreen" }, secret)
 */
export function signedAppProxyUrl(proxyUrl: string, rest: string, storefrontQuery: URLSearchParams, forward: AppProxyForward, secret: string): URL {
  const url = new URL(proxyUrl.replace(/\/$/, "") + rest);
  const params = new URLSearchParams();
  for (const [key, value] of storefrontQuery) {
    // The shopper cannot set what Shopify adds.
    if (!["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"].includes(key)) params.append(key, value);
  }
  params.set("shop", forward.shop);
  params.set("logged_in_customer_id", forward.customerId ?? "");
  params.set("path_prefix", forward.pathPrefix);
  params.set("timestamp", String(forward.timestamp ?? Math.floor(Date.now() / 1000)));
  params.set("signature", appProxySignature(params, secret));
  url.search = params.toString();
  return url;
}
