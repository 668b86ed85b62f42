/**
 * Incremental sync (reconciliation): everything Shopify changed since a point,
 * read through paged Admin queries and upserted like webhooks are.
 *
 * Webhooks can be lost (after Shopify's 8 retries), can tie within one second,
 * and since API 2025-01 customer webhooks no longer carry tags or marketing
 * consent; reconciliation closes those gaps. Page by page, each page committed
 * with its cursor, so a killed run resumes where it stopped.
 */
import { randomUUID } from "node:crypto";
import { customerFromGraphql, orderFromGraphql } from "~/domain/sync/map-graphql";
import type { SqlDialect } from "~/db/adapter.server";
import { SyncRepository } from "~/db/sync-repository.server";
import { emptyCheckpoint, SyncRunRepository, type FullSyncCheckpoint, type SyncRunView } from "~/db/sync-run-repository.server";
import type { PrismaClient } from "~/generated/prisma/client";
import type { AdminClient } from "~/shopify/admin-client.server";
import { updatedAtSearch } from "~/shopify/operations/bulk-query";
import { CustomersUpdatedSince } from "~/shopify/operations/customers";
import { OrderLineItemsPage, OrdersUpdatedSince } from "~/shopify/operations/orders";

type Json = Record<string, unknown>;

export interface ReconcileDeps {
  db: Pick<PrismaClient, "$transaction" | "syncRun">;
  dialect: SqlDialect;
  client: AdminClient;
  now?: () => Date;
  /** Overlap with the previous sync, for clock skew and same-second ties. */
  overlapMs?: number;
  pageSize?: { customers: number; orders: number };
}

export class NoFullSyncError extends Error {
  constructor(shopDomain: string) {
    super(`${shopDomain} has no completed full sync to reconcile against; run a full sync first`);
    this.name = "NoFullSyncError";
  }
}

const DEFAULT_OVERLAP_MS = 10 * 60 * 1000;
// Orders carry up to 20 line items a page (about 7 points each): 5 orders stay inside a 1,000-point query.
const DEFAULT_PAGE_SIZE = { customers: 100, orders: 5 };

/**
 * Fetches and applies every customer and order changed since the last
 * completed sync began (less an overlap). Resumes an interrupted run.
 */
export async function runReconciliation(shopDomain: string, deps: ReconcileDeps): Promise<SyncRunView> {
  const now = deps.now ?? (() => new Date());
  const runs = new SyncRunRepository(deps.db);
  let run = await runs.findResumable(shopDomain, "incremental");
  if (run) {
    await runs.markResumed(run.id, run.attempts + 1, now());
  } else {
    const previous = await runs.lastCompleted(shopDomain);
    if (!previous) throw new NoFullSyncError(shopDomain);
    const since = new Date(previous.startedAt.getTime() - (deps.overlapMs ?? DEFAULT_OVERLAP_MS));
    const checkpoint: FullSyncCheckpoint = { ...emptyCheckpoint(), since: since.toISOString() };
    checkpoint.resources.products.done = true; // products change rarely; the full sync covers them
    run = await runs.create({ id: randomUUID(), shopDomain, kind: "incremental", now: now(), checkpoint });
  }
  const checkpoint = run.checkpoint;
  const search = updatedAtSearch(checkpoint.since!).replace("updated_at:>", "updated_at:>=");
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  try {
    for (const resource of ["customers", "orders"] as const) {
      const state = checkpoint.resources[resource];
      while (!state.done) {
        const page =
          resource === "customers"
            ? (await deps.client.request<{ customers: Connection }>(CustomersUpdatedSince, { first: pageSize.customers, after: state.cursor ?? null, query: search })).customers
            : (await deps.client.request<{ orders: Connection }>(OrdersUpdatedSince, { first: pageSize.orders, after: state.cursor ?? null, query: search })).orders;
        const nodes = page.edges.map((e) => e.node);
        if (resource === "orders") await completeLineItems(deps.client, nodes);
        const next = { ...state, cursor: page.pageInfo.endCursor ?? state.cursor, rows: state.rows + nodes.length, done: !page.pageInfo.hasNextPage };
        const nextCheckpoint: FullSyncCheckpoint = { ...checkpoint, resources: { ...checkpoint.resources, [resource]: next } };
        await deps.db.$transaction(async (tx) => {
          const repo = new SyncRepository(tx, deps.dialect);
          const syncedAt = now();
          if (resource === "customers") await repo.upsertCustomers(shopDomain, nodes.map(customerFromGraphql), syncedAt);
          else await repo.upsertOrders(shopDomain, nodes.map((n) => orderFromGraphql(n)), syncedAt);
          await runs.withClient(tx).saveProgress(run.id, { phase: resource, checkpoint: nextCheckpoint, now: syncedAt });
        });
        Object.assign(state, next);
      }
    }
    await runs.finish(run.id, { status: "completed", now: now() });
  } catch (error) {
    await runs.finish(run.id, { status: "failed", error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), now: now() });
    throw error;
  }
  return (await runs.latest(shopDomain)) ?? run;
}

interface Connection {
  edges: { node: Json }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Orders with more than one page of line items: fetch the rest into the node. */
async function completeLineItems(client: AdminClient, orders: Json[]): Promise<void> {
  for (const order of orders) {
    const lineItems = order.lineItems as Connection | undefined;
    if (!lineItems?.pageInfo.hasNextPage) continue;
    let after = lineItems.pageInfo.endCursor ?? null;
    for (;;) {
      const { order: page } = await client.request<{ order: { lineItems: Connection } | null }>(OrderLineItemsPage, { id: order.id as string, first: 100, after });
      if (!page) break;
      lineItems.edges.push(...page.lineItems.edges);
      if (!page.lineItems.pageInfo.hasNextPage) break;
      after = page.lineItems.pageInfo.endCursor ?? null;
    }
  }
}
