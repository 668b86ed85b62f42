/**
 * POST /pixel/events: batches from Evergreen's web pixel (extensions/evergreen-pixel).
 * Cross-origin (the pixel runs in Shopify's sandbox on the storefront), so
 * CORS is open to any origin without credentials; authority comes from the
 * shop's ingest token in the body. docs/behaviour.md.
 */
import { readBodyAtMost } from "~/http/read-body.server";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { env } from "~/env.server";
import { defaultIngestLimiters, ingestBehaviourBatch, type IngestLimiters } from "~/services/behaviour-ingest.server";
import { MAX_BATCH_BYTES } from "~/domain/behaviour";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "86400",
};

declare global {
  var __evergreenIngestLimiters: IngestLimiters | undefined;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  // Preflight only; GET has nothing to give.
  return new Response(null, { status: request.method === "OPTIONS" ? 204 : 405, headers: CORS });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
  if (request.method !== "POST") return json({ error: "POST a batch" }, 405);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BATCH_BYTES) return json({ error: `a batch is at most ${MAX_BATCH_BYTES} bytes` }, 413);
  const body = await readBodyAtMost(request, MAX_BATCH_BYTES + 1);
  if (body === null) return json({ error: `a batch is at most ${MAX_BATCH_BYTES} bytes` }, 413);

  globalThis.__evergreenIngestLimiters ??= defaultIngestLimiters();
  const outcome = await ingestBehaviourBatch(body, { appSecret: env().SHOPIFY_API_SECRET, limiters: globalThis.__evergreenIngestLimiters });
  if (outcome.status === 429) return json({ error: outcome.error }, 429, { "Retry-After": String(outcome.retryAfterSeconds) });
  if (outcome.status !== 200) return json({ error: outcome.error }, outcome.status);
  return json({ stored: outcome.stored, duplicates: outcome.duplicates, dropped: outcome.dropped }, 200);
};

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...CORS, "Content-Type": "application/json", "Cache-Control": "no-store", ...headers } });
}
