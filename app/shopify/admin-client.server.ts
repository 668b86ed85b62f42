import type { AdminMutations, AdminQueries } from "@shopify/admin-api-client";
import { ClientError, GraphQLClient } from "graphql-request";
import { ADMIN_API_VERSION } from "./api-version";
import {
  AdminApiError,
  AdminAuthError,
  AdminGraphqlError,
  AdminHttpError,
  AdminRetriesExhaustedError,
  AdminUserErrorsError,
  type AdminGraphqlErrorEntry,
  type AdminUserError,
} from "./errors";

/** `extensions.cost.throttleStatus` of an Admin API response: the app+shop leaky bucket, in cost points. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  /** Points restored per second. */
  restoreRate: number;
}

/** `extensions.cost` of an Admin API response. */
export interface QueryCost {
  requestedQueryCost: number;
  /** null when the request was throttled (nothing ran). */
  actualQueryCost: number | null;
  throttleStatus?: ThrottleStatus;
}

/** What an AdminClient has done so far: for sync status pages and benchmarks. */
export interface AdminClientCounters {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Retries after a THROTTLED answer. */
  throttledRetries: number;
  /** Retries after HTTP 429/5xx or a network failure. */
  transientRetries: number;
  /** Waits taken before sending because the bucket looked too low. */
  preemptiveWaits: number;
  /** Milliseconds spent sleeping, for any reason. */
  totalWaitMs: number;
  /** Sum of `actualQueryCost` over successful requests. */
  actualCostPoints: number;
}

export type FetchLike = (input: URL | RequestInfo, init?: RequestInit) => Promise<Response>;

export interface AdminClientOptions {
  /** The shop's myshopify domain, e.g. `evergreen-dev.myshopify.com` (or a dev store's host:port). */
  shop: string;
  accessToken: string;
  /** Default ADMIN_API_VERSION; the app speaks one version everywhere. */
  apiVersion?: string;
  /** Default `https`; the local dev store may serve plain http. */
  protocol?: "https" | "http";
  fetch?: FetchLike;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; default Date.now. Milliseconds. */
  now?: () => number;
  /** Injected for tests; default Math.random. Used for back-off jitter only. */
  random?: () => number;
  /** Retries of one request, throttling and transient failures together. Default 20. */
  maxRetries?: number;
  /**
   * Points to leave in the bucket for others sharing it (webhook handlers,
   * other workers: the bucket is per app and shop). Before sending, the client
   * waits until the projected bucket holds the operation's expected cost plus
   * this. Default 0.
   */
  minAvailable?: number;
  /** Expected cost of an operation not sent yet by this client. Default 50. */
  defaultCost?: number;
  /** First back-off delay for transient failures; doubles per retry. Default 500 ms. */
  baseBackoffMs?: number;
  /** Back-off ceiling. Default 30 s. */
  maxBackoffMs?: number;
  /**
   * Mutations (by operation name) safe to resend after a 5xx or a network
   * failure, when Shopify may already have run them. Other mutations are
   * retried only when Shopify certainly did not run them (THROTTLED, 429).
   * Default: the bulk operation mutations (a duplicate start costs an extra
   * bulk operation, never wrong data; a duplicate cancel is a user error).
   */
  idempotentMutations?: readonly string[];
}

type AdminOperations = AdminQueries & AdminMutations;
/** The literal keys codegen added (the interfaces also carry a `string` index signature). */
type KnownKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : symbol extends K ? never : K]: T[K];
};
/** The document text of every operation codegen typed (app/types/admin.generated.d.ts). */
export type KnownAdminOperation = KnownKeys<AdminQueries> | KnownKeys<AdminMutations>;
type OperationVariablesArgs<V> = {} extends V ? [variables?: V] : [variables: V];

const THROTTLED = "THROTTLED";

type Outcome =
  | { kind: "throttled"; error: unknown }
  /** `ambiguous`: Shopify may have run the operation (5xx, network failure); false for 429. */
  | { kind: "transient"; error: unknown; ambiguous: boolean; status?: number; retryAfterMs?: number };

/**
 * Shopify Admin GraphQL client for one shop: typed requests, the cost-based
 * leaky bucket respected before sending, throttling and transient failures
 * retried, everything else turned into a named error.
 *
 * Rate limits: https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
 * The bucket is never hard-coded: every response's `throttleStatus` updates
 * a local model (projected forward with `restoreRate`), and each operation's
 * last `requestedQueryCost` is what the next call of it is expected to need.
 *
 * @example
 * const client = new AdminClient({ shop: session.shop, accessToken: session.accessToken });
 * const { shop } = await client.request(ShopInfo); // typed from codegen
 */
/** Mutations safe to resend after an ambiguous failure (a duplicate bulk start only costs an extra export). */
export const DEFAULT_IDEMPOTENT_MUTATIONS: readonly string[] = ["BulkOperationRunQuery", "BulkOperationCancel"];

export class AdminClient {
  readonly shop: string;
  readonly apiVersion: string;
  readonly endpoint: string;
  /** The bucket as of the last response that reported it. */
  lastThrottleStatus: ThrottleStatus | undefined;
  /** `extensions.cost` of the last response that had one. */
  lastCost: QueryCost | undefined;

  private readonly graphql: GraphQLClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly minAvailable: number;
  private readonly defaultCost: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly idempotentMutations: ReadonlySet<string>;
  private readonly expectedCost = new Map<string, number>();
  /** Local model of the bucket: `available` points at time `at` (ms). */
  private bucket: { available: number; at: number; maximum: number; restoreRate: number } | undefined;
  private readonly stats: AdminClientCounters = {
    requests: 0,
    throttledRetries: 0,
    transientRetries: 0,
    preemptiveWaits: 0,
    totalWaitMs: 0,
    actualCostPoints: 0,
  };

  constructor(options: AdminClientOptions) {
    this.shop = options.shop;
    this.apiVersion = options.apiVersion ?? ADMIN_API_VERSION;
    this.endpoint = `${options.protocol ?? "https"}://${options.shop}/admin/api/${this.apiVersion}/graphql.json`;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.maxRetries = options.maxRetries ?? 20;
    this.minAvailable = options.minAvailable ?? 0;
    this.defaultCost = options.defaultCost ?? 50;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.idempotentMutations = new Set(options.idempotentMutations ?? DEFAULT_IDEMPOTENT_MUTATIONS);
    this.graphql = new GraphQLClient(this.endpoint, {
      headers: { "X-Shopify-Access-Token": options.accessToken },
      // Errors come back in the response (with extensions.cost) instead of
      // as a thrown ClientError, so throttling can be told apart.
      errorPolicy: "all",
      ...(options.fetch ? { fetch: options.fetch as typeof fetch } : {}),
    });
  }

  /** A snapshot of the counters. */
  get counters(): AdminClientCounters {
    return { ...this.stats };
  }

  /**
   * Sends one named operation and returns its `data`.
   *
   * Typed from codegen when `document` is one of the `#graphql` constants in
   * app/shopify/operations (the generated AdminQueries/AdminMutations
   * interfaces are keyed by the document text); otherwise pass the types:
   * `client.request<MyData, MyVariables>(doc, vars)`.
   *
   * @throws AdminAuthError on HTTP 401/403 (not retried).
   * @throws AdminGraphqlError on GraphQL errors other than THROTTLED.
   * @throws AdminHttpError on other non-2xx answers (404, 400...).
   * @throws AdminRetriesExhaustedError when throttling or transient failures outlast `maxRetries`.
   */
  request<Op extends KnownAdminOperation>(
    document: Op,
    ...variables: OperationVariablesArgs<AdminOperations[Op]["variables"]>
  ): Promise<AdminOperations[Op]["return"]>;
  request<TData, TVariables extends object = Record<string, unknown>, Doc extends string = string>(
    // A typed operation never falls through to this untyped signature (e.g. with its variables missing).
    document: Doc extends KnownAdminOperation ? never : Doc,
    variables?: TVariables,
  ): Promise<TData>;
  async request(document: string, variables?: object): Promise<unknown> {
    const operationName = operationNameOf(document);
    const opKey = operationName ?? document;
    const resendable = operationKindOf(document) !== "mutation" || (operationName !== undefined && this.idempotentMutations.has(operationName));
    let retries = 0;
    let throttledLastTime = false;

    for (;;) {
      await this.waitForBucket(opKey, throttledLastTime);
      this.stats.requests += 1;

      let outcome: Outcome;
      try {
        const response = await this.graphql.rawRequest<unknown>(document, variables as Record<string, unknown> | undefined);
        this.record(opKey, response.extensions);
        const errors = (response.errors ?? []) as AdminGraphqlErrorEntry[];
        if (errors.length === 0) {
          return response.data;
        }
        if (!errors.every(isThrottledError)) {
          throw new AdminGraphqlError(operationName, errors, response.data ?? undefined);
        }
        outcome = { kind: "throttled", error: new AdminGraphqlError(operationName, errors) };
      } catch (error) {
        if (error instanceof AdminApiError) throw error;
        outcome = this.classify(error, opKey, operationName);
      }

      if (outcome.kind === "transient" && outcome.ambiguous && !resendable) {
        // Shopify may have run it: resending could apply it twice.
        throw new AdminHttpError(
          outcome.status,
          operationName,
          `Admin API ${operationName ?? "mutation"} failed in a way that may have applied it (${describe(outcome.error)}); not resent`,
          { cause: outcome.error },
        );
      }
      if (retries >= this.maxRetries) {
        throw new AdminRetriesExhaustedError(operationName, retries + 1, outcome.error);
      }
      retries += 1;
      if (outcome.kind === "throttled" && this.bucket) {
        // The wait is computed from the bucket the THROTTLED answer reported
        // (recorded above), by waitForBucket at the top of the loop.
        this.stats.throttledRetries += 1;
        throttledLastTime = true;
      } else {
        if (outcome.kind === "throttled") this.stats.throttledRetries += 1;
        else this.stats.transientRetries += 1;
        throttledLastTime = false;
        const retryAfterMs = outcome.kind === "transient" ? outcome.retryAfterMs : undefined;
        await this.pause(retryAfterMs ?? this.backoffMs(retries));
      }
    }
  }

  /** Sorts a thrown error into retryable kinds, or throws the named error. */
  private classify(
    error: unknown,
    opKey: string,
    operationName: string | undefined,
  ): Outcome {
    if (!(error instanceof ClientError)) {
      // fetch rejected (DNS, reset, timeout) or a 2xx body that was not JSON.
      return { kind: "transient", error, ambiguous: true };
    }
    const { status, headers, body } = error.response as { status: number; headers?: Headers; body?: string };
    const errors = (error.response.errors ?? []) as AdminGraphqlErrorEntry[];
    this.record(opKey, error.response.extensions);
    if (status === 401 || status === 403) {
      throw new AdminAuthError(status, operationName, typeof body === "string" ? body : "");
    }
    if (errors.length > 0 && errors.every(isThrottledError)) {
      return { kind: "throttled", error };
    }
    if (status === 429 || status >= 500) {
      return {
        kind: "transient",
        error,
        status,
        ambiguous: status !== 429,
        retryAfterMs: retryAfterMs(headers?.get("retry-after") ?? null),
      };
    }
    if (errors.length > 0) {
      throw new AdminGraphqlError(operationName, errors, error.response.data ?? undefined);
    }
    throw new AdminHttpError(status, operationName, `Admin API ${operationName ?? "request"} answered HTTP ${status}`, {
      cause: error,
    });
  }

  /** Updates the bucket model and the operation's expected cost from a response's extensions. */
  private record(opKey: string, extensions: unknown): void {
    const cost = (extensions as { cost?: QueryCost } | undefined)?.cost;
    if (!cost || typeof cost.requestedQueryCost !== "number") return;
    this.lastCost = cost;
    this.expectedCost.set(opKey, cost.requestedQueryCost);
    if (typeof cost.actualQueryCost === "number") this.stats.actualCostPoints += cost.actualQueryCost;
    const status = cost.throttleStatus;
    if (status && typeof status.currentlyAvailable === "number" && status.restoreRate > 0) {
      this.lastThrottleStatus = { ...status };
      this.bucket = {
        available: status.currentlyAvailable,
        at: this.now(),
        maximum: status.maximumAvailable,
        restoreRate: status.restoreRate,
      };
    }
  }

  /**
   * Waits until the bucket, projected forward from the last response, holds
   * this operation's expected cost (plus `minAvailable`), then reserves that
   * cost locally so concurrent calls on this client see it spent.
   */
  private async waitForBucket(opKey: string, afterThrottle: boolean): Promise<void> {
    const bucket = this.bucket;
    if (!bucket) return;
    const cost = this.expectedCost.get(opKey) ?? this.defaultCost;
    const required = Math.min(bucket.maximum, cost + this.minAvailable);
    const projected = this.projectedAvailable();
    if (projected < required) {
      const waitMs = Math.ceil(((required - projected) / bucket.restoreRate) * 1000);
      if (!afterThrottle) this.stats.preemptiveWaits += 1;
      await this.pause(waitMs);
    } else if (afterThrottle) {
      // Shopify said throttled although our model disagrees (someone else is
      // draining the bucket): wait for one second's restore before retrying.
      await this.pause(Math.ceil((Math.max(cost, 1) / bucket.restoreRate) * 1000));
    }
    const now = this.now();
    this.bucket = { ...bucket, available: this.projectedAvailable() - cost, at: now };
  }

  private projectedAvailable(): number {
    const bucket = this.bucket;
    if (!bucket) return Number.POSITIVE_INFINITY;
    const elapsedMs = Math.max(0, this.now() - bucket.at);
    return Math.min(bucket.maximum, bucket.available + (elapsedMs / 1000) * bucket.restoreRate);
  }

  /** Exponential back-off with jitter in [50%, 100%] of the step. */
  private backoffMs(retry: number): number {
    const step = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (retry - 1));
    return Math.round(step * (0.5 + 0.5 * this.random()));
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.stats.totalWaitMs += ms;
    await this.sleep(ms);
  }
}

/**
 * Throws when a mutation payload carries `userErrors`, or is missing.
 *
 * @example
 * const { bulkOperationRunQuery } = await client.request(BulkOperationRunQuery, { query, groupObjects: true });
 * assertNoUserErrors(bulkOperationRunQuery, "bulkOperationRunQuery");
 * @throws AdminUserErrorsError listing each error's code, field and message.
 */
export function assertNoUserErrors<T extends { userErrors?: readonly AdminUserError[] | null }>(
  payload: T | null | undefined,
  operationName: string,
): asserts payload is T {
  if (payload === null || payload === undefined) {
    throw new AdminUserErrorsError(operationName, [{ message: "the mutation returned no payload" }]);
  }
  if (payload.userErrors && payload.userErrors.length > 0) {
    throw new AdminUserErrorsError(operationName, payload.userErrors);
  }
}

/** The name of the first operation in a document (`query ShopInfo {` → `ShopInfo`). */
export function operationNameOf(document: string): string | undefined {
  const withoutComments = document.replace(/#[^\n]*/g, "");
  return /(?:^|[\s}])(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(withoutComments)?.[1];
}

/** `query`, `mutation` or `subscription`: the first operation's kind (an anonymous `{…}` is a query). */
export function operationKindOf(document: string): "query" | "mutation" | "subscription" {
  const withoutComments = document.replace(/#[^\n]*/g, "");
  const kind = /(?:^|[\s}])(query|mutation|subscription)\b/.exec(withoutComments)?.[1];
  return (kind as "query" | "mutation" | "subscription" | undefined) ?? "query";
}

function describe(error: unknown): string {
  if (error instanceof ClientError) return `HTTP ${error.response.status}`;
  return error instanceof Error ? error.message : String(error);
}

function isThrottledError(error: AdminGraphqlErrorEntry): boolean {
  return error.extensions?.code === THROTTLED;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  return undefined;
}
