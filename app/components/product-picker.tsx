/**
 * Chooses the product variant a free-product reward gives: App Bridge's
 * resource picker (`shopify.resourcePicker({ type: "variant" })`) inside
 * Shopify admin; where it is missing or fails, a search over the Admin API
 * (routes/app.reward-variants). Posts the variant's GID as `variantGid`; the
 * server checks it and reads its price from Shopify.
 */
import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, InlineError, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState, type KeyboardEvent } from "react";
import { useI18n } from "~/i18n/react";
import type { RewardVariantView } from "~/services/reward-products.server";

interface PickedVariant {
  id: string;
  title?: string;
  displayName?: string;
  product?: { title?: string };
}

type ResourcePicker = (options: { type: "variant"; multiple?: boolean; action?: "select" | "add" }) => Promise<PickedVariant[] | undefined>;

export function ProductPicker({ error, currencyCode }: { error?: string; currencyCode: string }) {
  const f = useI18n();
  const [selected, setSelected] = useState<{ id: string; label: string } | null>(null);
  const [fallback, setFallback] = useState(false);
  const [q, setQ] = useState("");
  const search = useFetcher<{ query: string; variants: RewardVariantView[]; error: "err.productLookup" | null }>();

  const pick = async () => {
    const picker = (window as { shopify?: { resourcePicker?: ResourcePicker } }).shopify?.resourcePicker;
    if (!picker) return setFallback(true);
    try {
      const chosen = (await picker({ type: "variant", multiple: false, action: "select" }))?.[0];
      if (chosen) setSelected({ id: chosen.id, label: chosen.displayName ?? [chosen.product?.title, chosen.title].filter(Boolean).join(" - ") });
    } catch {
      setFallback(true);
    }
  };
  const runSearch = () => {
    if (q.trim()) search.load(`/app/reward-variants?q=${encodeURIComponent(q.trim())}`);
  };
  // Enter searches instead of submitting the reward form.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      runSearch();
    }
  };

  return (
    <BlockStack gap="200">
      <input type="hidden" name="variantGid" value={selected?.id ?? ""} />
      <InlineStack gap="200" blockAlign="center">
        <Text as="span" fontWeight="semibold">{f.t("set.rewardProduct")}:</Text>
        <Text as="span">
          <span data-testid="reward-product">{selected?.label ?? f.t("common.none")}</span>
        </Text>
        <Button onClick={pick}>{selected ? f.t("set.changeProduct") : f.t("set.pickProduct")}</Button>
      </InlineStack>
      {error ? <InlineError message={error} fieldID="variantGid" /> : null}
      {fallback ? (
        <BlockStack gap="200">
          <div onKeyDown={onKeyDown}>
            <TextField
              label={f.t("set.productSearch")}
              value={q}
              onChange={setQ}
              autoComplete="off"
              helpText={f.t("set.productSearchHelp")}
              connectedRight={<Button onClick={runSearch} loading={search.state === "loading"}>{f.t("common.search")}</Button>}
            />
          </div>
          {search.data?.error ? <InlineError message={f.t(search.data.error)} fieldID="variant-search" /> : null}
          {search.data && !search.data.error && search.data.variants.length === 0 ? (
            <Text as="p" tone="subdued">{f.t("set.noVariants", { q: search.data.query })}</Text>
          ) : null}
          <BlockStack gap="100">
            {(search.data?.variants ?? []).map((v) => (
              <InlineStack key={v.variantGid} gap="200" blockAlign="center">
                <Button variant="plain" onClick={() => setSelected({ id: v.variantGid, label: v.displayName })} disabled={!v.active}>
                  {f.t("set.variantPrice", { title: v.displayName, price: f.money(v.priceMinor, currencyCode) })}
                </Button>
              </InlineStack>
            ))}
          </BlockStack>
        </BlockStack>
      ) : null}
    </BlockStack>
  );
}
