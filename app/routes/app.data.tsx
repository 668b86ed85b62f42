import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, DataTable, Layout, List, Page, Text } from "@shopify/polaris";
import { DownloadButton } from "~/components/download-button";
import { RouteErrorBoundary } from "~/components/route-error";
import { SyncHistoryCard, SyncStatusCard } from "~/components/sync-status-card";
import { prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import type { MessageKey } from "~/i18n";
import { syncInBackground } from "~/jobs/sync-runner.server";
import { dataExports, syncStatus } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [sync, exports] = await Promise.all([syncStatus(session.shop, { db: prisma }), dataExports(session.shop, { db: prisma })]);
  return { sync, exports };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  syncInBackground(session.shop, "catch-up");
  return { started: true };
};

/** "What the app stores and why": the short form of docs/privacy.md. */
const STORED: MessageKey[] = ["data.store.sync", "data.store.insights", "data.store.sessions", "data.store.exports", "data.store.redact", "data.store.logs"];

export default function SyncAndData() {
  const { sync, exports } = useLoaderData<typeof loader>();
  const f = useI18n();
  return (
    <Page title={f.t("data.title")}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <SyncStatusCard counts={sync.counts} latest={sync.latest} />
            <SyncHistoryCard history={sync.history} />
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {f.t("data.exports")}
                </Text>
                <Text as="p" tone="subdued">
                  {f.t("data.exportsHelp")}
                </Text>
                {exports.length === 0 ? (
                  <Text as="p">{f.t("data.noExports")}</Text>
                ) : (
                  <DataTable
                    columnContentTypes={["text", "text", "text", "text"]}
                    headings={[f.t("data.col.customer"), f.t("data.col.request"), f.t("data.col.requested"), ""]}
                    verticalAlign="middle"
                    rows={exports.map((e) => [
                      e.customerId,
                      e.dataRequestId ?? f.t("common.none"),
                      f.dateTime(e.requestedAt),
                      <DownloadButton key={e.id} url={`/app/data/exports/${e.id}`} filename={`customer-${e.customerId}-data.json`}>
                        {f.t("common.download")}
                      </DownloadButton>,
                    ])}
                  />
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                {f.t("data.stores")}
              </Text>
              <List>
                {STORED.map((key) => (
                  <List.Item key={key}>{f.t(key)}</List.Item>
                ))}
              </List>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
