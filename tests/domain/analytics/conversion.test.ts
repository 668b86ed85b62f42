import { describe, expect, it } from "vitest";
import { conversionWithin } from "~/domain/analytics";
import { at, customer } from "./helpers";

describe("conversionWithin (holdout measurement)", () => {
  const histories = [
    customer("a", ["2025-03-01", 1000], ["2025-03-05", 2500], ["2025-03-08", 500]),
    customer("b", ["2025-03-15", 4000]), // exactly at the window end: outside
    customer("c", ["2025-02-28T23:59", 9000]), // a minute before the start: outside
    customer("d", ["2025-03-01", 700]), // exactly at the start: inside, but d is not in the group
  ];

  it("share and count of the group ordering in [from, from + days), revenue per group member", () => {
    const result = conversionWithin(histories, ["a", "b", "c", "ghost", "a"], at("2025-03-01"), 14);
    // Group {a, b, c, ghost} = 4. Converted: a (3 orders, 4000). ghost has no history: a non-converter.
    expect(result).toEqual({
      customers: 4,
      converted: 1,
      conversionRate: 0.25,
      revenueMinor: 4000,
      revenuePerCustomerMinor: 1000,
      unknownCustomers: 1,
    });
  });

  it("an empty group has no rate", () => {
    expect(conversionWithin(histories, [], at("2025-03-01"), 14).conversionRate).toBeNull();
    expect(() => conversionWithin(histories, ["a"], at("2025-03-01"), 0)).toThrow(RangeError);
  });
});
