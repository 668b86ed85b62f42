import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyExponent, formatMinorUnits, InvalidAmountError, toMinorUnits } from "~/domain/sync/money";

describe("toMinorUnits", () => {
  it.each([
    ["19.99", "USD", 1999n],
    ["0.10", "EUR", 10n],
    ["0.1", "EUR", 10n],
    ["5", "USD", 500n],
    ["-5.25", "USD", -525n],
    ["2000", "JPY", 2000n],
    ["2000.0", "JPY", 2000n],
    ["1.234", "KWD", 1234n],
    ["12.300", "USD", 1230n],
    ["90071992547409.93", "USD", 9007199254740993n],
    [12.5, "USD", 1250n],
  ])("%s %s -> %s", (amount, currency, expected) => {
    expect(toMinorUnits(amount, currency)).toBe(expected);
  });

  it.each([["1.999", "USD"], ["10.5", "JPY"], ["abc", "USD"], ["", "USD"], ["1e3", "USD"], ["1,00", "EUR"]])(
    "refuses %s %s instead of rounding",
    (amount, currency) => {
      expect(() => toMinorUnits(amount, currency)).toThrow(InvalidAmountError);
    },
  );

  it("round-trips every amount through its decimal string", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom("USD", "JPY", "KWD", "EUR"), (minor, currency) => {
        expect(toMinorUnits(formatMinorUnits(minor, currency), currency)).toBe(minor);
      }),
    );
  });

  it("adds exactly where floats do not", () => {
    expect(toMinorUnits("0.1", "USD") + toMinorUnits("0.2", "USD")).toBe(toMinorUnits("0.3", "USD"));
  });

  it("knows zero- and three-decimal currencies", () => {
    expect([currencyExponent("jpy"), currencyExponent("USD"), currencyExponent("BHD")]).toEqual([0, 2, 3]);
  });
});
