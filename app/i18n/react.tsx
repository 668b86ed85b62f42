/**
 * The admin's formatter in components: the locale comes from the app route's
 * loader (`routes/app`), so every page under /app shares it.
 */
import { useRouteLoaderData } from "@remix-run/react";
import { useMemo } from "react";
import { DEFAULT_LOCALE, type AppLocale } from "./locale";
import { formatter, type Formatter } from "./translate";

export function useAppLocale(): AppLocale {
  const data = useRouteLoaderData("routes/app") as { locale?: AppLocale } | undefined;
  return data?.locale ?? DEFAULT_LOCALE;
}

/** `const f = useI18n(); f.t("nav.layers"); f.percent(0.25);` */
export function useI18n(): Formatter {
  const locale = useAppLocale();
  return useMemo(() => formatter(locale), [locale]);
}
