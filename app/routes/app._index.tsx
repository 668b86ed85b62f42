import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, DataTable, InlineGrid, Layout, Page, ProgressBar, Text, Banner } from "@shopify/polaris";
import { useEffect } from "react";
import { prisma } from "~/db.server";
import { startCatchUpSync } from "~/jobs/sync-runner.server";
import { getSyncOverview } from "~/services/sync-status.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const overview = await getSyncOverview(prisma, session.shop);
  return {
    shop: session.shop,
    counts: overview.counts,
    latest: overview.latest && {
      status: overview.latest.status,
      kind: overview.latest.kind,
      phase: overview.latest.phase,
      rowsByResource: overview.latest.rowsByResource,
      rowsProcessed: overview.latest.rowsProcessed,
      lastError: overview.latest.lastError,
      startedAt: overview.latest.startedAt.toISOString(),
      finishedAt: overview.latest.finishedAt?.toISOString() ?? null,
    },
    history: overview.history.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      rows: r.rowsProcessed,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    })),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  void startCatchUpSync(session.shop);
  return { started: true };
};

const STATUS_TONE = { completed: "success", running: "info", pending: "info", failed: "critical" } as const;

export default function Dashboard() {
  const { counts, latest, history } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const running = latest?.status === "running" || latest?.status === "pending";

  // While a sync runs, refresh its progress every two seconds.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.revalidate(), 2_000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <Page title="Evergreen">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineGrid columns="1fr auto">
                <Text as="h2" variant="headingMd">
                  Sync with Shopify
                </Text>
                {latest ? (
                  <Badge tone={STATUS_TONE[latest.status as keyof typeof STATUS_TONE]}>{latest.status}</Badge>
                ) : (
                  <Badge>not started</Badge>
                )}
              </InlineGrid>
              {latest ? (
                <Text as="p" tone="subdued">
                  {latest.kind === "full" ? "Full import" : "Catch-up"} started {new Date(latest.startedAt).toLocaleString()}:{" "}
                  {latest.rowsProcessed.toLocaleString()} records
                  {running && latest.phase ? `, importing ${latest.phase}` : ""}
                  {latest.finishedAt ? `, finished ${new Date(latest.finishedAt).toLocaleTimeString()}` : ""}
                </Text>
              ) : (
                <Text as="p">Evergreen imports your customers and orders once, then keeps them current from webhooks.</Text>
              )}
              {running ? <ProgressBar progress={progressOf(latest?.rowsProcessed ?? 0, counts)} size="small" /> : null}
              {latest?.lastError ? (
                <Banner tone="critical" title="The last sync stopped with an error">
                  <p>{latest.lastError}</p>
                  <p>Syncing again resumes where it stopped.</p>
                </Banner>
              ) : null}
              <Form method="post">
                <Button submit loading={navigation.state === "submitting"} disabled={running}>
                  Sync again
                </Button>
              </Form>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={3} gap="400">
            <Stat label="Customers" value={counts.customers} />
            <Stat label="Orders" value={counts.orders} />
            <Stat label="Products" value={counts.products} />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <Text as="h2" variant="headingMd">
              Recent syncs
            </Text>
            <DataTable
              columnContentTypes={["text", "text", "numeric", "text", "text"]}
              headings={["Kind", "Status", "Records", "Started", "Finished"]}
              rows={history.map((r) => [
                r.kind,
                r.status,
                r.rows.toLocaleString(),
                new Date(r.startedAt).toLocaleString(),
                r.finishedAt ? new Date(r.finishedAt).toLocaleString() : "—",
              ])}
            />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="heading2xl">
          {value.toLocaleString()}
        </Text>
      </BlockStack>
    </Card>
  );
}

// Bulk exports do not say their size up front; show movement against what is stored.
function progressOf(rows: number, counts: { customers: number; orders: number; products: number }): number {
  const stored = counts.customers + counts.orders + counts.products;
  return stored === 0 ? 5 : Math.min(95, Math.round((rows / Math.max(rows, stored)) * 100));
}
