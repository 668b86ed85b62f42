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
    "pAlive" DOUBLE PRECISION,
    "expectedOrders30" DOUBLE PRECISION,
    "expectedOrders90" DOUBLE PRECISION,
    "expectedOrders365" DOUBLE PRECISION,
    "expectedOrderValueMinor" BIGINT,
    "predictedLtvMinor" BIGINT,
    "churnRisk" TEXT,
    "churnReason" TEXT,
    "expectedNextOrderAt" TIMESTAMP(3),
    "layerReason" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerInsight_pkey" PRIMARY KEY ("shopDomain","customerGid")
);

-- CreateTable
CREATE TABLE "LayerMove" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromLayer" TEXT,
    "toLayer" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "movedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LayerMove_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopInsight" (
    "shopDomain" TEXT NOT NULL,
    "baseline" TEXT NOT NULL,
    "layers" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "fitDiagnostics" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "ShopInsight_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateIndex
CREATE INDEX "CustomerInsight_shopDomain_layerId_customerGid_idx" ON "CustomerInsight"("shopDomain", "layerId", "customerGid");

-- CreateIndex
CREATE INDEX "LayerMove_shopDomain_movedAt_idx" ON "LayerMove"("shopDomain", "movedAt");

-- CreateIndex
CREATE INDEX "LayerMove_shopDomain_customerGid_movedAt_idx" ON "LayerMove"("shopDomain", "customerGid", "movedAt");

