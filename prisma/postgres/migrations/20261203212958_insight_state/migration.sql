-- AlterTable
ALTER TABLE "CustomerInsight" ADD COLUMN     "firstOrderDay" INTEGER,
ADD COLUMN     "lastOrderAt" TIMESTAMP(3),
ADD COLUMN     "meanOrderValueMinor" DOUBLE PRECISION,
ADD COLUMN     "meanRepeatValueMinor" DOUBLE PRECISION,
ADD COLUMN     "repeatOrders" INTEGER,
ADD COLUMN     "repeatSpanDays" INTEGER,
ADD COLUMN     "stateHash" DOUBLE PRECISION;

