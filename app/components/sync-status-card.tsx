/**
 * The sync card (dashboard, Sync and data): the current run, its progress,
 * its error, and "Sync again" (posts to the page's own action). While a sync
 * runs, the page's data is refreshed every two seconds.
 */
import { Form, useNavigation, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, InlineGrid, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { useI18n } from "~/i18n/react";
import type { MessageKey } from "~/i18n";

export interface SyncCardData {
  counts: { customers: number; orders: number; products: number };
  latest: null | {
    status: string; kind: string; phase: string | null; rowsProcessed: number; lastError: string | null; startedAt: string; finishedAt: string | null;
  };
}

const STATUS_TONE = { completed: "success", running: "info", pending: "info", failed: "critical" } as const;

export function isSyncRunning(latest: SyncCardData["latest"]): boolean {
  return latest?.status === "running" || latest?.status === "pending";
}

export function SyncStatusCard({ counts, latest }: SyncCardData) {
  const f = useI18n();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const running = isSyncRunning(latest);

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.revalidate(), 2_000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <Card>
      <BlockStack gap="300">
        <InlineGrid columns="1fr auto">
          <Text as="h2" variant="headingMd">
            {f.t("sync.title")}
          </Text>
          {latest ? (
            <Badge tone={STATUS_TONE[latest.status as keyof typeof STATUS_TONE]}>{statusLabel(f.t, latest.status)}</Badge>
          ) : (
            <Badge>{f.t("sync.notStarted")}</Badge>
          )}
        </InlineGrid>
        {latest ? (
          <Text as="p" tone="subdued">
            {f.t("sync.startedLine", {
              kind: latest.kind === "full" ? f.t("sync.full") : f.t("sync.catchUp"),
              at: f.dateTime(latest.startedAt),
              records: f.number(latest.rowsProcessed),
            })}
            {running && latest.phase ? f.t("sync.importing", { phase: latest.phase }) : ""}
            {latest.finishedAt ? f.t("sync.finishedAt", { at: f.dateTime(latest.finishedAt) }) : ""}
          </Text>
        ) : (
          <Text as="p">{f.t("sync.intro")}</Text>
        )}
        {running ? <ProgressBar progress={progressOf(latest?.rowsProcessed ?? 0, counts)} size="small" /> : null}
        {latest?.lastError ? (
          <Banner tone="critical" title={f.t("sync.errorTitle")}>
            <p>{latest.lastError}</p>
            <p>{f.t("sync.errorResume")}</p>
          </Banner>
        ) : null}
        <Form method="post">
          <input type="hidden" name="intent" value="sync" />
          <Button submit loading={navigation.state === "submitting"} disabled={running}>
            {f.t("sync.again")}
          </Button>
        </Form>
      </BlockStack>
    </Card>
  );
}

export function SyncHistoryCard({ history }: { history: { id: string; kind: string; status: string; rows: number; startedAt: string; finishedAt: string | null }[] }) {
  const f = useI18n();
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {f.t("sync.recent")}
        </Text>
        <DataTable
          columnContentTypes={["text", "text", "numeric", "text", "text"]}
          headings={[f.t("sync.col.kind"), f.t("sync.col.status"), f.t("sync.col.records"), f.t("sync.col.started"), f.t("sync.col.finished")]}
          rows={history.map((r) => [
            r.kind === "full" ? f.t("sync.full") : f.t("sync.catchUp"),
            statusLabel(f.t, r.status),
            f.number(r.rows),
            f.dateTime(r.startedAt),
            r.finishedAt ? f.dateTime(r.finishedAt) : f.t("common.none"),
          ])}
        />
      </BlockStack>
    </Card>
  );
}

function statusLabel(t: (key: MessageKey) => string, status: string): string {
  const key = `sync.status.${status}` as MessageKey;
  return ["completed", "running", "pending", "failed"].includes(status) ? t(key) : status;
}

// Bulk exports do not say their size up front; show movement against what is stored.
function progressOf(rows: number, counts: { customers: number; orders: number; products: number }): number {
  const stored = counts.customers + counts.orders + counts.products;
  return stored === 0 ? 5 : Math.min(95, Math.round((rows / Math.max(rows, stored)) * 100));
}
