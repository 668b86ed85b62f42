/**
 * Customer metafields and tags through real Admin GraphQL requests to a
 * started dev store: what the insight write-back relies on (set, delete when a
 * value became null, tags added and removed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid } from "../../dev-store/model";
import type { StoreEvent } from "../../dev-store/store";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";

let dev: TestDevStore;

async function gql(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${dev.server.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": dev.accessToken },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  expect(body.errors).toBeUndefined();
  return body.data;
}

const SET = `mutation Set($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { key namespace value } userErrors { field message code } } }`;
const DELETE = `mutation Del($m: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $m) { deletedMetafields { ownerId namespace key } userErrors { field message } }
}`;
const READ = `query Read($id: ID!) { customer(id: $id) { tags metafields(first: 20, namespace: "$app") { nodes { key value } } } }`;

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 7, orders: 120, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
});

afterAll(async () => {
  await dev?.close();
});

describe("metafieldsDelete", () => {
  it("GIVEN two app metafields WHEN one is deleted THEN only it is gone, a customers/update is emitted, and an absent one answers null", async () => {
    const customerGid = gid("Customer", dev.store.customers()[3].id);
    const set = await gql(SET, {
      m: [
        { ownerId: customerGid, namespace: "$app", key: "churn_risk", type: "number_decimal", value: "0.42" },
        { ownerId: customerGid, namespace: "$app", key: "layer", type: "single_line_text_field", value: "champions" },
      ],
    });
    expect(set.metafieldsSet.userErrors).toEqual([]);

    const events: StoreEvent[] = [];
    const off = dev.store.on((e) => events.push(e));
    const deleted = await gql(DELETE, {
      m: [
        { ownerId: customerGid, namespace: "$app", key: "churn_risk" },
        { ownerId: customerGid, namespace: "$app", key: "never_set" },
      ],
    });
    off();
    expect(deleted.metafieldsDelete).toEqual({
      deletedMetafields: [{ ownerId: customerGid, namespace: "$app", key: "churn_risk" }, null],
      userErrors: [],
    });
    expect(events.map((e) => [e.topic, e.subjectGid])).toEqual([["customers/update", customerGid]]);

    const read = await gql(READ, { id: customerGid });
    expect(read.customer.metafields.nodes).toEqual([{ key: "layer", value: "champions" }]);

    // Deleting again changes nothing: safe to resend after an ambiguous failure.
    const again = await gql(DELETE, { m: [{ ownerId: customerGid, namespace: "$app", key: "churn_risk" }] });
    expect(again.metafieldsDelete).toEqual({ deletedMetafields: [null], userErrors: [] });
  });

  it("answers null for an owner that does not exist, and a userError for an id that is not a GID or an empty list", async () => {
    const missing = await gql(DELETE, { m: [{ ownerId: gid("Customer", "1"), namespace: "$app", key: "layer" }] });
    expect(missing.metafieldsDelete).toEqual({ deletedMetafields: [null], userErrors: [] });

    const bad = await gql(DELETE, { m: [{ ownerId: "not-a-gid", namespace: "$app", key: "layer" }] });
    expect(bad.metafieldsDelete.deletedMetafields).toBeNull();
    expect(bad.metafieldsDelete.userErrors).toEqual([{ field: ["metafields", "0", "ownerId"], message: "Invalid id" }]);

    const empty = await gql(DELETE, { m: [] });
    expect(empty.metafieldsDelete.userErrors).toEqual([
      { field: ["metafields"], message: "At least one metafield identifier must be specified." },
    ]);
  });

  it("deleting facts.birth_date clears the birthday", async () => {
    const customer = dev.store.customers().find((c) => c.birthday)!;
    const customerGid = gid("Customer", customer.id);
    const deleted = await gql(DELETE, { m: [{ ownerId: customerGid, namespace: "facts", key: "birth_date" }] });
    expect(deleted.metafieldsDelete.deletedMetafields).toEqual([{ ownerId: customerGid, namespace: "facts", key: "birth_date" }]);
    expect(dev.store.customer(customer.id)!.birthday).toBeNull();
  });
});

describe("tagsAdd and tagsRemove", () => {
  it("add and remove tags (case-insensitive), next to metafield writes", async () => {
    const customerGid = gid("Customer", dev.store.customers()[4].id);
    const added = await gql(
      `mutation Add($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }`,
      { id: customerGid, tags: ["evergreen-layer-champions", "evergreen-vip"] },
    );
    expect(added.tagsAdd).toEqual({ node: { id: customerGid }, userErrors: [] });
    const removed = await gql(
      `mutation Remove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }`,
      { id: customerGid, tags: ["EVERGREEN-VIP"] },
    );
    expect(removed.tagsRemove.userErrors).toEqual([]);
    const read = await gql(READ, { id: customerGid });
    expect(read.customer.tags).toContain("evergreen-layer-champions");
    expect(read.customer.tags).not.toContain("evergreen-vip");

    const unknown = await gql(
      `mutation Add($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { node { id } userErrors { field message } } }`,
      { id: gid("Customer", "1") },
    );
    expect(unknown.tagsAdd).toEqual({ node: null, userErrors: [{ field: ["id"], message: "Invalid id" }] });
  });
});
