import { describe, expect, it } from "vitest";
import { InvalidEnvironmentError, parseEnv } from "~/env.server";

const base = { SHOPIFY_API_KEY: "key", SHOPIFY_API_SECRET: "secret", SHOPIFY_APP_URL: "https://evergreen.example" };
const env = (values: Record<string, string>) => values as NodeJS.ProcessEnv;

describe("parseEnv", () => {
  it("accepts a complete environment with defaults", () => {
    expect(parseEnv(env({ ...base, NODE_ENV: "production" }))).toMatchObject({ NODE_ENV: "production", SCOPES: expect.stringContaining("read_orders") });
  });

  it("lists every problem at once", () => {
    expect(() => parseEnv(env({ SHOPIFY_APP_URL: "not a url" }))).toThrow(/SHOPIFY_API_KEY[\s\S]*SHOPIFY_API_SECRET[\s\S]*SHOPIFY_APP_URL/);
  });

  it("refuses the local dev store in production, so shop traffic can only go to Shopify", () => {
    expect(() => parseEnv(env({ ...base, NODE_ENV: "production", SHOPIFY_LOCAL_STORE_URL: "http://127.0.0.1:4000" }))).toThrow(InvalidEnvironmentError);
    expect(parseEnv(env({ ...base, NODE_ENV: "development", SHOPIFY_LOCAL_STORE_URL: "http://127.0.0.1:4000" })).SHOPIFY_LOCAL_STORE_URL).toBe(
      "http://127.0.0.1:4000",
    );
  });
});
