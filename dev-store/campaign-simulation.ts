/**
 * Simulated shoppers' responses to a campaign, with a true effect the caller
 * chooses, so the app's launch-to-result loop runs offline (docs/campaigns.md,
 * "The offline loop").
 *
 * The dev store only knows what the app did through the Admin API, as Shopify
 * would: a shopper counts as *treated* by a campaign when the app fired the
 * "campaign step due" Flow trigger for them with the campaign's id, gave them
 * a discount code whose title starts with `codeTitlePrefix`, or tagged them
 * with `tag`. Points are invisible to the shop, so a points-only campaign
 * needs one of these to be seen. Nobody tells the store who is in the holdout.
 *
 * Each audience customer responds once per campaign: treated ones order with
 * probability `treatedRate`, the others with `baselineRate` (each draw seeded
 * by seed, campaign and customer, so the outcome does not depend on the order
 * or on who else is in the list). An order goes through the store's normal
 * order creation (priced, orders/create and orders/paid webhooks to the app),
 * now, which is inside every assigned customer's window; a treated shopper
 * with an unused code of the campaign uses it at checkout.
 */
import { gid, parseGid } from "./model";
import { Rng } from "./rng";
import { DevStoreError, type DevStore } from "./store";

export interface CampaignResponseConfig {
  /** The campaign's id in the app (the Flow trigger's `campaign_id`). */
  campaignId: string;
  /** The campaign's audience in the shop (numeric ids or Customer GIDs), both arms: who may respond. */
  customerIds: readonly string[];
  /** p0: the chance an untreated audience customer orders. */
  baselineRate: number;
  /** p1: the chance a treated customer orders. The true effect is p1 − p0. */
  treatedRate: number;
  /** Discount codes with a title starting with this (the app's: "<campaign name>: …") mark their customer treated, and are used. */
  codeTitlePrefix?: string;
  /** A tag that marks its customers treated. */
  tag?: string;
  seed?: string | number;
}

export interface CampaignResponseSummary {
  campaignId: string;
  /** Audience customers decided by this call (those decided by an earlier call are skipped). */
  decided: number;
  alreadyDecided: number;
  treated: number;
  untreated: number;
  orders: { treated: number; untreated: number };
  /** Treated orders that used the customer's campaign code. */
  codesUsed: number;
  /** The orders created, for the caller to wait for their webhooks. */
  orderIds: string[];
}

/** The request was malformed: the server answers 400. */
export class CampaignSimulationInputError extends Error {
  override name = "CampaignSimulationInputError";
}

/** Per store, per campaign: the customers who already responded (or did not). */
const decidedByStore = new WeakMap<DevStore, Map<string, Set<string>>>();

const isRate = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0 && x <= 1;

/**
 * Validates a JSON body into a config.
 * @throws CampaignSimulationInputError naming every problem.
 */
export function parseCampaignResponseConfig(body: Record<string, unknown>): CampaignResponseConfig {
  const problems: string[] = [];
  if (typeof body.campaignId !== "string" || body.campaignId === "") problems.push("campaignId is required");
  const ids = body.customerIds;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" && typeof id !== "number")) problems.push("customerIds must be a list of customer ids");
  if (!isRate(body.baselineRate)) problems.push("baselineRate must be a probability in [0, 1]");
  if (!isRate(body.treatedRate)) problems.push("treatedRate must be a probability in [0, 1]");
  for (const key of ["codeTitlePrefix", "tag"] as const) if (body[key] !== undefined && (typeof body[key] !== "string" || body[key] === "")) problems.push(`${key} must be a non-empty string`);
  if (body.seed !== undefined && typeof body.seed !== "string" && typeof body.seed !== "number") problems.push("seed must be a string or a number");
  if (problems.length) throw new CampaignSimulationInputError(problems.join("; "));
  return {
    campaignId: body.campaignId as string,
    customerIds: (ids as (string | number)[]).map(String),
    baselineRate: body.baselineRate as number,
    treatedRate: body.treatedRate as number,
    codeTitlePrefix: body.codeTitlePrefix as string | undefined,
    tag: body.tag as string | undefined,
    seed: body.seed as string | number | undefined,
  };
}

/** Customers the app treated in this campaign, as the shop saw it; each with their unused campaign codes. */
function treatedCustomers(store: DevStore, config: CampaignResponseConfig): Map<string, string[]> {
  const treated = new Map<string, string[]>();
  const mark = (id: string) => treated.get(id) ?? (treated.set(id, []), treated.get(id)!);
  for (const receipt of store.flowTriggers()) {
    if (receipt.payload.campaign_id === config.campaignId && receipt.payload.customer_id !== undefined) mark(String(receipt.payload.customer_id));
  }
  if (config.codeTitlePrefix) {
    for (const code of store.discountCodes()) {
      if (!code.title.startsWith(config.codeTitlePrefix) || code.customerIds === "all" || code.customerIds.length !== 1) continue;
      mark(code.customerIds[0]).push(code.code);
    }
  }
  if (config.tag) {
    const tag = config.tag.toLowerCase();
    for (const id of config.customerIds) {
      const customer = store.customer(parseGid(id)?.id ?? id);
      if (customer?.tags.some((t) => t.toLowerCase() === tag)) mark(customer.id);
    }
  }
  return treated;
}

/** A cart of one or two active variants, one unit each (sometimes two). */
function cart(store: DevStore, rng: Rng): { variantId: string; quantity: number }[] {
  const active = store.products().filter((p) => p.status === "ACTIVE" && p.variants.length > 0);
  if (active.length === 0) throw new DevStoreError("the shop has no active product to order", "NOT_FOUND");
  const lines = new Map<string, number>();
  for (let i = rng.chance(0.7) ? 1 : 2; i > 0; i--) lines.set(rng.pick(rng.pick(active).variants).id, rng.chance(0.85) ? 1 : 2);
  return [...lines].map(([variantId, quantity]) => ({ variantId, quantity }));
}

/**
 * Lets the campaign's audience respond: see the module comment.
 * @throws CampaignSimulationInputError for a customer the shop does not have.
 */
export function simulateCampaignResponses(store: DevStore, config: CampaignResponseConfig): CampaignResponseSummary {
  const ids = config.customerIds.map((id) => parseGid(id)?.id ?? id);
  const unknown = ids.filter((id) => !store.customer(id));
  if (unknown.length) throw new CampaignSimulationInputError(`unknown customers: ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""}`);
  let byCampaign = decidedByStore.get(store);
  if (!byCampaign) decidedByStore.set(store, (byCampaign = new Map()));
  let decided = byCampaign.get(config.campaignId);
  if (!decided) byCampaign.set(config.campaignId, (decided = new Set()));

  const treated = treatedCustomers(store, config);
  const summary: CampaignResponseSummary = {
    campaignId: config.campaignId, decided: 0, alreadyDecided: 0, treated: 0, untreated: 0, orders: { treated: 0, untreated: 0 }, codesUsed: 0, orderIds: [],
  };
  for (const id of new Set(ids)) {
    if (decided.has(id)) {
      summary.alreadyDecided++;
      continue;
    }
    decided.add(id);
    summary.decided++;
    const codes = treated.get(id);
    const isTreated = codes !== undefined;
    if (isTreated) summary.treated++;
    else summary.untreated++;
    const rng = new Rng(`campaign-response:${config.seed ?? 1}:${config.campaignId}:${id}`);
    if (!rng.chance(isTreated ? config.treatedRate : config.baselineRate)) continue;
    const lines = cart(store, rng);
    let order = null;
    for (const code of codes ?? []) {
      if (store.discountCodeUsage(code) > 0) continue;
      try {
        // The customer's cart first; a code with a minimum the cart misses gets the cart the store picks for it.
        order = store.redeemDiscountCode(code, { customerId: id, lines });
      } catch (error) {
        if (!(error instanceof DevStoreError)) throw error;
        try {
          order = store.redeemDiscountCode(code, { customerId: id });
        } catch (again) {
          if (!(again instanceof DevStoreError)) throw again;
        }
      }
      if (order) {
        summary.codesUsed++;
        break;
      }
    }
    order ??= store.createOrder({ customerId: id, lines });
    summary.orderIds.push(gid("Order", order.id));
    if (isTreated) summary.orders.treated++;
    else summary.orders.untreated++;
  }
  return summary;
}
