import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { CustomerTable } from "~/components/customer-table";
import { DownloadButton } from "~/components/download-button";
import { RouteErrorBoundary } from "~/components/route-error";
import { SearchForm } from "~/components/search-form";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import { layerDetail } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const view = await layerDetail(session.shop, params.layerId ?? "", { db: prisma, dialect: appDatabaseDialect() }, {
    search: url.searchParams.get("q"),
    cursor: url.searchParams.get("cursor"),
  });
  if (!view) throw new Response("", { status: 404 });
  return view;
};

export default function LayerDetail() {
  const view = useLoaderData<typeof loader>();
  const f = useI18n();
  const name = f.layerName(view.layer.id, view.layer.name);
  return (
    <Page
      title={f.t("layer.title", { name })}
      backAction={{ content: f.t("nav.layers"), url: "/app/layers" }}
      primaryAction={view.layer.rule !== null ? { content: f.t("layer.edit"), url: `/app/layers/${view.layer.id}/edit` } : undefined}
      secondaryActions={
        <DownloadButton url={`/app/layers/${view.layer.id}/csv`} filename={`evergreen-${view.layer.id}.csv`}>
          {f.t("layer.exportCsv")}
        </DownloadButton>
      }
    >
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              {view.layer.description ? <Text as="p">{view.layer.description}</Text> : null}
              <InlineStack gap="200">
                <Text as="span" fontWeight="semibold">
                  {f.t("layer.rule")}:
                </Text>
                <Text as="span" data-testid="layer-rule">{view.layer.rule ?? f.t("common.none")}</Text>
              </InlineStack>
              <Text as="p" tone="subdued">
                {f.t("layer.size", { customers: f.number(view.layer.customers), revenue: f.percent(view.layer.revenueShare) })}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <SearchForm initial={view.search} />
              <CustomerTable
                customers={view.customers}
                nextCursor={view.nextCursor}
                currencyCode={view.currencyCode}
                empty={view.search ? f.t("layer.noMatch", { q: view.search }) : f.t("layer.empty")}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
