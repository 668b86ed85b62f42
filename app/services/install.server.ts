/**
 * What happens when a shop authenticates (first install or a new token) and
 * when it uninstalls.
 */
import { prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { syncInBackground } from "~/jobs/sync-runner.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { ShopInfo } from "~/shopify/operations/shop";
import { activateWebPixel } from "~/shopify/web-pixel.server";
import { env } from "~/env.server";
import { pixelIngestToken } from "./behaviour-ingest.server";

export async function onShopAuthenticated(shopDomain: string, accessToken: string): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: shopDomain },
    create: { domain: shopDomain },
    update: { uninstalledAt: null },
  });
  const client = new AdminClient({ shop: shopDomain, accessToken, maxRetries: 3 });
  try {
    const data = await client.request(ShopInfo);
    await prisma.shop.update({
      where: { domain: shopDomain },
      data: { name: data.shop.name, currencyCode: data.shop.currencyCode, ianaTimezone: data.shop.ianaTimezone },
    });
  } catch (error) {
    // Shop details are cosmetic here; sync reads currencies from each order.
    logger.warn("shop info unavailable", { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
  }
  try {
    // The consent-aware pixel (docs/behaviour.md): where to send events and the token that binds them to this shop.
    const config = env();
    await activateWebPixel(client, { ingestUrl: `${config.SHOPIFY_APP_URL}/pixel/events`, ingestToken: pixelIngestToken(shopDomain, config.SHOPIFY_API_SECRET) });
  } catch (error) {
    // Behaviour data is optional; everything else works without the pixel, and the next authentication retries.
    logger.warn("web pixel not activated", { shop: shopDomain, error: error instanceof Error ? error.message : String(error) });
  }
  syncInBackground(shopDomain, "full");
}

interface UninstallDb {
  session: { deleteMany(args: { where: { shop: string } }): Promise<unknown> };
  shop: { updateMany(args: { where: { domain: string }; data: { uninstalledAt: Date } }): Promise<unknown> };
}

/** app/uninstalled: revoke access at once. Data stays until shop/redact (48 hours later). */
export async function onShopUninstalled(db: UninstallDb, shopDomain: string, at: Date): Promise<void> {
  await db.session.deleteMany({ where: { shop: shopDomain } });
  await db.shop.updateMany({ where: { domain: shopDomain }, data: { uninstalledAt: at } });
}
