/**
 * The local dev store's HTTP server: a stand-in for Shopify's Admin API
 * (GraphQL, token endpoint, bulk result files), App Bridge and webhooks, for
 * one or several in-memory shops. Requests pick their shop by the
 * X-Evergreen-Shop-Domain header (set by redirect-fetch), the Host header, a
 * `shop` query parameter, or, with a single shop, implicitly.
 */
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_API_VERSION, loadAdminSchema } from "./admin-schema";
import { readFlowTriggerHandles } from "./app-extensions";
import { AccessTokens, handleAccessTokenRequest, mintSessionToken } from "./auth";
import { BulkOperations } from "./bulk";
import { LeakyBucket, restoreRateForPlan } from "./cost";
import type { ResolverContext } from "./graphql/context";
import { handleGraphQLRequest } from "./graphql/execute";
import { handleStorefront } from "./storefront/handler";
import { CampaignSimulationInputError, parseCampaignResponseConfig, simulateCampaignResponses } from "./campaign-simulation";
import { gid, parseGid } from "./model";
import { DevStoreError, type DevStore } from "./store";
import {
  readAppConfig,
  WebhookSender,
  type WebhookChaosOptions,
  type WebhookRetryOptions,
  type WebhookSubscriptionConfig,
  type WebhookAttempt,
  type WebhookDelivery,
} from "./webhook-sender";

export const SHOP_DOMAIN_HEADER = "x-evergreen-shop-domain";
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));

export interface DevStoreServerOptions {
  stores: DevStore | DevStore[];
  apiKey: string;
  apiSecret: string;
  /** The app's URL: webhook uris resolve against it, and it may fetch session tokens (CORS). */
  appUrl: string;
  /** Base of URLs the server hands out (bulk results); its own URL by default. */
  publicUrl?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Cost bucket of every shop; by default 20 s of the plan's restore rate (Standard: 2,000 and 100/s). */
  bucket?: { max?: number; restoreRate?: number };
  /** Clock of buckets, tokens and bulk operations (tests inject one). */
  clock?: () => Date;
  webhooks?: WebhookChaosOptions & {
    retry?: WebhookRetryOptions;
    subscriptions?: WebhookSubscriptionConfig[];
    onAttempt?: (delivery: WebhookDelivery, attempt: WebhookAttempt) => void;
  };
  /** Where bulk results go; a fresh folder under os.tmpdir()/evergreen-dev-store by default. */
  dataDir?: string;
  /** shopify.app.toml to read scopes and subscriptions from; the repository's by default. */
  appConfigPath?: string;
  /** Granted scopes; the toml's by default. */
  scopes?: string[];
  /**
   * Whether the app is approved for protected customer data level 2 (names,
   * addresses). False: those fields answer ACCESS_DENIED, as Shopify's do
   * for an unapproved app. Default true.
   */
  protectedCustomerData?: boolean;
  /** Handles flowTriggerReceive accepts; by default those of the app's `flow_trigger` extensions (extensions/). */
  flowTriggerHandles?: string[];
  bulkChunkSize?: number;
  /** Request log (one line each); silent by default. */
  log?: (line: string) => void;
}

export interface DevStoreServer {
  url: string;
  port: number;
  /** The shop with this domain (the first shop without one). */
  store(domain?: string): DevStore;
  sender: WebhookSender;
  bulk: BulkOperations;
  tokens: AccessTokens;
  /** The cost bucket of a shop. */
  bucket(domain: string): LeakyBucket;
  /** An offline access token for scripts and tests (what token exchange would give). */
  issueAccessToken(domain: string): string;
  /** A session token as App Bridge would give the app for this shop. */
  mintSessionToken(domain: string, sub?: string): string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "Request body too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, "Body must be a JSON object");
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Parses `Range: bytes=…` for a file of `size` bytes: [start, end] inclusive, null for none, "invalid" for 416. */
export function parseRange(header: string | undefined, size: number): [number, number] | null | "invalid" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (!match[1] && !match[2])) return "invalid";
  let start: number;
  let end: number;
  if (!match[1]) {
    const suffix = Number(match[2]);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) return "invalid";
  return [start, end];
}

/** Starts the dev store server; resolves once it listens. */
export async function createDevStoreServer(options: DevStoreServerOptions): Promise<DevStoreServer> {
  const stores = Array.isArray(options.stores) ? options.stores : [options.stores];
  if (stores.length === 0) throw new Error("createDevStoreServer needs at least one store");
  const byDomain = new Map(stores.map((s) => [s.shop.domain, s]));
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const schema = loadAdminSchema();
  const appConfig = readAppConfig(options.appConfigPath);
  const scopes = options.scopes ?? appConfig.scopes;
  const flowTriggerHandles = options.flowTriggerHandles ?? readFlowTriggerHandles();
  const appOrigin = new URL(options.appUrl).origin;
  const appBridgeSource = readFileSync(join(here, "app-bridge.js"), "utf8");
  const tokens = new AccessTokens({ clock });
  let publicUrl = options.publicUrl ?? "";

  const sender = new WebhookSender({
    apiSecret: options.apiSecret,
    appUrl: options.appUrl,
    apiVersion: appConfig.webhooksApiVersion,
    subscriptions: options.webhooks?.subscriptions ?? appConfig.subscriptions,
    retry: options.webhooks?.retry,
    chaos: options.webhooks,
    onAttempt: options.webhooks?.onAttempt,
    clock,
  });

  const bulk = new BulkOperations({
    schema,
    dataDir: options.dataDir,
    publicUrl: () => publicUrl,
    clock,
    chunkSize: options.bulkChunkSize,
    onFinish: (shopDomain, operation) => {
      sender.send(shopDomain, "bulk_operations/finish", {
        admin_graphql_api_id: gid("BulkOperation", operation.id),
        completed_at: operation.completedAt,
        created_at: operation.createdAt,
        error_code: operation.errorCode ? operation.errorCode.toLowerCase() : null,
        status: operation.status.toLowerCase(),
        type: "query",
      });
    },
  });

  const buckets = new Map<string, LeakyBucket>();
  const bucketOf = (domain: string): LeakyBucket => {
    let bucket = buckets.get(domain);
    if (!bucket) {
      const restoreRate = options.bucket?.restoreRate ?? restoreRateForPlan(byDomain.get(domain)!.shop.planName);
      bucket = new LeakyBucket({ maximumAvailable: options.bucket?.max ?? restoreRate * 20, restoreRate, clock });
      buckets.set(domain, bucket);
    }
    return bucket;
  };

  const unsubscribe = stores.map((store) =>
    store.on((event) => {
      sender.send(store.shop.domain, event.topic, event.payload, { triggeredAt: event.occurredAt });
    }),
  );

  const shopFor = (request: IncomingMessage, url: URL): DevStore => {
    const header = request.headers[SHOP_DOMAIN_HEADER];
    // A request redirected for a shop this server does not host must not reach another shop.
    if (typeof header === "string" && !byDomain.has(header.toLowerCase())) throw new HttpError(404, `Unknown shop: ${header}`);
    const candidates = [
      typeof header === "string" ? header : undefined,
      request.headers.host?.replace(/:\d+$/, ""),
      url.searchParams.get("shop") ?? undefined,
    ];
    for (const candidate of candidates) {
      const store = candidate ? byDomain.get(candidate.toLowerCase()) : undefined;
      if (store) return store;
    }
    if (stores.length === 1) return stores[0];
    throw new HttpError(404, `Unknown shop: ${candidates.filter(Boolean).join(", ") || "(none given)"}`);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://dev-store.local");
    const method = request.method ?? "GET";
    const path = url.pathname;

    const graphqlMatch = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
    if (graphqlMatch && method === "POST") {
      if (graphqlMatch[1] !== ADMIN_API_VERSION) {
        // Shopify answers 404 for a version it does not serve.
        return sendJson(response, 404, { errors: "Not Found" });
      }
      const store = shopFor(request, url);
      const domain = store.shop.domain;
      const token = request.headers["x-shopify-access-token"];
      if (!tokens.verify(domain, typeof token === "string" ? token : null)) {
        return sendJson(response, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      }
      const body = parseBody(await readBody(request), "application/json");
      const ctx: ResolverContext = {
        store, shopDomain: domain, now: clock, bulk, webhooks: sender,
        scopes: tokens.scopesOf(typeof token === "string" ? token : null), flowTriggerHandles,
        protectedCustomerData: options.protectedCustomerData ?? true,
      };
      const result = handleGraphQLRequest({ schema, body, ctx, bucket: bucketOf(domain) });
      return sendJson(response, result.status, result.body);
    }

    if (path === "/admin/oauth/access_token" && method === "POST") {
      const store = shopFor(request, url);
      const body = parseBody(await readBody(request), request.headers["content-type"]);
      const result = handleAccessTokenRequest(store.shop.domain, body, {
        apiKey: options.apiKey,
        apiSecret: options.apiSecret,
        scopes,
        tokens,
        now: clock,
      });
      return sendJson(response, result.status, result.body);
    }

    const bulkMatch = /^\/_bulk\/(\d+)\.jsonl$/.exec(path);
    if (bulkMatch && (method === "GET" || method === "HEAD")) {
      const file = bulk.filePath(bulkMatch[1]);
      if (!file) return sendJson(response, 404, { errors: "Not Found" });
      const size = statSync(file).size;
      const range = parseRange(request.headers.range, size);
      if (range === "invalid") {
        response.writeHead(416, { "Content-Range": `bytes */${size}` });
        return void response.end();
      }
      const [start, end] = range ?? [0, size - 1];
      response.writeHead(range ? 206 : 200, {
        "Content-Type": "application/jsonl",
        "Content-Length": end - start + 1,
        "Accept-Ranges": "bytes",
        ...(range && { "Content-Range": `bytes ${start}-${end}/${size}` }),
      });
      if (method === "HEAD" || size === 0) return void response.end();
      createReadStream(file, { start, end }).pipe(response);
      return;
    }

    if (path === "/app-bridge.js" && method === "GET") {
      response.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-store" });
      return void response.end(appBridgeSource);
    }

    if (path === "/_dev/session-token") {
      const origin = request.headers.origin;
      const cors: Record<string, string> =
        origin === appOrigin
          ? { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Headers": "Content-Type", Vary: "Origin" }
          : {};
      if (method === "OPTIONS") {
        response.writeHead(204, cors);
        return void response.end();
      }
      const store = shopFor(request, url);
      const token = mintSessionToken({
        shop: store.shop.domain,
        apiKey: options.apiKey,
        apiSecret: options.apiSecret,
        sub: url.searchParams.get("sub") ?? undefined,
        now: clock(),
      });
      return sendJson(response, 200, { token, apiKey: options.apiKey, shop: store.shop.domain }, cors);
    }

    // App Bridge's resource picker (the stand-in's `shopify.resourcePicker`): the shop's active
    // variants as the picker returns them, optionally searched by product title, title or SKU.
    if (path === "/_dev/resource-picker" && method === "GET") {
      const origin = request.headers.origin;
      const cors: Record<string, string> = origin === appOrigin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
      const store = shopFor(request, url);
      if (url.searchParams.get("type") !== "variant") return sendJson(response, 400, { error: "only type=variant is supported here" }, cors);
      const terms = (url.searchParams.get("query") ?? "").toLowerCase().split(/\s+/).filter(Boolean);
      const variants = store.products()
        .filter((p) => p.status === "ACTIVE")
        .flatMap((p) => p.variants.map((v) => ({ p, v })))
        .filter(({ p, v }) => terms.every((t) => `${p.title} ${v.title} ${v.sku}`.toLowerCase().includes(t)))
        .slice(0, 20)
        .map(({ p, v }) => ({
          id: `gid://shopify/ProductVariant/${v.id}`, title: v.title, displayName: `${p.title} - ${v.title}`, sku: v.sku, price: v.price,
          product: { id: `gid://shopify/Product/${p.id}`, title: p.title, status: p.status },
        }));
      return sendJson(response, 200, { selection: variants }, cors);
    }

    if (path === "/_dev/simulate" && method === "POST") {
      const store = shopFor(request, url);
      const body = parseBody(await readBody(request), "application/json");
      const events = store.simulate({ seed: Number(body.seed ?? 1), events: Number(body.events ?? 10) });
      return sendJson(response, 200, { events: events.length, topics: events.map((e) => e.topic) });
    }

    if (path === "/_dev/flow-triggers" && method === "GET") {
      // The Flow triggers the app fired (flowTriggerReceive), oldest first; ?handle= filters.
      const store = shopFor(request, url);
      return sendJson(response, 200, { flowTriggers: store.flowTriggers(url.searchParams.get("handle") ?? undefined) });
    }

    if (path === "/_dev/redeem-discount-code" && method === "POST") {
      // A shopper uses a discount code (a redeemed reward's) in a paid order: {"code", "customerId" (id or GID), "lines"?}.
      const store = shopFor(request, url);
      const body = parseBody(await readBody(request), "application/json");
      if (typeof body.code !== "string") throw new HttpError(400, "code is required");
      const customerId = typeof body.customerId === "string" || typeof body.customerId === "number"
        ? (parseGid(String(body.customerId))?.id ?? String(body.customerId))
        : null;
      try {
        const order = store.redeemDiscountCode(body.code, {
          customerId,
          lines: Array.isArray(body.lines) ? (body.lines as { variantId: string; quantity: number }[]) : undefined,
        });
        return sendJson(response, 201, {
          order: { id: gid("Order", order.id), name: order.name, totalDiscounts: order.totalDiscounts.shopMoney, totalPrice: order.totalPrice.shopMoney },
        });
      } catch (error) {
        if (error instanceof DevStoreError) return sendJson(response, 422, { error: error.message, code: error.code });
        throw error;
      }
    }

    if (path === "/_dev/campaign-responses" && method === "POST") {
      // Shoppers respond to a campaign with a chosen true effect (dev-store/campaign-simulation.ts):
      // {"campaignId", "customerIds", "baselineRate", "treatedRate", "codeTitlePrefix"?, "tag"?, "seed"?}.
      const store = shopFor(request, url);
      const body = parseBody(await readBody(request), "application/json");
      try {
        return sendJson(response, 201, simulateCampaignResponses(store, parseCampaignResponseConfig(body)));
      } catch (error) {
        if (error instanceof CampaignSimulationInputError) throw new HttpError(400, error.message);
        if (error instanceof DevStoreError) return sendJson(response, 422, { error: error.message, code: error.code });
        throw error;
      }
    }

    if (path === "/_dev/webhooks" && method === "POST") {
      // Sends any topic (compliance requests, app/uninstalled) with the given payload.
      const store = shopFor(request, url);
      const body = parseBody(await readBody(request), "application/json");
      if (typeof body.topic !== "string") throw new HttpError(400, "topic is required");
      const deliveries = sender.send(store.shop.domain, body.topic, body.payload ?? {});
      return sendJson(response, 202, { deliveries: deliveries.map((d) => ({ url: d.url, webhookId: d.webhookId, eventId: d.eventId })) });
    }

    // A storefront page rendering the theme app extension, and Shopify's app proxy (dev-store/storefront/).
    if (path === "/storefront" || path.startsWith("/storefront/")) {
      return handleStorefront(request, response, url, { stores, apiSecret: options.apiSecret, appUrl: options.appUrl, readBody, appConfigPath: options.appConfigPath });
    }

    if (path === "/_dev/health" && method === "GET") {
      return sendJson(response, 200, {
        ok: true,
        apiVersion: ADMIN_API_VERSION,
        shops: stores.map((s) => ({ domain: s.shop.domain, customers: s.customers().length, orders: s.orders().length })),
        webhooks: {
          pending: sender.deliveries.filter((d) => d.state === "pending").length,
          delivered: sender.deliveries.filter((d) => d.state === "delivered").length,
          failed: sender.deliveries.filter((d) => d.state === "failed").length,
        },
      });
    }

    throw new HttpError(404, "Not Found");
  };

  const server = createServer((request, response) => {
    const started = Date.now();
    handle(request, response)
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        if (!response.headersSent) sendJson(response, status, { errors: message });
        else response.destroy();
      })
      .finally(() => log(`${request.method} ${request.url} ${response.statusCode} ${Date.now() - started}ms`));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const ownUrl = `http://${options.host ?? "127.0.0.1"}:${address.port}`;
  publicUrl ||= ownUrl;

  return {
    url: ownUrl,
    port: address.port,
    store: (domain) => (domain ? (byDomain.get(domain) ?? (() => { throw new Error(`no shop ${domain}`); })()) : stores[0]),
    sender,
    bulk,
    tokens,
    bucket: bucketOf,
    issueAccessToken: (domain) => tokens.issue(domain, scopes.join(",")),
    mintSessionToken: (domain, sub) =>
      mintSessionToken({ shop: domain, apiKey: options.apiKey, apiSecret: options.apiSecret, sub, now: clock() }),
    close: async () => {
      for (const off of unsubscribe) off();
      await sender.close();
      await bulk.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
