import { describe, expect, it } from "vitest";
import { gid, parseGid } from "../dev-store/model";

describe("GIDs", () => {
  it("round-trips a Shopify GID", () => {
    expect(parseGid(gid("Order", "42"))).toEqual({ type: "Order", id: "42" });
    expect(parseGid("42")).toBeNull();
  });
});
