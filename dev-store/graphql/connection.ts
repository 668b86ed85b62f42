/**
 * Relay connections over the store's lists, with Shopify's rules: one of
 * `first`/`last` (at most 250) outside bulk operations, opaque cursors,
 * `reverse`, and an optional item filter (the `query` argument).
 */
import { GraphQLError } from "graphql";

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  nodes: T[];
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 250;

/** Cursors look like Shopify's: base64 of `{"last_id":123}`. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ last_id: Number(id), last_value: id })).toString("base64");
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as { last_id?: unknown };
    if (typeof parsed.last_id === "number" && Number.isFinite(parsed.last_id)) return parsed.last_id;
  } catch {
    // fall through to the error below
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: "INVALID_CURSOR" } });
}

/** First index in `items` (ascending numeric ids) whose id is greater than `id`. */
function upperBound(items: readonly { id: string }[], id: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(items[mid].id) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose id is at least `id`. */
function lowerBound(items: readonly { id: string }[], id: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(items[mid].id) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function pageSize(name: "first" | "last", value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0) throw new GraphQLError(`The '${name}' argument must be a non-negative integer.`);
  if (value > MAX_PAGE_SIZE) {
    throw new GraphQLError(`The '${name}' argument must be less than or equal to ${MAX_PAGE_SIZE}.`, {
      extensions: { code: "argumentLiteralsIncompatible" },
    });
  }
  return value;
}

/**
 * One page of `items`, which must be sorted by ascending numeric id.
 * `unbounded` (bulk operations) allows neither first nor last: everything.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  args: ConnectionArgs,
  options: { filter?: (item: T) => boolean; unbounded?: boolean } = {},
): Connection<T> {
  const first = pageSize("first", args.first);
  const last = pageSize("last", args.last);
  if (first === undefined && last === undefined && !options.unbounded) {
    throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
  }
  const filter = options.filter ?? (() => true);
  const reverse = Boolean(args.reverse);
  // [lo, hi) is the window of the ascending array between the cursors.
  let lo = 0;
  let hi = items.length;
  if (args.after) {
    const id = decodeCursor(args.after);
    if (reverse) hi = lowerBound(items, id);
    else lo = upperBound(items, id);
  }
  if (args.before) {
    const id = decodeCursor(args.before);
    if (reverse) lo = Math.max(lo, upperBound(items, id));
    else hi = Math.min(hi, lowerBound(items, id));
  }
  // Walk in presentation order: ascending, or descending when reversed.
  const at = (k: number): T => (reverse ? items[hi - 1 - k] : items[lo + k]);
  const span = Math.max(0, hi - lo);
  const nodes: T[] = [];
  let hasNextPage = false;
  let hasPreviousPage = false;
  if (first !== undefined || last === undefined) {
    let k = 0;
    for (; k < span && (first === undefined || nodes.length < first); k++) {
      const item = at(k);
      if (filter(item)) nodes.push(item);
    }
    for (; k < span; k++) {
      if (filter(at(k))) {
        hasNextPage = true;
        break;
      }
    }
    hasPreviousPage = Boolean(args.after) && anyMatch(items, filter, reverse ? hi : 0, reverse ? items.length : lo);
    if (last !== undefined && nodes.length > last) {
      nodes.splice(0, nodes.length - last);
      hasPreviousPage = true;
    }
  } else {
    let k = span - 1;
    const tail: T[] = [];
    for (; k >= 0 && tail.length < last; k--) {
      const item = at(k);
      if (filter(item)) tail.push(item);
    }
    for (; k >= 0; k--) {
      if (filter(at(k))) {
        hasPreviousPage = true;
        break;
      }
    }
    tail.reverse();
    nodes.push(...tail);
    hasNextPage = Boolean(args.before) && anyMatch(items, filter, reverse ? 0 : hi, reverse ? lo : items.length);
  }
  return toConnection(nodes, hasNextPage, hasPreviousPage);
}

function anyMatch<T>(items: readonly T[], filter: (item: T) => boolean, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (filter(items[i])) return true;
  return false;
}

/** An edge whose cursor is only encoded when a query asks for it (bulk queries rarely do). */
class LazyEdge<T extends { id: string }> implements Edge<T> {
  constructor(readonly node: T) {}
  get cursor(): string {
    return encodeCursor(this.node.id);
  }
}

/** A connection over exactly these nodes (bulk chunks, small nested lists). */
export function toConnection<T extends { id: string }>(
  nodes: T[],
  hasNextPage = false,
  hasPreviousPage = false,
): Connection<T> {
  let edges: Edge<T>[] | undefined;
  return {
    nodes,
    // Built lazily: most queries select only one of edges and nodes.
    get edges() {
      edges ??= nodes.map((node) => new LazyEdge(node));
      return edges;
    },
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: nodes.length ? encodeCursor(nodes[0].id) : null,
      endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1].id) : null,
    },
  };
}

/** Sorts a small list by ascending numeric id (nested lists the store does not keep sorted). */
export function byNumericId<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Number(a.id) - Number(b.id));
}
