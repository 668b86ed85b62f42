-- AlterTable (ADD COLUMN, not a table rebuild: existing line items keep their rows and take the default)
ALTER TABLE "OrderLineItem" ADD COLUMN "isGiftCard" BOOLEAN NOT NULL DEFAULT false;
