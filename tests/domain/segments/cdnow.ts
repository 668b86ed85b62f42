/** Test helper: the CDNOW master file, one order per customer and purchase day (rows of a day summed). */
import { existsSync } from "node:fs";
import type { PurchaseHistory } from "~/domain/customers/purchase-history";
import { cdnowFile, cdnowHistories } from "../../helpers/cdnow";

export const CDNOW_PATH = cdnowFile("CDNOW_master.txt");

export function cdnowAvailable(): boolean {
  return existsSync(CDNOW_PATH);
}

export function loadCdnow(path = CDNOW_PATH): PurchaseHistory[] {
  const histories = cdnowHistories("CDNOW_master.txt", { sameDay: "sum" }, path);
  if (!histories) throw new Error(`CDNOW data not found at ${path}`);
  return histories;
}
