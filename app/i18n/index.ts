export { DEFAULT_LOCALE, SUPPORTED_LOCALES, localeFromRequest, resolveLocale, type AppLocale } from "./locale";
export { en, zhCN, type MessageKey, type Messages } from "./messages";
export { currencyDigits, formatter, translate, type Formatter, type Vars } from "./translate";
