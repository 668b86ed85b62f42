/**
 * GET /apps/evergreen/profile (Shopify's app proxy → /proxy/profile): the
 * signed-in shopper's points, tier, rewards, referral link and replenishment
 * reminders, or what a guest would get by joining. docs/storefront.md.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticateProxy } from "~/proxy/authenticate.server";
import { proxyJson } from "~/proxy/responses.server";
import { appProfileSource, storefrontProfile } from "~/services/storefront-profile.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shopper = await authenticateProxy(request);
  const profile = await storefrontProfile(shopper.shopDomain, shopper.customerGid, new Date(), appProfileSource());
  return proxyJson(profile);
};
