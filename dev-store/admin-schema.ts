/**
 * The real Admin GraphQL schema of the app's API version, built from the
 * introspection @shopify/dev-mcp ships. Queries the local dev store accepts
 * are exactly the queries Shopify's validator would accept for that version.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { ADMIN_API_VERSION, ADMIN_SCHEMA_PACKAGE_PATH } from "../app/shopify/api-version";

export { ADMIN_API_VERSION };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let cached: GraphQLSchema | undefined;

/**
 * Builds (once per process, about a second) and returns the Admin schema.
 * The introspection file may hold `{data: {__schema}}` or `{__schema}`.
 */
export function loadAdminSchema(): GraphQLSchema {
  if (cached) return cached;
  const raw = JSON.parse(gunzipSync(readFileSync(resolve(repoRoot, ADMIN_SCHEMA_PACKAGE_PATH))).toString("utf8")) as
    | { data: IntrospectionQuery }
    | IntrospectionQuery;
  const introspection = "data" in raw ? raw.data : raw;
  cached = buildClientSchema(introspection, { assumeValid: true });
  return cached;
}
