/**
 * POST /api/loyalty/activities: other apps (reviews, social) and the
 * storefront's backend report a customer's review or social follow/share for
 * points, with the shop's activity API key as a Bearer token. Contract and
 * errors: receiveActivityReport (app/services/loyalty-activities.server.ts),
 * docs/loyalty.md#activity-api.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveActivityReport } from "~/services/loyalty-activities.server";

export const loader = async () =>
  new Response(JSON.stringify({ error: { code: "method_not_allowed", message: "Use POST." } }), {
    status: 405,
    headers: { Allow: "POST", "Content-Type": "application/json; charset=utf-8" },
  });

export const action = async ({ request }: ActionFunctionArgs) => receiveActivityReport(request);
