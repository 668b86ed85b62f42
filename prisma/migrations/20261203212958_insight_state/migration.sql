-- AlterTable
ALTER TABLE "CustomerInsight" ADD COLUMN "firstOrderDay" INTEGER;
ALTER TABLE "CustomerInsight" ADD COLUMN "lastOrderAt" DATETIME;
ALTER TABLE "CustomerInsight" ADD COLUMN "meanOrderValueMinor" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "meanRepeatValueMinor" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "repeatOrders" INTEGER;
ALTER TABLE "CustomerInsight" ADD COLUMN "repeatSpanDays" INTEGER;
ALTER TABLE "CustomerInsight" ADD COLUMN "stateHash" REAL;

