/**
 * Runs one Admin GraphQL request the way Shopify does: parse, validate
 * against the real schema, price it, charge the shop's bucket, execute,
 * refund the unused cost, and put `extensions.cost` on every answer.
 */
import {
  execute,
  getNamedType,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from "graphql";
import {
  calculateActualCost,
  calculateRequestedCost,
  maxCostExceededError,
  MAX_SINGLE_QUERY_COST,
  throttledError,
  type CostExtension,
  type LeakyBucket,
} from "../cost";
import type { ResolverContext } from "./context";
import { mutationResolvers } from "./mutations";
import { NotImplementedError, taggedType, typeResolvers } from "./resolvers";

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface ShopifyGraphQLError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface AdminResponseBody {
  data?: unknown;
  errors?: ShopifyGraphQLError[];
  extensions: { cost: CostExtension };
}

/** Shopify's DateTime has whole seconds ("2025-03-04T10:22:31Z"); the store keeps milliseconds. */
function shopifyDateTime(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/\.\d+(?=Z$|[+-]\d\d:\d\d$)/, "") : value;
}

const fieldResolver: GraphQLFieldResolver<any, ResolverContext> = (source, args, ctx, info) => {
  const type = getNamedType(info.returnType);
  const value = resolveField(source, args, ctx, info);
  if (type.name !== "DateTime") return value;
  return value instanceof Promise ? value.then(shopifyDateTime) : shopifyDateTime(value);
};

const resolveField: GraphQLFieldResolver<any, ResolverContext> = (source, args, ctx, info) => {
  const parent = info.parentType.name;
  const resolve = parent === "Mutation" ? mutationResolvers[info.fieldName] : typeResolvers[parent]?.[info.fieldName];
  if (resolve) return resolve(source, args, ctx, info);
  if (parent === "QueryRoot" || parent === "Mutation") throw new NotImplementedError(`Field '${info.fieldName}'`);
  const value = source?.[info.fieldName];
  if (value === undefined) throw new NotImplementedError(`Field '${info.fieldName}' on type '${parent}'`);
  return typeof value === "function" ? value.call(source, args, ctx, info) : value;
};

const typeResolver: GraphQLTypeResolver<unknown, ResolverContext> = (value) => taggedType(value);

/** Executes an already validated document against the store of `ctx` (synchronous: every resolver is). */
export function executeAdmin(
  schema: GraphQLSchema,
  document: DocumentNode,
  ctx: ResolverContext,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): ExecutionResult {
  const result = execute({
    schema,
    document,
    contextValue: ctx,
    variableValues: variables ?? undefined,
    operationName: operationName ?? undefined,
    fieldResolver,
    typeResolver,
  });
  if (result instanceof Promise) throw new Error("local dev store resolvers must be synchronous");
  return result;
}

/** graphql-js validation messages in the words and codes Shopify uses. */
export function toShopifyValidationError(error: GraphQLError): ShopifyGraphQLError {
  const locations = error.locations?.map(({ line, column }) => ({ line, column }));
  let match = /^Cannot query field "(\w+)" on type "(\w+)"/.exec(error.message);
  if (match) {
    return {
      message: `Field '${match[1]}' doesn't exist on type '${match[2]}'`,
      locations,
      extensions: { code: "undefinedField", typeName: match[2], fieldName: match[1] },
    };
  }
  match = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"/.exec(error.message);
  if (match) {
    return {
      message: `Field '${match[3]}' doesn't accept argument '${match[1]}'`,
      locations,
      extensions: { code: "argumentNotAccepted", name: match[3], typeName: "Field", argumentName: match[1] },
    };
  }
  match = /^Field "(\w+)" argument "(\w+)" of type "([^"]+)" is required/.exec(error.message);
  if (match) {
    return {
      message: `Field '${match[1]}' is missing required arguments: ${match[2]}`,
      locations,
      extensions: { code: "missingRequiredArguments", className: "Field", name: match[1], arguments: match[2] },
    };
  }
  return { message: error.message, locations, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
}

function costExtension(bucket: LeakyBucket, requested: number, actual: number | null): { cost: CostExtension } {
  return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() } };
}

/**
 * Answers one POST to `/admin/api/{version}/graphql.json`. Shopify answers
 * HTTP 200 for validation errors, throttling and cost limits alike.
 */
export function handleGraphQLRequest(options: {
  schema: GraphQLSchema;
  body: GraphQLRequestBody;
  ctx: ResolverContext;
  bucket: LeakyBucket;
}): { status: number; body: AdminResponseBody } {
  const { schema, body, ctx, bucket } = options;
  const fail = (errors: ShopifyGraphQLError[], requested = 0) => ({
    status: 200,
    body: { errors, extensions: costExtension(bucket, requested, requested === 0 ? 0 : null) },
  });
  if (typeof body.query !== "string" || !body.query.trim()) {
    return { status: 400, body: { errors: [{ message: "Parameter Missing or Invalid" }], extensions: costExtension(bucket, 0, 0) } };
  }
  const variables = body.variables && typeof body.variables === "object" ? (body.variables as Record<string, unknown>) : null;
  const operationName = typeof body.operationName === "string" ? body.operationName : null;

  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    const parseError = error as GraphQLError;
    return fail([{ message: parseError.message, locations: parseError.locations?.map(({ line, column }) => ({ line, column })), extensions: { code: "PARSE_ERROR" } }]);
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length) return fail(validationErrors.map(toShopifyValidationError));

  const requested = calculateRequestedCost(schema, document, operationName, variables);
  if (requested > MAX_SINGLE_QUERY_COST) return fail([maxCostExceededError(requested)], requested);
  if (!bucket.take(requested)) return fail([throttledError()], requested);

  const result = executeAdmin(schema, document, ctx, variables, operationName);
  const actual = result.data ? calculateActualCost(schema, document, operationName, variables, result.data) : requested;
  bucket.refund(requested - Math.min(actual, requested));
  const responseBody = {
    ...(result.data !== undefined && { data: result.data }),
    ...(result.errors?.length && { errors: result.errors.map((e) => e.toJSON() as ShopifyGraphQLError) }),
    extensions: costExtension(bucket, requested, Math.min(actual, requested)),
  };
  return { status: 200, body: responseBody };
}
