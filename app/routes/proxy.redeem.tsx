/**
 * POST /apps/evergreen/redeem {rewardId, idempotencyKey}: spends the signed-in
 * shopper's points on a reward and returns its discount code.
 * 501 until the rewards adapter is wired (app/proxy/actions.server.ts).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { storefrontActions } from "~/proxy/actions.server";
import { authenticateProxy, requireJsonPost } from "~/proxy/authenticate.server";
import { proxyError, proxyJson } from "~/proxy/responses.server";

const Body = z.object({
  rewardId: z.string().min(1).max(100),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,100}$/),
});

export const loader = async (_args: LoaderFunctionArgs) => proxyError(405, "method_not_allowed", "Use POST.", { Allow: "POST" });

export const action = async ({ request }: ActionFunctionArgs) => {
  requireJsonPost(request);
  const shopper = await authenticateProxy(request, { kind: "write", requireCustomer: true });
  const parsed = Body.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return proxyError(400, "invalid_body", "Send { rewardId, idempotencyKey }.");
  const redeem = storefrontActions.redeem;
  if (!redeem) return proxyError(501, "not_enabled", "Redeeming rewards is not enabled in this build.");
  const outcome = await redeem({ shopDomain: shopper.shopDomain, customerGid: shopper.customerGid as string, ...parsed.data });
  return proxyJson(outcome, { status: outcome.status === "refused" ? 409 : 200 });
};
