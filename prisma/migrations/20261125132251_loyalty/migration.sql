-- CreateTable
CREATE TABLE "LoyaltyProgram" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "allowNegativeBalance" BOOLEAN NOT NULL DEFAULT false,
    "returnWindowDays" INTEGER NOT NULL DEFAULT 30,
    "expiryMonths" INTEGER DEFAULT 12,
    "currentRuleVersion" INTEGER NOT NULL DEFAULT 1,
    "apiKeyHash" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LoyaltyRuleVersion" (
    "shopDomain" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "version")
);

-- CreateTable
CREATE TABLE "LoyaltyAccount" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "available" INTEGER NOT NULL DEFAULT 0,
    "pending" INTEGER NOT NULL DEFAULT 0,
    "lifetimeEarned" INTEGER NOT NULL DEFAULT 0,
    "lastActivityAt" DATETIME,
    "settledThrough" DATETIME NOT NULL,
    "tier" TEXT,
    "tierPeriodEndsAt" DATETIME,
    "lockVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateTable
CREATE TABLE "LoyaltyEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "availableAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "orderGid" TEXT,
    "ruleVersion" INTEGER,
    "reversesEntryId" TEXT,
    "redemptionId" TEXT,
    "reason" TEXT,
    "staffMember" TEXT,
    "detail" TEXT
);

-- CreateTable
CREATE TABLE "LoyaltyReward" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "pointsCost" INTEGER NOT NULL,
    "amountMinor" BIGINT,
    "currencyCode" TEXT,
    "percentage" INTEGER,
    "productVariantGids" TEXT,
    "minimumSubtotalMinor" BIGINT,
    "expiresAfterDays" INTEGER,
    "tier" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "LoyaltyRedemption" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "rewardId" TEXT NOT NULL,
    "pointsCost" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "discountGid" TEXT,
    "endsAt" DATETIME,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL,
    "resolvedAt" DATETIME
);

-- CreateTable
CREATE TABLE "LoyaltyTierChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromTier" TEXT,
    "toTier" TEXT,
    "reason" TEXT NOT NULL,
    "changedAt" DATETIME NOT NULL,
    "metafieldWrittenAt" DATETIME
);

-- CreateIndex
CREATE INDEX "LoyaltyAccount_shopDomain_lastActivityAt_idx" ON "LoyaltyAccount"("shopDomain", "lastActivityAt");

-- CreateIndex
CREATE INDEX "LoyaltyAccount_shopDomain_tierPeriodEndsAt_idx" ON "LoyaltyAccount"("shopDomain", "tierPeriodEndsAt");

-- CreateIndex
CREATE INDEX "LoyaltyEntry_shopDomain_customerGid_createdAt_idx" ON "LoyaltyEntry"("shopDomain", "customerGid", "createdAt");

-- CreateIndex
CREATE INDEX "LoyaltyEntry_shopDomain_orderGid_idx" ON "LoyaltyEntry"("shopDomain", "orderGid");

-- CreateIndex
CREATE INDEX "LoyaltyEntry_shopDomain_reversesEntryId_idx" ON "LoyaltyEntry"("shopDomain", "reversesEntryId");

-- CreateIndex
CREATE UNIQUE INDEX "LoyaltyEntry_shopDomain_idempotencyKey_key" ON "LoyaltyEntry"("shopDomain", "idempotencyKey");

-- CreateIndex
CREATE INDEX "LoyaltyReward_shopDomain_active_idx" ON "LoyaltyReward"("shopDomain", "active");

-- CreateIndex
CREATE INDEX "LoyaltyRedemption_shopDomain_status_createdAt_idx" ON "LoyaltyRedemption"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE INDEX "LoyaltyRedemption_shopDomain_customerGid_createdAt_idx" ON "LoyaltyRedemption"("shopDomain", "customerGid", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "LoyaltyRedemption_shopDomain_idempotencyKey_key" ON "LoyaltyRedemption"("shopDomain", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "LoyaltyRedemption_shopDomain_code_key" ON "LoyaltyRedemption"("shopDomain", "code");

-- CreateIndex
CREATE INDEX "LoyaltyTierChange_shopDomain_customerGid_changedAt_idx" ON "LoyaltyTierChange"("shopDomain", "customerGid", "changedAt");

-- CreateIndex
CREATE INDEX "LoyaltyTierChange_shopDomain_metafieldWrittenAt_idx" ON "LoyaltyTierChange"("shopDomain", "metafieldWrittenAt");

