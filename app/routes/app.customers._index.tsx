import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page } from "@shopify/polaris";
import { useCallback } from "react";
import { CustomerTable } from "~/components/customer-table";
import { RouteErrorBoundary } from "~/components/route-error";
import { SearchForm } from "~/components/search-form";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import { customerList } from "~/services/admin-views.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  return customerList(session.shop, { db: prisma, dialect: appDatabaseDialect() }, {
    search: url.searchParams.get("q"),
    cursor: url.searchParams.get("cursor"),
  });
};

export default function Customers() {
  const view = useLoaderData<typeof loader>();
  const f = useI18n();
  // Stable between renders, so the memoised table does not re-render while a search is pending.
  const layerName = useCallback((id: string) => f.layerName(id, view.layerNames[id] ?? id), [f, view.layerNames]);
  return (
    <Page title={f.t("cust.title")}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <SearchForm initial={view.search} />
              <CustomerTable
                customers={view.customers}
                nextCursor={view.nextCursor}
                currencyCode={view.currencyCode}
                layerName={layerName}
                empty={view.search ? f.t("cust.noMatch", { q: view.search }) : f.t("cust.empty")}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
