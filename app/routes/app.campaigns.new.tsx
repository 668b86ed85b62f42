import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link as RemixLink, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, ChoiceList, FormLayout, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { actionsText } from "~/components/campaign-summary";
import { RouteErrorBoundary } from "~/components/route-error";
import { prisma } from "~/db.server";
import type { CampaignAction } from "~/domain/campaigns";
import type { Formatter, MessageKey } from "~/i18n";
import { currencyDigits } from "~/i18n/translate";
import { useI18n } from "~/i18n/react";
import { campaignFormOptions, createCampaignFromForm, initialDefinition, type CampaignFieldErrors } from "~/services/campaign-admin.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const playbookId = url.searchParams.get("playbook");
  const blank = url.searchParams.get("blank") === "1";
  const options = await campaignFormOptions(session.shop, { db: prisma });
  // Without a choice yet the page offers the playbooks; an unknown playbook id is a 404, not an empty form.
  const definition = playbookId || blank ? initialDefinition(blank ? null : playbookId) : null;
  if (playbookId && !definition) throw new Response("", { status: 404 });
  return { options, definition, playbookId: blank ? null : playbookId };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const result = await createCampaignFromForm(session.shop, await request.formData(), { db: prisma });
  if (!result.ok) return json({ errors: result.errors }, { status: 400 });
  return redirect(`/app/campaigns/${result.campaignId}`);
};

const FORM_KINDS = ["bonus_points", "flow_trigger", "customer_tag"];

export default function NewCampaign() {
  const { options, definition, playbookId } = useLoaderData<typeof loader>();
  const f = useI18n();
  if (!definition) return <PlaybookPicker f={f} playbooks={options.playbooks} />;
  return <CampaignForm key={playbookId ?? "blank"} />;
}

function PlaybookPicker({ f, playbooks }: { f: Formatter; playbooks: { id: string; title: string; rationale: string }[] }) {
  return (
    <Page title={f.t("campaigns.newTitle")} backAction={{ content: f.t("campaigns.title"), url: "/app/campaigns" }}>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {f.t("campaigns.playbooksTitle")}
        </Text>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          {playbooks.map((p) => (
            <Card key={p.id}>
              <BlockStack gap="200">
                <Text as="h3" variant="headingSm">
                  {p.title}
                </Text>
                <Text as="p" tone="subdued">
                  {p.rationale}
                </Text>
                <InlineStack>
                  <RemixLink to={`/app/campaigns/new?playbook=${p.id}`} data-playbook={p.id}>
                    {f.t("campaigns.usePlaybook")}
                  </RemixLink>
                </InlineStack>
              </BlockStack>
            </Card>
          ))}
        </InlineGrid>
        <InlineStack>
          <RemixLink to="/app/campaigns/new?blank=1">{f.t("campaigns.blank")}</RemixLink>
        </InlineStack>
      </BlockStack>
    </Page>
  );
}

function CampaignForm() {
  const { options, definition, playbookId } = useLoaderData<typeof loader>();
  const def = definition!;
  const f = useI18n();
  const result = useActionData<{ errors: CampaignFieldErrors }>();
  const busy = useNavigation().state === "submitting";
  const errors = result?.errors ?? {};
  const err = (field: string) => {
    const e = errors[field];
    return e ? f.t(e.key, e.vars) : undefined;
  };
  const scale = 10 ** currencyDigits(options.currencyCode);
  const bonus = def.actions.find((a) => a.kind === "bonus_points");
  const step = def.actions.find((a) => a.kind === "flow_trigger");
  const tag = def.actions.find((a) => a.kind === "customer_tag");
  const kept = (def.actions as CampaignAction[]).filter((a) => !FORM_KINDS.includes(a.kind));
  const [v, setV] = useState({
    name: def.name,
    trigger: def.trigger.kind as string,
    everyDays: def.trigger.kind === "schedule" ? String(def.trigger.everyDays) : "7",
    tiers: (def.audience.tiers ?? []).join(", "),
    birthdayWithinDays: def.audience.birthdayWithinDays === undefined ? "" : String(def.audience.birthdayWithinDays),
    bonusPoints: bonus?.kind === "bonus_points" ? String(bonus.points) : "",
    flowStep: step?.kind === "flow_trigger" ? step.step : "",
    customerTag: tag?.kind === "customer_tag" ? tag.tag : "",
    windowDays: String(def.windowDays),
    budgetPoints: def.budgetPoints === null ? "" : String(def.budgetPoints),
    budgetMoney: def.budgetMinor === null ? "" : String(def.budgetMinor / scale),
    holdoutPct: String(Math.round(def.holdoutShare * 1000) / 10),
    rolloutPct: String(Math.round(def.rolloutShare * 1000) / 10),
  });
  const [lists, setLists] = useState({
    layerIds: def.audience.layerIds ?? [],
    enteredLayerIds: def.audience.enteredLayerIds ?? [],
    churnRisks: (def.audience.churnRisks ?? []) as string[],
    lifecycleStages: (def.audience.lifecycleStages ?? []) as string[],
  });
  const text = (name: keyof typeof v, label: string, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField label={label} name={name} autoComplete="off" value={v[name]} onChange={(x) => setV((s) => ({ ...s, [name]: x }))} error={err(name)} {...extra} />
  );
  const layerChoices = options.layers.map((l) => ({ label: f.layerName(l.id, l.name), value: l.id }));
  const choice = (name: keyof typeof lists, title: string, choices: { label: string; value: string }[]) => (
    <BlockStack gap="100">
      <ChoiceList allowMultiple title={title} choices={choices} selected={lists[name]} onChange={(sel) => setLists((s) => ({ ...s, [name]: sel }))} error={err(name)} />
      {lists[name].map((value) => (
        <input key={value} type="hidden" name={name} value={value} />
      ))}
    </BlockStack>
  );
  return (
    <Page title={f.t("campaigns.newTitle")} backAction={{ content: f.t("campaigns.title"), url: "/app/campaigns/new" }}>
      <Form method="post" data-section="campaign">
        {playbookId ? <input type="hidden" name="playbookId" value={playbookId} /> : null}
        {kept.length ? <input type="hidden" name="keptActions" value={JSON.stringify(kept)} /> : null}
        <Layout>
          {Object.keys(errors).length ? (
            <Layout.Section>
              <Banner tone="critical">
                <p data-testid="form-error">{errors.form ? f.t(errors.form.key, errors.form.vars) : f.t("err.fixBelow")}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <BlockStack gap="400">
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {f.t("campaigns.sectionBasics")}
                  </Text>
                  <FormLayout>
                    {text("name", f.t("campaigns.field.name"))}
                    <FormLayout.Group>
                      <Select
                        label={f.t("campaigns.field.trigger")}
                        name="trigger"
                        options={(["on_enter", "schedule", "once"] as const).map((k) => ({ value: k, label: f.t(`campaigns.trigger.${k}` as MessageKey, { days: "N" }) }))}
                        value={v.trigger}
                        onChange={(x) => setV((s) => ({ ...s, trigger: x }))}
                        error={err("trigger")}
                      />
                      {v.trigger === "schedule" ? text("everyDays", f.t("campaigns.field.everyDays"), { type: "number" }) : <span />}
                    </FormLayout.Group>
                  </FormLayout>
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {f.t("campaigns.sectionAudience")}
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {f.t("campaigns.audienceHelp")}
                  </Text>
                  {err("audience") ? (
                    <Text as="p" tone="critical">
                      {err("audience")}
                    </Text>
                  ) : null}
                  <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                    {choice("layerIds", f.t("campaigns.field.layers"), layerChoices)}
                    {choice("enteredLayerIds", f.t("campaigns.field.enteredLayers"), layerChoices)}
                    {choice("churnRisks", f.t("campaigns.field.churnRisks"), options.churnRisks.map((r) => ({ label: f.t(`risk.${r}` as MessageKey), value: r })))}
                    {choice("lifecycleStages", f.t("campaigns.field.stages"), options.lifecycleStages.map((s) => ({ label: f.t(`stage.${s}` as MessageKey), value: s })))}
                  </InlineGrid>
                  {text("tiers", f.t("campaigns.field.tiers"), {
                    helpText: options.tiers.length ? f.t("campaigns.field.tiersKnown", { list: options.tiers.map((t) => `${t.id} (${t.name})`).join(", ") }) : undefined,
                  })}
                  {text("birthdayWithinDays", f.t("campaigns.field.birthdayWithinDays"), { type: "number", helpText: f.t("campaigns.field.birthdayHelp") })}
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {f.t("campaigns.sectionActions")}
                  </Text>
                  {err("actions") ? (
                    <Text as="p" tone="critical">
                      {err("actions")}
                    </Text>
                  ) : null}
                  <FormLayout>
                    {text("bonusPoints", f.t("campaigns.field.bonusPoints"), { type: "number" })}
                    {text("flowStep", f.t("campaigns.field.flowStep"), { helpText: f.t("campaigns.field.flowStepHelp") })}
                    {text("customerTag", f.t("campaigns.field.customerTag"))}
                  </FormLayout>
                  {kept.length ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {f.t("campaigns.field.keptActions", { list: actionsText(f, kept) })}
                    </Text>
                  ) : null}
                </BlockStack>
              </Card>
            </BlockStack>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {f.t("campaigns.sectionExperiment")}
                </Text>
                <FormLayout>
                  {text("windowDays", f.t("campaigns.field.windowDays"), { type: "number" })}
                  {text("budgetPoints", f.t("campaigns.field.budgetPoints"), { type: "number" })}
                  {text("budgetMoney", f.t("campaigns.field.budgetMoney", { currency: options.currencyCode }), { type: "number" })}
                  {text("holdoutPct", f.t("campaigns.field.holdoutPct"), { type: "number", suffix: "%", helpText: f.t("campaigns.field.holdoutHelp") })}
                  {text("rolloutPct", f.t("campaigns.field.rolloutPct"), { type: "number", suffix: "%" })}
                </FormLayout>
                <Button submit variant="primary" loading={busy}>
                  {f.t("campaigns.create")}
                </Button>
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Form>
    </Page>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
