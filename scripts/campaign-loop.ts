/**
 * The campaign loop offline, launch to result (docs/campaigns.md, "The offline
 * loop"): a real dev-store server process with a seeded shop, the app's
 * webhook routes over HTTP, and the app's services:
 *
 *  1. full sync (bulk operations) and the layers (intelligence);
 *  2. a campaign on the largest layers: a $10 reward code and the "campaign
 *     step due" Flow trigger, launched and run (codes and triggers through the
 *     Admin API);
 *  3. the dev store lets the audience respond with a known true effect
 *     (POST /_dev/campaign-responses: treated shoppers order at p1, using
 *     their code, the others at p0); the orders reach the app as signed webhooks;
 *  4. the campaign's results from the synced orders.
 *
 * Used by `npm run demo:campaign` (scripts/demo-campaign.ts) and
 * tests/campaigns/loop.e2e.test.ts. Sets SHOPIFY_API_KEY, SHOPIFY_API_SECRET,
 * SHOPIFY_APP_URL and DATABASE_URL for the routes it imports: call it once per process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CampaignResponseSummary } from "../dev-store/campaign-simulation";
import { dialectOf } from "~/db/adapter.server";
import { withDefaults } from "~/domain/campaigns";
import type { Campaign, PrismaClient } from "~/generated/prisma/client";
import {
  CAMPAIGN_STEP_DUE_HANDLE,
  campaignResults,
  createCampaign,
  launchCampaign,
  runCampaignsForShop,
  type CampaignResults,
  type ShopCampaignRun,
} from "~/services/campaigns.server";
import { runFullSync } from "~/services/full-sync.server";
import { recomputeShop } from "~/services/intelligence.server";
import { runReconciliation } from "~/services/reconcile.server";
import { createReward } from "~/services/rewards.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const API_KEY = "evergreen-campaign-loop";
const API_SECRET = "evergreen-campaign-loop-secret";

export interface CampaignLoopOptions {
  /** The app's database; `databaseUrl` is its URL (the webhook routes open their own client on it). */
  db: PrismaClient;
  databaseUrl: string;
  seed?: string;
  /** Orders in the seeded shop (default 3,000). */
  orders?: number;
  /** p0: the chance an untreated audience customer orders in the window. */
  baselineRate: number;
  /** p1: the chance a treated customer orders. */
  treatedRate: number;
  /** Default 0.3: a larger holdout than the product's 10%, so a small demo shop has a readable control group. */
  holdoutShare?: number;
  /** Layers are added, largest first, until the audience has at least this many customers (default 600)… */
  minAudience?: number;
  /** …skipping a layer that would take it above this many (default: no limit). */
  maxAudience?: number;
  log?: (line: string) => void;
}

export interface CampaignLoopResult {
  shopDomain: string;
  campaign: Campaign;
  layerIds: string[];
  run: ShopCampaignRun;
  /** Discount codes and Flow triggers the dev store received for the campaign. */
  codesIssued: number;
  flowTriggers: number;
  responses: CampaignResponseSummary;
  results: CampaignResults;
  /** Orders the responses created that reached the app's database through webhooks. */
  ordersSynced: number;
  /** Orders whose webhooks had not arrived after 3 minutes, brought in by the app's reconciliation instead (0 normally). */
  ordersReconciled: number;
  /** The webhook routes' answers other than 200 and 503 (a 503 is the app's back-pressure: nothing applied, the store redelivers). */
  webhookFailures: WebhookFailure[];
  /** Deliveries the app deferred with 503 under the burst (redelivered later). */
  webhooksDeferred: number;
  injected: { baselineRate: number; treatedRate: number; effect: number };
}

export interface WebhookFailure {
  path: string;
  status: number;
  /** A 500's error, for the report. */
  error?: string;
}

type RouteAction = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

/** The app's webhook routes over HTTP, where the dev store delivers them. */
async function startWebhookServer(routes: Record<string, RouteAction>, failures: WebhookFailure[]) {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
    let response: Response;
    const action = routes[url.pathname];
    if (!action) response = new Response("not found", { status: 404 });
    else {
      try {
        response = await action({ request: new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }), params: {}, context: {} });
      } catch (thrown) {
        response = thrown instanceof Response ? thrown : new Response(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown), { status: 500 });
      }
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) failures.push({ path: url.pathname, status: response.status, ...(response.status >= 500 && response.status !== 503 && { error: body.toString("utf8").slice(0, 500) }) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Starts `dev-store/cli.ts` as its own process and resolves with its URL once it is ready. */
function startDevStoreProcess(args: { seed: string; orders: number; appUrl: string; shop: string }, log: (line: string) => void): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "dev-store/cli.ts", "--seed", args.seed, "--orders", String(args.orders), "--port", "0", "--app-url", args.appUrl, "--shop", args.shop], {
      cwd: ROOT,
      env: { ...process.env, SHOPIFY_API_KEY: API_KEY, SHOPIFY_API_SECRET: API_SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let url: string | null = null;
    let settled = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const line of String(chunk).split("\n")) {
        const match = /^dev store: (http:\/\/\S+)/.exec(line);
        if (match) url = match[1];
        // Its "webhook … (try n)" lines are retried deliveries (the app busy under the burst): left out of the demo's output.
        if (line.startsWith("dev store")) log(`[dev-store] ${line}`);
        if (!settled && line.trim() === "dev store ready" && url) {
          settled = true;
          resolve({ url, child });
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => log(`[dev-store] ${String(chunk).trimEnd()}`));
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`the dev store exited with code ${code} before it was ready`));
    });
  });
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs the loop; see the module comment. Stops the dev store process and the route server before it returns. */
export async function runCampaignLoop(options: CampaignLoopOptions): Promise<CampaignLoopResult> {
  const { db } = options;
  const log = options.log ?? (() => undefined);
  const shopDomain = "campaign-demo.myshopify.com";
  const failures: WebhookFailure[] = [];
  Object.assign(process.env, { SHOPIFY_API_KEY: API_KEY, SHOPIFY_API_SECRET: API_SECRET, SHOPIFY_APP_URL: "http://localhost:3999", DATABASE_URL: options.databaseUrl });
  // Imported after the environment is set: shopify.server and db.server read it once.
  const route = async (name: string) => ((await import(`../app/routes/${name}.tsx`)) as { action: RouteAction }).action;
  const app = await startWebhookServer({
    "/webhooks/orders": await route("webhooks.orders"),
    "/webhooks/refunds": await route("webhooks.refunds"),
    "/webhooks/customers": await route("webhooks.customers"),
    "/webhooks/bulk_operations/finish": await route("webhooks.bulk_operations.finish"),
  }, failures);
  let store: { url: string; child: ChildProcess } | null = null;
  try {
    const orders = options.orders ?? 3000;
    log(`starting the dev store (seed ${options.seed ?? "1"}, ${orders} orders) as its own process`);
    store = await startDevStoreProcess({ seed: options.seed ?? "1", orders, appUrl: app.url, shop: shopDomain }, log);
    const { access_token: accessToken } = await json<{ access_token: string }>(await fetch(`${store.url}/admin/oauth/access_token`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, grant_type: "client_credentials" }),
    }));
    const client = new AdminClient({ shop: new URL(store.url).host, protocol: "http", accessToken });
    const dialect = dialectOf(options.databaseUrl);

    log("full sync (bulk operations)");
    await runFullSync(shopDomain, { db, dialect, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 50 } }) });
    const launchAt = new Date();
    const layers = await recomputeShop(shopDomain, { db, dialect, asOf: launchAt });
    const sizes = Object.entries(layers.layerSizes).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const layerIds: string[] = [];
    let audience = 0;
    for (const [id, size] of sizes) {
      if (audience >= (options.minAudience ?? 600) || size === 0) break;
      if (audience + size > (options.maxAudience ?? Infinity)) continue;
      layerIds.push(id);
      audience += size;
    }
    log(`layers: ${sizes.map(([id, n]) => `${id} ${n}`).join(", ")}; audience: ${layerIds.join(" + ")} (${audience})`);

    const currencyCode = (await db.order.findFirst({ where: { shopDomain }, select: { currencyCode: true } }))?.currencyCode ?? "USD";
    const reward = await createReward(shopDomain, { title: "10 off your next order", kind: "fixed_amount", pointsCost: 0, amountMinor: 1000n, currencyCode }, { db });
    const campaign = await createCampaign(shopDomain, withDefaults({
      name: "Come back: 10 off",
      audience: { layerIds },
      actions: [{ kind: "reward_code", rewardId: reward.id, costMinor: 1000 }, { kind: "flow_trigger", step: "win-back-gift" }],
      trigger: { kind: "once" },
      windowDays: 30,
      holdoutShare: options.holdoutShare ?? 0.3,
      // The whole audience at once: the demo shows a result, not a gradual rollout.
      rolloutShare: 1,
    }), { db });
    await launchCampaign(shopDomain, campaign.id, {}, { db });
    log(`launched campaign ${campaign.id}; running it`);
    const run = await runCampaignsForShop(shopDomain, new Date(), { db, client });

    const codes = await db.campaignAction.findMany({ where: { campaignId: campaign.id, kind: "reward_code", status: "applied" }, select: { code: true } });
    const fired = await json<{ flowTriggers: { payload: { campaign_id?: string } }[] }>(await fetch(`${store.url}/_dev/flow-triggers?handle=${CAMPAIGN_STEP_DUE_HANDLE}`));
    const assigned = await db.campaignAssignment.findMany({ where: { campaignId: campaign.id }, select: { customerGid: true } });

    log(`shoppers respond: p0 ${options.baselineRate}, p1 ${options.treatedRate}`);
    const responses = await json<CampaignResponseSummary>(await fetch(`${store.url}/_dev/campaign-responses`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        campaignId: campaign.id,
        // The audience, both arms: the store is not told who is in the holdout.
        customerIds: assigned.map((a) => a.customerGid),
        baselineRate: options.baselineRate,
        treatedRate: options.treatedRate,
        codeTitlePrefix: `${campaign.name}: `,
        seed: options.seed ?? "1",
      }),
    }));

    // The orders reach the app only as webhooks: wait until every one is synced.
    const synced = () => db.order.count({ where: { shopDomain, orderGid: { in: responses.orderIds } } });
    const deadline = Date.now() + 180_000;
    let ordersSynced = 0;
    for (;;) {
      ordersSynced = await synced();
      if (ordersSynced === responses.orderIds.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`${ordersSynced} of ${responses.orderIds.length} orders synced through webhooks`);
    let ordersReconciled = 0;
    if (ordersSynced < responses.orderIds.length) {
      // Deliveries the store gave up on: the app's reconciliation is its repair for lost webhooks.
      await runReconciliation(shopDomain, { db, dialect, client });
      ordersReconciled = (await synced()) - ordersSynced;
      log(`${ordersReconciled} more through reconciliation`);
    }
    const results = await campaignResults(shopDomain, campaign.id, new Date(Date.now() + 1000), { db });
    return {
      shopDomain, campaign, layerIds, run, responses, results, ordersSynced, ordersReconciled,
      webhookFailures: failures.filter((f) => f.status !== 503),
      webhooksDeferred: failures.filter((f) => f.status === 503).length,
      codesIssued: codes.length,
      flowTriggers: fired.flowTriggers.filter((f) => f.payload.campaign_id === campaign.id).length,
      injected: { baselineRate: options.baselineRate, treatedRate: options.treatedRate, effect: options.treatedRate - options.baselineRate },
    };
  } finally {
    if (store && store.child.exitCode === null) {
      const exited = new Promise((resolve) => store!.child.once("exit", resolve));
      store.child.kill("SIGTERM");
      await exited;
    }
    await app.close();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;
const money = (minor: number) => `${minor < 0 ? "−" : ""}${(Math.abs(minor) / 100).toFixed(2)}`;

/** The result as a plain-text table, with the injected effect beside the measured one. */
export function formatCampaignLoop(result: CampaignLoopResult): string {
  const { results: r, injected } = result;
  const row = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(10) : String(c).padStart(13))).join("");
  const lines = [
    row(["arm", "customers", "converted", "conversion", "orders", "revenue", "rev/customer"]),
    ...[r.treatment, r.control].map((a) => row([a.arm, a.customers, a.converted, pct(a.conversionRate), a.orders, money(a.revenueMinor), money(a.revenuePerCustomerMinor)])),
    "",
  ];
  const cmp = r.verdict.comparison;
  const seq = r.verdict.sequential;
  if (cmp && seq) {
    lines.push(`uplift in conversion: ${pts(cmp.difference)} points${cmp.relativeUplift !== null ? ` (${pts(cmp.relativeUplift)}% relative)` : ""}`);
    lines.push(`  always-valid ${pct(1 - JSON.parse(result.campaign.definition).alpha)} interval: [${pts(seq.interval[0])}, ${pts(seq.interval[1])}] points`);
    lines.push(`  fixed-horizon interval (one look only): [${pts(cmp.interval[0])}, ${pts(cmp.interval[1])}] points`);
    const covered = seq.interval[0] <= injected.effect && injected.effect <= seq.interval[1];
    lines.push(`  injected true effect: ${pts(injected.effect)} points (p0 ${pct(injected.baselineRate)}, p1 ${pct(injected.treatedRate)}): ${covered ? "inside" : "OUTSIDE"} the always-valid interval`);
  }
  if (r.revenueDifference) {
    lines.push(`revenue per customer: ${money(r.revenueDifference.difference)} (bootstrap [${money(r.revenueDifference.interval[0])}, ${money(r.revenueDifference.interval[1])}])`);
  }
  if (r.returnOnCost) {
    lines.push(`cost ${money(r.costMinor)} (${result.codesIssued} codes), incremental revenue ${money(r.returnOnCost.incrementalRevenueMinor)}, net ${money(r.returnOnCost.netMinor)}${r.returnOnCost.roi !== null ? `, ROI ${r.returnOnCost.roi.toFixed(2)}` : ""}`);
  }
  lines.push(`verdict: ${r.verdict.kind}: ${r.verdict.message}`);
  return lines.join("\n");
}
