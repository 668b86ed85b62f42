-- CreateTable
CREATE TABLE "CustomerInsight" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "layerId" TEXT NOT NULL,
    "lifecycleStage" TEXT NOT NULL,
    "r" INTEGER,
    "f" INTEGER,
    "m" INTEGER,
    "recencyDays" INTEGER,
    "orders" INTEGER NOT NULL,
    "aovMinor" BIGINT,
    "monetaryMinor" BIGINT NOT NULL,
    "pAlive" REAL,
    "expectedOrders30" REAL,
    "expectedOrders90" REAL,
    "expectedOrders365" REAL,
    "expectedOrderValueMinor" BIGINT,
    "predictedLtvMinor" BIGINT,
    "churnRisk" TEXT,
    "churnReason" TEXT,
    "expectedNextOrderAt" DATETIME,
    "layerReason" TEXT NOT NULL,
    "computedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateTable
CREATE TABLE "LayerMove" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromLayer" TEXT,
    "toLayer" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "movedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ShopInsight" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "baseline" TEXT NOT NULL,
    "layers" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "fitDiagnostics" TEXT NOT NULL,
    "computedAt" DATETIME NOT NULL,
    "durationMs" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "CustomerInsight_shopDomain_layerId_customerGid_idx" ON "CustomerInsight"("shopDomain", "layerId", "customerGid");

-- CreateIndex
CREATE INDEX "LayerMove_shopDomain_movedAt_idx" ON "LayerMove"("shopDomain", "movedAt");

-- CreateIndex
CREATE INDEX "LayerMove_shopDomain_customerGid_movedAt_idx" ON "LayerMove"("shopDomain", "customerGid", "movedAt");

