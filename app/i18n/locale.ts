/**
 * The admin's language: English or Simplified Chinese, following the shop.
 *
 * Shopify admin opens an embedded app with `locale` in the query string (the
 * staff member's admin language, e.g. `zh-CN`, `en`); offline the local dev
 * store's App Bridge stand-in is opened the same way. Client-side navigation
 * inside the app drops the query string, so the app route reads it once per
 * document load and keeps it for the session (see app/routes/app.tsx).
 */
export const SUPPORTED_LOCALES = ["en", "zh-CN"] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: AppLocale = "en";

/**
 * Maps any BCP 47 tag to a supported locale: `zh`, `zh-CN`, `zh-Hans`, `zh-SG`
 * give Simplified Chinese; Traditional Chinese (`zh-TW`, `zh-HK`, `zh-Hant`)
 * and everything else give English (the only other language we ship).
 */
export function resolveLocale(tag: string | null | undefined): AppLocale {
  if (!tag) return DEFAULT_LOCALE;
  const t = tag.trim().replace(/_/g, "-").toLowerCase();
  if (t === "zh" || t === "zh-cn" || t === "zh-sg" || t.startsWith("zh-hans")) return "zh-CN";
  return DEFAULT_LOCALE;
}

/**
 * The locale of an admin request: the `locale` query parameter Shopify admin
 * adds, else the browser's first Accept-Language tag, else English.
 */
export function localeFromRequest(request: Request): AppLocale {
  const param = new URL(request.url).searchParams.get("locale");
  if (param) return resolveLocale(param);
  const accept = request.headers.get("Accept-Language");
  const first = accept?.split(",")[0]?.split(";")[0];
  return resolveLocale(first);
}
