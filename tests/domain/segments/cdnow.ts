/**
 * Test helper: the CDNOW master file as PurchaseHistory, one order per
 * customer and purchase day (the file has several rows for some customer-days;
 * they are summed). Dollars become cents exactly (parsed as text, not floats).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { PurchaseHistory } from "~/domain/customers/purchase-history";

/** Resolved from the repo root, as ../shared/datasets/cdnow/CDNOW_master.txt. */
export const CDNOW_PATH = resolve(__dirname, "../../..", "../shared/datasets/cdnow/CDNOW_master.txt");

export function cdnowAvailable(): boolean {
  return existsSync(CDNOW_PATH);
}

export function parseDollarsToCents(text: string): number {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new Error(`not a dollar amount: ${text}`);
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

export function yyyymmddToMs(text: string): number {
  return Date.UTC(Number(text.slice(0, 4)), Number(text.slice(4, 6)) - 1, Number(text.slice(6, 8)));
}

export function loadCdnow(path = CDNOW_PATH): PurchaseHistory[] {
  const lines = readFileSync(path, "utf8").split("\r\n");
  const byCustomer = new Map<string, Map<number, number>>();
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length < 4) continue;
    const [id, date, , dollars] = cols;
    const at = yyyymmddToMs(date);
    let days = byCustomer.get(id);
    if (!days) byCustomer.set(id, (days = new Map()));
    days.set(at, (days.get(at) ?? 0) + parseDollarsToCents(dollars));
  }
  const histories: PurchaseHistory[] = [];
  for (const [customerId, days] of byCustomer) {
    const orders = [...days].sort((a, b) => a[0] - b[0]).map(([at, valueMinor]) => ({ at, valueMinor }));
    histories.push({ customerId, createdAt: orders[0].at, orders });
  }
  return histories;
}
