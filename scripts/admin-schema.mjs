#!/usr/bin/env node
// Extracts the Admin API introspection that @shopify/dev-mcp ships (gzipped)
// into .cache/shopify/admin-<version>.schema.json, the file codegen
// (.graphqlrc.ts) and the operation-validation tests read. Offline, idempotent:
// rewrites the file only when the source is newer or the output is missing.
//
// The package stores `{"data":{"__schema":…}}` (an HTTP introspection
// response); we write `{"__schema":…}`, which both graphql's
// buildClientSchema and graphql-codegen's JSON loader accept.
//
// Usage: node scripts/admin-schema.mjs [--force] [--quiet]
// The version and package path come from app/shopify/api-version.ts (parsed,
// not imported, so this runs on plain Node without a TypeScript loader).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const force = args.has("--force");
const quiet = args.has("--quiet");

function fail(message) {
  process.stderr.write(`admin-schema: ${message}\n`);
  process.exit(1);
}

const versionFile = join(root, "app/shopify/api-version.ts");
const versionSource = readFileSync(versionFile, "utf8");
const version = /ADMIN_API_VERSION\s*=\s*"([^"]+)"/.exec(versionSource)?.[1];
if (!version) fail(`could not read ADMIN_API_VERSION from ${versionFile}`);
const packagePathTemplate = /ADMIN_SCHEMA_PACKAGE_PATH\s*=\s*`([^`]+)`/.exec(versionSource)?.[1];
if (!packagePathTemplate) fail(`could not read ADMIN_SCHEMA_PACKAGE_PATH from ${versionFile}`);
const packagePath = packagePathTemplate.replaceAll("${ADMIN_API_VERSION}", version);

const source = join(root, packagePath);
const output = join(root, ".cache/shopify", `admin-${version}.schema.json`);

if (!existsSync(join(root, "node_modules/@shopify/dev-mcp"))) {
  fail(
    "@shopify/dev-mcp is not installed, and it carries the offline Admin schema. " +
      "Run `npm ci` (it is a devDependency) and try again.",
  );
}
if (!existsSync(source)) {
  fail(
    `${packagePath} does not exist: this @shopify/dev-mcp has no Admin schema for ${version}. ` +
      "Pick a version it ships (ls node_modules/@shopify/dev-mcp/dist/data) or upgrade the package.",
  );
}

if (!force && existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) {
  if (!quiet) process.stdout.write(`admin-schema: ${output} is up to date\n`);
  process.exit(0);
}

let parsed;
try {
  parsed = JSON.parse(gunzipSync(readFileSync(source)).toString("utf8"));
} catch (error) {
  fail(`could not read ${packagePath} as gzipped JSON: ${error instanceof Error ? error.message : error}`);
}
const schema = parsed?.data?.__schema ?? parsed?.__schema;
if (!schema || !Array.isArray(schema.types) || !schema.queryType) {
  fail(`${packagePath} is not an introspection result (expected {data:{__schema}} or {__schema})`);
}

mkdirSync(dirname(output), { recursive: true });
const tmp = `${output}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify({ __schema: schema }));
renameSync(tmp, output); // atomic: a concurrent reader never sees half a file
if (!quiet) {
  process.stdout.write(`admin-schema: wrote ${output} (${schema.types.length} types, Admin API ${version})\n`);
}
