/** Access scopes on the local Admin API. */
import { GraphQLError } from "graphql";
import type { ResolverContext } from "./context";

/**
 * Refuses a field without its access scope, as Shopify does (a top-level
 * ACCESS_DENIED error, the field null). A write scope implies its read scope.
 */
export function requireScope(ctx: ResolverContext, scope: string, field: string): void {
  if (!ctx.scopes) return;
  const granted = ctx.scopes.includes(scope) || (scope.startsWith("read_") && ctx.scopes.includes(`write_${scope.slice(5)}`));
  if (granted) return;
  throw new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: `\`${scope}\` access scope.` },
  });
}

/**
 * Refuses a protected customer data field (level 2: name, address) when the
 * app is not approved for it, as Shopify does: ACCESS_DENIED, the field null.
 */
export function requireProtectedCustomerData(ctx: ResolverContext, field: string): void {
  if (ctx.protectedCustomerData !== false) return;
  throw new GraphQLError(`This app is not approved to access the ${field} field. See https://shopify.dev/docs/apps/launch/protected-customer-data for more details.`, {
    extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/docs/apps/launch/protected-customer-data" },
  });
}
