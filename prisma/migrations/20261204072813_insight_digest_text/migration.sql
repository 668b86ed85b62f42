-- The purchase digest in one text column (encodeDigest) instead of five: a nightly pass reads it for
-- every customer. ALTER TABLE, not Prisma's table redefinition: dropping the table would drop the
-- trigger on it ("CustomerInsight_stale_delete"). The old digests are not carried over:
-- PURCHASE_DIGEST_VERSION 2 makes the next pass read every order and write the new column.
ALTER TABLE "CustomerInsight" DROP COLUMN "digestCreatedAtMs";
ALTER TABLE "CustomerInsight" DROP COLUMN "digestFirstOrderAtMs";
ALTER TABLE "CustomerInsight" DROP COLUMN "digestGapsMs";
ALTER TABLE "CustomerInsight" DROP COLUMN "digestFirstDayValueMinor";
ALTER TABLE "CustomerInsight" DROP COLUMN "digestAsOfMs";
ALTER TABLE "CustomerInsight" ADD COLUMN "digest" TEXT;
