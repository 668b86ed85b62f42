/**
 * Errors the Admin API adapters throw. Small and named, so callers (sync
 * jobs, routes) can branch with `instanceof` and say what went wrong.
 */

/** Base class: anything the Admin API adapter layer refuses or gives up on. */
export class AdminApiError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * HTTP 401/403: the access token is invalid, revoked (app uninstalled) or
 * lacks a scope. Never retried: a new token is needed.
 */
export class AdminAuthError extends AdminApiError {
  constructor(
    readonly status: number,
    readonly operationName: string | undefined,
    readonly body: string,
  ) {
    super(`Admin API refused ${operationName ?? "the request"} with HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ""}`);
  }
}

/** One GraphQL error as Shopify sends it. */
export interface AdminGraphqlErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The response carried GraphQL errors other than throttling (bad query, access denied to a field, max cost exceeded...). */
export class AdminGraphqlError extends AdminApiError {
  constructor(
    readonly operationName: string | undefined,
    readonly errors: readonly AdminGraphqlErrorEntry[],
    /** Partial data, when Shopify sent some alongside the errors. */
    readonly data?: unknown,
  ) {
    super(
      `Admin API ${operationName ?? "request"} failed: ${errors
        .map((e) => (e.extensions?.code ? `[${e.extensions.code}] ${e.message}` : e.message))
        .join("; ")}`,
    );
  }

  /** The `extensions.code` of each error, e.g. `["ACCESS_DENIED"]`. */
  get codes(): string[] {
    return this.errors.flatMap((e) => (typeof e.extensions?.code === "string" ? [e.extensions.code] : []));
  }
}

/** A non-2xx answer that is neither an auth failure nor retryable (404, 400 without GraphQL errors...), or retries ran out. */
export class AdminHttpError extends AdminApiError {
  constructor(
    readonly status: number | undefined,
    readonly operationName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Still throttled (or still failing transiently) after `maxRetries` attempts. */
export class AdminRetriesExhaustedError extends AdminApiError {
  constructor(
    readonly operationName: string | undefined,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(
      `Admin API ${operationName ?? "request"} gave up after ${attempts} attempts: ${
        lastError instanceof Error ? lastError.message : String(lastError)
      }`,
      { cause: lastError },
    );
  }
}

/** One entry of a mutation payload's `userErrors`. */
export interface AdminUserError {
  field?: readonly string[] | null;
  message: string;
  code?: string | null;
}

/** A mutation answered with `userErrors` (see `assertNoUserErrors`). */
export class AdminUserErrorsError extends AdminApiError {
  constructor(
    readonly operationName: string,
    readonly userErrors: readonly AdminUserError[],
  ) {
    super(
      `${operationName} was rejected: ${userErrors
        .map((e) => `${e.code ? `[${e.code}] ` : ""}${e.field?.length ? `${e.field.join(".")}: ` : ""}${e.message}`)
        .join("; ")}`,
    );
  }
}

/** The bulk operation ended FAILED, CANCELED or EXPIRED. */
export class BulkOperationFailedError extends AdminApiError {
  constructor(
    readonly operation: {
      id: string;
      status: string;
      errorCode?: string | null;
      partialDataUrl?: string | null;
      objectCount?: string | number | null;
    },
  ) {
    super(
      `Bulk operation ${operation.id} ended ${operation.status}` +
        (operation.errorCode ? ` (${operation.errorCode})` : "") +
        (operation.partialDataUrl ? "; partial data is available at partialDataUrl" : ""),
    );
  }
}

/** `waitForBulkOperation` ran past its `timeoutMs` (the operation itself keeps running). */
export class BulkOperationTimeoutError extends AdminApiError {
  constructor(
    readonly id: string,
    readonly lastStatus: string | undefined,
    readonly timeoutMs: number,
  ) {
    super(`Bulk operation ${id} still ${lastStatus ?? "unknown"} after ${timeoutMs} ms`);
  }
}

/** A bulk JSONL line that is not a JSON object. `startByte` locates it in the file. */
export class BulkJsonlParseError extends AdminApiError {
  constructor(
    readonly startByte: number,
    readonly endByte: number,
    readonly excerpt: string,
    cause: unknown,
  ) {
    super(
      `Malformed JSONL line at bytes ${startByte}-${endByte}: ${cause instanceof Error ? cause.message : String(cause)} (line starts ${JSON.stringify(excerpt)})`,
      { cause },
    );
  }
}

/** The JSONL is not grouped as `groupBulkObjects` needs (a child whose parent is not the record being built). */
export class BulkJsonlOrderError extends AdminApiError {
  constructor(
    readonly startByte: number,
    readonly parentId: string,
  ) {
    super(
      `JSONL line at byte ${startByte} is a child of ${parentId}, which is not the current record: ` +
        "the bulk query must run with groupObjects: true for children to follow their parent",
    );
  }
}

/** Fetching the bulk result file failed (HTTP status, or the URL expired: results live 7 days). */
export class BulkDownloadError extends AdminApiError {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    // The URL is signed; keep the query string out of logs.
    super(`Downloading bulk results from ${url.split("?")[0]} failed with HTTP ${status}`);
  }
}
