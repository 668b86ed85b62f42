import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useNavigation, useRouteError, type ShouldRevalidateFunction } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import zhCNPolaris from "@shopify/polaris/locales/zh-CN.json";
import { useEffect, useMemo, useRef, type RefObject } from "react";
import { authenticate } from "~/shopify.server";
import { env } from "~/env.server";
import { formatter, localeFromRequest } from "~/i18n";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: polarisVizStyles },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  const config = env();
  return {
    apiKey: config.SHOPIFY_API_KEY,
    // Offline, App Bridge comes from the local dev store's stand-in (dev-store/app-bridge.js).
    appBridgeUrl: config.SHOPIFY_LOCAL_STORE_URL ? `${config.SHOPIFY_LOCAL_STORE_URL}/app-bridge.js` : undefined,
    // Shopify admin opens the app with ?locale=…; client-side navigation drops the query string,
    // so this is read on the document load and kept (shouldRevalidate below).
    locale: localeFromRequest(request),
  };
};

/**
 * The app route's data (API key, App Bridge URL, locale) does not change
 * while the app is open; revalidating it on every navigation would also lose
 * the locale, which only the document URL carries. A new `locale` in the URL
 * (the admin reopening the app in another language) reloads it.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl, defaultShouldRevalidate }) => {
  const next = nextUrl.searchParams.get("locale");
  if (next && next !== currentUrl.searchParams.get("locale")) return defaultShouldRevalidate;
  return false;
};

export default function App() {
  const { apiKey, appBridgeUrl, locale } = useLoaderData<typeof loader>();
  const f = useMemo(() => formatter(locale), [locale]);
  const page = useRef<HTMLDivElement>(null);

  return (
    <AppProvider
      isEmbeddedApp
      apiKey={apiKey}
      {...(locale === "zh-CN" ? { i18n: zhCNPolaris } : {})}
      {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}
    >
      <NavMenu>
        <Link to="/app" rel="home">
          {f.t("nav.dashboard")}
        </Link>
        <Link to="/app/layers">{f.t("nav.layers")}</Link>
        <Link to="/app/customers">{f.t("nav.customers")}</Link>
        <Link to="/app/cohorts">{f.t("nav.cohorts")}</Link>
        <Link to="/app/campaigns">{f.t("nav.campaigns")}</Link>
        <Link to="/app/alerts">{f.t("nav.alerts")}</Link>
        <Link to="/app/settings">{f.t("nav.settings")}</Link>
        <Link to="/app/data">{f.t("nav.data")}</Link>
      </NavMenu>
      <NavigationBusy page={page} />
      <div lang={locale} ref={page}>
        <Outlet />
      </div>
    </AppProvider>
  );
}

/**
 * App Bridge's loading bar and the page's aria-busy while a loader runs. Its
 * own component, so a navigation re-renders only this (not the app frame and
 * Polaris' providers, which made every search's click slow: INP).
 */
function NavigationBusy({ page }: { page: RefObject<HTMLDivElement> }) {
  const busy = useNavigation().state !== "idle";
  useEffect(() => {
    page.current?.setAttribute("aria-busy", String(busy));
    const shopify = (window as { shopify?: { loading?: (on: boolean) => void } }).shopify;
    shopify?.loading?.(busy);
  }, [busy, page]);
  return null;
}

// Shopify needs Remix to catch its thrown responses (redirects, bounces) to set headers.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
