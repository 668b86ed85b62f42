/**
 * Server-side validation errors (message keys from admin-views' actions) as
 * Polaris field errors and a form-level banner, in the admin's language.
 */
import { Banner } from "@shopify/polaris";
import type { Formatter } from "~/i18n";
import type { FieldErrors } from "~/services/admin-views.server";

/** The translated error of one field, or undefined (Polaris' `error` prop). */
export function fieldError(f: Formatter, errors: FieldErrors | undefined, field: string): string | undefined {
  const e = errors?.[field];
  return e ? f.t(e.key, e.vars) : undefined;
}

/** A banner with the form-level error, or "fix the fields below" when only fields are wrong. */
export function FormErrorBanner({ f, errors }: { f: Formatter; errors: FieldErrors | undefined }) {
  if (!errors || Object.keys(errors).length === 0) return null;
  const formError = errors.form;
  return (
    <Banner tone="critical">
      <p data-testid="form-error">{formError ? f.t(formError.key, formError.vars) : f.t("err.fixBelow")}</p>
    </Banner>
  );
}
