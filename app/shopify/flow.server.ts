/**
 * Fires Shopify Flow triggers (operation: app/shopify/operations/flow.ts), so
 * merchants can start workflows from Evergreen's events: replenishment due,
 * layer changed, tier changed, points expiring, churn risk rose, campaign step due.
 *
 * Each handle must be one of the app's deployed `flow_trigger` extensions
 * (extensions/<name>/shopify.extension.toml, handle up to 30 characters) and
 * the payload's keys its fields; a reference field is sent as the resource's
 * numeric id (`customer_id: 123`). Flow runs a workflow once per accepted
 * trigger, so callers fire each event once (the mutation is not resent after an
 * ambiguous failure; retrying risks a duplicate workflow run, dropping it a
 * missed one: the caller chooses).
 */
import type { AdminClient } from "./admin-client.server";
import { AdminApiError, AdminUserErrorsError } from "./errors";
import { FlowTriggerReceive } from "./operations/flow";

/** Shopify's limit on a trigger payload, in bytes of its JSON. */
export const FLOW_TRIGGER_PAYLOAD_MAX_BYTES = 50_000;
/** Shopify's limit on an extension handle. */
export const FLOW_TRIGGER_HANDLE_MAX_LENGTH = 30;

/** Flow refused the trigger (unknown handle, payload too large or invalid): firing it again will not help. */
export class FlowTriggerRejectedError extends AdminUserErrorsError {
  constructor(
    readonly handle: string,
    userErrors: ConstructorParameters<typeof AdminUserErrorsError>[1],
  ) {
    super("FlowTriggerReceive", userErrors);
  }
}

/** The payload is larger than Flow accepts; nothing was sent. */
export class FlowTriggerPayloadTooLargeError extends AdminApiError {
  constructor(
    readonly handle: string,
    readonly bytes: number,
  ) {
    super(`Flow trigger ${handle} payload is ${bytes} bytes; Flow accepts at most ${FLOW_TRIGGER_PAYLOAD_MAX_BYTES}`);
  }
}

/**
 * Fires one Flow trigger.
 *
 * @param handle the trigger extension's handle (lowercase letters, digits and hyphens, at most 30).
 * @param payload the trigger's fields by key; JSON-serialisable, under 50,000 bytes as JSON.
 * @throws RangeError for a malformed handle (nothing sent).
 * @throws FlowTriggerPayloadTooLargeError before sending an oversized payload.
 * @throws FlowTriggerRejectedError when Flow answers userErrors.
 * @throws AdminApiError (others) from the client: auth, retries exhausted, an ambiguous failure.
 * @example
 * await fireFlowTrigger(client, "evergreen-tier-changed", { customer_id: 6881642037352, tier: "gold", previous_tier: "silver" });
 */
export async function fireFlowTrigger(
  admin: Pick<AdminClient, "request">,
  handle: string,
  payload: Record<string, unknown>,
): Promise<void> {
  if (!/^[a-z0-9-]+$/i.test(handle) || handle.length > FLOW_TRIGGER_HANDLE_MAX_LENGTH) {
    throw new RangeError(`not a Flow trigger handle (alphanumerics and hyphens, at most ${FLOW_TRIGGER_HANDLE_MAX_LENGTH}): ${JSON.stringify(handle)}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > FLOW_TRIGGER_PAYLOAD_MAX_BYTES) throw new FlowTriggerPayloadTooLargeError(handle, bytes);
  const { flowTriggerReceive } = await admin.request(FlowTriggerReceive, { handle, payload });
  if (!flowTriggerReceive) throw new FlowTriggerRejectedError(handle, [{ message: "the mutation returned no payload" }]);
  if (flowTriggerReceive.userErrors.length > 0) throw new FlowTriggerRejectedError(handle, flowTriggerReceive.userErrors);
}
