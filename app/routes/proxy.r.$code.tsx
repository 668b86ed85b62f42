/**
 * GET /apps/evergreen/r/{code}?v={visitorToken}: a referral link's landing.
 * Records the click and returns the friend's discount code.
 * The click and the friend's code come from referrals.server (app/proxy/actions.server.ts).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { storefrontActions } from "~/proxy/actions.server";
import { authenticateProxy } from "~/proxy/authenticate.server";
import { proxyError, proxyJson } from "~/proxy/responses.server";

const CODE = /^[A-Za-z0-9-]{4,32}$/;
const VISITOR = /^[A-Za-z0-9_-]{16,64}$/;

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shopper = await authenticateProxy(request);
  const code = params.code ?? "";
  if (!CODE.test(code)) return proxyError(404, "unknown_code", "No such referral code.");
  const visitorToken = new URL(request.url).searchParams.get("v") ?? "";
  if (!VISITOR.test(visitorToken)) return proxyError(400, "visitor_token_required", "Send a visitor token (v).");
  const landing = storefrontActions.referralLanding;
  if (!landing) return proxyError(501, "not_enabled", "Referral landing is not enabled in this build.");
  const outcome = await landing({ shopDomain: shopper.shopDomain, code, visitorToken, customerGid: shopper.customerGid });
  return proxyJson(outcome, { status: outcome.status === "unknown_code" ? 404 : 200 });
};
