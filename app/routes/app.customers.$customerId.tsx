import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type SerializeFrom } from "@remix-run/node";
import { Link as RemixLink, useLoaderData, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, DataTable, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { LedgerCard, LoyaltySection } from "~/components/customer-loyalty";
import { RouteErrorBoundary } from "~/components/route-error";
import { appDatabaseDialect, prisma } from "~/db.server";
import type { Formatter, MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";
import {
  adjustCustomerPoints,
  customerDetail,
  customerExists,
  customerGidOf,
  customerLoyalty,
  staffMemberOf,
  type CustomerDetailView,
} from "~/services/admin-views.server";
import { customerBehaviourView } from "~/services/behaviour.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const gid = customerGidOf(params.customerId ?? "");
  if (!gid) throw new Response("", { status: 404 });
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  const [view, loyalty, behaviour] = await Promise.all([
    customerDetail(session.shop, gid, deps, { ordersBefore: new URL(request.url).searchParams.get("orders") }),
    customerLoyalty(session.shop, gid, deps),
    customerBehaviourView(session.shop, gid, deps),
  ]);
  if (!view) throw new Response("", { status: 404 });
  return { ...view, loyalty, behaviour };
};

/** The staff adjustment of points (the only form on the page). Invalid input: 400 with the errors per field. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const auth = await authenticate.admin(request);
  const gid = customerGidOf(params.customerId ?? "");
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  if (!gid || !(await customerExists(auth.session.shop, gid, deps))) throw new Response("", { status: 404 });
  const form = await request.formData();
  if (form.get("intent") !== "adjust") throw new Response("Unknown action", { status: 400 });
  const result = await adjustCustomerPoints(auth.session.shop, gid, form, staffMemberOf(auth), deps);
  return json(result, { status: result.ok ? 200 : 400 });
};

const RISK_TONE = { low: "success", medium: "attention", high: "critical" } as const;

export default function CustomerDetail() {
  const c = useLoaderData<typeof loader>();
  const f = useI18n();
  const insight = c.insight;
  return (
    <Page
      title={c.name ?? f.t("cust.anonymous")}
      subtitle={c.email ?? undefined}
      backAction={{ content: f.t("nav.customers"), url: "/app/customers" }}
      titleMetadata={insight ? <Badge>{f.layerName(insight.layer.id, insight.layer.name)}</Badge> : undefined}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {insight ? <LayerReasonCard insight={insight} f={f} /> : <Card><Text as="p" tone="subdued">{f.t("cust.noInsight")}</Text></Card>}
            {insight ? <ScoresCard insight={insight} currencyCode={c.currencyCode} f={f} /> : null}
            <BehaviourCard behaviour={c.behaviour.behaviour} f={f} />
            <LedgerCard loyalty={c.loyalty} f={f} />
            <OrdersCard c={c} f={f} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            {insight ? <PredictionCard insight={insight} currencyCode={c.currencyCode} f={f} /> : null}
            <RecommendedCard products={c.behaviour.recommended} f={f} />
            <LoyaltySection loyalty={c.loyalty} f={f} />
            {insight && insight.recentMoves.length > 0 ? (
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {f.t("cust.moves")}
                  </Text>
                  {insight.recentMoves.map((m, i) => (
                    <Text as="p" key={i} variant="bodySm">
                      {f.date(m.movedAt)}: {m.from ?? f.t("common.none")} → {m.to} ({m.direction})
                    </Text>
                  ))}
                </BlockStack>
              </Card>
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

type Insight = NonNullable<CustomerDetailView["insight"]>;

function LayerReasonCard({ insight, f }: { insight: Insight; f: Formatter }) {
  const values = Object.entries(insight.layerReason.values);
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            {f.t("cust.layerReason")}
          </Text>
          <RemixLink to={`/app/layers/${insight.layer.id}`}>{f.layerName(insight.layer.id, insight.layer.name)}</RemixLink>
        </InlineStack>
        <Text as="p" data-testid="layer-explanation">
          {insight.layerReason.explanation}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {f.t("cust.matchedRule")}: {insight.layerReason.matchedRule}
        </Text>
        {values.length > 0 ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {f.t("cust.values")}: {values.map(([k, v]) => `${k} = ${v ?? f.t("common.none")}`).join(", ")}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function ScoresCard({ insight, currencyCode, f }: { insight: Insight; currencyCode: string; f: Formatter }) {
  const q = (v: number | null) => (v === null ? f.t("common.none") : String(v));
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            {f.t("cust.scores")}
          </Text>
          <Badge>{f.t(`stage.${insight.lifecycleStage}` as MessageKey)}</Badge>
        </InlineStack>
        {insight.rfm.r === null ? (
          <Text as="p" tone="subdued">
            {f.t("cust.prospect")}
          </Text>
        ) : null}
        <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
          <Figure label={f.t("cust.rfm")} value={`${q(insight.rfm.r)}-${q(insight.rfm.f)}-${q(insight.rfm.m)}`} />
          <Figure label={f.t("cust.recency")} value={insight.recencyDays === null ? f.t("common.none") : f.number(insight.recencyDays)} />
          <Figure label={f.t("cust.aov")} value={f.money(insight.aovMinor, currencyCode)} />
          <Figure label={f.t("cust.netSpend")} value={f.money(insight.monetaryMinor, currencyCode)} />
        </InlineGrid>
        <Text as="p" variant="bodySm" tone="subdued">
          {f.t("cust.stateAsOf", { at: f.dateTime(insight.computedAt) })}
        </Text>
      </BlockStack>
    </Card>
  );
}

function PredictionCard({ insight, currencyCode, f }: { insight: Insight; currencyCode: string; f: Formatter }) {
  const p = insight.prediction;
  if (!p) return null;
  const level = p.churnRisk.level as keyof typeof RISK_TONE;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            {f.t("cust.churn")}
          </Text>
          <Badge tone={RISK_TONE[level]}>{f.t(`risk.${level}` as MessageKey)}</Badge>
        </InlineStack>
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm" tone="subdued">
            {f.t("cust.churnReasons")}
          </Text>
          {p.churnRisk.reasons.map((r, i) => (
            <Text as="p" variant="bodySm" key={i}>
              {churnReason(r, f)}
            </Text>
          ))}
        </BlockStack>
        <Box borderBlockStartWidth="025" borderColor="border" paddingBlockStart="300">
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              {f.t("cust.prediction")}
            </Text>
            <Figure label={f.t("cust.predictedLtv")} value={f.money(p.predictedLtvMinor, currencyCode)} />
            <Figure label={f.t("cust.nextOrder")} value={p.expectedNextOrderAt ? f.date(p.expectedNextOrderAt) : f.t("cust.noNextOrder")} />
            <Figure label={f.t("cust.pAlive")} value={f.percent(p.pAlive)} />
            <Figure
              label={f.t("cust.expectedOrders")}
              value={[p.expectedOrders.next30Days, p.expectedOrders.next90Days, p.expectedOrders.next365Days].map((n) => n.toFixed(2)).join(" / ")}
            />
            <Figure label={f.t("cust.expectedValue")} value={f.money(p.expectedOrderValueMinor, currencyCode)} />
          </BlockStack>
        </Box>
      </BlockStack>
    </Card>
  );
}

function churnReason(r: Record<string, unknown>, f: Formatter): string {
  const n = (v: unknown, digits = 0) => (typeof v === "number" ? (digits ? v.toFixed(digits) : f.number(Math.round(v))) : f.t("common.unknown"));
  switch (r.rule) {
    case "pAliveBelow":
      return f.t("cust.churn.pAliveBelow", { pAlive: f.percent(r.pAlive as number), threshold: f.percent(r.threshold as number) });
    case "gapExceeded":
      return f.t("cust.churn.gapExceeded", { days: n(r.daysSinceLastOrder), multiple: n(r.multiple, 1), gap: n(r.expectedGapDays), limit: n(r.limitDays) });
    case "withinThresholds":
      return f.t("cust.churn.withinThresholds", { pAlive: f.percent(r.pAlive as number), days: n(r.daysSinceLastOrder) });
    default:
      return String(r.rule);
  }
}

function OrdersCard({ c, f }: { c: CustomerDetailView; f: Formatter }) {
  const [params] = useSearchParams();
  return (
    <Card padding="0">
      <Box padding="400">
        <Text as="h2" variant="headingMd">
          {f.t("cust.ordersTitle")}
        </Text>
      </Box>
      {c.orders.length === 0 ? (
        <Box padding="400" paddingBlockStart="0">
          <Text as="p" tone="subdued">
            {f.t("cust.noOrders")}
          </Text>
        </Box>
      ) : (
        <DataTable
          columnContentTypes={["text", "text", "text", "numeric", "numeric"]}
          headings={[f.t("cust.col.order"), f.t("cust.col.date"), f.t("cust.col.status"), f.t("cust.col.total"), f.t("cust.col.refunded")]}
          rows={c.orders.map((o) => [
            o.name,
            f.date(o.processedAt),
            o.cancelledAt ? `${o.financialStatus ?? ""} (cancelled)` : (o.financialStatus ?? f.t("common.none")),
            f.money(o.totalPriceMinor, o.currencyCode),
            o.totalRefundedMinor ? f.money(o.totalRefundedMinor, o.currencyCode) : f.t("common.none"),
          ])}
        />
      )}
      {c.nextOrdersCursor || params.has("orders") ? (
        <Box padding="400">
          <InlineStack gap="400">
            {params.has("orders") ? <RemixLink to="?">{f.t("common.first")}</RemixLink> : null}
            {c.nextOrdersCursor ? <RemixLink to={`?orders=${c.nextOrdersCursor}`}>{f.t("common.next")}</RemixLink> : null}
          </InlineStack>
        </Box>
      ) : null}
    </Card>
  );
}

type BehaviourData = SerializeFrom<typeof loader>["behaviour"];

function BehaviourCard({ behaviour: b, f }: { behaviour: BehaviourData["behaviour"]; f: Formatter }) {
  const list = (items: { value: string }[]) => (items.length ? items.map((a) => a.value).join(", ") : f.t("common.none"));
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {f.t("cust.behaviour.title")}
        </Text>
        {b === null ? (
          <Text as="p" tone="subdued" data-testid="behaviour-consent-note">
            {f.t("cust.behaviour.noData")}
          </Text>
        ) : (
          <>
            <DataTable
              columnContentTypes={["text", "numeric", "numeric"]}
              headings={[f.t("cust.behaviour.col.metric"), f.t("cust.behaviour.col.days30"), f.t("cust.behaviour.col.days90")]}
              rows={(
                [
                  ["cust.behaviour.sessions", b.sessions],
                  ["cust.behaviour.views", b.views],
                  ["cust.behaviour.carts", b.carts],
                  ["cust.behaviour.searches", b.searches],
                ] as const
              ).map(([key, v]) => [f.t(key), f.number(v.days30), f.number(v.days90)])}
            />
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
              <Figure label={f.t("cust.behaviour.lastSeen")} value={b.lastSeenAt ? f.dateTime(b.lastSeenAt) : f.t("common.none")} />
              <Figure label={f.t("cust.behaviour.cartAbandoned")} value={b.cartAbandonedAt ? f.dateTime(b.cartAbandonedAt) : f.t("cust.behaviour.noCartAbandoned")} />
              <Figure label={f.t("cust.behaviour.topTypes")} value={list(b.topProductTypes)} />
              <Figure label={f.t("cust.behaviour.topVendors")} value={list(b.topVendors)} />
              <Figure label={f.t("cust.behaviour.topSearches")} value={list(b.topSearchTerms)} />
            </InlineGrid>
            {b.lifetime.views + b.lifetime.carts + b.lifetime.searches > 0 ? (
              <Text as="p" variant="bodySm" tone="subdued">
                {f.t("cust.behaviour.lifetime", { views: f.number(b.lifetime.views), carts: f.number(b.lifetime.carts), searches: f.number(b.lifetime.searches) })}
              </Text>
            ) : null}
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("cust.behaviour.computedAt", { at: f.dateTime(b.computedAt) })}
            </Text>
          </>
        )}
      </BlockStack>
    </Card>
  );
}

function RecommendedCard({ products, f }: { products: BehaviourData["recommended"]; f: Formatter }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {f.t("cust.recommended.title")}
        </Text>
        {products.length === 0 ? (
          <Text as="p" tone="subdued">
            {f.t("cust.recommended.none")}
          </Text>
        ) : (
          <>
            <ol data-testid="recommended-products" style={{ margin: 0, paddingInlineStart: "1.25rem" }}>
              {products.map((p) => (
                <li key={p.productGid}>
                  <Text as="span" variant="bodyMd">
                    {p.title}
                  </Text>
                </li>
              ))}
            </ol>
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("cust.recommended.help")}
            </Text>
          </>
        )}
      </BlockStack>
    </Card>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span" variant="headingSm">
        {value}
      </Text>
    </BlockStack>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
