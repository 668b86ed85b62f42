import { z } from "zod";

/**
 * The environment, parsed once and refused loudly when wrong.
 *
 * SHOPIFY_LOCAL_STORE_URL names the local dev store that stands in for Shopify
 * (see dev-store/). It is refused in production so a misconfigured deployment
 * can never send shop traffic, or trust tokens, anywhere but Shopify.
 */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    SHOPIFY_API_KEY: z.string().min(1, "SHOPIFY_API_KEY is required"),
    SHOPIFY_API_SECRET: z.string().min(1, "SHOPIFY_API_SECRET is required"),
    SHOPIFY_APP_URL: z.string().url("SHOPIFY_APP_URL must be a URL"),
    SCOPES: z.string().default("read_customers,write_customers,read_orders,read_all_orders,read_products"),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    DATABASE_URL: z.string().optional(),
    SHOPIFY_LOCAL_STORE_URL: z.string().url().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && env.SHOPIFY_LOCAL_STORE_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["SHOPIFY_LOCAL_STORE_URL"],
        message: "SHOPIFY_LOCAL_STORE_URL is for local development and tests only; unset it in production",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(issues: string[]) {
    super(`Invalid environment:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** Parses an environment; throws InvalidEnvironmentError listing every problem. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new InvalidEnvironmentError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;

/** The process environment, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
