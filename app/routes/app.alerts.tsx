import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Layout, Page, Pagination, Tabs, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { AlertList } from "~/components/alert-list";
import { RouteErrorBoundary } from "~/components/route-error";
import { prisma } from "~/db.server";
import { EDITABLE_MONITOR_METRICS, MONITOR_SPECS } from "~/domain/analytics/monitors";
import type { MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";
import {
  acknowledgeMetricAlert,
  getMonitorThresholds,
  listMetricAlerts,
  MetricAlertNotFoundError,
  setMonitorThresholds,
} from "~/services/monitors.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const filter = url.searchParams.get("filter") === "all" ? "all" : "active";
  const [page, thresholds] = await Promise.all([
    listMetricAlerts(session.shop, { filter, cursor: url.searchParams.get("cursor") }, { db: prisma }),
    getMonitorThresholds(session.shop, { db: prisma }),
  ]);
  return { ...page, filter, thresholds };
};

/** intent=acknowledge (alertId) or intent=thresholds (one field per editable metric). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "acknowledge") {
    try {
      await acknowledgeMetricAlert(session.shop, String(form.get("alertId") ?? ""), { db: prisma });
      return json({ intent, ok: true as const });
    } catch (error) {
      if (error instanceof MetricAlertNotFoundError) return json({ intent, ok: false as const, notFound: true }, { status: 404 });
      throw error;
    }
  }
  if (intent === "thresholds") {
    const fields = Object.fromEntries(EDITABLE_MONITOR_METRICS.map((m) => [m, form.get(m)?.toString()]));
    const result = await setMonitorThresholds(session.shop, fields, { db: prisma });
    if (!result.ok) return json({ intent, ok: false as const, errors: result.errors }, { status: 400 });
    return json({ intent, ok: true as const });
  }
  return json({ intent, ok: false as const, unknown: true }, { status: 400 });
};

type ActionData = { intent: string; ok: boolean; notFound?: boolean; errors?: Partial<Record<string, { min: number; max: number }>> };

export default function Alerts() {
  const { alerts, nextCursor, filter, thresholds } = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const f = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const busy = useNavigation().state === "submitting";
  const tabs = [
    { id: "active", content: f.t("alerts.filterActive") },
    { id: "all", content: f.t("alerts.filterAll") },
  ];
  const shown = (metric: keyof typeof thresholds) => {
    const spec = MONITOR_SPECS[metric];
    return String(Math.round(thresholds[metric] * (spec.unit === "share" ? 100 : 1) * 1000) / 1000);
  };
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(EDITABLE_MONITOR_METRICS.map((m) => [m, shown(m)])));
  const errors = result?.intent === "thresholds" && !result.ok ? result.errors ?? {} : {};
  return (
    <Page title={f.t("alerts.title")} backAction={{ content: f.t("nav.dashboard"), url: "/app" }}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="p" tone="subdued">
                {f.t("alerts.intro")}
              </Text>
              {result?.intent === "acknowledge" ? (
                <Banner tone={result.ok ? "success" : "warning"}>{result.ok ? f.t("alerts.acknowledged") : f.t("alerts.notFound")}</Banner>
              ) : null}
              <Tabs tabs={tabs} selected={filter === "all" ? 1 : 0} onSelect={(i) => navigate(i === 1 ? "?filter=all" : "?")} />
              {alerts.length === 0 ? (
                <div data-testid="alerts-empty">
                  <Text as="p" tone="subdued">
                    {filter === "all" ? f.t("alerts.emptyAll") : f.t("alerts.empty")}
                  </Text>
                </div>
              ) : (
                <AlertList f={f} alerts={alerts} acknowledge />
              )}
              {params.has("cursor") || nextCursor ? (
                <InlineStack align="center">
                  <Pagination
                    hasPrevious={params.has("cursor")}
                    onPrevious={() => navigate(-1)}
                    hasNext={nextCursor !== null}
                    onNext={() => {
                      const next = new URLSearchParams(params);
                      next.set("cursor", nextCursor ?? "");
                      navigate(`?${next}`);
                    }}
                  />
                </InlineStack>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <Form method="post" data-section="thresholds">
              <input type="hidden" name="intent" value="thresholds" />
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {f.t("alerts.thresholdsTitle")}
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {f.t("alerts.thresholdsHelp", { ltvCac: f.number(thresholds.ltvToCac) })}
                </Text>
                {result?.intent === "thresholds" && result.ok ? <Banner tone="success">{f.t("alerts.saved")}</Banner> : null}
                <FormLayout>
                  {EDITABLE_MONITOR_METRICS.map((m) => {
                    const e = errors[m];
                    return (
                      <TextField
                        key={m}
                        label={f.t(`metric.${m}` as MessageKey)}
                        name={m}
                        type="number"
                        suffix={MONITOR_SPECS[m].unit === "share" ? "%" : undefined}
                        autoComplete="off"
                        value={values[m]}
                        onChange={(v) => setValues((s) => ({ ...s, [m]: v }))}
                        error={e ? f.t("alerts.thresholdRange", { min: e.min, max: e.max }) : undefined}
                      />
                    );
                  })}
                </FormLayout>
                <InlineStack align="end">
                  <Button submit variant="primary" loading={busy}>
                    {f.t("alerts.save")}
                  </Button>
                </InlineStack>
              </BlockStack>
            </Form>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
