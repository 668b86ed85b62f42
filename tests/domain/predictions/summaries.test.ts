import { describe, expect, it } from "vitest";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { summarise } from "~/domain/predictions/summaries";

const day = (d: number, hour = 12) => Date.UTC(2024, 0, 1) + d * DAY_MS + hour * 3600_000;
const history = (customerId: string, orders: Array<[number, number]>): PurchaseHistory => ({
  customerId,
  createdAt: day(-10),
  orders: orders.map(([at, valueMinor]) => ({ at, valueMinor })),
});

describe("summarise", () => {
  const asOf = day(100, 0);

  it("counts purchase days, sums same-day orders, measures from the first purchase", () => {
    const [s] = summarise(
      [history("c1", [[day(10, 9), 1000], [day(10, 18), 500], [day(20), 2000], [day(40), 4000]])],
      asOf,
      "days",
    );
    expect(s).toEqual({
      customerId: "c1",
      x: 2,
      tx: 30,
      T: 90,
      meanRepeatValueMinor: 3000,
      meanOrderValueMinor: 2500, // (1500 + 2000 + 4000) / 3 purchase days
      firstPurchaseAt: day(10, 0),
      lastPurchaseAt: day(40, 0),
    });
  });

  it("converts to weeks, ignores orders after asOf and customers with no orders", () => {
    const out = summarise(
      [history("c1", [[day(2), 100], [day(9), 100], [day(150), 100]]), history("none", []), history("later", [[day(200), 1]])],
      asOf,
      "weeks",
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ x: 1, tx: 1, T: 98 / 7, meanRepeatValueMinor: 100 });
  });

  it("gives x = 0, tx = 0, null repeat value for one-day buyers, and accepts unsorted orders", () => {
    const [one] = summarise([history("one", [[day(5, 20), 700], [day(5, 1), 300]])], asOf, "days");
    expect(one).toMatchObject({ x: 0, tx: 0, T: 95, meanRepeatValueMinor: null, meanOrderValueMinor: 1000 });
    const [unsorted] = summarise([history("u", [[day(30), 1], [day(10), 1]])], asOf, "days");
    expect(unsorted).toMatchObject({ x: 1, tx: 20, T: 90 });
  });

  it("refuses non-finite input", () => {
    expect(() => summarise([], NaN, "days")).toThrow(RangeError);
    expect(() => summarise([history("bad", [[NaN, 1]])], asOf, "days")).toThrow(RangeError);
  });
});
