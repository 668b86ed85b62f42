/**
 * The dev store's storefront, under /storefront: a page rendering the theme
 * app extension for a chosen shopper, its assets, and the app proxy
 * (/storefront/apps/evergreen/* forwarded to the app's proxy URL, signed as
 * Shopify signs it: app-proxy.ts). The shopper is chosen with
 * `?customer={numeric id}` (empty: a guest) and the language with
 * `?locale=zh-CN`; both are kept in cookies, as Shopify's storefront session
 * keeps the signed-in customer, and never forwarded (Shopify drops cookies).
 *
 *   GET  /storefront?customer=123[&locale=zh-CN][&product=456][&shop=…]
 *   GET  /storefront/assets/{file}          (gzip when accepted, like Shopify's CDN)
 *   ANY  /storefront/apps/evergreen/{path}  → {appUrl}{proxy path}/{path}?…&signature=…
 *   POST /storefront/cart/add               (form: id, quantity) → a confirmation page
 */
import { readFileSync, existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import toml from "toml";
import { DEFAULT_APP_TOML } from "../webhook-sender";
import type { DevStore } from "../store";
import { signedAppProxyUrl } from "./app-proxy";
import { EXTENSION_DIR, renderStorefrontPage } from "./render";

export const STOREFRONT_ROOT = "/storefront/";

export interface StorefrontDeps {
  stores: readonly DevStore[];
  apiSecret: string;
  /** The app's URL: the proxy URL's path from shopify.app.toml is resolved against it. */
  appUrl: string;
  readBody: (request: IncomingMessage) => Promise<string>;
  appConfigPath?: string;
  extensionDir?: string;
}

interface ProxyConfig {
  /** "/apps/evergreen" */
  pathPrefix: string;
  /** The app's proxy path, e.g. "/proxy". */
  appPath: string;
}

export function readProxyConfig(file = DEFAULT_APP_TOML): ProxyConfig {
  const parsed = toml.parse(readFileSync(file, "utf8")) as { app_proxy?: { url?: string; subpath?: string; prefix?: string } };
  const proxy = parsed.app_proxy;
  if (!proxy?.url || !proxy.subpath || !proxy.prefix) throw new Error(`${file}: [app_proxy] needs url, subpath and prefix`);
  return { pathPrefix: `/${proxy.prefix}/${proxy.subpath}`, appPath: new URL(proxy.url).pathname.replace(/\/$/, "") };
}

function cookies(request: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

function send(response: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(status, { "Content-Length": String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}<p><a href="${STOREFRONT_ROOT}">Back to the storefront</a></p></main></body></html>`;

/** Handles a request under /storefront. */
export async function handleStorefront(request: IncomingMessage, response: ServerResponse, url: URL, deps: StorefrontDeps): Promise<void> {
  const dir = deps.extensionDir ?? EXTENSION_DIR;
  const jar = cookies(request);
  const rest = url.pathname.slice(STOREFRONT_ROOT.length - 1); // "/..." or ""
  const method = request.method ?? "GET";
  const setCookies: string[] = [];
  const remember = (name: string, value: string) => setCookies.push(`${name}=${encodeURIComponent(value)}; Path=${STOREFRONT_ROOT}; HttpOnly; SameSite=Lax`);

  const shopParam = url.searchParams.get("shop") ?? jar.get("eg_dev_shop");
  const store = deps.stores.find((s) => s.shop.domain === shopParam) ?? deps.stores[0];

  if ((rest === "" || rest === "/") && method === "GET") {
    let customerId = jar.get("eg_dev_customer") ?? "";
    if (url.searchParams.has("customer")) customerId = url.searchParams.get("customer") ?? "";
    let locale = jar.get("eg_dev_locale") ?? "en";
    if (url.searchParams.has("locale")) locale = url.searchParams.get("locale") || "en";
    if (!/^[A-Za-z-]{2,10}$/.test(locale)) locale = "en";
    const customer = customerId ? store.customer(customerId) : undefined;
    if (customerId && !customer) return send(response, 404, page("No such customer", `<p>Customer ${customerId.replace(/\D/g, "")} is not in ${store.shop.domain}.</p>`), { "Content-Type": "text/html; charset=utf-8" });
    remember("eg_dev_customer", customer ? customer.id : "");
    remember("eg_dev_locale", locale);
    remember("eg_dev_shop", store.shop.domain);
    const productId = url.searchParams.get("product");
    const product = (productId ? store.product(productId) : undefined) ?? store.products().find((p) => p.variants.length > 0);
    const html = await renderStorefrontPage(
      {
        shopName: store.shop.name,
        rootUrl: STOREFRONT_ROOT,
        assetBase: `${STOREFRONT_ROOT}assets/`,
        customer: customer ? { id: customer.id, first_name: customer.firstName ?? "" } : null,
        product: product ? { id: product.id, title: product.title, handle: product.handle, price: Math.round(Number(product.variants[0].price) * 100) } : null,
        locale,
        currency: store.shop.currencyCode,
      },
      dir,
    );
    return send(response, 200, html, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Set-Cookie": setCookies });
  }

  const asset = /^\/assets\/([A-Za-z0-9._-]+)$/.exec(rest);
  if (asset && method === "GET") {
    const file = path.join(dir, "assets", asset[1]);
    if (!existsSync(file)) return send(response, 404, "Not Found");
    const raw = readFileSync(file);
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    return send(response, 200, gzip ? gzipSync(raw, { level: 9 }) : raw, {
      "Content-Type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "public, max-age=300",
      Vary: "Accept-Encoding",
      ...(gzip ? { "Content-Encoding": "gzip" } : {}),
    });
  }

  const proxy = readProxyConfig(deps.appConfigPath);
  if (rest === proxy.pathPrefix || rest.startsWith(proxy.pathPrefix + "/")) {
    const target = signedAppProxyUrl(
      new URL(proxy.appPath, deps.appUrl).toString(),
      rest.slice(proxy.pathPrefix.length),
      url.searchParams,
      { shop: store.shop.domain, customerId: jar.get("eg_dev_customer") || null, pathPrefix: proxy.pathPrefix },
      deps.apiSecret,
    );
    const body = method === "GET" || method === "HEAD" ? undefined : await deps.readBody(request);
    const forwarded: Record<string, string> = { "User-Agent": "Shopify App Proxy (Evergreen dev store)" };
    for (const name of ["content-type", "accept", "accept-language"]) {
      const value = request.headers[name];
      if (typeof value === "string") forwarded[name] = value;
    }
    const upstream = await fetch(target, { method, headers: forwarded, body });
    const payload = Buffer.from(await upstream.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "cache-control", "vary", "retry-after", "allow"]) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
    return send(response, upstream.status, payload, headers);
  }

  if (rest === "/cart/add" && method === "POST") {
    const form = new URLSearchParams(await deps.readBody(request));
    const variant = (form.get("id") ?? "").replace(/\D/g, "");
    const quantity = Number(form.get("quantity") ?? 1) || 1;
    return send(response, 200, page("Added to cart", `<p data-cart-variant="${variant}" data-cart-quantity="${quantity}">Variant ${variant} × ${quantity}</p>`), { "Content-Type": "text/html; charset=utf-8" });
  }

  if ((rest === "/account/login" || rest === "/account/register") && method === "GET") {
    return send(response, 200, page(rest.endsWith("login") ? "Sign in" : "Create an account", "<p>The dev store has no customer accounts: pick a customer with ?customer={id}.</p>"), {
      "Content-Type": "text/html; charset=utf-8",
    });
  }

  return send(response, 404, "Not Found");
}
