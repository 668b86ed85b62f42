import { defer, type LoaderFunctionArgs } from "@remix-run/node";
import { Await, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, DataTable, Layout, Page, SkeletonBodyText, Text } from "@shopify/polaris";
import { Suspense } from "react";
import { ClientChart } from "~/components/client-chart";
import { RetentionHeatmap } from "~/components/retention-heatmap";
import { RouteErrorBoundary } from "~/components/route-error";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import { retentionOverview, type RetentionOverview } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return defer({ retention: retentionOverview(session.shop, { db: prisma, dialect: appDatabaseDialect() }) });
};

export default function Cohorts() {
  const { retention } = useLoaderData<typeof loader>();
  const f = useI18n();
  return (
    <Page title={f.t("cohorts.title")}>
      <Suspense
        fallback={
          <Card>
            <div style={{ minHeight: 560 }}>
              <SkeletonBodyText lines={12} />
            </div>
          </Card>
        }
      >
        <Await resolve={retention} errorElement={<Banner tone="critical" title={f.t("common.errorTitle")} />}>
          {(r) => <CohortsBody r={r as RetentionOverview} />}
        </Await>
      </Suspense>
    </Page>
  );
}

function CohortsBody({ r }: { r: RetentionOverview }) {
  const f = useI18n();
  if (r.cohorts.length === 0) {
    return (
      <Card>
        <Text as="p" tone="subdued">
          {f.t("cohorts.empty")}
        </Text>
      </Card>
    );
  }
  const series = [
    { name: f.t("cohorts.allCustomers"), data: r.curve.filter((p) => p.share !== null).map((p) => ({ key: String(p.day), value: pct(p.share) })) },
    ...r.cohortCurves.map((c) => ({ name: c.month, data: c.points.map((p) => ({ key: String(p.day), value: pct(p.share) })) })),
  ];
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {f.t("cohorts.heatmap")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("cohorts.heatmapHelp")}
            </Text>
            <RetentionHeatmap cohorts={r.cohorts} />
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {f.t("cohorts.curves")}
            </Text>
            <ClientChart
              height={320}
              label={f.t("cohorts.curves")}
              render={(viz) => (
                <viz.LineChart isAnimated={false} data={series} yAxisOptions={{ labelFormatter: (v) => `${v}%` }} />
              )}
            />
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section>
        <Card padding="0">
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
            headings={[f.t("cohorts.month"), f.t("cohorts.size"), f.t("dash.retention", { days: 30 }), f.t("dash.retention", { days: 60 }), f.t("dash.retention", { days: 90 }), f.t("dash.repeatRate")]}
            rows={[...r.cohorts].reverse().map((c) => [c.month, f.number(c.size), f.percent(c.retention[30]), f.percent(c.retention[60]), f.percent(c.retention[90]), f.percent(c.repeatRate)])}
            footerContent={f.t("common.computedAt", { at: f.dateTime(r.asOf) })}
          />
        </Card>
      </Layout.Section>
    </Layout>
  );
}

const pct = (share: number | null) => (share === null ? 0 : Math.round(share * 1000) / 10);

export const ErrorBoundary = RouteErrorBoundary;
