-- CreateTable
CREATE TABLE "MetricAlert" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "value" REAL NOT NULL,
    "threshold" REAL NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "acknowledgedAt" DATETIME,
    "resolvedAt" DATETIME
);

-- CreateTable
CREATE TABLE "MonitorReading" (
    "shopDomain" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "value" REAL NOT NULL,
    "measuredAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "metric", "period")
);

-- CreateTable
CREATE TABLE "MonitorSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "thresholds" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "MetricAlert_shopDomain_status_createdAt_idx" ON "MetricAlert"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "MetricAlert_shopDomain_metric_period_level_key" ON "MetricAlert"("shopDomain", "metric", "period", "level");

