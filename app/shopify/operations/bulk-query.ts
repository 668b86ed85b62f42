import { Kind, parse, print, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionNode } from "graphql";

/**
 * Turns a named `#graphql` bulk query document into the string sent in
 * `bulkOperationRunQuery(query:)`.
 *
 * Bulk bodies reuse the fragments the paged queries use (one shape for the
 * mappers), but a bulk query must be a single self-contained operation, so
 * every fragment spread is replaced by the fragment's own selections and the
 * fragment definitions are dropped. Fragments are spliced, not turned into
 * inline fragments: each one is written on the concrete type it is spread
 * into (the schema-validation test checks the result).
 *
 * @param search Shopify search syntax for the root connection's `query:`
 *   argument, passed as a GraphQL string literal (escaped by graphql's printer,
 *   never by string concatenation).
 * @example bulkQueryBody(BulkOrders, { search: updatedAtSearch("2026-01-01T00:00:00Z") })
 */
export function bulkQueryBody(document: string, options: { search?: string } = {}): string {
  const ast = parse(document);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of ast.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operations = ast.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0].kind !== Kind.OPERATION_DEFINITION || operations[0].operation !== "query") {
    throw new Error("A bulk query document must hold exactly one query operation");
  }
  const operation = operations[0];
  if (operation.variableDefinitions && operation.variableDefinitions.length > 0) {
    throw new Error(`Bulk query ${operation.name?.value ?? "(anonymous)"} must not declare variables`);
  }

  const expand = (selections: readonly SelectionNode[], seen: readonly string[]): SelectionNode[] =>
    selections.flatMap((selection): SelectionNode[] => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`Unknown fragment ${name} in bulk query`);
        if (seen.includes(name)) throw new Error(`Fragment cycle through ${name}`);
        return expand(fragment.selectionSet.selections, [...seen, name]);
      }
      if (selection.selectionSet) {
        return [{ ...selection, selectionSet: { ...selection.selectionSet, selections: expand(selection.selectionSet.selections, seen) } }];
      }
      return [selection];
    });

  const rootFields = operation.selectionSet.selections;
  if (rootFields.length !== 1 || rootFields[0].kind !== Kind.FIELD) {
    throw new Error("A bulk query must select exactly one root connection field");
  }
  let root = rootFields[0];
  if (options.search !== undefined) {
    root = {
      ...root,
      arguments: [
        ...(root.arguments ?? []).filter((argument) => argument.name.value !== "query"),
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: "query" },
          value: { kind: Kind.STRING, value: options.search },
        },
      ],
    };
  }

  const inlined: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet: { ...operation.selectionSet, selections: expand([root], []) } }],
  };
  // Drop source locations so print() works from the rebuilt tree only.
  return print(visit(inlined, { enter: (node) => ({ ...node, loc: undefined }) }));
}

/**
 * Shopify search syntax for "updated strictly after this instant":
 * `updated_at:>'2026-01-01T00:00:00.000Z'`.
 *
 * The input is parsed and re-serialised with `toISOString()`, so only a
 * canonical UTC timestamp ever reaches the query: no quote or operator can be
 * smuggled in through it.
 *
 * @throws RangeError when `updatedAfter` is not a valid date.
 */
export function updatedAtSearch(updatedAfter: string | Date): string {
  const at = updatedAfter instanceof Date ? updatedAfter : new Date(updatedAfter);
  if (Number.isNaN(at.getTime())) {
    throw new RangeError(`updatedAfter is not a valid ISO date: ${JSON.stringify(String(updatedAfter))}`);
  }
  return `updated_at:>'${at.toISOString()}'`;
}
