/**
 * The layer set's validation problems (domain/segments/layer-edits, with the
 * rule validator's codes inside) as message keys, so the admin shows them in
 * the merchant's language; the domain's English sentence is the fallback for
 * a problem without a code.
 */
import type { LayerSetError } from "~/domain/segments/layer-edits";
import type { RuleErrorCode } from "~/domain/segments/rules";
import type { FieldError } from "~/services/admin-views.server";

/** One problem as a message key with its values. */
export function layerSetErrorMessage(e: LayerSetError): FieldError {
  if (e.code === "rule") {
    const ruleCode = e.params.ruleCode as RuleErrorCode | undefined;
    return ruleCode ? { key: `ruleErr.${ruleCode}`, vars: e.params } : { key: "err.invalid", vars: { detail: e.message } };
  }
  if (e.code === "other") return { key: "err.invalid", vars: { detail: e.message } };
  return { key: `layerErr.${e.code}`, vars: e.params };
}
