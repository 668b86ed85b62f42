-- CreateTable
CREATE TABLE "ReplenishmentInterval" (
    "shopDomain" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "productGid" TEXT,
    "days" DOUBLE PRECISION,
    "rawDays" DOUBLE PRECISION,
    "sampleSize" INTEGER NOT NULL,
    "outliers" INTEGER NOT NULL,
    "customers" INTEGER NOT NULL,
    "typicalQuantity" DOUBLE PRECISION NOT NULL,
    "spreadLog" DOUBLE PRECISION NOT NULL,
    "learnedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentInterval_pkey" PRIMARY KEY ("shopDomain","scope","key")
);

-- CreateTable
CREATE TABLE "ReplenishmentOverride" (
    "shopDomain" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "days" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentOverride_pkey" PRIMARY KEY ("shopDomain","productGid")
);

-- CreateTable
CREATE TABLE "ReplenishmentSettings" (
    "shopDomain" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "reminderLeadDays" INTEGER NOT NULL DEFAULT 7,
    "reminderExpireDays" INTEGER NOT NULL DEFAULT 30,
    "minSamples" INTEGER NOT NULL DEFAULT 5,
    "minCustomers" INTEGER NOT NULL DEFAULT 3,
    "quantityElasticity" DOUBLE PRECISION,
    "elasticityLearned" BOOLEAN NOT NULL DEFAULT false,
    "shrinkage" DOUBLE PRECISION,
    "learnedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentSettings_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateTable
CREATE TABLE "ReplenishmentReminder" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "variantGid" TEXT,
    "cycleStartedAt" TIMESTAMP(3) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "intervalDays" DOUBLE PRECISION NOT NULL,
    "intervalSource" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "remindAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "statusChangedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentReminder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReplenishmentInterval_shopDomain_productGid_idx" ON "ReplenishmentInterval"("shopDomain", "productGid");

-- CreateIndex
CREATE INDEX "ReplenishmentReminder_shopDomain_customerGid_status_idx" ON "ReplenishmentReminder"("shopDomain", "customerGid", "status");

-- CreateIndex
CREATE INDEX "ReplenishmentReminder_shopDomain_status_remindAt_idx" ON "ReplenishmentReminder"("shopDomain", "status", "remindAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReplenishmentReminder_shopDomain_customerGid_productGid_cyc_key" ON "ReplenishmentReminder"("shopDomain", "customerGid", "productGid", "cycleStartedAt");
