-- CreateTable
CREATE TABLE "CustomerRecommendation" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "productGids" TEXT NOT NULL,
    "computedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "customerGid")
);

-- CreateTable
CREATE TABLE "ProductRecommendation" (
    "shopDomain" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "productGids" TEXT NOT NULL,
    "computedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "kind", "productGid")
);
