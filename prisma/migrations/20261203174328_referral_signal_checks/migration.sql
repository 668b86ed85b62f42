-- AlterTable
ALTER TABLE "ReferralSettings" ADD COLUMN "signalSalt" TEXT;

-- AlterTable
ALTER TABLE "Referral" ADD COLUMN "signalChecks" TEXT;
