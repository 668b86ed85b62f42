import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "~/db.server";
import { onShopUninstalled } from "~/services/install.server";
import { authenticateWebhook } from "~/webhooks.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticateWebhook(request);
  // Revoke access at once; the shop's data stays until shop/redact (48 h later).
  await onShopUninstalled(prisma, shop, new Date());
  return new Response();
};
