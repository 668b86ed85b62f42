/**
 * One notion of a currency's minor unit: the admin's money formatting and
 * form parsing (`currencyDigits`) use the money module's ISO 4217 exponent,
 * the one amounts are stored in. Intl's display digits differ for some
 * currencies (HUF, IDR, COP show no decimals but are kept in hundredths), so
 * dividing by them showed such amounts a hundred times too large.
 */
import { describe, expect, it } from "vitest";
import { currencyExponent, toMinorUnits } from "~/domain/sync/money";
import { currencyDigits, formatter } from "~/i18n";

describe("currency minor units in the admin", () => {
  it.each(["USD", "EUR", "JPY", "KWD", "HUF", "IDR", "COP", "CLP"])("%s: currencyDigits is the stored exponent", (code) => {
    expect(currencyDigits(code)).toBe(currencyExponent(code));
  });

  it("shows a stored HUF amount at its value (1 500 Ft, not 150 000 Ft)", () => {
    const minor = Number(toMinorUnits("1500.00", "HUF"));
    expect(minor).toBe(150_000);
    expect(formatter("en").money(minor, "HUF")).toBe(new Intl.NumberFormat("en", { style: "currency", currency: "HUF" }).format(1500));
    expect(formatter("en").money(1999, "USD")).toBe("$19.99");
    expect(formatter("en").money(1999, "JPY")).toBe("¥1,999");
  });
});
