/** Loads the CDNOW sample as PurchaseHistory[] (test support, not a test). */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PurchaseHistory } from "../../../app/domain/customers/purchase-history";

/** The repo sits in /work/main; the shared data sets beside it in /work/shared. */
export const CDNOW_SAMPLE_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../..",
  "../shared/datasets/cdnow/CDNOW_sample.txt",
);

/** End of the 39-week calibration period used in the literature. */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30);

/** Histories keyed by sample id, values in cents; null when the file is absent. */
export function loadCdnowSample(file = CDNOW_SAMPLE_PATH): PurchaseHistory[] | null {
  if (!fs.existsSync(file)) return null;
  const byCustomer = new Map<string, PurchaseHistory>();
  for (const line of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const [, sampleId, date, , dollars] = cols;
    const at = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
    let h = byCustomer.get(sampleId);
    if (!h) {
      h = { customerId: sampleId, createdAt: at, orders: [] };
      byCustomer.set(sampleId, h);
    }
    h.orders.push({ at, valueMinor: Math.round(Number(dollars) * 100) });
  }
  return Array.from(byCustomer.values());
}
