-- AlterTable
ALTER TABLE "Refund" ADD COLUMN     "goodsMinor" BIGINT;

