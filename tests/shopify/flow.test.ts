/**
 * fireFlowTrigger against a started dev store, through the real Admin client:
 * an accepted trigger reaches the store, Flow's refusals are typed errors, an
 * oversized payload is never sent, and throttling is waited out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { AdminClient } from "~/shopify/admin-client.server";
import {
  fireFlowTrigger,
  FLOW_TRIGGER_PAYLOAD_MAX_BYTES,
  FlowTriggerPayloadTooLargeError,
  FlowTriggerRejectedError,
} from "~/shopify/flow.server";

/** The six triggers the product plans (their extensions come with the features). */
const HANDLES = [
  "evergreen-replenishment-due",
  "evergreen-layer-changed",
  "evergreen-tier-changed",
  "evergreen-points-expiring",
  "evergreen-churn-risk-rose",
  "evergreen-campaign-step-due",
];

let dev: TestDevStore;

function client(store: TestDevStore = dev) {
  return new AdminClient({ shop: new URL(store.server.url).host, protocol: "http", accessToken: store.accessToken });
}

beforeAll(async () => {
  dev = await startTestDevStore({
    seed: 41, orders: 60, flowTriggerHandles: HANDLES,
    bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] },
  });
});

afterAll(async () => {
  await dev?.close();
});

describe("fireFlowTrigger", () => {
  it("fires each planned trigger; the store records handle and payload", async () => {
    const admin = client();
    const customerId = Number(dev.store.customers()[0].id);
    for (const handle of HANDLES) await fireFlowTrigger(admin, handle, { customer_id: customerId, reason: handle });
    expect(dev.store.flowTriggers().map((r) => [r.handle, r.payload])).toEqual(
      HANDLES.map((handle) => [handle, { customer_id: customerId, reason: handle }]),
    );
  });

  it("an unknown handle is a FlowTriggerRejectedError carrying Flow's message", async () => {
    const error = await fireFlowTrigger(client(), "evergreen-not-deployed", { customer_id: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(FlowTriggerRejectedError);
    expect(error.handle).toBe("evergreen-not-deployed");
    expect(error.userErrors).toEqual([{ field: ["body"], message: "Errors validating schema:\n  Invalid handle 'evergreen-not-deployed'.\n" }]);
  });

  it("an oversized payload is refused before sending; a malformed handle too", async () => {
    const admin = client();
    const payload = { note: "x".repeat(FLOW_TRIGGER_PAYLOAD_MAX_BYTES) };
    await expect(fireFlowTrigger(admin, "evergreen-tier-changed", payload)).rejects.toBeInstanceOf(FlowTriggerPayloadTooLargeError);
    await expect(fireFlowTrigger(admin, "Evergreen tier changed", {})).rejects.toThrow(RangeError);
    await expect(fireFlowTrigger(admin, "x".repeat(31), {})).rejects.toThrow(RangeError);
    expect(admin.counters.requests).toBe(0);
  });

  it("survives throttling", async () => {
    const slow = await startTestDevStore({
      seed: 42, orders: 60, flowTriggerHandles: HANDLES,
      bucket: { max: 40, restoreRate: 20 }, webhooks: { subscriptions: [] },
    });
    try {
      const admin = client(slow);
      const bucket = slow.server.bucket(slow.shop);
      while (bucket.take(1));
      await fireFlowTrigger(admin, "evergreen-points-expiring", { customer_id: 1, points: 250 });
      expect(admin.counters.throttledRetries).toBeGreaterThan(0);
      expect(slow.store.flowTriggers()).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
