import { defer, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Await, Link as RemixLink, useLoaderData } from "@remix-run/react";
import { AlertList } from "~/components/alert-list";
import { openMetricAlerts } from "~/services/monitors.server";
import { Badge, Banner, BlockStack, Card, InlineGrid, InlineStack, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { LoyaltyFigures, OnboardingCard } from "~/components/loyalty-dashboard";
import { Suspense } from "react";
import { ClientChart } from "~/components/client-chart";
import { NotComputedYet } from "~/components/not-computed";
import { RouteErrorBoundary } from "~/components/route-error";
import { StatCard } from "~/components/stat-card";
import { SyncStatusCard } from "~/components/sync-status-card";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import type { Formatter, MessageKey } from "~/i18n";
import { syncInBackground } from "~/jobs/sync-runner.server";
import {
  dashboardInsights,
  enableProgrammeWithDefaults,
  loyaltyOverview,
  dashboardRetention,
  syncStatus,
  type RetentionOverview,
} from "~/services/admin-views.server";

type DashboardRetention = Awaited<ReturnType<typeof dashboardRetention>>;
import { env } from "~/env.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = { db: prisma, dialect: appDatabaseDialect() };
  // The monitors' open alerts (app/services/monitors.server.ts): a small indexed read, alongside the others.
  const [sync, insights, loyalty, monitorAlerts] = await Promise.all([
    syncStatus(session.shop, deps), dashboardInsights(session.shop, deps), loyaltyOverview(session.shop, deps), openMetricAlerts(session.shop, { db: prisma }),
  ]);
  // The theme editor with Evergreen's app embed (extensions/evergreen-theme/blocks/launcher.liquid) ready to switch on.
  const embedUrl = `https://${session.shop}/admin/themes/current/editor?context=apps&activateAppId=${env().SHOPIFY_API_KEY}/launcher`;
  // Retention reads every purchase history (memoised per intelligence pass): streamed, so the page does not wait for it.
  return defer({ sync, insights, loyalty, embedUrl, monitorAlerts, retention: dashboardRetention(session.shop, deps) });
};

/** "Sync again" (intent=sync) or onboarding's "turn on the programme" (intent=enableProgramme). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const intent = (await request.formData()).get("intent");
  if (intent === "enableProgramme") {
    const { rewardsCreated } = await enableProgrammeWithDefaults(session.shop, { db: prisma, dialect: appDatabaseDialect() });
    return { enabled: true, rewardsCreated };
  }
  syncInBackground(session.shop, "catch-up");
  return { started: true };
};

export default function Dashboard() {
  const { sync, insights, loyalty, embedUrl, retention } = useLoaderData<typeof loader>();
  const f = useI18n();
  return (
    <Page title={f.t("dash.title")}>
      <Layout>
        <Layout.Section>
          <SyncStatusCard counts={sync.counts} latest={sync.latest} />
        </Layout.Section>
        {loyalty.programme === "none" ? (
          <Layout.Section>
            <OnboardingCard sync={sync} embedUrl={embedUrl} currencyCode={loyalty.currencyCode} />
          </Layout.Section>
        ) : (
          <Layout.Section>
            <LoyaltyFigures loyalty={loyalty} embedUrl={embedUrl} />
          </Layout.Section>
        )}
        <Layout.Section>
          <Suspense fallback={<RetentionSkeleton />}>
            <Await resolve={retention} errorElement={<Banner tone="critical" title={f.t("common.errorTitle")} />}>
              {(r) => <RetentionSection r={r as DashboardRetention} />}
            </Await>
          </Suspense>
        </Layout.Section>
        <Layout.Section>
          {insights ? (
            <InlineGrid columns={{ xs: 1, md: "2fr 1fr" }} gap="400">
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between">
                    <Text as="h2" variant="headingMd">
                      {f.t("dash.layers")}
                    </Text>
                    <RemixLink to="/app/layers">{f.t("dash.layersLink")}</RemixLink>
                  </InlineStack>
                  {insights.layers
                    .filter((l) => l.customers > 0)
                    .map((l) => (
                      <BlockStack gap="100" key={l.id}>
                        <InlineStack align="space-between">
                          <RemixLink to={`/app/layers/${l.id}`}>{f.layerName(l.id, l.name)}</RemixLink>
                          <Text as="span" tone="subdued">
                            {f.number(l.customers)} · {f.percent(l.customerShare)}
                          </Text>
                        </InlineStack>
                        <ProgressBar progress={Math.round((l.customerShare ?? 0) * 100)} size="small" />
                      </BlockStack>
                    ))}
                  <Text as="p" variant="bodySm" tone="subdued">
                    {f.t("common.computedAt", { at: f.dateTime(insights.computedAt) })}
                  </Text>
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {f.t("dash.movement")}
                  </Text>
                  <InlineGrid columns={2} gap="200">
                    <BlockStack gap="100">
                      <Text as="h3" variant="headingSm" tone="subdued">
                        {f.t("dash.upgrades")}
                      </Text>
                      <Text as="p" variant="headingXl" tone="success">
                        {f.percent(insights.movement.upgradeRate)}
                      </Text>
                      <Text as="p" variant="bodySm">
                        {f.number(insights.movement.upgrades)}
                      </Text>
                    </BlockStack>
                    <BlockStack gap="100">
                      <Text as="h3" variant="headingSm" tone="subdued">
                        {f.t("dash.downgrades")}
                      </Text>
                      <Text as="p" variant="headingXl" tone="critical">
                        {f.percent(insights.movement.downgradeRate)}
                      </Text>
                      <Text as="p" variant="bodySm">
                        {f.number(insights.movement.downgrades)}
                      </Text>
                    </BlockStack>
                  </InlineGrid>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {f.t("dash.movementHelp", { moves: f.number(insights.movement.moves), customers: f.number(insights.movement.customers) })}
                  </Text>
                </BlockStack>
              </Card>
            </InlineGrid>
          ) : (
            <NotComputedYet />
          )}
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={3} gap="400">
            <StatCard label={f.t("common.customers")} value={f.number(sync.counts.customers)} />
            <StatCard label={f.t("common.orders")} value={f.number(sync.counts.orders)} />
            <StatCard label={f.t("common.products")} value={f.number(sync.counts.products)} />
          </InlineGrid>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** The same grid as the figures it stands in for, so nothing moves when they arrive. */
function RetentionSkeleton() {
  const f = useI18n();
  const labels = [f.t("dash.retention", { days: 30 }), f.t("dash.retention", { days: 60 }), f.t("dash.retention", { days: 90 })];
  return (
    <BlockStack gap="400">
      <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
        {labels.map((label) => (
          <StatCard key={label} label={label} value="…" help={f.t("dash.analyticsLoading")} />
        ))}
      </InlineGrid>
      <div style={{ minHeight: 480 }} />
    </BlockStack>
  );
}

function RetentionSection({ r }: { r: DashboardRetention }) {
  const f = useI18n();
  if (r.buyers === 0) {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {f.t("dash.noBuyersTitle")}
          </Text>
          <Text as="p" tone="subdued">
            {f.t("dash.noBuyersBody")}
          </Text>
        </BlockStack>
      </Card>
    );
  }
  const points = r.trendDelta === null ? null : Math.round(r.trendDelta * 1000) / 10;
  const trend =
    points === null ? (
      <Text as="p" variant="bodySm" tone="subdued">
        {f.t("dash.noTrend")}
      </Text>
    ) : (
      <Badge tone={points > 0 ? "success" : points < 0 ? "critical" : undefined}>
        {points > 0 ? f.t("dash.trendUp", { points }) : points < 0 ? f.t("dash.trendDown", { points: -points }) : f.t("dash.trendFlat")}
      </Badge>
    );
  const ltv = r.ltv.find((l) => l.days === 365) ?? r.ltv[r.ltv.length - 1];
  return (
    <BlockStack gap="400">
      <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
        {r.windows.map((w) => (
          <StatCard
            key={w.days}
            label={f.t("dash.retention", { days: w.days })}
            value={f.percent(w.rate)}
            help={f.t("dash.retentionHelp", { retained: f.number(w.retained), matured: f.number(w.matured), days: w.days })}
            footer={w.days === 30 ? trend : undefined}
          />
        ))}
      </InlineGrid>
      <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
        <StatCard
          label={f.t("dash.repeatRate")}
          value={f.percent(r.repeatRate)}
          help={f.t("dash.repeatHelp", { repeat: f.number(r.repeatCustomers), customers: f.number(r.buyers) })}
        />
        {ltv ? (
          <StatCard
            label={f.t("dash.ltv", { days: ltv.days })}
            value={f.money(ltv.meanMinor, r.currencyCode)}
            help={f.t("dash.ltvHelp", { days: ltv.days, customers: f.number(ltv.customers) })}
          />
        ) : null}
        <LtvCacCard r={r} f={f} />
      </InlineGrid>
      <InlineGrid columns={{ xs: 1, md: "2fr 1fr" }} gap="400">
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              {f.t("dash.retentionTrend")}
            </Text>
            <ClientChart
              height={260}
              label={f.t("dash.retentionTrend")}
              render={(viz) => (
                <viz.LineChart
                  isAnimated={false}
                  showLegend={false}
                  data={[{ name: f.t("dash.retention", { days: 30 }), data: r.retentionTrend.map((p) => ({ key: p.month, value: Math.round(p.rate * 1000) / 10 })) }]}
                  yAxisOptions={{ labelFormatter: (v) => `${v}%` }}
                />
              )}
            />
          </BlockStack>
        </Card>
        <AlertsCard r={r} f={f} />
      </InlineGrid>
    </BlockStack>
  );
}

function AlertsCard({ r, f }: { r: RetentionOverview; f: Formatter }) {
  const { monitorAlerts } = useLoaderData<typeof loader>();
  const value = (v: number, unit: "share" | "ratio" | "days") =>
    unit === "share" ? f.percent(v) : unit === "days" ? `${f.number(Math.round(v))} d` : f.number(Math.round(v * 100) / 100);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {f.t("dash.alerts")}
        </Text>
        {monitorAlerts.alerts.length ? <AlertList f={f} alerts={monitorAlerts.alerts} /> : null}
        {monitorAlerts.open > monitorAlerts.alerts.length ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {f.t("alerts.dashboardMore", { count: f.number(monitorAlerts.open) })}
          </Text>
        ) : null}
        <RemixLink to="/app/alerts">{f.t("alerts.viewAll")}</RemixLink>
        {r.alerts.length === 0 ? (
          monitorAlerts.alerts.length ? null : (
            <Text as="p" tone="subdued">
              {f.t("dash.noAlerts")}
            </Text>
          )
        ) : (
          r.alerts.map((a, i) => {
            const metric = f.t(`metric.${a.metric}` as MessageKey);
            return (
              <Banner key={i} tone={a.kind === "breach" ? "critical" : "warning"}>
                <p>
                  {a.kind === "breach" && a.run
                    ? f.t("dash.alert.breach", { metric, threshold: value(a.typical, a.unit), months: a.run.months, start: a.run.startMonth, end: a.run.endMonth })
                    : f.t("dash.alert.typical", {
                        metric,
                        value: value(a.value, a.unit),
                        typical: value(a.typical, a.unit),
                        target: a.target === null ? f.t("common.none") : value(a.target, a.unit),
                      })}
                </p>
              </Banner>
            );
          })
        )}
      </BlockStack>
    </Card>
  );
}

export const ErrorBoundary = RouteErrorBoundary;

/** LTV/CAC of the latest month with both figures, judged by the merchant's thresholds; or how to get there. */
function LtvCacCard({ r, f }: { r: DashboardRetention; f: Formatter }) {
  const { latest, escalations, waitingForCohorts, thresholds } = r.ltvCac;
  const tone = { healthy: "success", watch: "attention", alert: "critical" } as const;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm" tone="subdued">
          {f.t("dash.ltvCac")}
        </Text>
        {latest ? (
          <>
            <InlineStack gap="200" blockAlign="center">
              <Text as="p" variant="headingLg">
                {Number.isFinite(latest.ratio) ? f.t("dash.ltvCacValue", { ratio: latest.ratio.toFixed(1) }) : "∞"}
              </Text>
              <Badge tone={tone[latest.status]}>{f.t(`dash.ltvCacStatus.${latest.status}` as MessageKey)}</Badge>
            </InlineStack>
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("dash.ltvCacHelp", { month: latest.month, ltv: f.money(latest.ltvMinor, r.currencyCode), cac: f.money(latest.cacMinor, r.currencyCode), months: 12 })}
            </Text>
            {escalations.map((e) => (
              <Text as="p" variant="bodySm" tone="critical" key={`${e.channel}|${e.startMonth}`}>
                {e.channel ? `${e.channel}: ` : ""}
                {f.t("dash.ltvCacEscalated", { alert: thresholds.alert, months: e.months, start: e.startMonth })}
              </Text>
            ))}
          </>
        ) : (
          <>
            <Text as="p" variant="headingMd">
              {f.t("dash.cacEmptyTitle")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {waitingForCohorts ? f.t("dash.ltvCacWaiting", { months: 12 }) : f.t("dash.cacEmptyBody")}
            </Text>
          </>
        )}
        <RemixLink to="/app/settings">{f.t("dash.cacEnter")}</RemixLink>
      </BlockStack>
    </Card>
  );
}
