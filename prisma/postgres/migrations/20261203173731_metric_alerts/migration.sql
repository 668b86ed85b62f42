-- CreateTable
CREATE TABLE "MetricAlert" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "acknowledgedAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "MetricAlert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MonitorReading" (
    "shopDomain" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "measuredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MonitorReading_pkey" PRIMARY KEY ("shopDomain","metric","period")
);

-- CreateTable
CREATE TABLE "MonitorSettings" (
    "shopDomain" TEXT NOT NULL,
    "thresholds" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MonitorSettings_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateIndex
CREATE INDEX "MetricAlert_shopDomain_status_createdAt_idx" ON "MetricAlert"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "MetricAlert_shopDomain_metric_period_level_key" ON "MetricAlert"("shopDomain", "metric", "period", "level");

