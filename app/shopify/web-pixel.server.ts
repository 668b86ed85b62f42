/**
 * Activates Evergreen's web pixel on a shop: creates it with its settings, or
 * updates the one that exists (a reinstall, a new app URL). Idempotent.
 * Settings go as a JSON-encoded string, as Shopify's examples send them.
 */
import type { AdminClient } from "./admin-client.server";
import { AdminGraphqlError, AdminUserErrorsError } from "./errors";
import { WebPixelCreate, WebPixelCurrent, WebPixelUpdate } from "./operations/web-pixel";

/** The settings declared in extensions/evergreen-pixel/shopify.extension.toml. */
export interface WebPixelSettings {
  ingestUrl: string;
  ingestToken: string;
}

export async function activateWebPixel(client: Pick<AdminClient, "request">, settings: WebPixelSettings): Promise<{ id: string; created: boolean }> {
  // With no pixel yet, Shopify answers the query with a NOT_FOUND error.
  const current = await client.request(WebPixelCurrent).catch((error: unknown) => {
    if (error instanceof AdminGraphqlError && error.errors.some((e) => e.extensions?.code === "NOT_FOUND" || /not found/i.test(e.message))) return null;
    throw error;
  });
  const id = current?.webPixel?.id;
  if (id) {
    const { webPixelUpdate } = await client.request(WebPixelUpdate, { id, settings: JSON.stringify(settings) });
    if (webPixelUpdate?.userErrors.length) throw new AdminUserErrorsError("WebPixelUpdate", webPixelUpdate.userErrors);
    return { id, created: false };
  }
  const { webPixelCreate } = await client.request(WebPixelCreate, { settings: JSON.stringify(settings) });
  if (webPixelCreate?.userErrors.length || !webPixelCreate?.webPixel) throw new AdminUserErrorsError("WebPixelCreate", webPixelCreate?.userErrors ?? []);
  return { id: webPixelCreate.webPixel.id, created: true };
}
