import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { checkAdminDocument, checkBulkQueryRules, loadAdminSchema } from "~/shopify/schema.server";
import { updatedAtSearch } from "~/shopify/operations/bulk-query";
import type { GraphQLSchema } from "graphql";

/**
 * Every `#graphql` document in app/ is parsed and validated against the
 * Admin schema of ADMIN_API_VERSION (extracted offline by
 * scripts/admin-schema.mjs), the same way codegen finds them: template
 * literals whose text starts with `#graphql`, `${Name}` interpolations
 * resolved to the document of that name.
 */

const ROOT = process.cwd();
const APP = join(ROOT, "app");
const EXCLUDED_DIRS = new Set([join(APP, "types"), join(APP, "generated")]);

interface PluckedDocument {
  file: string;
  name: string | undefined;
  line: number;
  /** Template text with `${X}` kept as a marker. */
  raw: string;
}

function sourceFiles(dir: string): string[] {
  if (EXCLUDED_DIRS.has(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function pluck(file: string): PluckedDocument[] {
  const text = readFileSync(file, "utf8");
  if (!text.includes("#graphql")) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: PluckedDocument[] = [];
  const visitNode = (node: ts.Node): void => {
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const head = ts.isNoSubstitutionTemplateLiteral(node) ? node.rawText ?? node.text : node.head.rawText ?? node.head.text;
      if (/^\s*#graphql\s*\n/i.test(head)) {
        // Same convention as @shopify/graphql-codegen's pluckConfig.
        const raw = text.slice(node.getStart(source) + 1, node.getEnd() - 1);
        let name: string | undefined;
        let parent: ts.Node = node.parent;
        while (ts.isAsExpression(parent) || ts.isParenthesizedExpression(parent)) parent = parent.parent;
        if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) name = parent.name.text;
        found.push({ file, name, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, raw });
      }
    }
    ts.forEachChild(node, visitNode);
  };
  visitNode(source);
  return found;
}

function resolveInterpolations(doc: PluckedDocument, byName: Map<string, PluckedDocument>, seen: string[] = []): string {
  return doc.raw.replace(/\$\{\s*(\w+)\s*\}/g, (_, name: string) => {
    const target = byName.get(name);
    if (!target) throw new Error(`${describeDoc(doc)} interpolates \${${name}}, which is not a #graphql document`);
    if (seen.includes(name)) throw new Error(`interpolation cycle through ${name}`);
    return resolveInterpolations(target, byName, [...seen, name]);
  });
}

function describeDoc(doc: PluckedDocument): string {
  return `${relative(ROOT, doc.file)}:${doc.line}${doc.name ? ` (${doc.name})` : ""}`;
}

const isFragmentOnly = (source: string) => !/(^|[\s}])(query|mutation|subscription)\b[^:]/m.test(source.replace(/#[^\n]*/g, ""));

let schema: GraphQLSchema;
const documents = sourceFiles(APP).flatMap(pluck);
const byName = new Map(documents.filter((d) => d.name).map((d) => [d.name!, d] as const));

beforeAll(() => {
  schema = loadAdminSchema();
});

describe("Admin operations against the 2026-10 schema", () => {
  it("finds the app's operations", () => {
    const names = documents.map((d) => d.name);
    for (const expected of [
      "ShopInfo",
      "BulkOperationRunQuery",
      "BulkOperationStatus",
      "BulkOperationCancel",
      "BulkOrders",
      "BulkCustomers",
      "BulkProducts",
      "OrdersUpdatedSince",
      "CustomersUpdatedSince",
    ]) {
      expect(names).toContain(expected);
    }
  });

  it("every #graphql document parses, validates and names its operations", () => {
    const failures: string[] = [];
    for (const doc of documents) {
      const source = resolveInterpolations(doc, byName);
      // A fragment on its own is "never used"; it is validated inside the operations that spread it.
      if (isFragmentOnly(source)) continue;
      const { errors } = checkAdminDocument(source, schema);
      failures.push(...errors.map((e) => `${describeDoc(doc)}: ${e}`));
    }
    expect(failures).toEqual([]);
  });

  it("every fragment is spread by some operation", () => {
    const fragments = documents.filter((d) => isFragmentOnly(d.raw));
    const unused = fragments.filter(
      (f) => !documents.some((d) => d !== f && new RegExp(`\\$\\{\\s*${f.name}\\s*\\}`).test(d.raw)),
    );
    expect(unused.map(describeDoc)).toEqual([]);
  });

  it("reads only the deprecated fields we know about", () => {
    const deprecated = new Set<string>();
    for (const doc of documents) {
      const source = resolveInterpolations(doc, byName);
      if (isFragmentOnly(source)) continue;
      for (const d of checkAdminDocument(source, schema).deprecated) deprecated.add(d);
    }
    // Deprecated in 2026-10 for defaultEmailAddress / defaultPhoneNumber; still
    // served. Moving off them is a deliberate change (mappers and the dev
    // store follow), so the list is pinned here.
    expect([...deprecated].sort()).toEqual(["Customer.email", "Customer.emailMarketingConsent", "Customer.phone"]);
  });

  it("the bulk bodies sent to Shopify are valid and within the bulk query rules", async () => {
    const operationsDir = join(APP, "shopify", "operations");
    const bodies: Array<[string, string]> = [];
    for (const file of readdirSync(operationsDir).filter((f) => f.endsWith(".ts"))) {
      const module = (await import(pathToFileURL(join(operationsDir, file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value === "function" && /BulkQuery$/.test(name)) {
          const builder = value as (options?: { updatedAfter?: string }) => string;
          bodies.push([`${name}()`, builder()]);
          bodies.push([`${name}({ updatedAfter })`, builder({ updatedAfter: "2026-03-01T12:00:00Z" })]);
        }
      }
    }
    expect(bodies.map(([name]) => name)).toEqual(
      expect.arrayContaining(["ordersBulkQuery()", "customersBulkQuery()", "productsBulkQuery()"]),
    );
    const failures: string[] = [];
    for (const [name, body] of bodies) {
      const { errors } = checkAdminDocument(body, schema);
      failures.push(...errors.map((e) => `${name}: ${e}`));
      failures.push(...checkBulkQueryRules(body, schema).map((e) => `${name}: ${e}`));
    }
    expect(failures).toEqual([]);
  });

  it("the incremental bulk body carries a safely quoted updated_at filter", async () => {
    const { ordersBulkQuery } = await import("~/shopify/operations/orders");
    const body = ordersBulkQuery({ updatedAfter: "2026-03-01T12:00:00+02:00" });
    expect(body).toContain(`orders(query: "updated_at:>'2026-03-01T10:00:00.000Z'")`);
    expect(body).not.toContain("fragment");
    expect(() => ordersBulkQuery({ updatedAfter: `2026-01-01' OR status:any` })).toThrow(RangeError);
    expect(updatedAtSearch(new Date(Date.UTC(2026, 0, 2)))).toBe("updated_at:>'2026-01-02T00:00:00.000Z'");
  });

  it.skipIf(!existsSync(join(APP, "types", "admin.generated.d.ts")))(
    "codegen keyed each operation by the exact runtime string (so client.request is typed)",
    async () => {
      const generated = readFileSync(join(APP, "types", "admin.generated.d.ts"), "utf8");
      const operationsDir = join(APP, "shopify", "operations");
      const missing: string[] = [];
      for (const file of readdirSync(operationsDir).filter((f) => f.endsWith(".ts"))) {
        const module = (await import(pathToFileURL(join(operationsDir, file)).href)) as Record<string, unknown>;
        for (const [name, value] of Object.entries(module)) {
          if (typeof value !== "string" || !value.trimStart().startsWith("#graphql") || isFragmentOnly(value)) continue;
          if (!generated.includes(`${JSON.stringify(value)}: {return:`)) missing.push(`${file}: ${name}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );
});

describe("the checks catch mistakes (negative controls)", () => {
  it("reports a bogus field", () => {
    const { errors } = checkAdminDocument(`#graphql\n query Bad { shop { id bogusField } }`, schema);
    expect(errors.join("\n")).toMatch(/Cannot query field "bogusField" on type "Shop"/);
  });

  it("reports an unnamed operation and a syntax error", () => {
    expect(checkAdminDocument(`{ shop { id } }`, schema).errors).toEqual([expect.stringMatching(/no name/)]);
    expect(checkAdminDocument(`query Broken { shop { id }`, schema).errors).toEqual([expect.stringMatching(/Syntax Error/)]);
  });

  it("reports bulk queries that break Shopify's rules", () => {
    const threeLevels = `query Deep { customers { edges { node { orders { edges { node { lineItems { edges { node { id } } } } } } } } } }`;
    expect(checkAdminDocument(threeLevels, schema).errors).toEqual([]);
    expect(checkBulkQueryRules(threeLevels, schema)).toEqual([expect.stringMatching(/nested 3 deep/)]);
    expect(checkBulkQueryRules(`query NoConnection { shop { id } }`, schema)).toEqual([expect.stringMatching(/at least one connection/)]);
    expect(checkBulkQueryRules(`query WithVars($q: String) { orders(query: $q) { edges { node { id } } } }`, schema)).toEqual([
      expect.stringMatching(/variables/),
    ]);
  });
});
