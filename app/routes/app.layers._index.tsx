import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData } from "@remix-run/react";
import { BlockStack, Card, DataTable, Layout, Page, Text } from "@shopify/polaris";
import { NotComputedYet } from "~/components/not-computed";
import { RouteErrorBoundary } from "~/components/route-error";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import { layersOverview } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return { overview: await layersOverview(session.shop, { db: prisma, dialect: appDatabaseDialect() }) };
};

export default function Layers() {
  const { overview } = useLoaderData<typeof loader>();
  const f = useI18n();
  return (
    <Page title={f.t("layers.title")} subtitle={f.t("layers.subtitle")}>
      <Layout>
        <Layout.Section>
          {overview ? (
            <Card padding="0">
              <DataTable
                columnContentTypes={["text", "text", "numeric", "numeric", "numeric", "numeric"]}
                headings={[
                  f.t("layers.col.layer"), f.t("layers.col.rule"), f.t("layers.col.customers"), f.t("layers.col.share"),
                  f.t("layers.col.revenue"), f.t("layers.col.trend"),
                ]}
                verticalAlign="middle"
                rows={overview.layers.map((l) => [
                  <BlockStack gap="050" key={l.id}>
                    <RemixLink to={`/app/layers/${l.id}`} data-layer={l.id}>
                      {f.layerName(l.id, l.name)}
                    </RemixLink>
                  </BlockStack>,
                  <div key="rule" style={{ whiteSpace: "normal", maxWidth: 420 }}>
                    <Text as="span" variant="bodySm">
                      {l.rule ?? f.t("common.none")}
                    </Text>
                  </div>,
                  f.number(l.customers),
                  f.percent(l.customerShare),
                  f.percent(l.revenueShare),
                  l.netChange30 > 0 ? `+${f.number(l.netChange30)}` : f.number(l.netChange30),
                ])}
                footerContent={f.t("common.computedAt", { at: f.dateTime(overview.computedAt) }) + " · " + f.t("layers.editLater")}
              />
            </Card>
          ) : (
            <NotComputedYet />
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
