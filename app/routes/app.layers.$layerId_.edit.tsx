import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { FormErrorBanner, fieldError } from "~/components/field-errors";
import { RuleConditionsEditor, newCondition, type KeyedCondition } from "~/components/rule-editor";
import { RouteErrorBoundary } from "~/components/route-error";
import { appDatabaseDialect, prisma } from "~/db.server";
import { useI18n } from "~/i18n/react";
import { layerEditor, staffRefOf, submitLayerEdit, type LayerEditResult } from "~/services/layer-editor.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const view = await layerEditor(session.shop, params.layerId ?? "", { db: prisma, dialect: appDatabaseDialect() });
  if (!view) throw new Response("", { status: 404 });
  return view;
};

/** `intent` preview, save or reset; invalid input answers 400 with errors per field and condition. */
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const auth = await authenticate.admin(request);
  const result = await submitLayerEdit(auth.session.shop, params.layerId ?? "", await request.formData(), {
    db: prisma, dialect: appDatabaseDialect(), now: new Date(), staff: staffRefOf(auth),
  });
  if (!result) throw new Response("", { status: 404 });
  return json(result, { status: result.ok ? 200 : 400 });
};

export default function LayerEdit() {
  const view = useLoaderData<typeof loader>();
  // Held here so the outcome survives the form starting again.
  const fetcher = useFetcher<LayerEditResult>();
  // A saved or reset set comes back from the loader: start the form again from it.
  return <LayerEditForm key={`${view.layer.name}\n${view.ruleJson}`} fetcher={fetcher} />;
}

function LayerEditForm({ fetcher }: { fetcher: ReturnType<typeof useFetcher<LayerEditResult>> }) {
  const view = useLoaderData<typeof loader>();
  const f = useI18n();
  const [name, setName] = useState(view.layer.name);
  const [join, setJoin] = useState<"all" | "any">(view.editor?.join ?? "all");
  const [conditions, setConditions] = useState<KeyedCondition[]>(() => (view.editor?.conditions ?? []).map((c) => ({ ...c, key: newCondition(view.catalogue).key })));
  const [ruleJson, setRuleJson] = useState(view.ruleJson);
  const result = fetcher.data;
  const errors = result && !result.ok ? result.errors : undefined;
  const busy = fetcher.state !== "idle";
  const shownName = f.layerName(view.layer.id, view.layer.name);

  const submit = (intent: "preview" | "save" | "reset") => {
    const form = new FormData();
    form.set("intent", intent);
    form.set("name", name);
    if (view.editor) form.set("editor", JSON.stringify({ join, conditions: conditions.map(({ key: _key, ...c }) => c) }));
    else form.set("ruleJson", ruleJson);
    fetcher.submit(form, { method: "post" });
  };

  return (
    <Page
      title={f.t("layerEdit.title", { name: shownName })}
      backAction={{ content: shownName, url: `/app/layers/${view.layer.id}` }}
      secondaryActions={[{ content: f.t("layerEdit.reset"), destructive: true, disabled: view.isDefault || busy, onAction: () => submit("reset") }]}
    >
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="p" tone="subdued">{f.t("layerEdit.help")}</Text>
              {view.isDefault ? <Text as="p" tone="subdued">{f.t("layerEdit.isDefault")}</Text> : null}
              <FormErrorBanner f={f} errors={errors} />
              <TextField label={f.t("layerEdit.name")} value={name} onChange={setName} autoComplete="off" error={fieldError(f, errors, "name")} maxLength={80} />
              {view.editor ? (
                <RuleConditionsEditor
                  catalogue={view.catalogue}
                  currencyCode={view.currencyCode}
                  join={join}
                  onJoin={setJoin}
                  conditions={conditions}
                  onChange={setConditions}
                  errors={result && !result.ok ? result.conditionErrors : {}}
                  ruleError={fieldError(f, errors, "rule")}
                />
              ) : (
                <BlockStack gap="200">
                  <Text as="p" tone="subdued">{f.t("layerEdit.nested")}</Text>
                  <TextField label={f.t("layerEdit.ruleJson")} value={ruleJson} onChange={setRuleJson} multiline={8} autoComplete="off" monospaced error={fieldError(f, errors, "rule")} />
                </BlockStack>
              )}
              <InlineStack gap="200" align="end">
                <Button onClick={() => submit("preview")} loading={busy && fetcher.formData?.get("intent") === "preview"} disabled={busy}>
                  {f.t("layerEdit.preview")}
                </Button>
                <Button variant="primary" onClick={() => submit("save")} loading={busy && fetcher.formData?.get("intent") === "save"} disabled={busy}>
                  {f.t("layerEdit.save")}
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        {result?.ok ? (
          <Layout.Section>
            <Outcome result={result} />
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}

function Outcome({ result }: { result: Extract<LayerEditResult, { ok: true }> }) {
  const f = useI18n();
  if (result.intent === "reset") {
    return <Banner tone="success"><p data-testid="layer-edit-outcome">{f.t("layerEdit.resetDone", { moved: f.number(result.moved) })}</p></Banner>;
  }
  const p = result.preview;
  return (
    <Card>
      <BlockStack gap="300">
        {result.intent === "save" ? (
          <Banner tone="success"><p data-testid="layer-edit-outcome">{f.t("layerEdit.saved", { moved: f.number(result.moved) })}</p></Banner>
        ) : (
          <Text as="h2" variant="headingMd">{f.t("layerEdit.previewTitle")}</Text>
        )}
        {/* Polaris' Text passes no data attributes: the test id sits on a plain element inside it. */}
        <Text as="p">
          <span data-testid="layer-preview">
            {p.moving === 0
              ? f.t("layerEdit.noMoves")
              : f.t("layerEdit.previewSummary", { moving: f.number(p.moving), customers: f.number(p.customers), in: f.number(p.movingIn), out: f.number(p.movingOut) })}
          </span>
        </Text>
        <Text as="p" tone="subdued">{f.t("layerEdit.previewSize", { before: f.number(p.before), after: f.number(p.after) })}</Text>
        {p.layers.length > 0 ? (
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "numeric"]}
            headings={[f.t("layers.col.layer"), f.t("layerEdit.col.now"), f.t("layerEdit.col.after"), f.t("layerEdit.col.change")]}
            rows={p.layers.map((l) => [f.layerName(l.id, l.name), f.number(l.before), f.number(l.after), l.change > 0 ? `+${f.number(l.change)}` : f.number(l.change)])}
          />
        ) : null}
        {p.moves.length > 0 ? (
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">{f.t("layerEdit.moves")}</Text>
            {p.moves.map((m) => (
              <Text as="p" key={`${m.from}>${m.to}`} tone="subdued">
                {f.layerName(m.from, m.fromName)} → {f.layerName(m.to, m.toName)}: {f.number(m.customers)}
              </Text>
            ))}
          </BlockStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
