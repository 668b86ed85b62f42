-- CreateTable
CREATE TABLE "FlowTriggerEvent" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "eventKey" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "FlowTriggerEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FlowChurnRiskSeen" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "churnRisk" TEXT,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlowChurnRiskSeen_pkey" PRIMARY KEY ("shopDomain","customerGid")
);

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopDomain_status_createdAt_idx" ON "FlowTriggerEvent"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE INDEX "FlowTriggerEvent_shopDomain_customerGid_idx" ON "FlowTriggerEvent"("shopDomain", "customerGid");

-- CreateIndex
CREATE UNIQUE INDEX "FlowTriggerEvent_shopDomain_eventKey_key" ON "FlowTriggerEvent"("shopDomain", "eventKey");

