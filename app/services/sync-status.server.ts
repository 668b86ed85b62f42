import { SyncRunRepository, type SyncRunView } from "~/db/sync-run-repository.server";
import type { PrismaClient } from "~/generated/prisma/client";

export interface SyncOverview {
  latest: SyncRunView | null;
  history: SyncRunView[];
  counts: { customers: number; orders: number; products: number };
}

type CountingDb = Pick<PrismaClient, "syncRun" | "customer" | "order" | "product">;

/** What the merchant sees about sync: the current run, recent runs and what is stored. */
export async function getSyncOverview(db: CountingDb, shopDomain: string): Promise<SyncOverview> {
  const runs = new SyncRunRepository(db);
  const [history, customers, orders, products] = await Promise.all([
    runs.history(shopDomain, 5),
    db.customer.count({ where: { shopDomain, deletedAt: null } }),
    db.order.count({ where: { shopDomain } }),
    db.product.count({ where: { shopDomain } }),
  ]);
  return { latest: history[0] ?? null, history, counts: { customers, orders, products } };
}
