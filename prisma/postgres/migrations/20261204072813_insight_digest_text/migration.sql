-- The purchase digest in one text column (encodeDigest) instead of five: a nightly pass reads it for
-- every customer. The old digests are not carried over: PURCHASE_DIGEST_VERSION 2 makes the next
-- pass read every order and write the new column.
ALTER TABLE "CustomerInsight" DROP COLUMN "digestAsOfMs",
DROP COLUMN "digestCreatedAtMs",
DROP COLUMN "digestFirstDayValueMinor",
DROP COLUMN "digestFirstOrderAtMs",
DROP COLUMN "digestGapsMs",
ADD COLUMN     "digest" TEXT;
