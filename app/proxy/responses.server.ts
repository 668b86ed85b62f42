/**
 * Responses of the app proxy. Everything it returns is about one shopper, and
 * the storefront URL (`/apps/evergreen/profile`) is the same for every
 * shopper (Shopify adds `logged_in_customer_id` on its side), so no cache
 * may keep a response: `private, no-store`, and `Vary: Cookie` for any
 * cache that ignores no-store and keys on the storefront session instead.
 */
export const PROXY_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Cache-Control": "private, no-store, max-age=0",
  Vary: "Cookie",
  "X-Content-Type-Options": "nosniff",
});

/** A JSON response with the proxy's headers. */
export function proxyJson(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { "Content-Type": "application/json; charset=utf-8", ...PROXY_RESPONSE_HEADERS, ...init.headers },
  });
}

/** An error body: `{ error: { code, message } }`, code machine-readable, message for logs and developers. */
export function proxyError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return proxyJson({ error: { code, message } }, { status, headers });
}
