-- CreateTable
CREATE TABLE "ReplenishmentInterval" (
    "shopDomain" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "productGid" TEXT,
    "days" REAL,
    "rawDays" REAL,
    "sampleSize" INTEGER NOT NULL,
    "outliers" INTEGER NOT NULL,
    "customers" INTEGER NOT NULL,
    "typicalQuantity" REAL NOT NULL,
    "spreadLog" REAL NOT NULL,
    "learnedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "scope", "key")
);

-- CreateTable
CREATE TABLE "ReplenishmentOverride" (
    "shopDomain" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "days" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "productGid")
);

-- CreateTable
CREATE TABLE "ReplenishmentSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "reminderLeadDays" INTEGER NOT NULL DEFAULT 7,
    "reminderExpireDays" INTEGER NOT NULL DEFAULT 30,
    "minSamples" INTEGER NOT NULL DEFAULT 5,
    "minCustomers" INTEGER NOT NULL DEFAULT 3,
    "quantityElasticity" REAL,
    "elasticityLearned" BOOLEAN NOT NULL DEFAULT false,
    "shrinkage" REAL,
    "learnedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ReplenishmentReminder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "variantGid" TEXT,
    "cycleStartedAt" DATETIME NOT NULL,
    "quantity" INTEGER NOT NULL,
    "intervalDays" REAL NOT NULL,
    "intervalSource" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "remindAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "statusChangedAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "ReplenishmentInterval_shopDomain_productGid_idx" ON "ReplenishmentInterval"("shopDomain", "productGid");

-- CreateIndex
CREATE INDEX "ReplenishmentReminder_shopDomain_customerGid_status_idx" ON "ReplenishmentReminder"("shopDomain", "customerGid", "status");

-- CreateIndex
CREATE INDEX "ReplenishmentReminder_shopDomain_status_remindAt_idx" ON "ReplenishmentReminder"("shopDomain", "status", "remindAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReplenishmentReminder_shopDomain_customerGid_productGid_cycleStartedAt_key" ON "ReplenishmentReminder"("shopDomain", "customerGid", "productGid", "cycleStartedAt");
