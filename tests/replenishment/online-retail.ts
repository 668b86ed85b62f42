/**
 * The UCI Online Retail data (../shared/datasets/online-retail, beside the
 * repository) as replenishment input: one ProductPurchase per invoice line of
 * a known customer. Test support.
 *
 * - The two files overlap for 2010-12-01..12-09: the 2009-2010 file is used
 *   before 2010-12-01, the 2010-2011 file from then on.
 * - Left out: cancellations (invoice "C…"), adjustments ("A…"), guest lines
 *   (no customer id), non-positive quantities, and non-product stock codes
 *   (POST, M, DOT, BANK CHARGES, gift vouchers…): products are five digits
 *   plus optional letters.
 * - A stock code's five digits are the product, the letters the variant
 *   (85123A and 85123B are colours of one holder), so variant-level learning
 *   is exercised on real data.
 * - Invoice times are UK local time read as UTC (an hour off in summer, which
 *   no day-level interval notices).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openParquet, type ParquetValue } from "./parquet";
import type { ProductPurchase } from "~/domain/replenishment";

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/datasets/online-retail");
export const ONLINE_RETAIL_FILES = {
  older: path.join(DIR, "online_retail_II_2009_2010.parquet"),
  newer: path.join(DIR, "online_retail_2010_2011.parquet"),
};
const SPLIT = Date.UTC(2010, 11, 1);
const PRODUCT_CODE = /^(\d{5})([A-Za-z]*)$/;

export function onlineRetailAvailable(): boolean {
  return existsSync(ONLINE_RETAIL_FILES.older) && existsSync(ONLINE_RETAIL_FILES.newer);
}

function toMs(value: ParquetValue): number {
  if (typeof value === "bigint") return Number(value / 1000n); // TIMESTAMP(MICROS)
  if (typeof value === "string") return Date.parse(value.replace(" ", "T") + "Z");
  throw new Error(`online retail: unreadable date ${String(value)}`);
}

function read(file: string, keep: (at: number) => boolean): ProductPurchase[] {
  const parquet = openParquet(file);
  const names = parquet.columns.map((c) => c.name);
  const pick = (...candidates: string[]) => candidates.find((c) => names.includes(c)) as string;
  const [invoiceCol, codeCol, qtyCol, dateCol, customerCol] = [
    pick("Invoice", "InvoiceNo"),
    pick("StockCode"),
    pick("Quantity"),
    pick("InvoiceDate"),
    pick("Customer ID", "CustomerID"),
  ];
  const cols = parquet.read([invoiceCol, codeCol, qtyCol, dateCol, customerCol]);
  const out: ProductPurchase[] = [];
  for (let i = 0; i < parquet.rows; i++) {
    const invoice = String(cols[invoiceCol][i]);
    const customer = cols[customerCol][i];
    const quantity = Number(cols[qtyCol][i]);
    const code = PRODUCT_CODE.exec(String(cols[codeCol][i]).trim());
    if (customer === null || !code || quantity <= 0 || /^[CA]/i.test(invoice)) continue;
    const at = toMs(cols[dateCol][i]);
    if (!keep(at)) continue;
    const customerId = String(Math.round(Number(customer)));
    out.push({
      customerGid: `gid://uci/Customer/${customerId}`,
      productGid: `gid://uci/Product/${code[1]}`,
      variantGid: `gid://uci/ProductVariant/${code[1]}${code[2].toUpperCase()}`,
      at,
      quantity,
    });
  }
  return out;
}

/** Every product purchase line of both files (about 780k), or null when the files are absent. */
export function onlineRetailPurchases(): ProductPurchase[] | null {
  if (!onlineRetailAvailable()) return null;
  return [...read(ONLINE_RETAIL_FILES.older, (at) => at < SPLIT), ...read(ONLINE_RETAIL_FILES.newer, (at) => at >= SPLIT)];
}
