import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADMIN_API_VERSION } from "~/shopify/api-version";

describe("one Admin API version", () => {
  it("shopify.app.toml's [webhooks] api_version is ADMIN_API_VERSION", () => {
    const toml = readFileSync("shopify.app.toml", "utf8");
    // The [webhooks] table runs until the next table that is not webhooks.*.
    const webhooks = /^\[webhooks\]\s*$([\s\S]*?)(?=^\[(?!\[?webhooks)|(?![\s\S]))/m.exec(toml)?.[1];
    expect(webhooks, "shopify.app.toml has no [webhooks] table").toBeDefined();
    const apiVersion = /^\s*api_version\s*=\s*"([^"]+)"/m.exec(webhooks!)?.[1];
    expect(apiVersion).toBe(ADMIN_API_VERSION);
  });
});
