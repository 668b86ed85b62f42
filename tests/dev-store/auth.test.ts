import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiVersion, RequestedTokenType, shopifyApi, type Shopify } from "@shopify/shopify-api";
import { generateShop } from "../../dev-store/generator";
import { DevStore } from "../../dev-store/store";
import { createDevStoreServer, type DevStoreServer } from "../../dev-store/server";
import { mintSessionToken, verifySessionToken } from "../../dev-store/auth";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { readAppConfig } from "../../dev-store/webhook-sender";

const API_KEY = "auth-test-key";
const API_SECRET = "auth-test-secret";
const SHOP = "demo-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const APP_URL = "http://localhost:3000";

let server: DevStoreServer;
let shopify: Shopify;
let uninstall: () => void;

/** One character changed in the middle of the claims: the signature no longer matches. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const i = Math.floor(payload.length / 2);
  const swapped = payload[i] === "A" ? "B" : "A";
  return [header, payload.slice(0, i) + swapped + payload.slice(i + 1), signature].join(".");
}

beforeAll(async () => {
  server = await createDevStoreServer({
    stores: [
      new DevStore(generateShop({ seed: 2, orders: 40, domain: SHOP })),
      new DevStore(generateShop({ seed: 3, orders: 40, domain: OTHER_SHOP })),
    ],
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    appUrl: APP_URL,
    webhooks: { subscriptions: [], retry: { attempts: 1 } },
  });
  // As `node --import dev-store/preload.mjs` does: redirect before the adapter captures fetch.
  uninstall = installLocalShopifyFetch(server.url);
  await import("@shopify/shopify-api/adapters/node");
  shopify = shopifyApi({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October26,
    hostName: "localhost:3000",
    hostScheme: "http",
    isEmbeddedApp: true,
    logger: { log: async () => undefined },
  });
});

afterAll(async () => {
  uninstall?.();
  await server?.close();
});

describe("session tokens", () => {
  it("GIVEN a minted session token THEN shopify-api's decodeSessionToken accepts it, and rejects it with one char changed", async () => {
    const token = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, sub: "42" });
    const payload = await shopify.session.decodeSessionToken(token);
    expect(payload).toMatchObject({ iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: API_KEY, sub: "42" });
    expect(payload.exp - payload.iat).toBe(60);
    await expect(shopify.session.decodeSessionToken(tamper(token))).rejects.toThrow(/Failed to parse session token/);
    expect(() => verifySessionToken(tamper(token), { apiKey: API_KEY, apiSecret: API_SECRET })).toThrow(/signature/);
  });

  it("is rejected when signed for another app or expired", async () => {
    const otherApp = mintSessionToken({ shop: SHOP, apiKey: "another-app", apiSecret: API_SECRET });
    await expect(shopify.session.decodeSessionToken(otherApp)).rejects.toThrow(/invalid API key/);
    const old = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, now: new Date(Date.now() - 120_000) });
    await expect(shopify.session.decodeSessionToken(old)).rejects.toThrow();
  });

  it("serves fresh session tokens to the app's origin (CORS) for the App Bridge stand-in", async () => {
    const response = await fetch(`${server.url}/_dev/session-token?shop=${SHOP}`, { headers: { Origin: APP_URL } });
    expect(response.headers.get("access-control-allow-origin")).toBe(APP_URL);
    const { token } = (await response.json()) as { token: string };
    expect((await shopify.session.decodeSessionToken(token)).dest).toBe(`https://${SHOP}`);
    const script = await fetch(`${server.url}/app-bridge.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toMatch(/shopify-reload/);
  });
});

describe("token exchange and access tokens", () => {
  it("GIVEN a session token WHEN the library exchanges it THEN the access token authorises GraphQL, and a wrong one gets 401", async () => {
    const sessionToken = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(session.accessToken).toMatch(/^shpat_/);
    // The scopes the app declares in shopify.app.toml, as Shopify grants them.
    expect(session.scope).toBe(readAppConfig().scopes.join(","));
    expect(session.scope).toContain("read_orders");

    const client = new shopify.clients.Graphql({ session });
    const answer = await client.request<{ shop: { myshopifyDomain: string } }>(`{ shop { myshopifyDomain } }`);
    expect(answer.data?.shop.myshopifyDomain).toBe(SHOP);
    expect(answer.extensions?.cost).toBeDefined();

    const wrong = await fetch(`https://${SHOP}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": "shpat_not-a-token" },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(wrong.status).toBe(401);

    // A token of one shop does not open another.
    const elsewhere = await fetch(`https://${OTHER_SHOP}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": session.accessToken! },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(elsewhere.status).toBe(401);
  });

  it("answers invalid_subject_token (what makes the Remix library bounce) for a token of another shop or a forged one", async () => {
    const forOtherShop = mintSessionToken({ shop: OTHER_SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const response = await fetch(`https://${SHOP}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: API_KEY,
        client_secret: API_SECRET,
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: forOtherShop,
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_subject_token" });

    const forged = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: "not-the-secret" });
    await expect(
      shopify.auth.tokenExchange({ shop: SHOP, sessionToken: forged, requestedTokenType: RequestedTokenType.OfflineAccessToken }),
    ).rejects.toThrow();
  });

  it("issues expiring offline tokens with a refresh token, and client-credentials tokens for scripts", async () => {
    const sessionToken = mintSessionToken({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    expect(session.expires).toBeInstanceOf(Date);
    expect(session.refreshToken).toMatch(/^shprt_/);
    const refreshed = await shopify.auth.refreshToken({ shop: SHOP, refreshToken: session.refreshToken! });
    expect(server.tokens.verify(SHOP, refreshed.session.accessToken)).toBe(true);

    const { session: scriptSession } = await shopify.auth.clientCredentials({ shop: SHOP });
    expect(server.tokens.verify(SHOP, scriptSession.accessToken)).toBe(true);
  });
});

describe("fetch redirect", () => {
  it("refuses to install in production", () => {
    expect(() => installLocalShopifyFetch("http://127.0.0.1:1", { env: { NODE_ENV: "production" } })).toThrow(/production/);
  });

  it("leaves non-Shopify URLs alone", async () => {
    const response = await fetch(`${server.url}/_dev/health`);
    expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
  });
});
