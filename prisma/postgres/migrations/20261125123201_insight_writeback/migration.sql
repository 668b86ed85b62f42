-- AlterTable
ALTER TABLE "CustomerInsight" ADD COLUMN     "writtenHash" TEXT;

