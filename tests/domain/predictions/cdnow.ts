/** Loads the CDNOW sample as PurchaseHistory[] (test support, not a test). */
import type { PurchaseHistory } from "~/domain/customers/purchase-history";
import { cdnowFile, cdnowHistories } from "../../helpers/cdnow";

export const CDNOW_SAMPLE_PATH = cdnowFile("CDNOW_sample.txt");

/** End of the 39-week calibration period used in the literature. */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30);

/** Histories in cents, one order per row (summaries count purchase days); null when the file is absent. */
export function loadCdnowSample(file = CDNOW_SAMPLE_PATH): PurchaseHistory[] | null {
  return cdnowHistories("CDNOW_sample.txt", { sameDay: "keep" }, file);
}
