/**
 * The mutations the local dev store implements. Each answers with the
 * payload's `userErrors` the way Shopify does instead of throwing.
 */
import type { GraphQLResolveInfo } from "graphql";
import { parseGid } from "../model";
import type { DevCustomer, MarketingState } from "../model";
import type { ResolverContext } from "./context";
import { discountMutationResolvers } from "./discounts";
import { flowMutationResolvers } from "./flow";
import { webPixelMutationResolvers } from "./web-pixels";
import { customerMetafields, lookupNode } from "./resolvers";

type MutationResolver = (source: unknown, args: any, ctx: ResolverContext, info: GraphQLResolveInfo) => unknown;

const MAX_METAFIELDS_PER_SET = 25;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tagsMutation(kind: "add" | "remove"): MutationResolver {
  return (_s, args: { id: string; tags: string[] }, ctx) => {
    const node = lookupNode(ctx, args.id);
    if (!node) return { node: null, userErrors: [{ field: ["id"], message: "Invalid id" }] };
    try {
      if (kind === "add") ctx.store.addTags(args.id, args.tags);
      else ctx.store.removeTags(args.id, args.tags);
    } catch (error) {
      return { node: null, userErrors: [{ field: ["tags"], message: message(error) }] };
    }
    return { node: lookupNode(ctx, args.id), userErrors: [] };
  };
}

interface CustomerInputArgs {
  id?: string;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  note?: string | null;
  locale?: string | null;
  tags?: string[];
  taxExempt?: boolean;
  emailMarketingConsent?: { marketingState: MarketingState; consentUpdatedAt?: string | null } | null;
}

function customerPatch(input: CustomerInputArgs, now: Date): Partial<DevCustomer> {
  const patch: Partial<DevCustomer> = {};
  for (const key of ["email", "firstName", "lastName", "phone", "note", "locale", "tags", "taxExempt"] as const) {
    if (input[key] !== undefined) (patch as Record<string, unknown>)[key] = input[key];
  }
  if (input.emailMarketingConsent) {
    patch.emailMarketingState = input.emailMarketingConsent.marketingState;
    patch.emailMarketingConsentUpdatedAt = input.emailMarketingConsent.consentUpdatedAt ?? now.toISOString();
  }
  return patch;
}

export const mutationResolvers: Record<string, MutationResolver> = {
  tagsAdd: tagsMutation("add"),
  tagsRemove: tagsMutation("remove"),

  metafieldsSet: (_s, args: { metafields: { ownerId: string; namespace?: string | null; key: string; type?: string | null; value: string }[] }, ctx) => {
    if (args.metafields.length > MAX_METAFIELDS_PER_SET) {
      return {
        metafields: [],
        userErrors: [
          { field: ["metafields"], message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}.`, code: "LESS_THAN_OR_EQUAL_TO", elementIndex: null },
        ],
      };
    }
    const userErrors: unknown[] = [];
    args.metafields.forEach((input, elementIndex) => {
      const owner = parseGid(input.ownerId);
      if (!owner || owner.type !== "Customer" || !ctx.store.customer(owner.id)) {
        userErrors.push({ field: ["metafields", String(elementIndex), "ownerId"], message: "Owner does not exist.", code: "INVALID_VALUE", elementIndex });
        return;
      }
      if (!input.type) {
        userErrors.push({ field: ["metafields", String(elementIndex), "type"], message: "Type can't be blank.", code: "BLANK", elementIndex });
      }
    });
    // Shopify's metafieldsSet is atomic: one invalid input and nothing is written.
    if (userErrors.length) return { metafields: [], userErrors };
    const written = args.metafields.map((input) => {
      const namespace = input.namespace ?? "$app";
      try {
        ctx.store.setMetafield(input.ownerId, namespace, input.key, input.type!, input.value);
      } catch (error) {
        userErrors.push({ field: ["metafields"], message: message(error), code: "INVALID_VALUE", elementIndex: null });
        return null;
      }
      const customer = ctx.store.customer(parseGid(input.ownerId)!.id)!;
      return customerMetafields(customer).find((m) => m.namespace === namespace && m.key === input.key) ?? null;
    });
    return { metafields: written.filter(Boolean), userErrors };
  },

  // https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/metafieldsDelete: a metafield
  // that does not exist is not an error, its identifier comes back as null.
  metafieldsDelete: (_s, args: { metafields: { ownerId: string; namespace: string; key: string }[] }, ctx) => {
    if (args.metafields.length === 0) {
      return { deletedMetafields: null, userErrors: [{ field: ["metafields"], message: "At least one metafield identifier must be specified." }] };
    }
    const userErrors = args.metafields.flatMap((input, index) =>
      parseGid(input.ownerId) ? [] : [{ field: ["metafields", String(index), "ownerId"], message: "Invalid id" }],
    );
    if (userErrors.length) return { deletedMetafields: null, userErrors };
    const deletedMetafields = args.metafields.map((input) =>
      ctx.store.deleteMetafield(input.ownerId, input.namespace, input.key)
        ? { ownerId: input.ownerId, namespace: input.namespace, key: input.key }
        : null,
    );
    return { deletedMetafields, userErrors: [] };
  },

  customerCreate: (_s, args: { input: CustomerInputArgs }, ctx) => {
    try {
      const customer = ctx.store.createCustomer(customerPatch(args.input, ctx.now()));
      return { customer, userErrors: [] };
    } catch (error) {
      return { customer: null, userErrors: [{ field: ["input"], message: message(error) }] };
    }
  },

  customerUpdate: (_s, args: { input: CustomerInputArgs }, ctx) => {
    const parsed = args.input.id ? parseGid(args.input.id) : null;
    if (!parsed || parsed.type !== "Customer" || !ctx.store.customer(parsed.id)) {
      return { customer: null, userErrors: [{ field: ["id"], message: "Customer does not exist" }] };
    }
    try {
      return { customer: ctx.store.updateCustomer(parsed.id, customerPatch(args.input, ctx.now())), userErrors: [] };
    } catch (error) {
      return { customer: null, userErrors: [{ field: ["input"], message: message(error) }] };
    }
  },

  ...discountMutationResolvers,
  ...flowMutationResolvers,
  ...webPixelMutationResolvers,

  webhookSubscriptionCreate: (_s, args: { topic: string; webhookSubscription: { uri?: string | null; callbackUrl?: string | null } }, ctx) => {
    const uri = args.webhookSubscription.uri ?? args.webhookSubscription.callbackUrl;
    if (!uri) return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address can't be blank" }] };
    if (!/^https?:\/\//.test(uri)) {
      return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address is invalid" }] };
    }
    const existing = ctx.webhooks!.list(ctx.shopDomain).find((s) => s.topic === args.topic && s.callbackUrl === uri);
    if (existing) {
      return { webhookSubscription: null, userErrors: [{ field: ["webhookSubscription", "callbackUrl"], message: "Address for this topic has already been taken" }] };
    }
    return { webhookSubscription: ctx.webhooks!.create(ctx.shopDomain, args.topic, uri), userErrors: [] };
  },

  webhookSubscriptionDelete: (_s, args: { id: string }, ctx) => {
    const parsed = parseGid(args.id);
    if (!parsed || !ctx.webhooks!.remove(ctx.shopDomain, parsed.id)) {
      return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ["id"], message: "Webhook subscription does not exist" }] };
    }
    return { deletedWebhookSubscriptionId: args.id, userErrors: [] };
  },

  bulkOperationRunQuery: (_s, args: { query: string; groupObjects: boolean }, ctx) => ctx.bulk!.runQuery(ctx, args.query),

  bulkOperationCancel: (_s, args: { id: string }, ctx) => ctx.bulk!.cancel(ctx.shopDomain, args.id),
};
