/**
 * POST /apps/evergreen/reminders/{id}/dismiss: the shopper's "not now" on a
 * replenishment reminder. Only the shopper's own reminder can be dismissed.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { authenticateProxy, requireJsonPost } from "~/proxy/authenticate.server";
import { proxyError, proxyJson } from "~/proxy/responses.server";
import { dismissReminder } from "~/services/replenishment.server";

export const action = async ({ request, params }: ActionFunctionArgs) => {
  requireJsonPost(request);
  const shopper = await authenticateProxy(request, { kind: "write", requireCustomer: true });
  const id = params.id ?? "";
  if (!/^[0-9a-f-]{36}$/.test(id)) return proxyError(404, "unknown_reminder", "No such reminder.");
  const dismissed = await dismissReminder(shopper.shopDomain, shopper.customerGid as string, id, new Date());
  return dismissed ? proxyJson({ status: "dismissed" }) : proxyError(404, "unknown_reminder", "No such reminder.");
};
