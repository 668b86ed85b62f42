-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "playbookId" TEXT,
    "definition" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "holdoutShare" REAL NOT NULL,
    "rolloutShare" REAL NOT NULL,
    "horizonCustomersPerArm" INTEGER,
    "spentPoints" INTEGER NOT NULL DEFAULT 0,
    "spentMinor" BIGINT NOT NULL DEFAULT 0,
    "lockVersion" INTEGER NOT NULL DEFAULT 0,
    "lastRunAt" DATETIME,
    "launchedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CampaignAssignment" (
    "campaignId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "assignedAt" DATETIME NOT NULL,
    "exposedAt" DATETIME,

    PRIMARY KEY ("campaignId", "customerGid")
);

-- CreateTable
CREATE TABLE "CampaignAction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "campaignId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "costMinor" BIGINT NOT NULL DEFAULT 0,
    "idempotencyKey" TEXT NOT NULL,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL,
    "claimedAt" DATETIME,
    "appliedAt" DATETIME
);

-- CreateTable
CREATE TABLE "CampaignCustomerLock" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "lockVersion" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateIndex
CREATE INDEX "Campaign_shopDomain_status_idx" ON "Campaign"("shopDomain", "status");

-- CreateIndex
CREATE INDEX "CampaignAssignment_shopDomain_customerGid_arm_exposedAt_idx" ON "CampaignAssignment"("shopDomain", "customerGid", "arm", "exposedAt");

-- CreateIndex
CREATE INDEX "CampaignAction_campaignId_status_idx" ON "CampaignAction"("campaignId", "status");

-- CreateIndex
CREATE INDEX "CampaignAction_shopDomain_status_createdAt_idx" ON "CampaignAction"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignAction_shopDomain_idempotencyKey_key" ON "CampaignAction"("shopDomain", "idempotencyKey");
