/**
 * The Admin API client background work uses for a shop: its offline session's
 * token (stored at install by token exchange). Jobs, webhooks' follow-up work
 * and storefront actions call Shopify through this, never with a shopper's or
 * staff member's credentials.
 */
import { prisma, type PrismaClient } from "~/db.server";
import { AdminClient, DEFAULT_IDEMPOTENT_MUTATIONS } from "./admin-client.server";

/** The shop has no offline session (not installed, or uninstalled): retrying will not help. */
export class NotInstalledError extends Error {
  override name = "NotInstalledError";
  constructor(readonly shopDomain: string) {
    super(`No offline session for ${shopDomain}: the shop must install the app first`);
  }
}

export async function offlineAdminClient(shopDomain: string, db: Pick<PrismaClient, "session"> = prisma): Promise<AdminClient> {
  const session = await db.session.findFirst({ where: { shop: shopDomain, isOnline: false } });
  if (!session) throw new NotInstalledError(shopDomain);
  return new AdminClient({
    shop: shopDomain,
    accessToken: session.accessToken,
    // Setting the same metafield values twice is harmless: safe to resend after a 5xx.
    idempotentMutations: [...DEFAULT_IDEMPOTENT_MUTATIONS, "CustomerInsightMetafieldsSet"],
  });
}

/** Shops with an offline session: the ones background work runs for. */
export async function installedShops(): Promise<string[]> {
  const sessions = await prisma.session.findMany({ where: { isOnline: false }, select: { shop: true }, distinct: ["shop"] });
  return sessions.map((s) => s.shop);
}

/** A revoked token (reinstall, scope change): drop it, so the merchant's next visit exchanges a fresh one. */
export async function forgetOfflineSession(shopDomain: string): Promise<void> {
  await prisma.session.deleteMany({ where: { shop: shopDomain, isOnline: false } });
}
