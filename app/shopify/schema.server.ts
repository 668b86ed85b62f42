import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  buildClientSchema,
  getNamedType,
  GraphQLError,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { ADMIN_API_VERSION } from "./api-version";

/**
 * The Admin schema for validating operations in tests (codegen reads the same
 * file through .graphqlrc.ts). Extracted offline by scripts/admin-schema.mjs.
 */
export const ADMIN_SCHEMA_FILE = `.cache/shopify/admin-${ADMIN_API_VERSION}.schema.json`;

const cache = new Map<string, GraphQLSchema>();

/**
 * Builds the Admin API schema from the extracted introspection.
 *
 * @param file defaults to ADMIN_SCHEMA_FILE, resolved against the working directory.
 * @throws Error naming the command to run when the file is missing.
 */
export function loadAdminSchema(file: string = ADMIN_SCHEMA_FILE): GraphQLSchema {
  const path = resolve(file);
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new Error(`${file} is missing: run \`node scripts/admin-schema.mjs\` (npm run schema:extract) first`);
  }
  const json = JSON.parse(readFileSync(path, "utf8")) as IntrospectionQuery | { data: IntrospectionQuery };
  const introspection = "data" in json ? json.data : json;
  const schema = buildClientSchema(introspection, { assumeValid: true });
  cache.set(path, schema);
  return schema;
}

export interface DocumentCheck {
  /** Parse and validation errors, plus unnamed operations: each one a readable line. */
  errors: string[];
  /** `Type.field` (or `Type.field(arg)`, `Enum.VALUE`) deprecated in this schema and used by the document. */
  deprecated: string[];
}

/**
 * Parses and validates one GraphQL document against the schema, and requires
 * every operation to be named (codegen types and logs are keyed by name).
 */
export function checkAdminDocument(source: string, schema: GraphQLSchema): DocumentCheck {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? error.message : String(error)], deprecated: [] };
  }
  const errors = validate(schema, document).map((e) => e.message);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && !definition.name) {
      errors.push(`An ${definition.operation} operation has no name: name every operation`);
    }
  }
  const deprecated = validate(schema, document, [NoDeprecatedCustomRule]).map((e) =>
    e.message.replace(/^The field (\S+) is deprecated\..*$/s, "$1").replace(/^The enum value "(\S+)" is deprecated\..*$/s, "$1"),
  );
  return { errors, deprecated: [...new Set(deprecated)] };
}

/**
 * Checks Shopify's bulk query rules, which schema validation does not know:
 * one query, no variables, no root `node`/`nodes`, at least one connection,
 * at most 5 connections, nested at most 2 deep.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries#operation-restrictions
 */
export function checkBulkQueryRules(source: string, schema: GraphQLSchema): string[] {
  const document = parse(source);
  const problems: string[] = [];
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) problems.push(`expected one operation, found ${operations.length}`);
  if (document.definitions.some((d) => d.kind === Kind.FRAGMENT_DEFINITION)) {
    problems.push("fragment definitions must be inlined (bulkQueryBody does this)");
  }
  for (const op of operations) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    if (op.operation !== "query") problems.push(`a bulk query must be a query, not a ${op.operation}`);
    if (op.variableDefinitions?.length) problems.push("a bulk query cannot take variables");
    for (const root of op.selectionSet.selections) {
      if (root.kind === Kind.FIELD && (root.name.value === "node" || root.name.value === "nodes")) {
        problems.push(`the top-level ${root.name.value} field cannot be used`);
      }
    }
  }

  const typeInfo = new TypeInfo(schema);
  let connections = 0;
  let depth = 0;
  let maxDepth = 0;
  const isConnectionField = (): boolean => {
    const type = typeInfo.getType();
    return type != null && getNamedType(type).name.endsWith("Connection");
  };
  const stack: boolean[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter() {
          const connection = isConnectionField();
          stack.push(connection);
          if (connection) {
            connections += 1;
            depth += 1;
            maxDepth = Math.max(maxDepth, depth);
          }
        },
        leave() {
          if (stack.pop()) depth -= 1;
        },
      },
    }),
  );
  if (connections === 0) problems.push("a bulk query needs at least one connection");
  if (connections > 5) problems.push(`${connections} connections: at most 5 are allowed`);
  if (maxDepth > 2) problems.push(`connections nested ${maxDepth} deep: at most 2 levels are allowed`);
  return problems;
}
