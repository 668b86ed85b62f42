-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "playbookId" TEXT,
    "definition" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "holdoutShare" DOUBLE PRECISION NOT NULL,
    "rolloutShare" DOUBLE PRECISION NOT NULL,
    "horizonCustomersPerArm" INTEGER,
    "spentPoints" INTEGER NOT NULL DEFAULT 0,
    "spentMinor" BIGINT NOT NULL DEFAULT 0,
    "lockVersion" INTEGER NOT NULL DEFAULT 0,
    "lastRunAt" TIMESTAMP(3),
    "launchedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignAssignment" (
    "campaignId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "assignedAt" TIMESTAMP(3) NOT NULL,
    "exposedAt" TIMESTAMP(3),

    CONSTRAINT "CampaignAssignment_pkey" PRIMARY KEY ("campaignId","customerGid")
);

-- CreateTable
CREATE TABLE "CampaignAction" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "campaignId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "costMinor" BIGINT NOT NULL DEFAULT 0,
    "idempotencyKey" TEXT NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "claimedAt" TIMESTAMP(3),
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "CampaignAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignCustomerLock" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "lockVersion" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CampaignCustomerLock_pkey" PRIMARY KEY ("shopDomain","customerGid")
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
