/**
 * Shopify's Theme Check on the extension (the library behind
 * `shopify theme check`, with the theme-app-extension rules), and the
 * extension's own consistency: schemas, assets they name, translations.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { themeCheckRun } from "@shopify/theme-check-node";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../extensions/evergreen-theme");
const ERROR = 0; // theme-check's Severity.ERROR

async function errorsOf(root: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-tc-"));
  const config = path.join(dir, ".theme-check.yml");
  writeFileSync(config, "extends: theme-check:theme-app-extension\n");
  try {
    const run = await themeCheckRun(root, config, () => undefined);
    return run.offenses.filter((o) => o.severity === ERROR).map((o) => `${o.check} ${path.basename(o.uri)}: ${o.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const blocks = readdirSync(path.join(ROOT, "blocks")).map((f) => ({ file: f, source: readFileSync(path.join(ROOT, "blocks", f), "utf8") }));
const schemaOf = (source: string) => JSON.parse(/\{%\s*schema\s*%\}([\s\S]*?)\{%\s*endschema\s*%\}/.exec(source)![1]) as Record<string, unknown>;
const flatKeys = (obj: Record<string, unknown>, prefix = ""): string[] =>
  Object.entries(obj).flatMap(([k, v]) => (v && typeof v === "object" ? flatKeys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));

describe("theme check", () => {
  it("GIVEN the extension WHEN checked with the theme-app-extension rules THEN there is no error", async () => {
    expect(await errorsOf(ROOT)).toEqual([]);
  });

  it("GIVEN a broken copy (parser-blocking script, unknown filter, missing translation) THEN the check reports each: it is live", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-broken-"));
    try {
      cpSync(ROOT, dir, { recursive: true });
      const file = path.join(dir, "blocks", "referral.liquid");
      const source = readFileSync(file, "utf8").replace("'evergreen.sign_in_for_link' | t", "'evergreen.no_such_key' | t");
      writeFileSync(file, `<script src="{{ 'evergreen.js' | asset_url }}"></script>{{ 1 | no_such_filter }}\n${source}`);
      const errors = (await errorsOf(dir)).join("\n");
      expect(errors).toMatch(/ParserBlockingScript/);
      expect(errors).toMatch(/UnknownFilter/);
      expect(errors).toMatch(/TranslationKeyExists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("extension consistency", () => {
  const en = JSON.parse(readFileSync(path.join(ROOT, "locales/en.default.json"), "utf8"));
  const zh = JSON.parse(readFileSync(path.join(ROOT, "locales/zh-CN.json"), "utf8"));

  it("has an app embed (target body) and app blocks (target section), each naming assets that exist", () => {
    const assets = new Set(readdirSync(path.join(ROOT, "assets")));
    const targets = blocks.map((b) => schemaOf(b.source).target);
    expect(targets.filter((t) => t === "body")).toHaveLength(1);
    expect(targets.filter((t) => t === "section").length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) {
      const schema = schemaOf(b.source);
      expect(String(schema.name).length, b.file).toBeLessThanOrEqual(25);
      for (const key of ["javascript", "stylesheet"]) if (schema[key]) expect(assets.has(String(schema[key])), `${b.file} ${key}`).toBe(true);
    }
  });

  it("translates every storefront string into Simplified Chinese, with the same placeholders", () => {
    expect(flatKeys(zh).sort()).toEqual(flatKeys(en).sort());
    const placeholders = (s: string) => (s.match(/%\w|\{\{\s*\w+\s*\}\}/g) ?? []).map((p) => p.replace(/\s/g, "")).sort();
    for (const key of flatKeys(en)) {
      const get = (o: Record<string, unknown>) => key.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o) as string;
      expect(placeholders(get(zh)), key).toEqual(placeholders(get(en)));
    }
  });

  it("gives every block merchant settings (texts and colours) in its schema", () => {
    for (const b of blocks) {
      const settings = schemaOf(b.source).settings as { type: string }[];
      expect(settings.some((s) => s.type === "color"), b.file).toBe(true);
    }
  });
});
