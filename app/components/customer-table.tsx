/**
 * A page of customers (layer detail, customer list) with keyset pagination:
 * "Next" carries the cursor in the URL, "Previous" goes back in history
 * (keyset pages have no backwards cursor), "First page" drops the cursor.
 */
import { Link as RemixLink, useNavigate, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, DataTable, InlineStack, Pagination, Text } from "@shopify/polaris";
import { memo } from "react";
import type { MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";

export interface CustomerTableRow {
  id: string;
  name: string | null;
  email: string | null;
  layerId: string | null;
  lifecycleStage: string | null;
  orders: number;
  monetaryMinor: number;
  churnRisk: string | null;
  predictedLtvMinor: number | null;
}

const RISK_TONE = { low: "success", medium: "attention", high: "critical" } as const;

/**
 * Memoised: a Polaris DataTable of 50 rows is the costliest part of these
 * pages, and it must not re-render while a search's navigation is pending
 * (that work would sit inside the click's INP). The previous rows stay shown,
 * dimmed through the page's aria-busy (routes/app.tsx), until the new page arrives.
 */
export const CustomerTable = memo(function CustomerTable({
  customers, nextCursor, currencyCode, layerName, empty,
}: {
  customers: CustomerTableRow[];
  nextCursor: string | null;
  currencyCode: string;
  /** Shows a layer column when given. */
  layerName?: (layerId: string) => string;
  empty: string;
}) {
  const f = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const hasCursor = params.has("cursor");
  const nextUrl = () => {
    const next = new URLSearchParams(params);
    next.set("cursor", nextCursor ?? "");
    return `?${next}`;
  };
  if (customers.length === 0) {
    return (
      <BlockStack gap="200">
        <Text as="p" tone="subdued">
          {empty}
        </Text>
      </BlockStack>
    );
  }
  const headings = [
    f.t("cust.col.name"), f.t("cust.col.email"), ...(layerName ? [f.t("cust.col.layer")] : []), f.t("cust.col.stage"),
    f.t("cust.col.orders"), f.t("cust.col.spent"), f.t("cust.col.churn"), f.t("cust.col.ltv"),
  ];
  return (
    <BlockStack gap="300">
      {/* Inner HTML: React escapes a style's text children on the server, and the client's would not match. */}
      <style dangerouslySetInnerHTML={{ __html: BUSY_STYLE }} />
      <div data-results="">
      <DataTable
        columnContentTypes={["text", "text", ...(layerName ? (["text"] as const) : []), "text", "numeric", "numeric", "text", "numeric"]}
        headings={headings}
        verticalAlign="middle"
        rows={customers.map((c) => [
          <RemixLink key="name" to={`/app/customers/${c.id}`} data-customer={c.id}>
            {c.name ?? f.t("cust.anonymous")}
          </RemixLink>,
          c.email ?? f.t("common.none"),
          ...(layerName ? [c.layerId ? layerName(c.layerId) : f.t("common.none")] : []),
          c.lifecycleStage ? f.t(`stage.${c.lifecycleStage}` as MessageKey) : f.t("common.none"),
          f.number(c.orders),
          f.money(c.monetaryMinor, currencyCode),
          c.churnRisk ? (
            <Badge key="risk" tone={RISK_TONE[c.churnRisk as keyof typeof RISK_TONE]}>
              {f.t(`risk.${c.churnRisk}` as MessageKey)}
            </Badge>
          ) : (
            f.t("common.none")
          ),
          f.money(c.predictedLtvMinor, currencyCode),
        ])}
      />
      </div>
      <InlineStack align="center" gap="400">
        <Pagination
          hasPrevious={hasCursor}
          onPrevious={() => navigate(-1)}
          previousTooltip={f.t("common.previous")}
          hasNext={nextCursor !== null}
          onNext={() => navigate(nextUrl())}
          nextTooltip={f.t("common.next")}
        />
        {hasCursor ? (
          <RemixLink
            to={(() => {
              const first = new URLSearchParams(params);
              first.delete("cursor");
              return `?${first}`;
            })()}
          >
            {f.t("common.first")}
          </RemixLink>
        ) : null}
      </InlineStack>
    </BlockStack>
  );
});

const BUSY_STYLE = "[aria-busy=true] [data-results] { opacity: 0.55; transition: opacity 0.2s 0.15s; }";
