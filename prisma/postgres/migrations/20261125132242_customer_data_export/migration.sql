-- CreateTable
CREATE TABLE "CustomerDataExport" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "dataRequestId" TEXT,
    "ordersRequested" TEXT NOT NULL DEFAULT '',
    "document" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerDataExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerDataExport_shopDomain_requestedAt_idx" ON "CustomerDataExport"("shopDomain", "requestedAt");

-- CreateIndex
CREATE INDEX "CustomerDataExport_shopDomain_customerGid_idx" ON "CustomerDataExport"("shopDomain", "customerGid");

