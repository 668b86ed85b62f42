import { BlockStack, Card, Text } from "@shopify/polaris";
import { useI18n } from "~/i18n/react";

/** The empty state of pages that need the first intelligence pass. */
export function NotComputedYet() {
  const f = useI18n();
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {f.t("common.notComputedTitle")}
        </Text>
        <Text as="p" tone="subdued">
          {f.t("common.notComputedBody")}
        </Text>
      </BlockStack>
    </Card>
  );
}
