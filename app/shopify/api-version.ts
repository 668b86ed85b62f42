/**
 * The one Admin API version the app, codegen, the toml's webhooks and the
 * local dev store speak. Change it here and in shopify.app.toml together
 * (a test checks they agree).
 */
export const ADMIN_API_VERSION = "2026-10" as const;

/** Where @shopify/dev-mcp keeps the introspection of this version's Admin schema. */
export const ADMIN_SCHEMA_PACKAGE_PATH = `node_modules/@shopify/dev-mcp/dist/data/admin_${ADMIN_API_VERSION}.json.gz`;
