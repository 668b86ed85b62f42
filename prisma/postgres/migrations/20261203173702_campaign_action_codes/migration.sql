-- AlterTable
ALTER TABLE "CampaignAction" ADD COLUMN     "code" TEXT,
ADD COLUMN     "discountGid" TEXT,
ADD COLUMN     "revertedAt" TIMESTAMP(3);

