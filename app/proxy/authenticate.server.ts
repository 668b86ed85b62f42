/**
 * Every app proxy route starts here: Shopify's signature verified by the
 * library (`authenticate.public.appProxy`: HMAC of the query with the app
 * secret, timestamp within 90 s; a forged, missing or stale signature is a
 * 400), the shop installed (an offline session exists), the shopper taken
 * from the signed `logged_in_customer_id` only (never from the body, a
 * header or another parameter), and a per-shopper rate limit.
 */
import { authenticate } from "~/shopify.server";
import { proxyLimiters, type RateLimiter } from "./rate-limit.server";
import { proxyError, PROXY_RESPONSE_HEADERS } from "./responses.server";

export interface ProxyShopper {
  shopDomain: string;
  /** gid://shopify/Customer/{id}; null for a guest (not signed in). */
  customerGid: string | null;
  /** The numeric id as Shopify sent it; null for a guest. */
  customerId: string | null;
}

export interface ProxyAuthOptions {
  /** Which limit applies: "read" (default) or "write". Guests always use the guest bucket. */
  kind?: "read" | "write";
  /** Refuse guests with 401 (redeem, dismiss). */
  requireCustomer?: boolean;
  limiters?: { read: RateLimiter; write: RateLimiter; guest: RateLimiter };
}

/** Shopify's customer ids are positive integers; anything else in the signed field is refused. */
const CUSTOMER_ID = /^[1-9][0-9]{0,19}$/;

/**
 * Authenticates an app proxy request; throws a Response (JSON, no-store) to
 * refuse it: 400 bad signature (the library's, made JSON here), 404 shop not
 * installed, 401 guest where a customer is required, 429 rate limited (with
 * Retry-After).
 */
export async function authenticateProxy(request: Request, options: ProxyAuthOptions = {}): Promise<ProxyShopper> {
  let session: { shop: string } | undefined;
  try {
    ({ session } = await authenticate.public.appProxy(request));
  } catch (thrown) {
    if (thrown instanceof Response) {
      throw proxyError(thrown.status === 400 ? 400 : thrown.status, "invalid_signature", "The app proxy signature is missing, invalid or expired.");
    }
    throw thrown;
  }
  if (!session) throw proxyError(404, "not_installed", "Evergreen is not installed on this shop.");

  const raw = new URL(request.url).searchParams.get("logged_in_customer_id") ?? "";
  if (raw !== "" && !CUSTOMER_ID.test(raw)) throw proxyError(400, "invalid_customer", "logged_in_customer_id is not a customer id.");
  const customerId = raw === "" ? null : raw;
  if (options.requireCustomer && customerId === null) throw proxyError(401, "sign_in_required", "Sign in to your account first.");

  const limiters = options.limiters ?? proxyLimiters;
  const decision =
    customerId === null ? limiters.guest.take(`${session.shop}|guest`) : limiters[options.kind ?? "read"].take(`${session.shop}|${customerId}`);
  if (!decision.allowed) {
    throw proxyError(429, "rate_limited", "Too many requests; try again shortly.", { "Retry-After": String(decision.retryAfterSeconds) });
  }
  return { shopDomain: session.shop, customerId, customerGid: customerId === null ? null : `gid://shopify/Customer/${customerId}` };
}

/**
 * Storefront POSTs must be JSON: a cross-site form cannot send
 * `application/json` without a CORS preflight, which Shopify's proxy does not
 * answer for the app, so a foreign page cannot spend a shopper's points.
 */
export function requireJsonPost(request: Request): void {
  if (request.method !== "POST") throw proxyError(405, "method_not_allowed", "Use POST.", { Allow: "POST" });
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw proxyError(415, "json_required", "Send application/json.");
}

export { PROXY_RESPONSE_HEADERS };
