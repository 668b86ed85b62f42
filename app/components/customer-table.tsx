/**
 * A page of customers (layer detail, customer list) with keyset pagination:
 * "Next" carries the cursor in the URL, "Previous" goes back in history
 * (keyset pages have no backwards cursor), "First page" drops the cursor.
 */
import { Link as RemixLink, useNavigate, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, InlineStack, Pagination, Text } from "@shopify/polaris";
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
 * Memoised: the 50 rows are the costliest part of these pages, and they must
 * not re-render while a search's navigation is pending (that work would sit
 * inside the click's INP). The previous rows stay shown, dimmed through the
 * page's aria-busy (routes/app.tsx), until the new page arrives.
 *
 * A plain table in Polaris DataTable's own markup and classes rather than the
 * DataTable component: that one deep-compares its rows on every update,
 * measures every heading after it (forced layout), and re-renders all 400
 * cells whenever the pointer enters another row (its hover highlight). Here
 * hovering is CSS and a new page is one render of plain cells.
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
  const columns: { heading: string; numeric?: boolean }[] = [
    { heading: f.t("cust.col.name") }, { heading: f.t("cust.col.email") }, ...(layerName ? [{ heading: f.t("cust.col.layer") }] : []), { heading: f.t("cust.col.stage") },
    { heading: f.t("cust.col.orders"), numeric: true }, { heading: f.t("cust.col.spent"), numeric: true }, { heading: f.t("cust.col.churn") }, { heading: f.t("cust.col.ltv"), numeric: true },
  ];
  return (
    <BlockStack gap="300">
      {/* Inner HTML: React escapes a style's text children on the server, and the client's would not match. */}
      <style dangerouslySetInnerHTML={{ __html: BUSY_STYLE }} />
      <div data-results="">
      <div className="Polaris-DataTable">
        <div className="Polaris-DataTable__ScrollContainer">
          <table className="Polaris-DataTable__Table">
            <thead>
              <tr>
                {columns.map((c, i) => (
                  <th key={c.heading} scope="col" className={cellClass({ header: true, first: i === 0, numeric: c.numeric })}>
                    {c.heading}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {customers.map((c, i) => (
                <tr key={c.id} className="Polaris-DataTable__TableRow">
                  <th scope="row" className={cellClass({ first: true })}>
                    {/* One link discovers the customer route (Remix's lazy route discovery); the other 49 would
                        only add their paths to a manifest request after every page change. */}
                    <RemixLink to={`/app/customers/${c.id}`} data-customer={c.id} discover={i === 0 ? "render" : "none"}>
                      {c.name ?? f.t("cust.anonymous")}
                    </RemixLink>
                  </th>
                  <td className={cellClass({})}>{c.email ?? f.t("common.none")}</td>
                  {layerName ? <td className={cellClass({})}>{c.layerId ? layerName(c.layerId) : f.t("common.none")}</td> : null}
                  <td className={cellClass({})}>{c.lifecycleStage ? f.t(`stage.${c.lifecycleStage}` as MessageKey) : f.t("common.none")}</td>
                  <td className={cellClass({ numeric: true })}>{f.number(c.orders)}</td>
                  <td className={cellClass({ numeric: true })}>{f.money(c.monetaryMinor, currencyCode)}</td>
                  <td className={cellClass({})}>
                    {c.churnRisk ? <Badge tone={RISK_TONE[c.churnRisk as keyof typeof RISK_TONE]}>{f.t(`risk.${c.churnRisk}` as MessageKey)}</Badge> : f.t("common.none")}
                  </td>
                  <td className={cellClass({ numeric: true })}>{f.money(c.predictedLtvMinor, currencyCode)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      </div>
      <InlineStack align="center" gap="400">
        {/* No tooltips: Polaris opens one on hover, positioning it (layout reads) just as the click
            arrives, which made "Next" the slowest interaction on these pages (INP). The labels stay. */}
        <Pagination
          hasPrevious={hasCursor}
          onPrevious={() => navigate(-1)}
          hasNext={nextCursor !== null}
          onNext={() => navigate(nextUrl())}
          accessibilityLabels={{ previous: f.t("common.previous"), next: f.t("common.next") }}
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

/** Polaris DataTable's cell classes (its stylesheet is the app's): middle-aligned, as the pages had them. */
function cellClass({ header, first, numeric }: { header?: boolean; first?: boolean; numeric?: boolean }): string {
  return [
    "Polaris-DataTable__Cell Polaris-DataTable__Cell--verticalAlignMiddle",
    first ? "Polaris-DataTable__Cell--firstColumn" : "",
    header ? "Polaris-DataTable__Cell--header" : "",
    numeric ? "Polaris-DataTable__Cell--numeric" : "",
  ].filter(Boolean).join(" ");
}

const BUSY_STYLE = [
  "[aria-busy=true] [data-results] { opacity: 0.55; transition: opacity 0.2s 0.15s; }",
  // DataTable's row highlight, without its per-row re-render.
  "[data-results] .Polaris-DataTable__TableRow:hover .Polaris-DataTable__Cell { background: var(--p-color-bg-surface-hover); }",
].join("\n");
