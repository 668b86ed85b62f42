import { defer, type LoaderFunctionArgs } from "@remix-run/node";
import { Await, Link as RemixLink, useLoaderData, useNavigate, useSearchParams } from "@remix-run/react";
import { BlockStack, Card, DataTable, EmptyState, InlineStack, Layout, Page, Pagination, Text } from "@shopify/polaris";
import { Suspense } from "react";
import { actionsText, audienceText, CampaignStatusBadge, VerdictBadge } from "~/components/campaign-summary";
import { RouteErrorBoundary } from "~/components/route-error";
import { prisma } from "~/db.server";
import type { Formatter } from "~/i18n";
import { useI18n } from "~/i18n/react";
import { campaignHeadlines, layerNames, listCampaigns, type CampaignHeadline } from "~/services/campaign-admin.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const deps = { db: prisma };
  const [page, names] = await Promise.all([listCampaigns(session.shop, { cursor: url.searchParams.get("cursor") }, deps), layerNames(session.shop, deps)]);
  // Conversion per arm reads each campaign's assignments and orders: streamed, so the list shows at once.
  return defer({ ...page, layerNames: names, headlines: campaignHeadlines(session.shop, page.campaigns, new Date(), deps) });
};

function Headline({ f, headline }: { f: Formatter; headline: CampaignHeadline | undefined }) {
  if (!headline) return <Text as="span" tone="subdued">{f.t("campaigns.noResult")}</Text>;
  return (
    <BlockStack gap="100">
      <VerdictBadge f={f} kind={headline.verdict} />
      {headline.treatmentRate !== null && headline.controlRate !== null ? (
        <Text as="span" variant="bodySm" tone="subdued">
          {f.t("campaigns.headline", { treatment: f.percent(headline.treatmentRate), control: f.percent(headline.controlRate) })}
        </Text>
      ) : null}
    </BlockStack>
  );
}

export default function Campaigns() {
  const { campaigns, nextCursor, layerNames: names, headlines } = useLoaderData<typeof loader>();
  const f = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const layerName = (id: string) => f.layerName(id, names[id] ?? id);
  return (
    <Page
      title={f.t("campaigns.title")}
      primaryAction={{ content: f.t("campaigns.fromPlaybook"), url: "/app/campaigns/new" }}
      backAction={{ content: f.t("nav.dashboard"), url: "/app" }}
    >
      <Layout>
        <Layout.Section>
          {campaigns.length === 0 && !params.has("cursor") ? (
            <Card>
              <EmptyState
                heading={f.t("campaigns.emptyTitle")}
                action={{ content: f.t("campaigns.fromPlaybook"), url: "/app/campaigns/new" }}
                image=""
              >
                <p>{f.t("campaigns.emptyBody")}</p>
              </EmptyState>
            </Card>
          ) : (
            <Card>
              <BlockStack gap="300">
                <Text as="p" tone="subdued">
                  {f.t("campaigns.intro")}
                </Text>
                <Suspense fallback={<CampaignTable f={f} campaigns={campaigns} layerName={layerName} headlines={null} />}>
                  <Await resolve={headlines} errorElement={<CampaignTable f={f} campaigns={campaigns} layerName={layerName} headlines={[]} />}>
                    {(h) => <CampaignTable f={f} campaigns={campaigns} layerName={layerName} headlines={h as CampaignHeadline[]} />}
                  </Await>
                </Suspense>
                {params.has("cursor") || nextCursor ? (
                  <InlineStack align="center">
                    <Pagination
                      hasPrevious={params.has("cursor")}
                      onPrevious={() => navigate(-1)}
                      hasNext={nextCursor !== null}
                      onNext={() => navigate(`?cursor=${encodeURIComponent(nextCursor ?? "")}`)}
                    />
                  </InlineStack>
                ) : null}
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>["campaigns"][number];

/** `headlines` null: still computing. */
function CampaignTable({ f, campaigns, layerName, headlines }: { f: Formatter; campaigns: Row[]; layerName: (id: string) => string; headlines: CampaignHeadline[] | null }) {
  return (
    <DataTable
      columnContentTypes={["text", "text", "text", "text", "numeric", "numeric", "text", "text"]}
      headings={[
        f.t("campaigns.colName"), f.t("campaigns.colStatus"), f.t("campaigns.colAudience"), f.t("campaigns.colActions"),
        f.t("campaigns.colRollout"), f.t("campaigns.colHoldout"), f.t("campaigns.colReached"), f.t("campaigns.colResult"),
      ]}
      verticalAlign="middle"
      rows={campaigns.map((c) => [
        <RemixLink key="name" to={`/app/campaigns/${c.id}`} data-campaign={c.id}>
          {c.name}
        </RemixLink>,
        <CampaignStatusBadge key="status" f={f} status={c.status} />,
        audienceText(f, c.audience, layerName),
        actionsText(f, c.actions),
        f.percent(c.rolloutShare),
        f.percent(c.holdoutShare),
        f.t("campaigns.reached", { treatment: f.number(c.reached.treatment), control: f.number(c.reached.control) }),
        headlines === null && c.status !== "draft" ? (
          <Text key="result" as="span" tone="subdued">
            {f.t("campaigns.resultPending")}
          </Text>
        ) : (
          <Headline key="result" f={f} headline={headlines?.find((h) => h.campaignId === c.id)} />
        ),
      ])}
    />
  );
}

export const ErrorBoundary = RouteErrorBoundary;
