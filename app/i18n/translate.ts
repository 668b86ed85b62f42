/**
 * Translation and number/date formatting for the admin, per locale. Pure: no
 * React, usable in loaders and resource routes (CSV headers) as well as in components.
 */
import { DEFAULT_LAYER_NAMES_ZH, en, zhCN, type MessageKey, type Messages } from "./messages";
import type { AppLocale } from "./locale";
import { currencyExponent } from "~/domain/sync/money";

const CATALOGUES: Record<AppLocale, Messages> = { en, "zh-CN": zhCN };

export type Vars = Record<string, string | number>;

/** The message for `key` in `locale` with `{name}` placeholders filled; unknown placeholders stay as written. */
export function translate(locale: AppLocale, key: MessageKey, vars?: Vars): string {
  const template = CATALOGUES[locale][key] ?? en[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/**
 * Digits after the decimal point of a currency (JPY 0, USD 2): minor units ↔ what a merchant types.
 * The money module's ISO 4217 exponent, the one amounts are stored in (Intl's display digits differ:
 * HUF, IDR, COP and others show 0 decimals but are stored in hundredths).
 */
export { currencyExponent as currencyDigits } from "~/domain/sync/money";

export interface Formatter {
  locale: AppLocale;
  t: (key: MessageKey, vars?: Vars) => string;
  number: (n: number) => string;
  /** A share in [0, 1] as a percentage, one decimal. Null gives "—". */
  percent: (share: number | null | undefined) => string;
  /** Minor units of `currencyCode` as money. */
  money: (minor: number | null | undefined, currencyCode: string) => string;
  date: (iso: string | Date | null | undefined) => string;
  dateTime: (iso: string | Date | null | undefined) => string;
  /** A layer's display name: the default layers are translated unless the merchant renamed them. */
  layerName: (id: string, storedName: string) => string;
}

/**
 * A formatter for one locale. Dates are formatted in UTC so the server render
 * and the browser's hydration agree (a mismatch would re-render the page).
 */
export function formatter(locale: AppLocale): Formatter {
  const numberFormat = new Intl.NumberFormat(locale);
  const percentFormat = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const dateFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short",
  });
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const none = translate(locale, "common.none");
  return {
    locale,
    t: (key, vars) => translate(locale, key, vars),
    number: (n) => numberFormat.format(n),
    percent: (share) => (share === null || share === undefined || Number.isNaN(share) ? none : percentFormat.format(share)),
    money: (minor, currencyCode) => {
      if (minor === null || minor === undefined) return none;
      let f = moneyFormats.get(currencyCode);
      if (!f) {
        f = new Intl.NumberFormat(locale, { style: "currency", currency: currencyCode });
        moneyFormats.set(currencyCode, f);
      }
      // Stored minor units follow ISO 4217 (the money module); Intl only decides how many decimals to show.
      return f.format(minor / 10 ** currencyExponent(currencyCode));
    },
    date: (iso) => (iso ? dateFormat.format(new Date(iso)) : none),
    dateTime: (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : none),
    layerName: (id, storedName) => {
      const known = DEFAULT_LAYER_NAMES_ZH[id];
      if (locale === "zh-CN" && known && known.en === storedName) return known.zh;
      return storedName;
    },
  };
}
