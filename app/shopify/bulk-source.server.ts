/**
 * Full sync's BulkSource over the Admin API: which bulk query each resource
 * runs, and the mapping of Shopify's failure modes onto what sync expects.
 */
import type { BulkSource, FinishedBulkOperation } from "~/services/full-sync.server";
import { BulkResultExpiredError } from "~/services/full-sync.server";
import type { SyncResource } from "~/domain/sync/records";
import type { AdminClient } from "./admin-client.server";
import { readBulkJsonl, startBulkQuery, waitForBulkOperation, type WaitForBulkOperationOptions } from "./bulk.server";
import { BulkDownloadError, BulkOperationFailedError } from "./errors";
import { customersBulkQuery } from "./operations/customers";
import { ordersBulkQuery } from "./operations/orders";
import { productsBulkQuery } from "./operations/products";

const BULK_QUERIES: Record<SyncResource, () => string> = {
  products: () => productsBulkQuery(),
  customers: () => customersBulkQuery(),
  orders: () => ordersBulkQuery(),
};

export interface AdminBulkSourceOptions {
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  wait?: Omit<WaitForBulkOperationOptions, "signal">;
}

export function adminBulkSource(client: AdminClient, options: AdminBulkSourceOptions = {}): BulkSource {
  return {
    async start(resource) {
      // groupObjects keeps each order's line items right after it, which is
      // what lets sync checkpoint at record boundaries.
      return (await startBulkQuery(client, BULK_QUERIES[resource](), { groupObjects: true })).id;
    },
    async wait(id, signal): Promise<FinishedBulkOperation> {
      try {
        const op = await waitForBulkOperation(client, id, { ...options.wait, signal });
        return { id: op.id, status: op.status, url: op.url, objectCount: op.objectCount, errorCode: op.errorCode };
      } catch (error) {
        if (error instanceof BulkOperationFailedError) {
          const op = error.operation;
          return { id, status: op.status, url: null, objectCount: 0, errorCode: op.errorCode ?? null };
        }
        throw error;
      }
    },
    async *read(url, fromByte, signal) {
      try {
        yield* readBulkJsonl(url, { fromByte, signal, ...(options.fetch ? { fetch: options.fetch } : {}) });
      } catch (error) {
        if (error instanceof BulkDownloadError && [403, 404, 410].includes(error.status)) {
          throw new BulkResultExpiredError(url, error.status);
        }
        throw error;
      }
    },
  };
}
