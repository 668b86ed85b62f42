/**
 * A DiscountCodeIssuer for tests: keeps codes in memory, looks a code up
 * before creating it (as the real adapter does), and fails on demand.
 */
import { PermanentIssueError, type DiscountCodeIssuer, type DiscountCodeSpec } from "~/services/rewards.server";

export class FakeIssuer implements DiscountCodeIssuer {
  readonly codes = new Map<string, DiscountCodeSpec & { discountGid: string }>();
  calls = 0;
  /** What the next calls do: "ok", "permanent" (userErrors) or "transient" (network). */
  mode: "ok" | "permanent" | "transient" = "ok";

  async ensureCode(_shopDomain: string, spec: DiscountCodeSpec) {
    this.calls++;
    await new Promise((r) => setTimeout(r, 1));
    const existing = this.codes.get(spec.code);
    if (existing) return { discountGid: existing.discountGid, code: spec.code, created: false };
    if (this.mode === "permanent") throw new PermanentIssueError("Code must be unique");
    if (this.mode === "transient") throw new Error("socket hang up");
    const discountGid = `gid://shopify/DiscountCodeNode/${this.codes.size + 1}`;
    this.codes.set(spec.code, { ...spec, discountGid });
    return { discountGid, code: spec.code, created: true };
  }
}
