/**
 * Shopify Flow triggers Evergreen fires (app/shopify/flow.server.ts): each
 * trigger is a `flow_trigger` extension whose handle and payload fields are
 * declared in extensions/<name>/shopify.extension.toml.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/flowTriggerReceive
 *
 * `handle` + `payload` (JSON) replace the deprecated `body` argument. The
 * payload must stay under 50,000 bytes of JSON; an unknown handle or an
 * oversized payload is a userError on `body`.
 */
export const FlowTriggerReceive = `#graphql
  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors {
        field
        message
      }
    }
  }
` as const;
