import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "~/db.server";
import { searchRewardVariants, shopRewardVariants } from "~/services/reward-products.server";
import { authenticate } from "~/shopify.server";

/** The settings page's fallback product picker: `?q=` → variants (JSON). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const q = new URL(request.url).searchParams.get("q") ?? "";
  return searchRewardVariants(shopRewardVariants(session.shop, prisma), q);
};
