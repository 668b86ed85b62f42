import { BlockStack, Card, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/** A headline figure with its label and a line of context. */
export function StatCard({ label, value, help, footer }: { label: string; value: string; help?: string; footer?: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="heading2xl">
          {value}
        </Text>
        {help ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {help}
          </Text>
        ) : null}
        {footer}
      </BlockStack>
    </Card>
  );
}
