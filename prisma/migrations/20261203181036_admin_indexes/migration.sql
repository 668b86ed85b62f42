-- The admin's customer count (deletedAt IS NULL) read from the index alone.
-- CreateIndex
CREATE INDEX "Customer_shopDomain_deletedAt_idx" ON "Customer"("shopDomain", "deletedAt");

-- The admin's sizes and revenue per layer (GROUP BY "layerId") read from the index alone.
-- CreateIndex
CREATE INDEX "CustomerInsight_shopDomain_layerId_monetaryMinor_idx" ON "CustomerInsight"("shopDomain", "layerId", "monetaryMinor");

-- The dashboard's buyers (orders > 0), repeat buyers, orders and revenue read from the index alone.
-- CreateIndex
CREATE INDEX "CustomerInsight_shopDomain_orders_monetaryMinor_idx" ON "CustomerInsight"("shopDomain", "orders", "monetaryMinor");
