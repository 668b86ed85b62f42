import { describe, expect, it } from "vitest";
import { AdminClient } from "~/shopify/admin-client.server";
import { cancelBulkOperation, getBulkOperation, startBulkQuery, waitForBulkOperation } from "~/shopify/bulk.server";
import { AdminUserErrorsError, BulkOperationFailedError, BulkOperationTimeoutError } from "~/shopify/errors";
import { ordersBulkQuery } from "~/shopify/operations/orders";

const OP_ID = "gid://shopify/BulkOperation/720575940";

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

/** A fake Admin endpoint answering by operation name, recording the variables it got. */
function fakeAdmin(handlers: Record<string, (variables: Record<string, unknown>) => unknown>) {
  const calls: Array<{ operationName: string; variables: Record<string, unknown> }> = [];
  const fetch = async (_input: URL | RequestInfo, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { operationName: string; variables: Record<string, unknown> };
    calls.push({ operationName: body.operationName, variables: body.variables });
    const handler = handlers[body.operationName];
    if (!handler) throw new Error(`unexpected operation ${body.operationName}`);
    return json({ data: handler(body.variables) });
  };
  const client = new AdminClient({ shop: "evergreen-dev.myshopify.com", accessToken: "shpat_test", fetch, sleep: async () => {} });
  return { client, calls };
}

function snapshot(status: string, extra: Record<string, unknown> = {}) {
  return {
    bulkOperation: {
      id: OP_ID,
      status,
      errorCode: null,
      objectCount: "0",
      rootObjectCount: "0",
      fileSize: null,
      url: null,
      partialDataUrl: null,
      createdAt: "2026-11-25T10:00:00Z",
      completedAt: null,
      ...extra,
    },
  };
}

describe("startBulkQuery", () => {
  it("starts a grouped bulk query and returns its id", async () => {
    const { client, calls } = fakeAdmin({
      BulkOperationRunQuery: () => ({ bulkOperationRunQuery: { bulkOperation: { id: OP_ID, status: "CREATED" }, userErrors: [] } }),
    });
    const query = ordersBulkQuery();

    expect(await startBulkQuery(client, query)).toEqual({ id: OP_ID, status: "CREATED" });
    expect(calls).toEqual([{ operationName: "BulkOperationRunQuery", variables: { query, groupObjects: true } }]);
  });

  it("throws a clear error on userErrors", async () => {
    const { client } = fakeAdmin({
      BulkOperationRunQuery: () => ({
        bulkOperationRunQuery: {
          bulkOperation: null,
          userErrors: [{ field: null, message: "A bulk query operation for this app and shop is already in progress", code: "LIMIT_REACHED" }],
        },
      }),
    });

    const error = await startBulkQuery(client, ordersBulkQuery()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminUserErrorsError);
    expect((error as Error).message).toBe(
      "bulkOperationRunQuery was rejected: [LIMIT_REACHED] A bulk query operation for this app and shop is already in progress",
    );
  });
});

describe("getBulkOperation", () => {
  it("converts UnsignedInt64 counts to numbers and returns null for an unknown id", async () => {
    const { client } = fakeAdmin({
      BulkOperationStatus: ({ id }) =>
        id === OP_ID
          ? snapshot("COMPLETED", { objectCount: "1200", rootObjectCount: "400", fileSize: "52341", url: "https://storage.example/r.jsonl" })
          : { bulkOperation: null },
    });

    expect(await getBulkOperation(client, OP_ID)).toMatchObject({ objectCount: 1200, rootObjectCount: 400, fileSize: 52341 });
    expect(await getBulkOperation(client, "gid://shopify/BulkOperation/1")).toBeNull();
  });
});

describe("waitForBulkOperation", () => {
  it("polls until COMPLETED and reports progress", async () => {
    const statuses = ["CREATED", "RUNNING", "RUNNING", "COMPLETED"];
    const { client } = fakeAdmin({
      BulkOperationStatus: () => {
        const status = statuses.shift()!;
        return snapshot(status, status === "COMPLETED" ? { url: "https://storage.example/r.jsonl", objectCount: "3" } : {});
      },
    });
    const sleeps: number[] = [];
    const seen: string[] = [];

    const done = await waitForBulkOperation(client, OP_ID, {
      pollIntervalMs: 1000,
      sleep: async (ms) => void sleeps.push(ms),
      onPoll: (op) => seen.push(op.status),
    });

    expect(done).toMatchObject({ status: "COMPLETED", url: "https://storage.example/r.jsonl", objectCount: 3 });
    expect(seen).toEqual(["CREATED", "RUNNING", "RUNNING", "COMPLETED"]);
    expect(sleeps).toEqual([1000, 1000, 1000]);
  });

  it.each(["FAILED", "CANCELED", "EXPIRED"])("throws BulkOperationFailedError on %s", async (status) => {
    const { client } = fakeAdmin({
      BulkOperationStatus: () => snapshot(status, status === "FAILED" ? { errorCode: "TIMEOUT", partialDataUrl: "https://x/p.jsonl" } : {}),
    });

    const error = await waitForBulkOperation(client, OP_ID, { sleep: async () => {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BulkOperationFailedError);
    expect((error as BulkOperationFailedError).operation.status).toBe(status);
    if (status === "FAILED") expect((error as Error).message).toBe(`Bulk operation ${OP_ID} ended FAILED (TIMEOUT); partial data is available at partialDataUrl`);
  });

  it("times out on its own clock", async () => {
    const { client } = fakeAdmin({ BulkOperationStatus: () => snapshot("RUNNING") });
    let clock = 0;

    const error = await waitForBulkOperation(client, OP_ID, {
      pollIntervalMs: 1000,
      timeoutMs: 3500,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BulkOperationTimeoutError);
    expect(clock).toBe(3000);
  });

  it("stops when aborted", async () => {
    const { client } = fakeAdmin({ BulkOperationStatus: () => snapshot("RUNNING") });
    const controller = new AbortController();

    const waiting = waitForBulkOperation(client, OP_ID, { pollIntervalMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("sync stopped")), 10);

    await expect(waiting).rejects.toThrow("sync stopped");
  });
});

describe("cancelBulkOperation", () => {
  it("cancels and surfaces userErrors", async () => {
    const answers = [
      { bulkOperationCancel: { bulkOperation: { id: OP_ID, status: "CANCELING" }, userErrors: [] } },
      { bulkOperationCancel: { bulkOperation: null, userErrors: [{ field: ["id"], message: "already completed" }] } },
    ];
    const { client } = fakeAdmin({ BulkOperationCancel: () => answers.shift() });

    expect(await cancelBulkOperation(client, OP_ID)).toEqual({ id: OP_ID, status: "CANCELING" });
    await expect(cancelBulkOperation(client, OP_ID)).rejects.toThrow("bulkOperationCancel was rejected: id: already completed");
  });
});
