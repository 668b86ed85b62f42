/**
 * `npm run demo`, after the first sync: the dev store's shoppers' browsing
 * (dev-store/browsing.ts, consistent with their orders, analytics consent
 * given) sent to Evergreen's pixel ingest, then the behaviour refresh, so the
 * demo's customer pages show behaviour, interest and recommendations.
 *
 * The endpoint refuses events older than 24 hours (a stuck or replayed
 * batch), so the last day's sessions go over HTTP to POST /pixel/events, as
 * the pixel sends them, and the 60 days before are written through the same
 * ingest service at their own send time, as if the pixel had been live then.
 *
 *   DATABASE_URL=… SHOPIFY_API_SECRET=… tsx scripts/demo-browsing.ts --seed 1 --orders 5000 --shop … --app-url http://localhost:3000
 */
import { parseArgs } from "node:util";
import { generateBrowsing, replayBrowsing, type BrowsingSession } from "../dev-store/browsing";
import { generateShop } from "../dev-store/generator";
import { DevStore } from "../dev-store/store";
import { prisma } from "~/db.server";
import { ingestBehaviourBatch, pixelIngestToken, type IngestLimiters } from "~/services/behaviour-ingest.server";
import { refreshCustomerBehaviour } from "~/services/behaviour.server";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    orders: { type: "string", default: "5000" },
    shop: { type: "string", default: "demo-shop.myshopify.com" },
    "app-url": { type: "string", default: "http://localhost:3000" },
    days: { type: "string", default: "90" },
  },
});
const secret = process.env.SHOPIFY_API_SECRET;
if (!secret || !process.env.DATABASE_URL) throw new Error("demo-browsing: set SHOPIFY_API_SECRET and DATABASE_URL");

const shop = values.shop!;
const now = new Date();
const LIVE_MS = 20 * 3600_000; // well inside the endpoint's 24-hour window
// The same generated shop as the dev store's (the generator is deterministic in seed and size).
const store = new DevStore(generateShop({ seed: values.seed!, orders: Number(values.orders), domain: shop }));
const sessions = generateBrowsing(store, { seed: Number(values.seed) || 1, now, days: Number(values.days) });
const token = pixelIngestToken(shop, secret);
const lastAt = (s: BrowsingSession) => Date.parse(s.events.at(-1)!.timestamp);
const history = sessions.filter((s) => now.getTime() - lastAt(s) > LIVE_MS);
const live = sessions.filter((s) => now.getTime() - lastAt(s) <= LIVE_MS);

// History: the service the route calls, at each batch's own send time; no rate limits (a backfill, not traffic).
const unlimited: IngestLimiters = { shop: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) }, client: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) } };
const viaService = (body: string, sentAt: Date) => ingestBehaviourBatch(body, { appSecret: secret, limiters: unlimited, now: () => sentAt }).then((o) => o.status);
// The last day: over HTTP, as the pixel posts; a 429 is waited out as its Retry-After says, and a connection
// the busy dev server (compiling the route, running its first jobs) does not accept in time is tried again.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const viaHttp = async (body: string): Promise<number> => {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${values["app-url"]}/pixel/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(2000 * attempt);
      continue;
    }
    await response.body?.cancel();
    if (response.status !== 429) return response.status;
    await sleep(1000 * Number(response.headers.get("retry-after") ?? 1));
  }
};

const statuses = [...(await replayBrowsing(history, shop, token, viaService)), ...(await replayBrowsing(live, shop, token, viaHttp))];
const refused = statuses.filter((s) => s !== 200).length;
const summary = await refreshCustomerBehaviour(shop, new Date(), { db: prisma });
const events = await prisma.behaviourEvent.count({ where: { shopDomain: shop } });
console.log(
  `browsing: ${sessions.length} sessions (${live.length} of the last day over HTTP), ${events} events stored, ${refused} batches refused; ` +
    `${summary.customers} customers with behaviour dimensions, ${summary.recommendedCustomers} with recommendations`,
);
await prisma.$disconnect();
if (refused > 0) process.exit(1);
