-- AlterTable
ALTER TABLE "CampaignAction" ADD COLUMN "code" TEXT;
ALTER TABLE "CampaignAction" ADD COLUMN "discountGid" TEXT;
ALTER TABLE "CampaignAction" ADD COLUMN "revertedAt" DATETIME;

