import { Form, useNavigation } from "@remix-run/react";
import { Button, InlineStack, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useI18n } from "~/i18n/react";

/** A GET form that puts `q` in the URL (a new search starts at the first page). */
export function SearchForm({ initial }: { initial: string }) {
  const f = useI18n();
  const [q, setQ] = useState(initial);
  const navigation = useNavigation();
  return (
    <Form method="get" role="search">
      <InlineStack gap="200" blockAlign="end" wrap={false}>
        <div style={{ flex: 1 }}>
          <TextField
            label={f.t("common.search")}
            labelHidden
            name="q"
            value={q}
            onChange={setQ}
            placeholder={f.t("common.searchPlaceholder")}
            autoComplete="off"
            clearButton
            onClearButtonClick={() => setQ("")}
          />
        </div>
        <Button submit loading={navigation.state === "loading" && navigation.location?.search.includes("q=")}>
          {f.t("common.search")}
        </Button>
      </InlineStack>
    </Form>
  );
}
