/**
 * Bulk query operations (https://shopify.dev/docs/api/usage/bulk-operations/queries):
 * the inner query is validated against the real schema and Shopify's bulk
 * rules (1 to 5 connections, nested at most 2 deep), then run in the
 * background in chunks of root nodes through the same resolvers as a normal
 * query, and streamed to a JSONL file with back-pressure: one line per node,
 * nested connection nodes on their own lines with `__parentId` (children
 * follow their parent, which satisfies both groupObjects values). Up to five
 * bulk queries run at once per shop (API 2026-01 and later).
 */
import { createWriteStream, mkdirSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { isConnectionType } from "./cost";
import type { BulkOperationStatus, DevBulkOperation } from "./model";
import { parseGid } from "./model";
import type { ResolverContext } from "./graphql/context";
import { executeAdmin, toShopifyValidationError } from "./graphql/execute";
import { rootLists } from "./graphql/resolvers";

export const MAX_CONCURRENT_BULK_QUERIES = 5;
export const MAX_BULK_CONNECTIONS = 5;
export const MAX_BULK_CONNECTION_DEPTH = 2;
const BULK_ID_ALIAS = "evergreenBulkParentId";
const TERMINAL: ReadonlySet<BulkOperationStatus> = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

export interface BulkUserError {
  field: string[] | null;
  message: string;
  code: "INVALID" | "LIMIT_REACHED" | "OPERATION_IN_PROGRESS" | null;
}

export interface BulkOperationsOptions {
  schema: GraphQLSchema;
  /** Folder for result files; a fresh one under os.tmpdir()/evergreen-dev-store by default. */
  dataDir?: string;
  /** Base of result URLs (`${publicUrl}/_bulk/${id}.jsonl`), read when an operation completes. */
  publicUrl: () => string;
  clock?: () => Date;
  /** Root nodes executed per chunk. */
  chunkSize?: number;
  /** Called once an operation reaches COMPLETED, FAILED or CANCELED (sends bulk_operations/finish). */
  onFinish?: (shopDomain: string, operation: DevBulkOperation) => void;
}

/** A nested connection inside a node: where it sits in the response and how its own nodes look. */
interface NodePlan {
  connections: { key: string; plan: ConnectionPlan }[];
  injectedId: boolean;
}

interface ConnectionPlan {
  /** Response keys of `edges` and its `node`, and of `nodes`. */
  edgesKey?: string;
  edgeNodeKey?: string;
  nodesKey?: string;
  node: NodePlan;
}

interface Running {
  shopDomain: string;
  operation: DevBulkOperation;
  cancelRequested: boolean;
  done: Promise<DevBulkOperation>;
  error?: string;
}

function forEachField(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visit: (field: FieldNode, selectionSet: SelectionSetNode) => void,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) visit(selection, selectionSet);
    else if (selection.kind === Kind.INLINE_FRAGMENT) forEachField(selection.selectionSet, fragments, visit);
    else if (fragments[selection.name.value]) forEachField(fragments[selection.name.value].selectionSet, fragments, visit);
  }
}

function fieldDef(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in type ? (type.getFields() as Record<string, GraphQLField<unknown, unknown>>)[name] : undefined;
}

const keyOf = (field: FieldNode) => field.alias?.value ?? field.name.value;

export class BulkOperations {
  private readonly schema: GraphQLSchema;
  readonly dataDir: string;
  private readonly ownsDataDir: boolean;
  private readonly publicUrl: () => string;
  private readonly clock: () => Date;
  private readonly chunkSize: number;
  private readonly onFinish?: (shopDomain: string, operation: DevBulkOperation) => void;
  private readonly byId = new Map<string, Running>();
  private nextId = 4_100_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  private closed = false;

  constructor(options: BulkOperationsOptions) {
    this.schema = options.schema;
    this.ownsDataDir = !options.dataDir;
    this.dataDir = options.dataDir ?? join(tmpdir(), "evergreen-dev-store", `${process.pid}-${randomBytes(4).toString("hex")}`);
    mkdirSync(this.dataDir, { recursive: true });
    this.publicUrl = options.publicUrl;
    this.clock = options.clock ?? (() => new Date());
    this.chunkSize = options.chunkSize ?? 100;
    this.onFinish = options.onFinish;
  }

  /** The `bulkOperationRunQuery` mutation: validates, creates and starts an operation. */
  runQuery(ctx: ResolverContext, query: string): { bulkOperation: DevBulkOperation | null; userErrors: BulkUserError[] } {
    const invalid = (message: string): { bulkOperation: null; userErrors: BulkUserError[] } => ({
      bulkOperation: null,
      userErrors: [{ field: ["query"], message, code: "INVALID" }],
    });
    let checked: { document: DocumentNode; operation: OperationDefinitionNode; fragments: Record<string, FragmentDefinitionNode> };
    try {
      checked = this.check(query);
    } catch (error) {
      return invalid(error instanceof Error ? error.message : String(error));
    }
    const active = [...this.byId.values()].filter((r) => r.shopDomain === ctx.shopDomain && !TERMINAL.has(r.operation.status));
    if (active.length >= MAX_CONCURRENT_BULK_QUERIES) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: `A maximum of ${MAX_CONCURRENT_BULK_QUERIES} bulk query operations can run at the same time for this app and shop. In progress: ${active.map((r) => `gid://shopify/BulkOperation/${r.operation.id}`).join(", ")}.`,
            code: "LIMIT_REACHED",
          },
        ],
      };
    }
    const id = String((this.nextId += 1));
    const operation: DevBulkOperation = {
      id,
      query,
      status: "CREATED",
      errorCode: null,
      createdAt: this.clock().toISOString(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      filePath: null,
      url: null,
    };
    const running: Running = { shopDomain: ctx.shopDomain, operation, cancelRequested: false, done: Promise.resolve(operation) };
    running.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(running, ctx, checked));
    this.byId.set(id, running);
    return { bulkOperation: operation, userErrors: [] };
  }

  /** Validates the inner query; throws an Error whose message is the user error. */
  private check(query: string) {
    const document = parse(query);
    const errors = validate(this.schema, document);
    if (errors.length) throw new Error(`Invalid bulk query: ${errors.map((e) => toShopifyValidationError(e).message).join("; ")}`);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) throw new Error("Bulk query must contain exactly one operation.");
    const operation = operations[0];
    if (operation.operation !== "query") throw new Error("Bulk queries must be queries; use bulkOperationRunMutation for mutations.");
    if (operation.variableDefinitions?.length) throw new Error("Bulk queries cannot use variables.");
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    let connections = 0;
    let deepest = 0;
    const walk = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, depth: number) => {
      forEachField(selectionSet, fragments, (field) => {
        const def = fieldDef(type, field.name.value);
        if (!def || !field.selectionSet) return;
        const named = getNamedType(def.type);
        if (!isCompositeType(named)) return;
        const isConnection = isConnectionType(named);
        if (isConnection) {
          connections += 1;
          deepest = Math.max(deepest, depth + 1);
        }
        walk(field.selectionSet, named, depth + (isConnection ? 1 : 0));
      });
    };
    walk(operation.selectionSet, this.schema.getQueryType()!, 0);
    if (connections === 0) throw new Error("Bulk queries must contain at least one connection.");
    if (connections > MAX_BULK_CONNECTIONS) throw new Error(`Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.`);
    if (deepest > MAX_BULK_CONNECTION_DEPTH) {
      throw new Error(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_BULK_CONNECTION_DEPTH}.`);
    }
    // Execute a location-free copy we may extend with the ids `__parentId` needs.
    const copy = parse(query, { noLocation: true });
    const copyFragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of copy.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) copyFragments[d.name.value] = d;
    return { document: copy, operation, fragments: copyFragments };
  }

  /** Plans a node selection: its nested connections; adds an aliased `id` when children need the parent's id. */
  private planNode(selectionSets: SelectionSetNode[], type: GraphQLCompositeType, fragments: Record<string, FragmentDefinitionNode>): NodePlan {
    const plan: NodePlan = { connections: [], injectedId: false };
    for (const selectionSet of selectionSets) {
      forEachField(selectionSet, fragments, (field) => {
        const def = fieldDef(type, field.name.value);
        if (!def || !field.selectionSet) return;
        const named = getNamedType(def.type);
        if (isConnectionType(named)) plan.connections.push({ key: keyOf(field), plan: this.planConnection(field, named as GraphQLObjectType, fragments) });
      });
    }
    if (plan.connections.length && fieldDef(type, "id")) {
      const first = selectionSets[0] as unknown as { selections: unknown[] };
      first.selections.push({
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: BULK_ID_ALIAS },
        name: { kind: Kind.NAME, value: "id" },
      });
      plan.injectedId = true;
    }
    return plan;
  }

  private planConnection(field: FieldNode, type: GraphQLObjectType, fragments: Record<string, FragmentDefinitionNode>): ConnectionPlan {
    const fields = type.getFields();
    const nodeSelections: SelectionSetNode[] = [];
    const plan: Partial<ConnectionPlan> = {};
    forEachField(field.selectionSet!, fragments, (child) => {
      if (child.name.value === "nodes" && child.selectionSet) {
        plan.nodesKey = keyOf(child);
        nodeSelections.push(child.selectionSet);
      }
      if (child.name.value === "edges" && child.selectionSet) {
        forEachField(child.selectionSet, fragments, (edgeField) => {
          if (edgeField.name.value === "node" && edgeField.selectionSet) {
            plan.edgesKey = keyOf(child);
            plan.edgeNodeKey = keyOf(edgeField);
            nodeSelections.push(edgeField.selectionSet);
          }
        });
      }
    });
    const nodeType = getNamedType(fields.nodes?.type ?? (getNamedType(fields.edges.type) as GraphQLObjectType).getFields().node.type);
    return { ...plan, node: nodeSelections.length ? this.planNode(nodeSelections, nodeType as GraphQLCompositeType, fragments) : { connections: [], injectedId: false } };
  }

  private async run(
    running: Running,
    baseCtx: ResolverContext,
    checked: { document: DocumentNode; fragments: Record<string, FragmentDefinitionNode> },
  ): Promise<DevBulkOperation> {
    const { operation } = running;
    if (running.cancelRequested || this.closed) return this.finish(running, "CANCELED");
    operation.status = "RUNNING";
    const filePath = join(this.dataDir, `bulk-${operation.id}.jsonl`);
    const stream = createWriteStream(filePath);
    let streamError: Error | undefined;
    stream.on("error", (error) => (streamError = error));
    const write = async (text: string) => {
      if (streamError) throw streamError;
      if (!stream.write(text)) await once(stream, "drain");
    };
    try {
      const { document, fragments } = checked;
      const opNode = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      const queryType = this.schema.getQueryType()!;
      const roots: FieldNode[] = [];
      forEachField(opNode.selectionSet, fragments, (field) => roots.push(field));
      // Plans first: they add the aliased ids to the document before it runs.
      const rootPlans = roots.map((field) => {
        const def = fieldDef(queryType, field.name.value)!;
        const named = getNamedType(def.type) as GraphQLCompositeType;
        return isConnectionType(named)
          ? { field, def, connection: this.planConnection(field, named as GraphQLObjectType, fragments) }
          : { field, def, node: field.selectionSet ? this.planNode([field.selectionSet], named, fragments) : { connections: [], injectedId: false } };
      });
      const ctx: ResolverContext = { ...baseCtx, bulkRun: {} };
      const chunked = rootPlans.length === 1 && rootPlans[0].connection && rootLists[rootPlans[0].field.name.value];
      if (chunked) {
        const { field, def, connection } = rootPlans[0];
        const items = rootLists[field.name.value](ctx, getArgumentValues(def, field, {}));
        for (let start = 0; start < items.length; start += this.chunkSize) {
          if (running.cancelRequested || this.closed) return await this.abort(running, stream, "CANCELED");
          const chunk = items.slice(start, start + this.chunkSize);
          const result = executeAdmin(this.schema, document, { ...ctx, bulkRun: { rootItems: chunk } });
          if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join("; "));
          const lines: string[] = [];
          for (const node of this.connectionNodes((result.data as Record<string, unknown>)[keyOf(field)], connection!)) {
            operation.rootObjectCount += 1;
            this.emitNode(node, connection!.node, undefined, lines, operation);
          }
          await write(lines.join(""));
          // Let the server answer polls and downloads between chunks.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } else {
        const result = executeAdmin(this.schema, document, ctx);
        if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join("; "));
        const lines: string[] = [];
        for (const root of rootPlans) {
          const value = (result.data as Record<string, unknown>)[keyOf(root.field)];
          if (root.connection) {
            for (const node of this.connectionNodes(value, root.connection)) {
              operation.rootObjectCount += 1;
              this.emitNode(node, root.connection.node, undefined, lines, operation);
            }
          } else if (value && typeof value === "object") {
            operation.rootObjectCount += 1;
            this.emitNode(value as Record<string, unknown>, root.node!, undefined, lines, operation);
          }
        }
        await write(lines.join(""));
      }
      await new Promise<void>((resolve, reject) => {
        stream.end(() => (streamError ? reject(streamError) : resolve()));
      });
      if (operation.objectCount > 0) {
        operation.filePath = filePath;
        operation.fileSize = statSync(filePath).size;
        operation.url = `${this.publicUrl()}/_bulk/${operation.id}.jsonl`;
      } else {
        // Shopify gives no file for an empty result.
        rmSync(filePath, { force: true });
      }
      return this.finish(running, "COMPLETED");
    } catch (error) {
      running.error = error instanceof Error ? error.message : String(error);
      return this.abort(running, stream, "FAILED");
    }
  }

  private async abort(running: Running, stream: ReturnType<typeof createWriteStream>, status: BulkOperationStatus) {
    stream.destroy();
    if (status === "FAILED") running.operation.errorCode = "INTERNAL_SERVER_ERROR";
    return this.finish(running, status);
  }

  private finish(running: Running, status: BulkOperationStatus): DevBulkOperation {
    running.operation.status = status;
    running.operation.completedAt = this.clock().toISOString();
    if (!this.closed) this.onFinish?.(running.shopDomain, running.operation);
    return running.operation;
  }

  private connectionNodes(value: unknown, plan: ConnectionPlan): Record<string, unknown>[] {
    if (!value || typeof value !== "object") return [];
    const connection = value as Record<string, unknown>;
    if (plan.edgesKey && plan.edgeNodeKey && Array.isArray(connection[plan.edgesKey])) {
      return (connection[plan.edgesKey] as Record<string, unknown>[]).map((edge) => edge[plan.edgeNodeKey!] as Record<string, unknown>);
    }
    if (plan.nodesKey && Array.isArray(connection[plan.nodesKey])) return connection[plan.nodesKey] as Record<string, unknown>[];
    return [];
  }

  private emitNode(
    node: Record<string, unknown>,
    plan: NodePlan,
    parentId: string | undefined,
    lines: string[],
    operation: DevBulkOperation,
  ): void {
    const children: { plan: ConnectionPlan; value: unknown }[] = [];
    // Set to undefined rather than deleted (JSON.stringify skips both; delete makes V8's objects slow).
    for (const connection of plan.connections) {
      children.push({ plan: connection.plan, value: node[connection.key] });
      node[connection.key] = undefined;
    }
    const id = (plan.injectedId ? node[BULK_ID_ALIAS] : node.id) as string | undefined;
    if (plan.injectedId) node[BULK_ID_ALIAS] = undefined;
    if (parentId !== undefined) node.__parentId = parentId;
    lines.push(`${JSON.stringify(node)}\n`);
    operation.objectCount += 1;
    for (const child of children) {
      for (const childNode of this.connectionNodes(child.value, child.plan)) this.emitNode(childNode, child.plan.node, id, lines, operation);
    }
  }

  /** The `bulkOperationCancel` mutation. */
  cancel(shopDomain: string, id: string): { bulkOperation: DevBulkOperation | null; userErrors: { field: string[]; message: string }[] } {
    const running = this.find(shopDomain, id);
    if (!running) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (TERMINAL.has(running.operation.status)) {
      return {
        bulkOperation: running.operation,
        userErrors: [{ field: ["id"], message: `A bulk operation cannot be canceled when it is ${running.operation.status.toLowerCase()}` }],
      };
    }
    running.cancelRequested = true;
    running.operation.status = "CANCELING";
    return { bulkOperation: running.operation, userErrors: [] };
  }

  private find(shopDomain: string, id: string): Running | undefined {
    const numeric = parseGid(id)?.id ?? id;
    const running = this.byId.get(numeric);
    return running && running.shopDomain === shopDomain ? running : undefined;
  }

  get(shopDomain: string, id: string): DevBulkOperation | null {
    return this.find(shopDomain, id)?.operation ?? null;
  }

  /** The shop's newest operation of that type (`currentBulkOperation`). */
  current(shopDomain: string, type: "QUERY" | "MUTATION"): DevBulkOperation | null {
    if (type !== "QUERY") return null;
    const mine = this.list(shopDomain);
    return mine.length ? mine[mine.length - 1] : null;
  }

  /** The shop's operations, oldest first. */
  list(shopDomain: string): DevBulkOperation[] {
    return [...this.byId.values()].filter((r) => r.shopDomain === shopDomain).map((r) => r.operation);
  }

  /** Resolves when the operation has finished (COMPLETED, FAILED or CANCELED). */
  async whenDone(id: string): Promise<DevBulkOperation> {
    const running = this.byId.get(parseGid(id)?.id ?? id);
    if (!running) throw new Error(`no bulk operation ${id}`);
    return running.done;
  }

  /** Why an operation failed (the API only shows errorCode). */
  failureOf(id: string): string | undefined {
    return this.byId.get(parseGid(id)?.id ?? id)?.error;
  }

  /** Local path of a completed operation's result file, by numeric id; null when there is none. */
  filePath(id: string): string | null {
    return this.byId.get(id)?.operation.filePath ?? null;
  }

  /** Stops running operations (they end CANCELED) and removes the data folder this instance created. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byId.values()].map((r) => r.done.catch(() => undefined)));
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
