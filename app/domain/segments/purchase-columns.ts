/**
 * A whole shop's purchases in columns: one set of typed arrays instead of a
 * million `PurchaseHistory` objects. The full pass reads these straight from
 * the database (app/db/purchase-histories.server.ts) and both domain passes
 * (segments, predictions) read them, so a million-customer shop costs a few
 * arrays rather than millions of small objects.
 */
import type { PurchaseHistory } from "../customers/purchase-history";

/**
 * Customer `i`'s orders are `orderAt[orderStart[i] .. orderStart[i + 1])` and
 * the same range of `orderValueMinor`, ascending by time (as a
 * `PurchaseHistory`'s orders). Times epoch ms; money minor units.
 */
export interface PurchaseColumns {
  count: number;
  customerIds: string[];
  /** When each customer was created, epoch ms. */
  createdAt: Float64Array;
  /** Length `count + 1`. */
  orderStart: Int32Array;
  orderAt: Float64Array;
  orderValueMinor: Float64Array;
}

/** Histories as columns (same customers, same order, same orders). */
export function purchaseColumns(histories: readonly PurchaseHistory[]): PurchaseColumns {
  const n = histories.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += histories[i].orders.length;
  const cols: PurchaseColumns = {
    count: n,
    customerIds: new Array(n),
    createdAt: new Float64Array(n),
    orderStart: new Int32Array(n + 1),
    orderAt: new Float64Array(total),
    orderValueMinor: new Float64Array(total),
  };
  let k = 0;
  for (let i = 0; i < n; i++) {
    const h = histories[i];
    cols.customerIds[i] = h.customerId;
    cols.createdAt[i] = h.createdAt;
    cols.orderStart[i] = k;
    for (const o of h.orders) {
      cols.orderAt[k] = o.at;
      cols.orderValueMinor[k++] = o.valueMinor;
    }
  }
  cols.orderStart[n] = k;
  return cols;
}

/** Customer `i`'s history back as an object (tests, single-customer paths). */
export function historyAt(cols: PurchaseColumns, i: number): PurchaseHistory {
  const orders = [];
  for (let k = cols.orderStart[i]; k < cols.orderStart[i + 1]; k++) orders.push({ at: cols.orderAt[k], valueMinor: cols.orderValueMinor[k] });
  return { customerId: cols.customerIds[i], createdAt: cols.createdAt[i], orders };
}
