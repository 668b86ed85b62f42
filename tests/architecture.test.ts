/**
 * The layering the house style asks for, checked: domain modules are pure
 * (no framework, database, Shopify client, environment or clock), and imports
 * flow routes -> services -> {domain, db, shopify}.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const APP = path.resolve(__dirname, "../app");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "generated" || name === "types" ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^'"]*from\s+["']([^"']+)["']/gm)].map((m) => m[1]);
const relative = (file: string) => path.relative(APP, file);

describe("architecture", () => {
  it("keeps app/domain pure", () => {
    const offences: string[] = [];
    for (const file of sourceFiles(path.join(APP, "domain"))) {
      const text = readFileSync(file, "utf8");
      for (const spec of imports(file)) {
        const allowed = spec.startsWith(".") || spec.startsWith("~/domain/") || spec === "zod" || spec.startsWith("node:crypto");
        if (!allowed) offences.push(`${relative(file)} imports ${spec}`);
      }
      if (/process\.env|Date\.now\(|new Date\(\)/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ""))) {
        offences.push(`${relative(file)} reads the environment or the clock`);
      }
    }
    expect(offences).toEqual([]);
  });

  it("keeps services, db and shopify adapters free of routes and React", () => {
    const offences: string[] = [];
    for (const layer of ["services", "db", "shopify", "domain"]) {
      for (const file of sourceFiles(path.join(APP, layer))) {
        for (const spec of imports(file)) {
          if (spec.startsWith("~/routes") || spec === "react" || spec.startsWith("@remix-run/react") || spec.startsWith("@shopify/polaris")) {
            offences.push(`${relative(file)} imports ${spec}`);
          }
        }
      }
    }
    expect(offences).toEqual([]);
  });
});
