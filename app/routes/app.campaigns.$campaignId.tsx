import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineGrid, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { actionsText, audienceText, CampaignStatusBadge, triggerText, VerdictBadge } from "~/components/campaign-summary";
import { RouteErrorBoundary } from "~/components/route-error";
import { StatCard } from "~/components/stat-card";
import { prisma } from "~/db.server";
import type { Formatter, MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";
import { applyCampaignIntent, campaignDetail, layerNames, type CampaignActionResult } from "~/services/campaign-admin.server";
import { CampaignNotFoundError } from "~/services/campaigns.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = { db: prisma };
  try {
    const [detail, names] = await Promise.all([campaignDetail(session.shop, params.campaignId ?? "", new Date(), deps), layerNames(session.shop, deps)]);
    return { ...detail, layerNames: names };
  } catch (error) {
    if (error instanceof CampaignNotFoundError) throw new Response("", { status: 404 });
    throw error;
  }
};

/** intent = launch (optional horizon) | widen (rolloutShare) | rollback | stop. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  try {
    const result = await applyCampaignIntent(session.shop, params.campaignId ?? "", await request.formData(), { db: prisma });
    return json(result, { status: result.ok ? 200 : result.error.key === "campaigns.err.state" ? 409 : 400 });
  } catch (error) {
    if (error instanceof CampaignNotFoundError) throw new Response("", { status: 404 });
    throw error;
  }
};

type Detail = ReturnType<typeof useLoaderData<typeof loader>>;

const signedPoints = (f: Formatter, x: number | null) => (x === null ? f.t("common.none") : `${x >= 0 ? "+" : "−"}${f.percent(Math.abs(x))}`);

export default function CampaignDetail() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<CampaignActionResult>();
  const f = useI18n();
  const c = d.campaign;
  const layerName = (id: string) => f.layerName(id, d.layerNames[id] ?? id);
  return (
    <Page
      title={c.name}
      titleMetadata={<CampaignStatusBadge f={f} status={c.status} />}
      subtitle={`${audienceText(f, c.audience, layerName)} · ${triggerText(f, c.trigger)}`}
      backAction={{ content: f.t("campaigns.title"), url: "/app/campaigns" }}
    >
      <Layout>
        {result ? (
          <Layout.Section>
            {result.ok ? (
              <Banner tone="success">{f.t(result.intent === "launch" ? "campaigns.launched" : "campaigns.saved")}</Banner>
            ) : (
              <Banner tone="critical">
                <p data-testid="action-error">{f.t(result.error.key, result.error.vars)}</p>
              </Banner>
            )}
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <BlockStack gap="400">
            {c.status === "draft" && d.dryRun ? <DryRunCard f={f} d={d} /> : null}
            {c.status !== "draft" ? <ResultsCard f={f} d={d} /> : null}
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <RolloutCard f={f} d={d} />
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {f.t("campaigns.definitionTitle")}
                </Text>
                <Text as="p">{actionsText(f, c.actions)}</Text>
                <Text as="p" tone="subdued">
                  {f.t("campaigns.window", { days: c.definition.windowDays })}
                </Text>
                <Text as="p" tone="subdued">
                  {f.t("campaigns.budgets", {
                    points: c.definition.budgetPoints === null ? f.t("campaigns.noLimit") : f.t("campaigns.points", { value: f.number(c.definition.budgetPoints) }),
                    money: c.definition.budgetMinor === null ? f.t("campaigns.noLimit") : f.money(c.definition.budgetMinor, d.currencyCode),
                  })}
                </Text>
                <Text as="p" tone="subdued">
                  {f.t("campaigns.cost", { points: f.number(c.spentPoints), money: f.money(c.spentMinor, d.currencyCode) })}
                </Text>
                {c.lastRunAt ? (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {f.t("campaigns.lastRun", { at: f.dateTime(c.lastRunAt) })}
                  </Text>
                ) : null}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function DryRunCard({ f, d }: { f: Formatter; d: Detail }) {
  const dry = d.dryRun!;
  const busy = useNavigation().state === "submitting";
  const [horizon, setHorizon] = useState("");
  return (
    <Card>
      <BlockStack gap="300">
        <Banner tone="info">{f.t("campaigns.detailDraft")}</Banner>
        <Text as="h2" variant="headingMd">
          {f.t("campaigns.dryRunTitle")}
        </Text>
        <InlineGrid columns={{ xs: 2, md: 3 }} gap="300">
          <StatCard label={f.t("campaigns.dryRunAudience")} value={f.number(dry.audience)} />
          <StatCard label={f.t("campaigns.dryRunTreatment")} value={f.number(dry.treatment)} />
          <StatCard label={f.t("campaigns.dryRunControl")} value={f.number(dry.control)} />
          <StatCard label={f.t("campaigns.dryRunNotYet")} value={f.number(dry.notYet)} />
          <StatCard label={f.t("campaigns.dryRunTreatable")} value={f.number(dry.treatable)} />
          <StatCard
            label={f.t("campaigns.dryRunCost")}
            value={f.money(dry.costMinor, d.currencyCode)}
            help={f.t("campaigns.dryRunCostValue", { points: f.number(dry.costPoints), money: f.money(dry.costMinor, d.currencyCode) })}
          />
        </InlineGrid>
        <div data-testid="dry-run">
          <Text as="p" variant="bodySm" tone="subdued">
            {f.t("campaigns.dryRunHelp")}
          </Text>
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value="launch" />
          <InlineStack gap="300" blockAlign="end">
            <TextField
              label={f.t("campaigns.horizon")}
              helpText={f.t("campaigns.horizonHelp")}
              name="horizon"
              type="number"
              autoComplete="off"
              value={horizon}
              onChange={setHorizon}
            />
            <Button submit variant="primary" loading={busy}>
              {f.t("campaigns.launch")}
            </Button>
          </InlineStack>
        </Form>
      </BlockStack>
    </Card>
  );
}

function RolloutCard({ f, d }: { f: Formatter; d: Detail }) {
  const c = d.campaign;
  if (c.status === "draft" && d.widenTo.length === 0) return null;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {f.t("campaigns.rolloutTitle")}
        </Text>
        <div data-testid="rollout">
          <Text as="p">
            {c.rolloutShare === 0 ? f.t("campaigns.rolledBack") : f.t("campaigns.rolloutNow", { rollout: f.percent(c.rolloutShare), holdout: f.percent(c.holdoutShare) })}
          </Text>
        </div>
        <Text as="p" tone="subdued">
          {f.t("campaigns.reached", { treatment: f.number(c.reached.treatment), control: f.number(c.reached.control) })}
        </Text>
        {c.status !== "stopped" ? (
          <InlineStack gap="200">
            {d.widenTo.slice(0, 2).map((share) => (
              <Form method="post" key={share}>
                <input type="hidden" name="intent" value="widen" />
                <input type="hidden" name="rolloutShare" value={share} />
                <Button submit>{f.t("campaigns.widenTo", { share: f.percent(share) })}</Button>
              </Form>
            ))}
            {c.status === "running" && c.rolloutShare > 0 ? (
              <Form method="post">
                <input type="hidden" name="intent" value="rollback" />
                <Button submit tone="critical">
                  {f.t("campaigns.rollback")}
                </Button>
              </Form>
            ) : null}
            {c.status === "running" ? (
              <Form method="post">
                <input type="hidden" name="intent" value="stop" />
                <Button submit tone="critical" variant="plain">
                  {f.t("campaigns.stop")}
                </Button>
              </Form>
            ) : null}
          </InlineStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function ResultsCard({ f, d }: { f: Formatter; d: Detail }) {
  const r = d.results;
  if (!r || r.arms.every((a) => a.customers === 0)) {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {f.t("campaigns.resultsTitle")}
          </Text>
          <div data-testid="no-results">
            <Text as="p" tone="subdued">
              {f.t("campaigns.noResultsYet")}
            </Text>
          </div>
        </BlockStack>
      </Card>
    );
  }
  const v = r.verdict;
  const treatment = r.arms.find((a) => a.arm === "treatment")!;
  const control = r.arms.find((a) => a.arm === "control")!;
  const confidence = f.percent(1 - d.campaign.definition.alpha);
  const range = (x: [number | null, number | null] | null, fmt: (n: number) => string) =>
    x ? f.t("campaigns.upliftRange", { low: x[0] === null ? "−∞" : fmt(x[0]), high: x[1] === null ? "∞" : fmt(x[1]) }) : f.t("common.none");
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {f.t("campaigns.resultsTitle")}
          </Text>
          <VerdictBadge f={f} kind={v.kind} />
        </InlineStack>
        <div data-testid="verdict">
          <Text as="p">
            {f.t(`campaigns.verdictText.${v.kind}` as MessageKey, { treatment: f.percent(treatment.conversionRate), control: f.percent(control.conversionRate) })}
          </Text>
        </div>
        <DataTable
          columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
          headings={[f.t("campaigns.colGroup"), f.t("campaigns.colCustomers"), f.t("campaigns.colConverted"), f.t("campaigns.colConversion"), f.t("campaigns.colOrders"), f.t("campaigns.colRevenuePer")]}
          rows={[treatment, control].map((a) => [
            f.t(`campaigns.group.${a.arm}` as MessageKey), f.number(a.customers), f.number(a.converted), f.percent(a.conversionRate), f.number(a.orders),
            f.money(Math.round(a.revenuePerCustomerMinor), d.currencyCode),
          ])}
        />
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
          <StatCard label={f.t("campaigns.upliftAbsolute")} value={signedPoints(f, v.difference ?? treatment.conversionRate - control.conversionRate)} help={`${f.t("campaigns.upliftInterval", { confidence })}: ${range(v.interval, (n) => signedPoints(f, n))}`} />
          <StatCard label={f.t("campaigns.upliftRelative")} value={signedPoints(f, v.relativeUplift)} />
          <StatCard
            label={f.t("campaigns.revenueDifference")}
            value={r.revenueDifference ? f.money(Math.round(r.revenueDifference.difference), d.currencyCode) : f.t("common.none")}
            help={r.revenueDifference ? range(r.revenueDifference.interval, (n) => f.money(Math.round(n), d.currencyCode)) : undefined}
          />
          <StatCard
            label={f.t("campaigns.roi")}
            value={r.returnOnCost ? f.money(Math.round(r.returnOnCost.netMinor), d.currencyCode) : f.t("common.none")}
            help={
              r.returnOnCost
                ? `${f.t("campaigns.roiValue", {
                    incremental: f.money(Math.round(r.returnOnCost.incrementalRevenueMinor), d.currencyCode),
                    cost: f.money(r.returnOnCost.costMinor, d.currencyCode),
                    net: f.money(Math.round(r.returnOnCost.netMinor), d.currencyCode),
                  })}${r.returnOnCost.roi !== null ? ` · ${f.t("campaigns.roiRatio", { roi: f.percent(r.returnOnCost.roi) })}` : ""}`
                : undefined
            }
          />
        </InlineGrid>
        <Text as="p" variant="bodySm" tone="subdued">
          {f.t("campaigns.cost", { points: f.number(r.costPoints), money: f.money(r.costMinor, d.currencyCode) })}
        </Text>
      </BlockStack>
    </Card>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
