-- CreateTable
CREATE TABLE "ReferralSettings" (
    "shopDomain" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "friendDiscountKind" TEXT NOT NULL DEFAULT 'percentage',
    "friendDiscountPercentage" INTEGER DEFAULT 10,
    "friendDiscountAmountMinor" BIGINT,
    "friendDiscountCurrencyCode" TEXT,
    "referrerRewardPoints" INTEGER NOT NULL DEFAULT 500,
    "rewardCapPerPeriod" INTEGER NOT NULL DEFAULT 10,
    "capPeriodDays" INTEGER NOT NULL DEFAULT 30,
    "minimumOrderMinor" BIGINT NOT NULL DEFAULT 0,
    "attributionWindowDays" INTEGER NOT NULL DEFAULT 30,
    "returnWindowDays" INTEGER NOT NULL DEFAULT 30,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReferralSettings_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateTable
CREATE TABLE "ReferralCode" (
    "shopDomain" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "payoutVersion" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReferralCode_pkey" PRIMARY KEY ("shopDomain","code")
);

-- CreateTable
CREATE TABLE "ReferralShare" (
    "shopDomain" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "sharedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReferralShare_pkey" PRIMARY KEY ("shopDomain","code","channel","day")
);

-- CreateTable
CREATE TABLE "ReferralClick" (
    "shopDomain" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "visitorHash" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "clickedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReferralClick_pkey" PRIMARY KEY ("shopDomain","code","visitorHash","day")
);

-- CreateTable
CREATE TABLE "Referral" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "referrerCustomerGid" TEXT NOT NULL,
    "visitorHash" TEXT,
    "friendCustomerGid" TEXT,
    "friendEmailHash" TEXT,
    "attributedFriendKey" TEXT,
    "friendDiscountCode" TEXT NOT NULL,
    "friendDiscountGid" TEXT,
    "status" TEXT NOT NULL,
    "rejectionReasons" TEXT,
    "voidReason" TEXT,
    "settingsVersion" INTEGER NOT NULL,
    "orderGid" TEXT,
    "orderValueMinor" BIGINT,
    "currencyCode" TEXT,
    "rewardPoints" INTEGER,
    "payableAt" TIMESTAMP(3),
    "pointsEntryId" TEXT,
    "reversalEntryId" TEXT,
    "clickedAt" TIMESTAMP(3),
    "signedUpAt" TIMESTAMP(3),
    "orderedAt" TIMESTAMP(3),
    "rewardedAt" TIMESTAMP(3),
    "rejectedAt" TIMESTAMP(3),
    "voidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Referral_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCode_shopDomain_customerGid_key" ON "ReferralCode"("shopDomain", "customerGid");

-- CreateIndex
CREATE INDEX "ReferralShare_shopDomain_sharedAt_idx" ON "ReferralShare"("shopDomain", "sharedAt");

-- CreateIndex
CREATE INDEX "ReferralClick_shopDomain_clickedAt_idx" ON "ReferralClick"("shopDomain", "clickedAt");

-- CreateIndex
CREATE INDEX "Referral_shopDomain_referrerCustomerGid_rewardedAt_idx" ON "Referral"("shopDomain", "referrerCustomerGid", "rewardedAt");

-- CreateIndex
CREATE INDEX "Referral_shopDomain_friendCustomerGid_idx" ON "Referral"("shopDomain", "friendCustomerGid");

-- CreateIndex
CREATE INDEX "Referral_shopDomain_status_payableAt_idx" ON "Referral"("shopDomain", "status", "payableAt");

-- CreateIndex
CREATE INDEX "Referral_shopDomain_createdAt_idx" ON "Referral"("shopDomain", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_shopDomain_friendDiscountCode_key" ON "Referral"("shopDomain", "friendDiscountCode");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_shopDomain_orderGid_key" ON "Referral"("shopDomain", "orderGid");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_shopDomain_attributedFriendKey_key" ON "Referral"("shopDomain", "attributedFriendKey");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_shopDomain_code_visitorHash_key" ON "Referral"("shopDomain", "code", "visitorHash");
