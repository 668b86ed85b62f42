-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" DATETIME,
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN,
    "locale" TEXT,
    "collaborator" BOOLEAN,
    "emailVerified" BOOLEAN,
    "refreshToken" TEXT,
    "refreshTokenExpires" DATETIME
);

-- CreateTable
CREATE TABLE "Shop" (
    "domain" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "currencyCode" TEXT,
    "ianaTimezone" TEXT,
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Customer" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "phone" TEXT,
    "state" TEXT,
    "locale" TEXT,
    "countryCode" TEXT,
    "tags" TEXT,
    "emailMarketingState" TEXT,
    "birthday" TEXT,
    "numberOfOrders" INTEGER,
    "amountSpentMinor" BIGINT,
    "currencyCode" TEXT,
    "rfmGroup" TEXT,
    "predictedSpendTier" TEXT,
    "shopifyCreatedAt" DATETIME NOT NULL,
    "shopifyUpdatedAt" DATETIME NOT NULL,
    "contentHash" TEXT,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateTable
CREATE TABLE "Order" (
    "shopDomain" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "customerGid" TEXT,
    "email" TEXT,
    "financialStatus" TEXT,
    "fulfillmentStatus" TEXT,
    "currencyCode" TEXT NOT NULL,
    "presentmentCurrencyCode" TEXT,
    "subtotalMinor" BIGINT NOT NULL,
    "totalDiscountsMinor" BIGINT NOT NULL DEFAULT 0,
    "totalShippingMinor" BIGINT NOT NULL DEFAULT 0,
    "totalTaxMinor" BIGINT NOT NULL DEFAULT 0,
    "totalPriceMinor" BIGINT NOT NULL,
    "totalRefundedMinor" BIGINT NOT NULL DEFAULT 0,
    "discountCodes" TEXT NOT NULL DEFAULT '',
    "tags" TEXT NOT NULL DEFAULT '',
    "sourceName" TEXT,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "processedAt" DATETIME NOT NULL,
    "cancelledAt" DATETIME,
    "cancelReason" TEXT,
    "shopifyCreatedAt" DATETIME NOT NULL,
    "shopifyUpdatedAt" DATETIME NOT NULL,
    "contentHash" TEXT,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "orderGid")
);

-- CreateTable
CREATE TABLE "OrderLineItem" (
    "shopDomain" TEXT NOT NULL,
    "lineItemGid" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "productGid" TEXT,
    "variantGid" TEXT,
    "title" TEXT NOT NULL,
    "variantTitle" TEXT,
    "sku" TEXT,
    "quantity" INTEGER NOT NULL,
    "unitPriceMinor" BIGINT NOT NULL,
    "discountedTotalMinor" BIGINT NOT NULL,

    PRIMARY KEY ("shopDomain", "lineItemGid"),
    CONSTRAINT "OrderLineItem_shopDomain_orderGid_fkey" FOREIGN KEY ("shopDomain", "orderGid") REFERENCES "Order" ("shopDomain", "orderGid") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Refund" (
    "shopDomain" TEXT NOT NULL,
    "refundGid" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "note" TEXT,
    "totalMinor" BIGINT NOT NULL,
    "currencyCode" TEXT NOT NULL,
    "shopifyCreatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "refundGid")
);

-- CreateTable
CREATE TABLE "Product" (
    "shopDomain" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "handle" TEXT,
    "productType" TEXT,
    "vendor" TEXT,
    "tags" TEXT NOT NULL DEFAULT '',
    "status" TEXT,
    "shopifyUpdatedAt" DATETIME NOT NULL,
    "contentHash" TEXT,
    "syncedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "productGid")
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "phase" TEXT,
    "checkpoint" TEXT,
    "rowsProcessed" INTEGER NOT NULL DEFAULT 0,
    "rowsByResource" TEXT NOT NULL DEFAULT '{}',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "shopDomain" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "triggeredAt" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME,
    "status" TEXT NOT NULL,
    "error" TEXT,

    PRIMARY KEY ("shopDomain", "eventId")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE INDEX "Customer_shopDomain_email_idx" ON "Customer"("shopDomain", "email");

-- CreateIndex
CREATE INDEX "Order_shopDomain_customerGid_processedAt_idx" ON "Order"("shopDomain", "customerGid", "processedAt");

-- CreateIndex
CREATE INDEX "Order_shopDomain_processedAt_idx" ON "Order"("shopDomain", "processedAt");

-- CreateIndex
CREATE INDEX "OrderLineItem_shopDomain_orderGid_idx" ON "OrderLineItem"("shopDomain", "orderGid");

-- CreateIndex
CREATE INDEX "OrderLineItem_shopDomain_productGid_idx" ON "OrderLineItem"("shopDomain", "productGid");

-- CreateIndex
CREATE INDEX "Refund_shopDomain_orderGid_idx" ON "Refund"("shopDomain", "orderGid");

-- CreateIndex
CREATE INDEX "SyncRun_shopDomain_startedAt_idx" ON "SyncRun"("shopDomain", "startedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shopDomain_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "receivedAt");

