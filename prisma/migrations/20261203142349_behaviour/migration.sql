-- CreateTable
CREATE TABLE "BehaviourEvent" (
    "shopDomain" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "customerGid" TEXT,
    "code" TEXT NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "productGid" TEXT,
    "variantGid" TEXT,
    "facet" TEXT,
    "valueMinor" BIGINT,

    PRIMARY KEY ("shopDomain", "eventId")
);

-- CreateTable
CREATE TABLE "BehaviourClient" (
    "shopDomain" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "linkedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "clientId")
);

-- CreateIndex
CREATE INDEX "BehaviourEvent_shopDomain_day_idx" ON "BehaviourEvent"("shopDomain", "day");

-- CreateIndex
CREATE INDEX "BehaviourEvent_shopDomain_clientId_idx" ON "BehaviourEvent"("shopDomain", "clientId");

-- CreateIndex
CREATE INDEX "BehaviourEvent_shopDomain_customerGid_occurredAt_idx" ON "BehaviourEvent"("shopDomain", "customerGid", "occurredAt");

-- CreateIndex
CREATE INDEX "BehaviourClient_shopDomain_customerGid_idx" ON "BehaviourClient"("shopDomain", "customerGid");

-- CreateTable
CREATE TABLE "CustomerBehaviour" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "sessions30" INTEGER NOT NULL DEFAULT 0,
    "sessions90" INTEGER NOT NULL DEFAULT 0,
    "views30" INTEGER NOT NULL DEFAULT 0,
    "views90" INTEGER NOT NULL DEFAULT 0,
    "carts30" INTEGER NOT NULL DEFAULT 0,
    "carts90" INTEGER NOT NULL DEFAULT 0,
    "searches30" INTEGER NOT NULL DEFAULT 0,
    "searches90" INTEGER NOT NULL DEFAULT 0,
    "lastSeenAt" DATETIME,
    "cartAbandonedAt" DATETIME,
    "topProductTypes" TEXT NOT NULL DEFAULT '[]',
    "topVendors" TEXT NOT NULL DEFAULT '[]',
    "topSearchTerms" TEXT NOT NULL DEFAULT '[]',
    "rolledViews" INTEGER NOT NULL DEFAULT 0,
    "rolledCarts" INTEGER NOT NULL DEFAULT 0,
    "rolledSearches" INTEGER NOT NULL DEFAULT 0,
    "computedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateIndex
CREATE INDEX "CustomerBehaviour_shopDomain_cartAbandonedAt_idx" ON "CustomerBehaviour"("shopDomain", "cartAbandonedAt");
