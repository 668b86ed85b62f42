/**
 * Renders the theme app extension's Liquid (extensions/evergreen-theme) with
 * liquidjs the way a theme would: each block with its schema's default
 * settings, `block.id`, the shopper's `customer`, `routes` under a root URL,
 * `product` on a product page, the `t` filter over the extension's locale
 * files, and the schema's JavaScript and CSS loaded once per page (CSS in
 * the head, JS deferred), as Shopify injects them. A small page layout
 * places the blocks where a merchant might: badge in the header, reminders
 * and referral on the page, points under a product, the app embed at the end
 * of the body.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Liquid, Tag, type Context, type Emitter, type TagToken, type TopLevelToken } from "liquidjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const EXTENSION_DIR = path.resolve(here, "../../extensions/evergreen-theme");

interface BlockSchema {
  name: string;
  target: "body" | "head" | "section";
  javascript?: string;
  stylesheet?: string;
  settings?: { id: string; default?: unknown }[];
}

export interface StorefrontBlock {
  name: string;
  source: string;
  schema: BlockSchema;
}

export interface StorefrontCustomer {
  id: string;
  first_name: string;
}

export interface StorefrontProduct {
  id: string;
  title: string;
  handle: string;
  /** Minor units, as Liquid's money values. */
  price: number;
}

export interface RenderPageOptions {
  shopName: string;
  /** "/storefront/": the storefront root (Shopify: "/" or "/{locale}/"). */
  rootUrl: string;
  /** Where `asset_url` points, e.g. "/storefront/assets/". */
  assetBase: string;
  customer: StorefrontCustomer | null;
  product: StorefrontProduct | null;
  locale: string;
  currency: string;
}

const SCHEMA = /\{%-?\s*schema\s*-?%\}([\s\S]*?)\{%-?\s*endschema\s*-?%\}/;

/** The extension's blocks with their parsed schemas. */
export function loadBlocks(dir = EXTENSION_DIR): StorefrontBlock[] {
  return readdirSync(path.join(dir, "blocks"))
    .filter((f) => f.endsWith(".liquid"))
    .sort()
    .map((f) => {
      const source = readFileSync(path.join(dir, "blocks", f), "utf8");
      const match = SCHEMA.exec(source);
      if (!match) throw new Error(`${f}: no {% schema %}`);
      return { name: f.replace(/\.liquid$/, ""), source, schema: JSON.parse(match[1]) as BlockSchema };
    });
}

function loadLocale(dir: string, locale: string): Record<string, unknown> {
  const files = readdirSync(path.join(dir, "locales"));
  const exact = files.find((f) => f.toLowerCase() === `${locale.toLowerCase()}.json`);
  const fallback = files.find((f) => f.endsWith(".default.json"));
  const pick = exact ?? fallback;
  return pick ? (JSON.parse(readFileSync(path.join(dir, "locales", pick), "utf8")) as Record<string, unknown>) : {};
}

function lookup(tree: Record<string, unknown>, key: string): string | undefined {
  const value = key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), tree);
  return typeof value === "string" ? value : undefined;
}

/** A Liquid engine with Shopify's filters and tags the extension uses. */
export function createEngine(dir: string, locale: string, assetBase: string): Liquid {
  const engine = new Liquid({ root: [path.join(dir, "blocks")], partials: [path.join(dir, "snippets")], extname: ".liquid", strictFilters: true });
  const strings = loadLocale(dir, locale);
  const fallback = loadLocale(dir, "en.default");
  // {% schema %} renders nothing (Shopify reads it, the page never shows it).
  engine.registerTag(
    "schema",
    class extends Tag {
      constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
        super(token, remain, liquid);
        while (remain.length) {
          const next = remain.shift()!;
          if (next.kind === 4 /* TokenKind.Tag */ && (next as TagToken).name === "endschema") return;
        }
        throw new Error("{% schema %} without {% endschema %}");
      }
      render(_ctx: Context, _emitter: Emitter): void {}
    },
  );
  engine.registerFilter("t", (key: string, ...args: unknown[]) => {
    const text = lookup(strings, String(key)) ?? lookup(fallback, String(key)) ?? `translation missing: ${locale}.${key}`;
    const vars = Object.fromEntries(args.filter((a): a is [string, unknown] => Array.isArray(a)));
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => (name in vars ? String(vars[name] ?? "") : ""));
  });
  engine.registerFilter("asset_url", (file: string) => `${assetBase}${encodeURIComponent(String(file))}`);
  engine.registerFilter("json", (value: unknown) => JSON.stringify(value ?? null).replace(/</g, "\\u003c"));
  return engine;
}

const settingsOf = (schema: BlockSchema) => Object.fromEntries((schema.settings ?? []).map((s) => [s.id, s.default ?? null]));
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The storefront page, with every block of the extension placed in a small theme layout. */
export async function renderStorefrontPage(options: RenderPageOptions, dir = EXTENSION_DIR): Promise<string> {
  const engine = createEngine(dir, options.locale, options.assetBase);
  const blocks = loadBlocks(dir);
  const root = options.rootUrl;
  const routes = {
    root_url: root,
    cart_add_url: `${root}cart/add`,
    account_login_url: `${root}account/login`,
    account_register_url: `${root}account/register`,
  };
  const product = options.product
    ? { ...options.product, url: `${root}products/${options.product.handle}`, selected_or_first_available_variant: { price: options.product.price } }
    : null;
  const rendered = new Map<string, string>();
  // Shopify's global objects are visible inside `{% render %}` snippets too
  // (liquidjs isolates a rendered snippet from everything but globals).
  const globals = { customer: options.customer, routes, product, shop: { name: options.shopName } };
  for (const [i, block] of blocks.entries()) {
    const html = await engine.parseAndRender(
      block.source,
      { ...globals, block: { id: `eg${i + 1}`, settings: settingsOf(block.schema), shopify_attributes: `data-block="${block.name}"` } },
      { globals },
    );
    rendered.set(block.name, html);
  }
  const assets = [...new Set(blocks.flatMap((b) => [b.schema.stylesheet, b.schema.javascript]).filter((a): a is string => Boolean(a)))];
  const head = assets
    .map((a) => (a.endsWith(".css") ? `<link rel="stylesheet" href="${options.assetBase}${a}">` : `<script src="${options.assetBase}${a}" defer></script>`))
    .join("\n    ");
  const block = (name: string) => rendered.get(name) ?? "";
  const who = options.customer ? `${escapeHtml(options.customer.first_name)} (customer ${escapeHtml(options.customer.id)})` : "a guest";
  return `<!doctype html>
<html lang="${escapeHtml(options.locale)}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(options.shopName)}: local storefront</title>
    <style>
      body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a}
      header{display:flex;align-items:center;justify-content:space-between;padding:12px 24px;border-bottom:1px solid #ddd}
      main{max-width:960px;margin:0 auto;padding:24px}
      .grid{display:grid;grid-template-columns:1fr 1fr;gap:32px}
      .product{padding:16px;border:1px solid #ddd;border-radius:8px}
      footer{padding:24px;color:#666;border-top:1px solid #ddd}
    </style>
    <script>window.Shopify = { shop: ${JSON.stringify(options.shopName)}, currency: { active: ${JSON.stringify(options.currency)} } };</script>
    ${head}
  </head>
  <body>
    <header>
      <strong>${escapeHtml(options.shopName)}</strong>
      ${block("member-badge")}
    </header>
    <main>
      <p>Local storefront of the dev store, rendering the Evergreen theme app extension for ${who}.</p>
      <div class="grid">
        <div>${block("replenishment")}</div>
        <div>${block("referral")}</div>
      </div>
      ${product ? `<section class="product"><h2>${escapeHtml(product.title)}</h2><p>${(product.price / 100).toFixed(2)} ${escapeHtml(options.currency)}</p>${block("product-points")}</section>` : ""}
      <p>${"Filler text standing in for the theme's own content. ".repeat(30)}</p>
    </main>
    <footer>Evergreen dev store</footer>
    ${block("launcher")}
  </body>
</html>`;
}
