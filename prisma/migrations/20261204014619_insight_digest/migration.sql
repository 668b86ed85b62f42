-- AlterTable
ALTER TABLE "CustomerInsight" ADD COLUMN "digestAsOfMs" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "digestCreatedAtMs" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "digestFirstDayValueMinor" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "digestFirstOrderAtMs" REAL;
ALTER TABLE "CustomerInsight" ADD COLUMN "digestGapsMs" TEXT;

-- AlterTable
ALTER TABLE "ShopInsight" ADD COLUMN "digestVersion" INTEGER;

-- CreateTable
CREATE TABLE "CustomerInsightStale" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

    PRIMARY KEY ("shopDomain", "customerGid")
);


-- Every change to what a customer's insight is computed from marks the customer stale
-- ("CustomerInsightStale"): the pass then reads only those customers' orders. Triggers, so that
-- no write path (sync, webhooks, reconciliation, privacy, raw SQL) can forget to.
CREATE TRIGGER "Order_insight_stale_insert" AFTER INSERT ON "Order" WHEN NEW."customerGid" IS NOT NULL
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT NEW."shopDomain", NEW."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Order_insight_stale_update" AFTER UPDATE ON "Order" WHEN OLD."customerGid" IS NOT NEW."customerGid" OR OLD."processedAt" IS NOT NEW."processedAt" OR OLD."totalPriceMinor" IS NOT NEW."totalPriceMinor" OR OLD."totalRefundedMinor" IS NOT NEW."totalRefundedMinor" OR OLD."cancelledAt" IS NOT NEW."cancelledAt" OR OLD."deletedAt" IS NOT NEW."deletedAt" OR OLD."test" IS NOT NEW."test" OR OLD."financialStatus" IS NOT NEW."financialStatus"
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT OLD."shopDomain", OLD."customerGid" WHERE OLD."customerGid" IS NOT NULL
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT NEW."shopDomain", NEW."customerGid" WHERE NEW."customerGid" IS NOT NULL
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Order_insight_stale_delete" AFTER DELETE ON "Order" WHEN OLD."customerGid" IS NOT NULL
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT OLD."shopDomain", OLD."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Customer_insight_stale_insert" AFTER INSERT ON "Customer"
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT NEW."shopDomain", NEW."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Customer_insight_stale_update" AFTER UPDATE ON "Customer" WHEN OLD."shopifyCreatedAt" IS NOT NEW."shopifyCreatedAt" OR OLD."deletedAt" IS NOT NEW."deletedAt"
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT NEW."shopDomain", NEW."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Customer_insight_stale_delete" AFTER DELETE ON "Customer"
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT OLD."shopDomain", OLD."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "CustomerInsight_stale_delete" AFTER DELETE ON "CustomerInsight"
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid") SELECT OLD."shopDomain", OLD."customerGid" WHERE true
    ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "version" + 1;
END;
