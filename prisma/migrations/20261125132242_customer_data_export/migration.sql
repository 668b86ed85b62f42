-- CreateTable
CREATE TABLE "CustomerDataExport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "dataRequestId" TEXT,
    "ordersRequested" TEXT NOT NULL DEFAULT '',
    "document" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "CustomerDataExport_shopDomain_requestedAt_idx" ON "CustomerDataExport"("shopDomain", "requestedAt");

-- CreateIndex
CREATE INDEX "CustomerDataExport_shopDomain_customerGid_idx" ON "CustomerDataExport"("shopDomain", "customerGid");

