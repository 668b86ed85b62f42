/**
 * Shopify's calculated query cost and leaky bucket, as documented at
 * https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits:
 * scalars and enums cost 0, objects 1, a connection 2 plus `first`/`last`
 * times the cost of one node, a mutation field 10. Interfaces and unions cost
 * the maximum of their possible selections. A single query may cost at most
 * 1,000; the bucket (per app and shop) holds 20 s of restore (2,000 points on
 * the Standard plan's 100 points/s) and refunds requested minus actual cost.
 */
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

export const MAX_SINGLE_QUERY_COST = 1000;
export const MUTATION_FIELD_COST = 10;
export const RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits";

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

/** Restore rate (points/s) of a shop's plan; Standard when the plan is unknown. */
export function restoreRateForPlan(planName: string): number {
  const plan = planName.toLowerCase();
  if (plan.includes("enterprise") || plan.includes("commerce components")) return 2000;
  if (plan.includes("plus")) return 1000;
  if (plan.includes("advanced")) return 200;
  return 100;
}

/** A leaky bucket whose level refills continuously at `restoreRate` points per second of the injected clock. */
export class LeakyBucket {
  readonly maximumAvailable: number;
  readonly restoreRate: number;
  private level: number;
  private lastAtMs: number;
  private readonly clock: () => Date;

  constructor(options: { maximumAvailable: number; restoreRate: number; clock?: () => Date }) {
    this.maximumAvailable = options.maximumAvailable;
    this.restoreRate = options.restoreRate;
    this.clock = options.clock ?? (() => new Date());
    this.level = options.maximumAvailable;
    this.lastAtMs = this.clock().getTime();
  }

  /** Points available now (refilled since the last look). */
  available(): number {
    const now = this.clock().getTime();
    const elapsedSeconds = Math.max(0, now - this.lastAtMs) / 1000;
    this.level = Math.min(this.maximumAvailable, this.level + elapsedSeconds * this.restoreRate);
    this.lastAtMs = now;
    return this.level;
  }

  /** Takes `cost` points if the bucket holds them; false (and nothing taken) otherwise. */
  take(cost: number): boolean {
    if (this.available() < cost) return false;
    this.level -= cost;
    return true;
  }

  /** Gives back points (requested minus actual cost). */
  refund(points: number): void {
    this.available();
    this.level = Math.min(this.maximumAvailable, this.level + Math.max(0, points));
  }

  status(): ThrottleStatus {
    return {
      maximumAvailable: this.maximumAvailable,
      // Shopify reports whole points.
      currentlyAvailable: Math.floor(this.available()),
      restoreRate: this.restoreRate,
    };
  }
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** A connection type in Shopify's sense: an object with `pageInfo` and `edges` or `nodes`. */
export function isConnectionType(type: GraphQLNamedType): boolean {
  if (!isObjectType(type)) return false;
  const fields = type.getFields();
  return Boolean(fields.pageInfo && (fields.edges || fields.nodes) && type.name.endsWith("Connection"));
}

function argumentsOf(walk: Walk, def: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, walk.variables);
  } catch {
    return {};
  }
}

function responseKey(node: FieldNode): string {
  return node.alias?.value ?? node.name.value;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Nodes of a connection's result (from `edges.node` or `nodes`). */
function connectionNodes(connection: Record<string, unknown>, selectionSet: SelectionSetNode, walk: Walk): unknown[] {
  let found: unknown[] = [];
  forEachField(walk, selectionSet, (field) => {
    const value = connection[responseKey(field)];
    if (!Array.isArray(value)) return;
    if (field.name.value === "nodes" && value.length > found.length) found = value;
    if (field.name.value === "edges" && value.length > found.length) {
      const nodeField = field.selectionSet?.selections.find(
        (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === "node",
      );
      if (nodeField) found = value.map((edge) => asRecord(edge)?.[responseKey(nodeField)]);
    }
  });
  return found;
}

function forEachField(walk: Walk, selectionSet: SelectionSetNode, visit: (field: FieldNode) => void): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) forEachField(walk, selection.selectionSet, visit);
    else {
      const fragment = walk.fragments[selection.name.value];
      if (fragment) forEachField(walk, fragment.selectionSet, visit);
    }
  }
}

/**
 * Cost of a selection set on `parentType`. With `data` (the response object at
 * this level) it is the actual cost of what was returned; without, the
 * requested (worst-case) cost.
 */
function selectionSetCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  parentType: GraphQLCompositeType,
  data: Record<string, unknown> | null | undefined,
  actual: boolean,
): number {
  let base = 0;
  let widestBranch = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      base += fieldCost(walk, selection, parentType, data, actual);
      continue;
    }
    const fragmentSelection =
      selection.kind === Kind.INLINE_FRAGMENT ? selection : walk.fragments[selection.name.value];
    if (!fragmentSelection) continue;
    const conditionName = fragmentSelection.typeCondition?.name.value;
    const conditionType = conditionName ? walk.schema.getType(conditionName) : parentType;
    if (!conditionType || !isCompositeType(conditionType)) continue;
    const cost = selectionSetCost(walk, fragmentSelection.selectionSet, conditionType, data, actual);
    // A fragment on another (possible) type is one branch of an interface or union: only the widest counts.
    if (conditionType === parentType || !isAbstractType(parentType)) base += cost;
    else widestBranch = Math.max(widestBranch, cost);
  }
  return base + widestBranch;
}

function fieldCost(
  walk: Walk,
  field: FieldNode,
  parentType: GraphQLCompositeType,
  data: Record<string, unknown> | null | undefined,
  actual: boolean,
): number {
  const name = field.name.value;
  if (name.startsWith("__") || !isObjectType(parentType) && !("getFields" in parentType)) return 0;
  const def = (parentType as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[name];
  if (!def) return 0;
  const named = getNamedType(def.type);
  if (isLeafType(named) || !field.selectionSet) return 0;
  const composite = named as GraphQLCompositeType;
  const value = data ? data[responseKey(field)] : undefined;
  if (actual && (value === null || value === undefined)) return 0;

  if (isConnectionType(named)) {
    const connectionType = named as import("graphql").GraphQLObjectType;
    if (actual) {
      const nodes = connectionNodes(asRecord(value) ?? {}, field.selectionSet, walk);
      let cost = 2;
      for (const node of nodes) cost += 1 + nodeSelectionCost(walk, field.selectionSet, connectionType, asRecord(node), true);
      return cost;
    }
    const args = argumentsOf(walk, def, field);
    const size = Number(args.first ?? args.last ?? 0) || 0;
    return 2 + size * (1 + nodeSelectionCost(walk, field.selectionSet, connectionType, undefined, false));
  }

  if (isListType(getNullableType(def.type))) {
    if (actual) {
      const items = Array.isArray(value) ? value : [];
      return items.reduce<number>(
        (sum, item) => sum + 1 + selectionSetCost(walk, field.selectionSet!, composite, asRecord(item), true),
        0,
      );
    }
    const args = argumentsOf(walk, def, field);
    const size = Number(args.first ?? args.last ?? 1) || 1;
    return size * (1 + selectionSetCost(walk, field.selectionSet, composite, undefined, false));
  }

  return 1 + selectionSetCost(walk, field.selectionSet, composite, actual ? asRecord(value) : undefined, actual);
}

/** Cost of one node of a connection: the widest of its `edges { node }` and `nodes` selections (pageInfo is free). */
function nodeSelectionCost(
  walk: Walk,
  connectionSelection: SelectionSetNode,
  connectionType: import("graphql").GraphQLObjectType,
  node: Record<string, unknown> | null | undefined,
  actual: boolean,
): number {
  const fields = connectionType.getFields();
  const nodeType = getNamedType(fields.nodes?.type ?? fields.edges.type);
  let widest = 0;
  forEachField(walk, connectionSelection, (field) => {
    if (field.name.value === "nodes" && field.selectionSet) {
      const type = getNamedType(fields.nodes.type) as GraphQLCompositeType;
      widest = Math.max(widest, selectionSetCost(walk, field.selectionSet, type, node, actual));
    }
    if (field.name.value === "edges" && field.selectionSet) {
      const edgeType = getNamedType(fields.edges.type) as import("graphql").GraphQLObjectType;
      forEachField(walk, field.selectionSet, (edgeField) => {
        if (edgeField.name.value !== "node" || !edgeField.selectionSet) return;
        const type = getNamedType(edgeType.getFields().node.type) as GraphQLCompositeType;
        widest = Math.max(widest, selectionSetCost(walk, edgeField.selectionSet, type, node, actual));
      });
    }
  });
  void nodeType;
  return widest;
}

function prepare(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): { walk: Walk; operation: OperationDefinitionNode } | null {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      if (!operationName ? !operation : definition.name?.value === operationName) operation = definition;
    }
  }
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  const variables = "coerced" in coerced && coerced.coerced ? coerced.coerced : (rawVariables ?? {});
  return { walk: { schema, fragments, variables }, operation };
}

function operationCost(
  prepared: { walk: Walk; operation: OperationDefinitionNode },
  data: Record<string, unknown> | null | undefined,
  actual: boolean,
): number {
  const { walk, operation } = prepared;
  if (operation.operation === "mutation") {
    let count = 0;
    forEachField(walk, operation.selectionSet, (field) => {
      if (!field.name.value.startsWith("__")) count += 1;
    });
    return count * MUTATION_FIELD_COST;
  }
  const root = walk.schema.getQueryType();
  if (!root) return 0;
  return selectionSetCost(walk, operation.selectionSet, root, data, actual);
}

/** Requested (worst-case) cost of the operation, as Shopify computes it before running it. */
export function calculateRequestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): number {
  const prepared = prepare(schema, document, operationName, variables);
  return prepared ? operationCost(prepared, undefined, false) : 0;
}

/** Actual cost: the same rules applied to what the response holds (connections by returned nodes). */
export function calculateActualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  data: Record<string, unknown> | null | undefined,
): number {
  const prepared = prepare(schema, document, operationName, variables);
  if (!prepared) return 0;
  if (prepared.operation.operation === "mutation") return operationCost(prepared, data, true);
  return operationCost(prepared, data ?? {}, true);
}

/** The `errors` entry Shopify returns for a query whose requested cost exceeds 1,000. */
export function maxCostExceededError(cost: number): { message: string; extensions: Record<string, unknown> } {
  return {
    message:
      `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).\n\n` +
      "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
      "cost of a query is calculated.\n\n" +
      "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
      "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
    extensions: { code: "MAX_COST_EXCEEDED", cost, maxCost: MAX_SINGLE_QUERY_COST },
  };
}

/** The `errors` entry Shopify returns when the bucket lacks the requested cost. */
export function throttledError(): { message: string; extensions: Record<string, unknown> } {
  return { message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMIT_DOCS } };
}
