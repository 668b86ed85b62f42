/**
 * Test helper: a deterministic synthetic shop. A mix of prospects, one-time
 * buyers and repeaters with varied rhythms and basket sizes, spread over two
 * years before `asOf`.
 */
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { seededRandom as rng } from "~/domain/random";

export { rng };


export function syntheticShop(customers: number, asOf: number, seed = 1): PurchaseHistory[] {
  const random = rng(seed);
  const histories: PurchaseHistory[] = new Array(customers);
  for (let i = 0; i < customers; i++) {
    const createdAt = asOf - Math.floor(random() * 730 * DAY_MS);
    const roll = random();
    // 15% prospects, ~45% one order, the rest 2..~30 orders (geometric).
    let count = roll < 0.15 ? 0 : roll < 0.6 ? 1 : 2 + Math.floor(-Math.log(1 - random()) * 3);
    const gapDays = 5 + random() * 80;
    const basket = 1500 + Math.floor(random() * random() * 30000);
    const orders = [];
    let at = createdAt + Math.floor(random() * 10 * DAY_MS);
    while (count-- > 0 && at <= asOf) {
      orders.push({ at, valueMinor: Math.max(100, Math.round(basket * (0.5 + random()))) });
      at += Math.floor(gapDays * (0.3 + random() * 1.4) * DAY_MS);
    }
    histories[i] = { customerId: `c${i}`, createdAt, orders };
  }
  return histories;
}
