/**
 * The storefront's budgets, on the files Shopify serves (theme app extensions
 * are not bundled: assets/ is what the storefront loads): all JavaScript under
 * 10 KB gzipped, all CSS under 4 KB gzipped (issue 5), and Shopify's limits
 * for a theme app extension (platform-facts.md: 100 KB of Liquid in all, 30
 * blocks, locale files under 15 KB). Sizes are printed for the report.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../extensions/evergreen-theme");
const files = (dir: string) => readdirSync(path.join(ROOT, dir)).map((f) => path.join(ROOT, dir, f)).filter((f) => statSync(f).isFile());
const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
const sum = (list: string[], size: (f: string) => number) => list.reduce((s, f) => s + size(f), 0);

export const JS_BUDGET_GZIP = 10 * 1024;
export const CSS_BUDGET_GZIP = 4 * 1024;

describe("storefront budgets", () => {
  const assets = files("assets");
  const js = assets.filter((f) => f.endsWith(".js"));
  const css = assets.filter((f) => f.endsWith(".css"));

  it("ships only JavaScript, CSS and images as assets (no source maps, no bundles of frameworks)", () => {
    for (const f of assets) expect(path.extname(f)).toMatch(/^\.(js|css|svg|png|webp)$/);
    expect(js.length).toBeGreaterThan(0);
  });

  it(`keeps all storefront JavaScript under ${JS_BUDGET_GZIP} bytes gzipped`, () => {
    const total = sum(js, gz);
    process.stdout.write(`storefront JS: ${sum(js, (f) => statSync(f).size)} B raw, ${total} B gzipped\n`);
    expect(total).toBeLessThan(JS_BUDGET_GZIP);
  });

  it(`keeps all storefront CSS under ${CSS_BUDGET_GZIP} bytes gzipped`, () => {
    const total = sum(css, gz);
    process.stdout.write(`storefront CSS: ${sum(css, (f) => statSync(f).size)} B raw, ${total} B gzipped\n`);
    expect(total).toBeLessThan(CSS_BUDGET_GZIP);
  });

  it("stays within Shopify's extension limits: Liquid under 100 KB, at most 30 blocks, locale files under 15 KB", () => {
    const liquid = [...files("blocks"), ...files("snippets")].filter((f) => f.endsWith(".liquid"));
    expect(sum(liquid, (f) => statSync(f).size)).toBeLessThan(100 * 1024);
    expect(files("blocks").length).toBeLessThanOrEqual(30);
    for (const f of files("locales")) expect(statSync(f).size).toBeLessThan(15 * 1024);
  });

  it("loads scripts only through block schemas (deferred by Shopify), never as parser-blocking tags", () => {
    for (const f of [...files("blocks"), ...files("snippets")]) {
      const body = readFileSync(f, "utf8").replace(/\{%\s*schema\s*%\}[\s\S]*?\{%\s*endschema\s*%\}/, "");
      expect(body).not.toMatch(/<script[^>]*\ssrc=/i);
    }
  });
});
