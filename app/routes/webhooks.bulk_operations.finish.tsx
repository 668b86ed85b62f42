import type { ActionFunctionArgs } from "@remix-run/node";
import { notifyBulkOperationFinished } from "~/jobs/sync-runner.server";
import { authenticateWebhook } from "~/webhooks.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload } = await authenticateWebhook(request);
  // A hint only: the sync polls the operation itself, this just wakes it sooner.
  notifyBulkOperationFinished(shop, String((payload as { admin_graphql_api_id?: unknown }).admin_graphql_api_id ?? ""));
  return new Response();
};
