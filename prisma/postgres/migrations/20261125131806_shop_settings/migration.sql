-- CreateTable
CREATE TABLE "ShopSettings" (
    "shopDomain" TEXT NOT NULL,
    "insightTagsEnabled" BOOLEAN NOT NULL DEFAULT false,
    "insightTagPrefix" TEXT NOT NULL DEFAULT 'evergreen-',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopSettings_pkey" PRIMARY KEY ("shopDomain")
);

