-- CreateTable
CREATE TABLE "ShopSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "insightTagsEnabled" BOOLEAN NOT NULL DEFAULT false,
    "insightTagPrefix" TEXT NOT NULL DEFAULT 'evergreen-',
    "updatedAt" DATETIME NOT NULL
);

