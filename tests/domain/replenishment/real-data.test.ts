/**
 * Replenishment on real purchases: the UCI Online Retail data (a UK gift
 * wholesaler-retailer, 2009-2011; ../shared/datasets/online-retail). Learn
 * from purchases before 2011-06-01, predict every later repurchase. Skipped
 * when the data set is not beside the repository.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { backtestIntervals, learnIntervals, type BacktestResult, type ProductPurchase } from "~/domain/replenishment";
import { onlineRetailAvailable, onlineRetailPurchases } from "../../replenishment/online-retail";

const CUTOFF = Date.UTC(2011, 5, 1);

describe.skipIf(!onlineRetailAvailable())("replenishment on the UCI Online Retail data", () => {
  let purchases: ProductPurchase[];
  let result: BacktestResult;

  beforeAll(() => {
    purchases = onlineRetailPurchases()!;
    result = backtestIntervals(purchases, [], CUTOFF);
  });

  it("reads the product lines of both files", () => {
    expect(purchases.length).toBeGreaterThan(700_000);
    expect(new Set(purchases.map((p) => p.productGid)).size).toBeGreaterThan(3_000);
  });

  it("predicts most later repurchases, mostly from variant-level intervals", () => {
    expect(result.repurchases).toBeGreaterThan(50_000);
    expect(result.predicted / result.repurchases).toBeGreaterThan(0.7);
    expect(result.bySource.variant).toBeGreaterThan(result.bySource.product ?? 0);
  });

  it("beats one shop-wide interval on the same repurchases", () => {
    expect(result.medianAbsLogError).toBeLessThan(result.baselineMedianAbsLogError);
    expect(result.withinHalf).toBeGreaterThan(result.baselineWithinHalf);
  });

  it("learns that quantity barely stretches this shop's gaps (wholesale buyers restock on a schedule)", () => {
    expect(result.shop.elasticityLearned).toBe(true);
    expect(result.shop.quantityElasticity).toBeLessThan(0.3);
    // Assuming proportional consumption instead is worse here.
    const proportional = backtestIntervals(purchases, [], CUTOFF, { quantityElasticity: 1 });
    expect(proportional.medianAbsLogError).toBeGreaterThan(result.medianAbsLogError);
  });

  it("gives the best-selling product (85123, the white hanging heart T-light holder) an interval of about six weeks from hundreds of customers", () => {
    const estimate = learnIntervals(purchases, []).byProduct.get("gid://uci/Product/85123")!;
    expect(estimate.customers).toBeGreaterThan(500);
    expect(estimate.days).toBeGreaterThan(30);
    expect(estimate.days).toBeLessThan(60);
  });
});
