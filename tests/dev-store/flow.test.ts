/**
 * flowTriggerReceive in the dev store, through real Admin GraphQL requests:
 * accepted triggers are recorded, and Shopify's refusals (unknown handle,
 * payload over 50,000 bytes) come back in the words Shopify uses.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFlowTriggerHandles } from "../../dev-store/app-extensions";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";

let dev: TestDevStore;
const HANDLES = ["evergreen-tier-changed", "evergreen-layer-changed"];

async function gql(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${dev.server.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": dev.accessToken },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

const FIRE = `mutation Fire($handle: String!, $payload: JSON!) {
  flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
}`;

beforeAll(async () => {
  dev = await startTestDevStore({
    seed: 5, orders: 60, flowTriggerHandles: HANDLES,
    bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] },
  });
});

afterAll(async () => {
  await dev?.close();
});

describe("flowTriggerReceive", () => {
  it("GIVEN a handle of the app's trigger extensions WHEN fired THEN it is accepted and recorded with its payload", async () => {
    const payload = { customer_id: 6881642037352, tier: "gold", previous_tier: "silver" };
    const body = await gql(FIRE, { handle: "evergreen-tier-changed", payload });
    expect(body.errors).toBeUndefined();
    expect(body.data.flowTriggerReceive).toEqual({ userErrors: [] });
    expect(dev.store.flowTriggers("evergreen-tier-changed")).toEqual([
      { handle: "evergreen-tier-changed", payload, receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    ]);
    expect(dev.store.flowTriggers("evergreen-layer-changed")).toEqual([]);
  });

  it("refuses an unknown handle as Shopify does, and records nothing", async () => {
    const before = dev.store.flowTriggers().length;
    const body = await gql(FIRE, { handle: "missing-flow-trigger-handle", payload: { a: 1 } });
    expect(body.data.flowTriggerReceive.userErrors).toEqual([
      { field: ["body"], message: "Errors validating schema:\n  Invalid handle 'missing-flow-trigger-handle'.\n" },
    ]);
    expect(dev.store.flowTriggers()).toHaveLength(before);
  });

  it("accepts a payload of 50,000 bytes and refuses one byte more", async () => {
    // {"note":"x…x"} is 11 bytes of JSON around the string.
    const exactly = { note: "x".repeat(50_000 - 11) };
    expect(Buffer.byteLength(JSON.stringify(exactly))).toBe(50_000);
    expect((await gql(FIRE, { handle: "evergreen-layer-changed", payload: exactly })).data.flowTriggerReceive.userErrors).toEqual([]);

    const over = { note: "x".repeat(50_000 - 10) };
    const body = await gql(FIRE, { handle: "evergreen-layer-changed", payload: over });
    expect(body.data.flowTriggerReceive.userErrors).toEqual([
      { field: ["body"], message: "Errors validating schema:\n  Properties size exceeds the limit of 50000 bytes.\n" },
    ]);
    expect(dev.store.flowTriggers("evergreen-layer-changed")).toHaveLength(1);
  });

  it("lists every problem in one message, and refuses the deprecated body argument loudly", async () => {
    const body = await gql(FIRE, { handle: "nope", payload: { note: "x".repeat(50_001) } });
    expect(body.data.flowTriggerReceive.userErrors[0].message).toBe(
      "Errors validating schema:\n  Invalid handle 'nope'.\n  Properties size exceeds the limit of 50000 bytes.\n",
    );
    const legacy = await gql(`mutation { flowTriggerReceive(body: "{}") { userErrors { message } } }`);
    expect(legacy.errors?.[0].extensions.code).toBe("NOT_IMPLEMENTED");
  });
});

describe("the demo endpoint /_dev/flow-triggers", () => {
  it("lists the triggers received, filtered by handle", async () => {
    const response = await fetch(`${dev.server.url}/_dev/flow-triggers?handle=evergreen-tier-changed`);
    const body = (await response.json()) as { flowTriggers: { handle: string; payload: unknown }[] };
    expect(body.flowTriggers.map((r) => r.handle)).toEqual(["evergreen-tier-changed"]);
    expect(body.flowTriggers[0].payload).toMatchObject({ tier: "gold" });
  });
});

describe("the app's trigger handles", () => {
  it("are read from the flow_trigger extensions' shopify.extension.toml", () => {
    const dir = mkdtempSync(join(tmpdir(), "evergreen-extensions-"));
    try {
      mkdirSync(join(dir, "tier-changed"));
      writeFileSync(
        join(dir, "tier-changed", "shopify.extension.toml"),
        `[[extensions]]\nname = "Tier changed"\ntype = "flow_trigger"\nhandle = "evergreen-tier-changed"\n\n[settings]\n\n[[settings.fields]]\ntype = "customer_reference"\n`,
      );
      mkdirSync(join(dir, "storefront"));
      writeFileSync(join(dir, "storefront", "shopify.extension.toml"), `[[extensions]]\ntype = "theme"\nhandle = "storefront"\n`);
      mkdirSync(join(dir, "empty"));
      expect(readFlowTriggerHandles(dir)).toEqual(["evergreen-tier-changed"]);
      expect(readFlowTriggerHandles(join(dir, "missing"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
