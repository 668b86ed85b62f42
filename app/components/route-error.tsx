/**
 * The error state of an admin page: not-found for 404s, the Shopify library's
 * own handling for its thrown responses (bounces, re-authorisation), and a
 * banner with the message for anything else. Renders inside the app route,
 * so navigation stays usable.
 */
import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useI18n } from "~/i18n/react";

export function RouteErrorBoundary() {
  const error = useRouteError();
  const f = useI18n();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page title={f.t("common.notFoundTitle")} backAction={{ content: f.t("common.back"), url: "/app" }}>
        <Banner tone="warning" title={f.t("common.notFoundTitle")}>
          <p>{typeof error.data === "string" && error.data ? error.data : f.t("common.notFoundBody")}</p>
        </Banner>
      </Page>
    );
  }
  if (isRouteErrorResponse(error)) return boundary.error(error);
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Page title={f.t("common.errorTitle")}>
      <Banner tone="critical" title={f.t("common.errorTitle")}>
        <p>{f.t("common.errorBody")}</p>
        <Text as="p" tone="subdued">
          {message}
        </Text>
      </Banner>
    </Page>
  );
}
