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
