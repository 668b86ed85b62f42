/**
 * The web pixel as Shopify would ship it: bundled and minified with esbuild
 * (as the Shopify CLI does), measured against the 5 KB gzipped budget, then
 * run in a sandbox with a stand-in for Shopify's pixel runtime (`shopify.extend`)
 * to check what it sends, and that it sends nothing without consent.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import toml from "toml";
import { beforeAll, describe, expect, it } from "vitest";
import { batchSchema } from "~/domain/behaviour";

const DIR = path.resolve(__dirname, "../../extensions/evergreen-pixel");
const PIXEL_BUDGET_GZIP = 5 * 1024;
let bundle = "";

beforeAll(async () => {
  const out = await build({ entryPoints: [path.join(DIR, "src/index.ts")], bundle: true, minify: true, format: "iife", target: "es2020", write: false });
  bundle = out.outputFiles[0]!.text;
});

interface Harness {
  emit(name: string, event: Record<string, unknown>): void;
  consent(allowed: boolean): void;
  sent: { url: string; body: Record<string, unknown> }[];
  tick(): void;
}

/** Runs the bundle with a fake runtime; returns handles to drive it. */
function runPixel(options: { analyticsAllowed: boolean; customerId?: string }): Harness {
  const subscribers = new Map<string, (e: unknown) => void>();
  let consentListener: ((e: unknown) => void) | undefined;
  const timers: (() => void)[] = [];
  const sent: Harness["sent"] = [];
  const api = {
    settings: { ingestUrl: "https://app.example/pixel/events", ingestToken: "token-0123456789abcdef" },
    analytics: { subscribe: (name: string, cb: (e: unknown) => void) => subscribers.set(name, cb) },
    browser: {},
    init: {
      data: { shop: { myshopifyDomain: "demo-shop.myshopify.com" }, customer: options.customerId ? { id: options.customerId } : null },
      customerPrivacy: { analyticsProcessingAllowed: options.analyticsAllowed },
    },
    customerPrivacy: { subscribe: (_: string, cb: (e: unknown) => void) => (consentListener = cb) },
  };
  const context = vm.createContext({
    shopify: { extend: (_point: string, extend: (a: typeof api) => void) => extend(api) },
    fetch: (url: string, init: { body: string }) => {
      sent.push({ url, body: JSON.parse(init.body) as Record<string, unknown> });
      return Promise.resolve({ ok: true });
    },
    setTimeout: (fn: () => void) => timers.push(fn),
    clearTimeout: () => {},
  });
  vm.runInContext(bundle, context);
  return {
    emit: (name, event) => subscribers.get(name)?.(event),
    consent: (allowed) => consentListener?.({ customerPrivacy: { analyticsProcessingAllowed: allowed } }),
    sent,
    tick: () => timers.splice(0).forEach((t) => t()),
  };
}

const productViewed = (n: number) => ({
  id: `sh-event-${n}-abcdef`,
  clientId: "client-123456789",
  timestamp: new Date().toISOString(),
  data: { productVariant: { id: "gid://shopify/ProductVariant/42", product: { id: "7", type: "Coffee", vendor: "Evergreen Roasters" } } },
});

describe("the web pixel", () => {
  it(`is under ${PIXEL_BUDGET_GZIP} bytes gzipped as shipped`, () => {
    const gz = gzipSync(bundle, { level: 9 }).length;
    process.stdout.write(`web pixel: ${bundle.length} B minified, ${gz} B gzipped\n`);
    expect(gz).toBeLessThan(PIXEL_BUDGET_GZIP);
  });

  it("declares that it needs analytics consent and nothing more, in Shopify's strict sandbox", () => {
    const config = toml.parse(readFileSync(path.join(DIR, "shopify.extension.toml"), "utf8"));
    expect(config.type).toBe("web_pixel_extension");
    expect(config.runtime_context).toBe("strict");
    expect(config.customer_privacy).toEqual({ analytics: true, marketing: false, preferences: false, sale_of_data: "disabled" });
    expect(Object.keys(config.settings.fields).sort()).toEqual(["ingestToken", "ingestUrl"]);
  });

  it("batches events into what the ingest endpoint accepts, with the logged-in customer", () => {
    const pixel = runPixel({ analyticsAllowed: true, customerId: "gid://shopify/Customer/991" });
    pixel.emit("product_viewed", productViewed(1));
    pixel.emit("search_submitted", { id: "sh-event-2-abcdef", clientId: "client-123456789", timestamp: new Date().toISOString(), data: { searchResult: { query: " dark roast " } } });
    expect(pixel.sent).toHaveLength(0); // held for the batch
    pixel.tick();
    expect(pixel.sent).toHaveLength(1);
    const batch = batchSchema.parse(pixel.sent[0]!.body);
    expect(batch).toMatchObject({ shop: "demo-shop.myshopify.com", clientId: "client-123456789", customerId: "991" });
    expect(batch.events.map((e) => e.name)).toEqual(["product_viewed", "search_submitted"]);
    expect(batch.events[0]).toMatchObject({ productId: "7", variantId: "42", productType: "Coffee", vendor: "Evergreen Roasters" });
    expect(batch.events[1]).toMatchObject({ query: "dark roast" });
  });

  it("sends a full batch at once, and splits what is over the batch size", () => {
    const pixel = runPixel({ analyticsAllowed: true });
    for (let i = 0; i < 25; i++) pixel.emit("product_viewed", productViewed(i));
    expect(pixel.sent.map((s) => (s.body.events as unknown[]).length)).toEqual([20]);
    pixel.tick();
    expect(pixel.sent.map((s) => (s.body.events as unknown[]).length)).toEqual([20, 5]);
  });

  it("without analytics consent it sends nothing; withdrawing consent drops what it held", () => {
    const denied = runPixel({ analyticsAllowed: false });
    denied.emit("product_viewed", productViewed(1));
    denied.tick();
    expect(denied.sent).toEqual([]);

    const withdrawn = runPixel({ analyticsAllowed: true });
    withdrawn.emit("product_viewed", productViewed(2));
    withdrawn.consent(false);
    withdrawn.tick();
    withdrawn.emit("product_viewed", productViewed(3));
    withdrawn.tick();
    expect(withdrawn.sent).toEqual([]);
  });
});
