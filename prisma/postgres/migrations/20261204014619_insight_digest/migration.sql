-- AlterTable
ALTER TABLE "CustomerInsight" ADD COLUMN     "digestAsOfMs" DOUBLE PRECISION,
ADD COLUMN     "digestCreatedAtMs" DOUBLE PRECISION,
ADD COLUMN     "digestFirstDayValueMinor" DOUBLE PRECISION,
ADD COLUMN     "digestFirstOrderAtMs" DOUBLE PRECISION,
ADD COLUMN     "digestGapsMs" TEXT;

-- AlterTable
ALTER TABLE "ShopInsight" ADD COLUMN     "digestVersion" INTEGER;

-- CreateTable
CREATE TABLE "CustomerInsightStale" (
    "shopDomain" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "CustomerInsightStale_pkey" PRIMARY KEY ("shopDomain","customerGid")
);


-- Every change to what a customer's insight is computed from marks the customer stale
-- ("CustomerInsightStale"): the pass then reads only those customers' orders. Triggers, so that
-- no write path (sync, webhooks, reconciliation, privacy, raw SQL) can forget to. Statement-level
-- with transition tables: a bulk insert of orders marks each customer once, not once per order.
CREATE FUNCTION "insight_stale_from_new"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid")
  SELECT DISTINCT "shopDomain", "customerGid" FROM new_rows WHERE "customerGid" IS NOT NULL
  ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "CustomerInsightStale"."version" + 1;
  RETURN NULL;
END
$$;

CREATE FUNCTION "insight_stale_from_old"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid")
  SELECT DISTINCT "shopDomain", "customerGid" FROM old_rows WHERE "customerGid" IS NOT NULL
  ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "CustomerInsightStale"."version" + 1;
  RETURN NULL;
END
$$;

CREATE FUNCTION "insight_stale_order_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid")
  SELECT DISTINCT s, g FROM (SELECT o."shopDomain" AS s, o."customerGid" AS g FROM old_rows o JOIN new_rows n USING ("shopDomain", "orderGid")
    WHERE o."customerGid" IS DISTINCT FROM n."customerGid" OR o."processedAt" IS DISTINCT FROM n."processedAt" OR o."totalPriceMinor" IS DISTINCT FROM n."totalPriceMinor" OR o."totalRefundedMinor" IS DISTINCT FROM n."totalRefundedMinor" OR o."cancelledAt" IS DISTINCT FROM n."cancelledAt" OR o."deletedAt" IS DISTINCT FROM n."deletedAt" OR o."test" IS DISTINCT FROM n."test" OR o."financialStatus" IS DISTINCT FROM n."financialStatus"
    UNION ALL SELECT n."shopDomain", n."customerGid" FROM old_rows o JOIN new_rows n USING ("shopDomain", "orderGid")
    WHERE o."customerGid" IS DISTINCT FROM n."customerGid" OR o."processedAt" IS DISTINCT FROM n."processedAt" OR o."totalPriceMinor" IS DISTINCT FROM n."totalPriceMinor" OR o."totalRefundedMinor" IS DISTINCT FROM n."totalRefundedMinor" OR o."cancelledAt" IS DISTINCT FROM n."cancelledAt" OR o."deletedAt" IS DISTINCT FROM n."deletedAt" OR o."test" IS DISTINCT FROM n."test" OR o."financialStatus" IS DISTINCT FROM n."financialStatus") AS changed WHERE g IS NOT NULL
  ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "CustomerInsightStale"."version" + 1;
  RETURN NULL;
END
$$;

CREATE FUNCTION "insight_stale_customer_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerInsightStale" ("shopDomain", "customerGid")
  SELECT DISTINCT n."shopDomain", n."customerGid" FROM old_rows o JOIN new_rows n USING ("shopDomain", "customerGid")
    WHERE o."shopifyCreatedAt" IS DISTINCT FROM n."shopifyCreatedAt" OR o."deletedAt" IS DISTINCT FROM n."deletedAt"
  ON CONFLICT ("shopDomain", "customerGid") DO UPDATE SET "version" = "CustomerInsightStale"."version" + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Order_insight_stale_insert" AFTER INSERT ON "Order" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_from_new"();
CREATE TRIGGER "Order_insight_stale_update" AFTER UPDATE ON "Order" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_order_update"();
CREATE TRIGGER "Order_insight_stale_delete" AFTER DELETE ON "Order" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_from_old"();
CREATE TRIGGER "Customer_insight_stale_insert" AFTER INSERT ON "Customer" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_from_new"();
CREATE TRIGGER "Customer_insight_stale_update" AFTER UPDATE ON "Customer" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_customer_update"();
CREATE TRIGGER "Customer_insight_stale_delete" AFTER DELETE ON "Customer" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_from_old"();
CREATE TRIGGER "CustomerInsight_stale_delete" AFTER DELETE ON "CustomerInsight" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "insight_stale_from_old"();
