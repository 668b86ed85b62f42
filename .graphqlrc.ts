/**
 * GraphQL config for codegen (`npm run codegen`) and editor tooling.
 *
 * Uses Shopify's preset (`shopifyApiProject`, Admin API, our one
 * ADMIN_API_VERSION) but points it at the schema extracted offline from
 * @shopify/dev-mcp by scripts/admin-schema.mjs. The preset would otherwise add
 * a step that downloads the introspection from shopify.dev whenever
 * `<outputDir>/admin-<version>.schema.json` is missing
 * (node_modules/@shopify/api-codegen-preset/src/api-types.ts): that step is
 * removed here and every `schema` is replaced with the local file.
 *
 * Output: app/types/admin.types.d.ts (schema types) and
 * app/types/admin.generated.d.ts (one type per named #graphql operation, and
 * the AdminQueries/AdminMutations augmentation of @shopify/admin-api-client
 * that types AdminClient.request and shopify-app-remix's admin.graphql).
 */
import { existsSync } from "node:fs";
import { ApiType, shopifyApiProject } from "@shopify/api-codegen-preset";
import type { IGraphQLConfig, IGraphQLProject } from "graphql-config";
import { ADMIN_API_VERSION } from "./app/shopify/api-version";

const LOCAL_SCHEMA = `./.cache/shopify/admin-${ADMIN_API_VERSION}.schema.json`;

if (!existsSync(LOCAL_SCHEMA)) {
  throw new Error(`${LOCAL_SCHEMA} is missing: run \`node scripts/admin-schema.mjs\` (or \`npm run codegen\`, which does) first.`);
}

function withLocalSchema(project: IGraphQLProject): IGraphQLProject {
  const codegen = project.extensions?.codegen as { generates?: Record<string, { schema?: unknown; plugins?: string[] }> } | undefined;
  const generates = codegen?.generates;
  if (!generates) throw new Error("@shopify/api-codegen-preset changed shape: no extensions.codegen.generates");
  for (const [target, step] of Object.entries(generates)) {
    if (target.endsWith(".schema.json")) {
      // The preset's "download the introspection" step.
      delete generates[target];
      continue;
    }
    step.schema = LOCAL_SCHEMA;
  }
  return { ...project, schema: LOCAL_SCHEMA };
}

const config: IGraphQLConfig = {
  projects: {
    default: withLocalSchema(
      shopifyApiProject({
        apiType: ApiType.Admin,
        apiVersion: ADMIN_API_VERSION,
        outputDir: "./app/types",
        documents: ["./app/**/*.{ts,tsx}", "!./app/types/**", "!./app/generated/**"],
      }),
    ),
  },
};

export default config;
