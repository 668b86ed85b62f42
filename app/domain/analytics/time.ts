/**
 * Calendar months for cohorts. A month is an integer index
 * (`year * 12 + monthZeroBased`) so month arithmetic is subtraction; it is
 * shown to people as "YYYY-MM". Months are taken in the shop's fixed UTC offset
 * (minutes east of UTC, e.g. -300 for UTC-5); DST is not modelled, so an order
 * within an hour of midnight on a DST boundary may land in the neighbouring month.
 */
import { DAY_MS } from "../customers/purchase-history";

const MINUTE_MS = 60_000;

/** A calendar month as `year * 12 + (month - 1)`. */
export type MonthIndex = number;

/**
 * The calendar month an instant falls in, in a fixed UTC offset.
 * Integer arithmetic only (no Date allocation): it runs once per order.
 * Civil-from-days: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
 * @param atMs epoch milliseconds
 * @param utcOffsetMinutes minutes east of UTC (default 0 = UTC)
 */
export function monthIndexOf(atMs: number, utcOffsetMinutes = 0): MonthIndex {
  const z = Math.floor((atMs + utcOffsetMinutes * MINUTE_MS) / DAY_MS) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9; // 1..12
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + (month - 1);
}

/** The first instant (epoch ms) of a month in the given UTC offset. */
export function monthStartAt(month: MonthIndex, utcOffsetMinutes = 0): number {
  const year = Math.floor(month / 12);
  return Date.UTC(year, month - year * 12, 1) - utcOffsetMinutes * MINUTE_MS;
}

/** "YYYY-MM" for a month index. */
export function formatMonth(month: MonthIndex): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, "0")}-${String(month - year * 12 + 1).padStart(2, "0")}`;
}

/**
 * Parses "YYYY-MM" into a month index.
 * @throws RangeError on anything else
 */
export function parseMonth(text: string): MonthIndex {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  const monthNumber = match ? Number(match[2]) : 0;
  if (!match || monthNumber < 1 || monthNumber > 12) throw new RangeError(`Not a YYYY-MM month: ${JSON.stringify(text)}`);
  return Number(match[1]) * 12 + monthNumber - 1;
}
