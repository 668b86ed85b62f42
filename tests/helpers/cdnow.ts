/**
 * The CDNOW files (../shared/datasets/cdnow, beside the repository) as
 * PurchaseHistory, parsed by the dev store's own parser. Test support.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { cdnowPath, parseCdnow } from "../../dev-store/datasets/cdnow";
import type { PurchaseHistory } from "~/domain/customers/purchase-history";

const ROOT = path.resolve(__dirname, "../..");

export type CdnowFile = "CDNOW_master.txt" | "CDNOW_sample.txt";

export const cdnowFile = (file: CdnowFile) => cdnowPath(file, ROOT);

/**
 * One history per customer, values in cents, times at UTC midnight; null when
 * the file is absent. `sameDay: "sum"` merges a customer's rows of one day
 * into one order (the literature counts purchase days); "keep" keeps each row.
 */
export function cdnowHistories(file: CdnowFile, options: { sameDay: "sum" | "keep" }, filePath = cdnowFile(file)): PurchaseHistory[] | null {
  if (!existsSync(filePath)) return null;
  const byCustomer = new Map<string, PurchaseHistory>();
  for (const p of parseCdnow(readFileSync(filePath, "utf8"), file)) {
    const at = Date.parse(`${p.date}T00:00:00Z`);
    let history = byCustomer.get(p.customerId);
    if (!history) byCustomer.set(p.customerId, (history = { customerId: p.customerId, createdAt: at, orders: [] }));
    const last = history.orders[history.orders.length - 1];
    if (options.sameDay === "sum" && last?.at === at) last.valueMinor += p.cents;
    else history.orders.push({ at, valueMinor: p.cents });
  }
  for (const history of byCustomer.values()) history.orders.sort((a, b) => a.at - b.at);
  return [...byCustomer.values()];
}
