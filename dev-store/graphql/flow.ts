/**
 * Shopify Flow triggers in the local dev store: `flowTriggerReceive(handle, payload)`.
 * https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/flowTriggerReceive
 *
 * Shopify checks the handle against the app's deployed `flow_trigger`
 * extensions and the payload's size, and answers a failure as one userError on
 * `body` whose message lists the schema errors. The wording and the 50,000-byte
 * limit (the payload's JSON) are those of answers captured from Shopify (API
 * 2026-04: "Errors validating schema:\n  Invalid handle '…'.\n", "… Properties
 * size exceeds the limit of 50000 bytes.\n"). An accepted trigger is recorded
 * in the store (`DevStore.flowTriggers()`); no workflow runs.
 *
 * Not modelled: the deprecated `body` argument (refused with NOT_IMPLEMENTED),
 * checking payload keys against the extension's fields, and the Plus-only
 * rule (Flow ignores triggers on other plans).
 */
import type { ResolverContext } from "./context";
import { NotImplementedError } from "./resolvers";

/** Shopify's limit on a trigger payload, in bytes of its JSON. */
export const FLOW_TRIGGER_PAYLOAD_MAX_BYTES = 50_000;

function schemaError(...problems: string[]) {
  return { userErrors: [{ field: ["body"], message: `Errors validating schema:\n${problems.map((p) => `  ${p}\n`).join("")}` }] };
}

type Resolver = (source: unknown, args: any, ctx: ResolverContext) => unknown;

export const flowMutationResolvers: Record<string, Resolver> = {
  flowTriggerReceive: (_s, args: { handle?: string | null; payload?: unknown; body?: string | null }, ctx) => {
    if (args.body != null) throw new NotImplementedError("Argument 'body' (deprecated) of 'flowTriggerReceive'");
    const handle = args.handle ?? "";
    if (!handle) return schemaError("Required field missing: 'handle'.");
    const problems: string[] = [];
    if (!(ctx.flowTriggerHandles ?? []).includes(handle)) problems.push(`Invalid handle '${handle}'.`);
    const payload = args.payload ?? {};
    if (typeof payload !== "object" || Array.isArray(payload)) problems.push("Type error for field 'payload': must be an object.");
    else if (Buffer.byteLength(JSON.stringify(payload)) > FLOW_TRIGGER_PAYLOAD_MAX_BYTES) {
      problems.push(`Properties size exceeds the limit of ${FLOW_TRIGGER_PAYLOAD_MAX_BYTES} bytes.`);
    }
    if (problems.length) return schemaError(...problems);
    ctx.store.receiveFlowTrigger(handle, payload as Record<string, unknown>);
    return { userErrors: [] };
  },
};
