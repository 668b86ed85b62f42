/**
 * The monitors' alerts (app/services/monitors.server.ts) in the admin's
 * language: one sentence per alert, its level and status; optionally an
 * "Acknowledge" button per open alert.
 */
import { Form } from "@remix-run/react";
import { Badge, BlockStack, Button, InlineStack, Text } from "@shopify/polaris";
import type { Formatter, MessageKey } from "~/i18n";
import type { MetricAlertView } from "~/services/monitors.server";

export function metricValue(f: Formatter, value: number, unit: "share" | "ratio"): string {
  return unit === "share" ? f.percent(value) : f.number(Math.round(value * 100) / 100);
}

export function alertSentence(f: Formatter, a: MetricAlertView): string {
  const vars = { metric: f.t(`metric.${a.metric}` as MessageKey), value: metricValue(f, a.value, a.unit), threshold: metricValue(f, a.threshold, a.unit), period: a.period };
  return f.t(a.level === "escalation" ? "alerts.sentence.escalation" : "alerts.sentence.alert", vars);
}

const STATUS_TONE = { open: "critical", acknowledged: "attention", resolved: "success" } as const;

export function AlertList({ f, alerts, acknowledge }: { f: Formatter; alerts: MetricAlertView[]; acknowledge?: boolean }) {
  return (
    <BlockStack gap="300">
      {alerts.map((a) => (
        <InlineStack key={a.id} align="space-between" blockAlign="center" gap="200" wrap={false}>
          <BlockStack gap="100">
            <InlineStack gap="200" align="start">
              <Badge tone={a.level === "escalation" ? "critical" : "warning"}>{f.t(`alerts.level.${a.level}` as MessageKey)}</Badge>
              <Badge tone={STATUS_TONE[a.status]}>{f.t(`alerts.status.${a.status}` as MessageKey)}</Badge>
            </InlineStack>
            <div data-alert={a.id}>
              <Text as="p">{alertSentence(f, a)}</Text>
            </div>
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("alerts.colRaised")}: {f.dateTime(a.createdAt)}
            </Text>
          </BlockStack>
          {acknowledge && a.status === "open" ? (
            <Form method="post">
              <input type="hidden" name="intent" value="acknowledge" />
              <input type="hidden" name="alertId" value={a.id} />
              <Button submit>{f.t("alerts.acknowledge")}</Button>
            </Form>
          ) : null}
        </InlineStack>
      ))}
    </BlockStack>
  );
}
