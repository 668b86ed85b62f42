-- AlterTable
ALTER TABLE "OrderLineItem" ADD COLUMN     "isGiftCard" BOOLEAN NOT NULL DEFAULT false;

