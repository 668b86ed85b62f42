import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, FormLayout, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { memo, useMemo, useReducer, useState, type Dispatch, type ReactNode } from "react";
import { fieldError, FormErrorBanner } from "~/components/field-errors";
import { RouteErrorBoundary } from "~/components/route-error";
import { ProductPicker } from "~/components/product-picker";
import { tierListReducer, type TierAction, type TierList, type TierRow } from "~/components/tier-list";
import { Choice, TextInput, Toggle } from "~/components/settings-fields";
import { appDatabaseDialect, prisma } from "~/db.server";
import { currencyDigits, type Formatter, type MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";
import {
  programmeSettings,
  saveSettingsSection,
  SETTINGS_SECTIONS,
  type ActionResult,
  type FieldErrors,
  type SettingsSection,
  type SettingsView,
} from "~/services/admin-views.server";
import { shopRewardVariants } from "~/services/reward-products.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return programmeSettings(session.shop, { db: prisma, dialect: appDatabaseDialect() });
};

/** One section per post (`section`); invalid input: 400 with the errors per field, nothing saved. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const section = String(form.get("section") ?? "") as SettingsSection;
  if (!SETTINGS_SECTIONS.includes(section)) return json({ ok: false, errors: { form: { key: "err.choose" } } } satisfies ActionResult, { status: 400 });
  const result = await saveSettingsSection(session.shop, section, form, { db: prisma, dialect: appDatabaseDialect(), variants: shopRewardVariants(session.shop, prisma) });
  return json(result, { status: result.ok ? 200 : 400 });
};

export default function Settings() {
  const s = useLoaderData<typeof loader>();
  const f = useI18n();
  return (
    <Page title={f.t("set.title")} backAction={{ content: f.t("nav.dashboard"), url: "/app" }}>
      <Layout>
        <Layout.AnnotatedSection title={f.t("set.programme")}>
          <ProgrammeSection s={s} f={f} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.rules")} description={s.programme ? f.t("set.rulesVersion", { version: s.programme.ruleVersion }) : undefined}>
          <RulesSection s={s} f={f} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.rewards")}>
          <RewardsSection s={s} f={f} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.referrals")}>
          <ReferralsSection s={s} f={f} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.replenishment")}>
          <SectionForm section="replenishment" f={f}>
            {(errors) => (
              <>
                <Toggle label={f.t("set.replEnabled")} name="enabled" initial={s.replenishment.enabled} />
                <FormLayout.Group>
                  <TextInput label={f.t("set.leadDays")} name="reminderLeadDays" numeric initial={s.replenishment.reminderLeadDays} error={fieldError(f, errors, "reminderLeadDays")} />
                  <TextInput label={f.t("set.expireDays")} name="reminderExpireDays" numeric initial={s.replenishment.reminderExpireDays} error={fieldError(f, errors, "reminderExpireDays")} />
                </FormLayout.Group>
              </>
            )}
          </SectionForm>
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.acquisition")} description={f.t("set.acquisitionHelp", { months: 12 })}>
          <AcquisitionSection s={s} f={f} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title={f.t("set.writeBack")}>
          <SectionForm section="writeBack" f={f}>
            {(errors) => (
              <>
                <Toggle label={f.t("set.tagsEnabled")} name="insightTagsEnabled" initial={s.writeBack.insightTagsEnabled} error={fieldError(f, errors, "insightTagsEnabled")} />
                <TextInput label={f.t("set.tagPrefix")} name="insightTagPrefix" initial={s.writeBack.insightTagPrefix} error={fieldError(f, errors, "insightTagPrefix")} />
              </>
            )}
          </SectionForm>
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}

type Settings = SettingsView;

/**
 * One section's form: posts through its own fetcher, so each section shows its
 * own errors and saving one does not reset the others.
 */
function SectionForm({ section, f, children, submitLabel, intro }: {
  section: SettingsSection; f: Formatter; children: (errors: FieldErrors | undefined) => ReactNode; submitLabel?: string; intro?: ReactNode;
}) {
  const fetcher = useFetcher<ActionResult>();
  const errors = fetcher.data && !fetcher.data.ok ? fetcher.data.errors : undefined;
  const saved = fetcher.state === "idle" && fetcher.data?.ok;
  // The fields re-render only when their errors change, not on every fetcher state (submitting, loading):
  // a section has up to ~40 Polaris inputs, and that render sat inside the Save click's INP.
  const fields = useMemo(() => children(errors), [children, errors]);
  return (
    <Card>
      <fetcher.Form method="post" data-section={section}>
        <input type="hidden" name="section" value={section} />
        <BlockStack gap="300">
          {intro}
          <FormErrorBanner f={f} errors={errors} />
          <FormLayout>{fields}</FormLayout>
          <InlineStack align="end" gap="200" blockAlign="center">
            {saved ? (
              <Text as="span" tone="success">
                {f.t("set.saved")}
              </Text>
            ) : null}
            <Button submit variant="primary" loading={fetcher.state !== "idle"}>
              {submitLabel ?? f.t("set.save")}
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}

function ProgrammeSection({ s, f }: { s: Settings; f: Formatter }) {
  const p = s.programme;
  return (
    <SectionForm section="programme" f={f} intro={p ? null : <Banner tone="info"><p>{f.t("set.noProgramme")}</p></Banner>}>
      {(errors) => (
        <>
          <Toggle label={f.t("set.enabled")} name="enabled" initial={p?.enabled ?? true} />
          <FormLayout.Group>
            <TextInput label={f.t("set.returnWindow")} name="returnWindowDays" numeric initial={p?.returnWindowDays ?? 30} help={f.t("set.returnWindowHelp")} error={fieldError(f, errors, "returnWindowDays")} />
            <TextInput label={f.t("set.expiry")} name="expiryMonths" numeric initial={p ? p.expiryMonths : 12} help={f.t("set.expiryHelp")} error={fieldError(f, errors, "expiryMonths")} />
          </FormLayout.Group>
          <Toggle label={f.t("set.allowNegative")} name="allowNegativeBalance" initial={p?.allowNegativeBalance ?? false} />
        </>
      )}
    </SectionForm>
  );
}

function RulesSection({ s, f }: { s: Settings; f: Formatter }) {
  const r = s.rules;
  const [basis, setBasis] = useState<string>(r.tierBasis);
  const num = (errors: FieldErrors | undefined, name: string, label: string, initial: number) => (
    <TextInput key={name} label={label} name={name} numeric initial={initial} error={fieldError(f, errors, name)} />
  );
  return (
    <SectionForm section="rules" f={f}>
      {(errors) => (
        <>
          <FormLayout.Group>
            {num(errors, "pointsPerUnit", f.t("set.pointsPerUnit", { currency: s.currencyCode }), r.pointsPerUnit)}
            {num(errors, "firstOrderPoints", f.t("set.firstOrder"), r.firstOrderPoints)}
          </FormLayout.Group>
          <FormLayout.Group>
            {num(errors, "accountCreatedPoints", f.t("set.accountCreated"), r.accountCreatedPoints)}
            {num(errors, "signupPoints", f.t("set.signup"), r.signupPoints)}
            {num(errors, "birthdayPoints", f.t("set.birthday"), r.birthdayPoints)}
          </FormLayout.Group>
          {(["review", "social"] as const).map((a) => (
            <BlockStack gap="100" key={a}>
              <Text as="h3" variant="headingSm">
                {f.t("set.activity", { name: f.t(`kind.${a}` as MessageKey) })}
              </Text>
              <FormLayout.Group condensed>
                {num(errors, `activities.${a}.points`, f.t("loy.col.points"), r.activities[a].points)}
                {num(errors, `activities.${a}.maxPerYear`, f.t("set.perYear"), r.activities[a].maxPerYear)}
                {num(errors, `activities.${a}.maxPerDay`, f.t("set.perDay"), r.activities[a].maxPerDay)}
              </FormLayout.Group>
            </BlockStack>
          ))}
          <TextInput label={f.t("set.excludedTags")} name="excludedOrderTags" initial={r.excludedOrderTags.join(", ")} error={fieldError(f, errors, "excludedOrderTags")} />
          <Choice
            label={f.t("set.tierBasis")}
            name="tierBasis"
            initial={r.tierBasis}
            onChange={setBasis}
            options={[{ label: f.t("set.basis.spend"), value: "spend" }, { label: f.t("set.basis.points"), value: "points" }]}
            error={fieldError(f, errors, "tierBasis")}
          />
          <TierRows key={s.programme?.ruleVersion ?? 0} s={s} f={f} errors={errors} basis={basis} />
        </>
      )}
    </SectionForm>
  );
}

/**
 * The tiers, in threshold order: add one at the end, remove any while two or
 * more remain. A removed tier's members move to the next lower tier when the
 * rules are saved (tiers.server.ts, saveEarnRulesAndTiers); the page says so
 * before the save and offers to keep the tier.
 *
 * The list keeps its own state (a reducer) and each row is memoised, so
 * removing a tier re-renders only the rows whose position changed, not the
 * rules form's other fields or the rows above it (INP of the Remove click).
 */
function TierRows({ s, f, errors, basis }: { s: Settings; f: Formatter; errors: FieldErrors | undefined; basis: string }) {
  const r = s.rules;
  const [{ rows, removed }, dispatch] = useReducer(tierListReducer, null, (): TierList => {
    const scale = 10 ** currencyDigits(s.currencyCode);
    const threshold = (minor: number) => (r.tierBasis === "spend" ? minor / scale : minor);
    return {
      rows: r.tiers.map((t) => ({ key: t.id, id: t.id, name: t.name, threshold: threshold(t.threshold), multiplierPct: t.multiplierPct, birthdayBonusPoints: t.birthdayBonusPoints, freeShipping: t.freeShipping })),
      removed: [],
      added: 0,
    };
  });
  const members = (row: TierRow) => (row.id ? s.tierMembers[row.id] ?? 0 : 0);
  const thresholdLabel = basis === "spend" ? f.t("set.tierThresholdSpend", { currency: s.currencyCode }) : f.t("set.tierThreshold");
  return (
    <>
      <input type="hidden" name="tierCount" value={rows.length} />
      {fieldError(f, errors, "tiers") ? <Text as="p" tone="critical">{fieldError(f, errors, "tiers")}</Text> : null}
      {removed.map(({ row }) => (
        <Banner key={row.key} tone="warning" action={{ content: f.t("set.undoRemove"), onAction: () => dispatch({ type: "keep", key: row.key }) }}>
          <p data-testid="tier-removed">{f.t("set.tierRemoved", { name: row.name, count: f.number(members(row)) })}</p>
        </Banner>
      ))}
      {rows.map((t, i) => (
        <TierRowFields
          key={t.key}
          row={t}
          index={i}
          members={members(t)}
          canRemove={rows.length > 1}
          thresholdLabel={thresholdLabel}
          errors={errors}
          f={f}
          dispatch={dispatch}
        />
      ))}
      <InlineStack gap="200" blockAlign="center">
        <Button onClick={() => dispatch({ type: "add" })} disabled={rows.length >= 10}>{f.t("set.addTier")}</Button>
        <Text as="span" tone="subdued" variant="bodySm">{f.t("set.tierRemoveHelp")}</Text>
      </InlineStack>
    </>
  );
}

/** One tier's fields, posted as `tiers.{index}.*`; re-rendered only when its own props change. */
const TierRowFields = memo(function TierRowFields({ row, index, members, canRemove, thresholdLabel, errors, f, dispatch }: {
  row: TierRow; index: number; members: number; canRemove: boolean; thresholdLabel: string; errors: FieldErrors | undefined; f: Formatter; dispatch: Dispatch<TierAction>;
}) {
  const num = (name: string, label: string, initial: number | string) => (
    <TextInput key={name} label={label} name={name} numeric initial={initial} error={fieldError(f, errors, name)} />
  );
  return (
    <Box borderBlockStartWidth="025" borderColor="border" paddingBlockStart="200">
      <div data-tier={row.id || "new"}>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h3" variant="headingSm">
              {f.t("set.tier", { n: index + 1 })} {row.id ? <Badge>{row.id}</Badge> : <Badge tone="info">{f.t("set.tierNew")}</Badge>}
            </Text>
            <Button
              variant="plain"
              tone="critical"
              disabled={!canRemove}
              onClick={() => dispatch({ type: "remove", key: row.key, hasMembers: members > 0 })}
              accessibilityLabel={`${f.t("set.removeTier")} ${row.name || index + 1}`}
            >
              {f.t("set.removeTier")}
            </Button>
          </InlineStack>
          {members > 0 ? <Text as="p" tone="subdued">{f.t("set.tierMembers", { count: f.number(members) })}</Text> : null}
          <input type="hidden" name={`tiers.${index}.id`} value={row.id} />
          <FormLayout.Group condensed>
            <TextInput label={f.t("set.tierName")} name={`tiers.${index}.name`} initial={row.name} error={fieldError(f, errors, `tiers.${index}.name`)} />
            {num(`tiers.${index}.threshold`, thresholdLabel, row.threshold)}
          </FormLayout.Group>
          <FormLayout.Group condensed>
            {num(`tiers.${index}.multiplierPct`, f.t("set.tierMultiplier"), row.multiplierPct)}
            {num(`tiers.${index}.birthdayBonusPoints`, f.t("set.tierBirthday"), row.birthdayBonusPoints)}
          </FormLayout.Group>
          <Toggle label={f.t("set.tierFreeShipping")} name={`tiers.${index}.freeShipping`} initial={row.freeShipping} />
        </BlockStack>
      </div>
    </Box>
  );
});

function RewardsSection({ s, f }: { s: Settings; f: Formatter }) {
  const [kind, setKind] = useState("fixed_amount");
  const deactivate = useFetcher<ActionResult>();
  const value = (r: Settings["rewards"][number]) =>
    (r.kind === "fixed_amount" || r.kind === "free_product") && r.amountMinor !== null ? f.money(r.amountMinor, r.currencyCode ?? s.currencyCode) : r.kind === "percentage" ? `${r.percentage}%` : f.t("common.none");
  return (
    <BlockStack gap="400">
      <Card padding="0">
        {s.rewards.length === 0 ? (
          <Box padding="400">
            <Text as="p" tone="subdued">
              {f.t("set.noRewards")}
            </Text>
          </Box>
        ) : (
          <div data-testid="rewards">
            <DataTable
              columnContentTypes={["text", "text", "text", "numeric", "text"]}
              headings={[f.t("set.rewardTitle"), f.t("set.rewardKind"), f.t("set.rewardValue"), f.t("set.rewardCost"), ""]}
              rows={s.rewards.map((r) => [
                r.title,
                f.t(`set.kind.${r.kind}` as MessageKey),
                value(r),
                f.number(r.pointsCost),
                r.active ? (
                  <deactivate.Form method="post" key={r.id}>
                    <input type="hidden" name="section" value="deactivateReward" />
                    <input type="hidden" name="rewardId" value={r.id} />
                    <Button submit size="slim" tone="critical" variant="plain" accessibilityLabel={`${f.t("set.deactivate")} ${r.title}`}>
                      {f.t("set.deactivate")}
                    </Button>
                  </deactivate.Form>
                ) : (
                  <Badge key={r.id}>{f.t("set.inactive")}</Badge>
                ),
              ])}
            />
          </div>
        )}
        {deactivate.data && !deactivate.data.ok ? (
          <Box padding="400">
            <FormErrorBanner f={f} errors={deactivate.data.errors} />
          </Box>
        ) : null}
      </Card>
      <SectionForm section="createReward" f={f} submitLabel={f.t("set.addReward")}>
        {(errors) => (
          <>
            <FormLayout.Group>
              <TextInput label={f.t("set.rewardTitle")} name="title" initial="" error={fieldError(f, errors, "title")} />
              <Choice
                label={f.t("set.rewardKind")}
                name="kind"
                initial={kind}
                onChange={setKind}
                error={fieldError(f, errors, "kind")}
                options={(["fixed_amount", "percentage", "free_shipping", "free_product"] as const).map((k) => ({ label: f.t(`set.kind.${k}`), value: k }))}
              />
            </FormLayout.Group>
            {kind === "free_product" ? <ProductPicker currencyCode={s.currencyCode} error={fieldError(f, errors, "variantGid")} /> : null}
            <InlineGrid columns={2} gap="300">
              <TextInput label={f.t("set.rewardCost")} name="pointsCost" numeric initial="" error={fieldError(f, errors, "pointsCost")} />
              {kind === "fixed_amount" ? (
                <TextInput label={f.t("set.rewardAmount", { currency: s.currencyCode })} name="amount" numeric initial="" error={fieldError(f, errors, "amount")} />
              ) : kind === "percentage" ? (
                <TextInput label={f.t("set.rewardPercentage")} name="percentage" numeric initial="" error={fieldError(f, errors, "percentage")} />
              ) : null}
            </InlineGrid>
          </>
        )}
      </SectionForm>
    </BlockStack>
  );
}

function ReferralsSection({ s, f }: { s: Settings; f: Formatter }) {
  const r = s.referrals;
  const [kind, setKind] = useState<string>(r.friendDiscountKind);
  const major = (minor: number | null) => (minor === null ? "" : String(minor / 10 ** currencyDigits(s.currencyCode)));
  return (
    <SectionForm section="referrals" f={f}>
      {(errors) => {
        const err = (name: string) => fieldError(f, errors, name);
        return (
          <>
            <Toggle label={f.t("set.referralsEnabled")} name="enabled" initial={r.enabled} />
            <FormLayout.Group>
              <Choice
                label={f.t("set.friendDiscount")}
                name="friendDiscountKind"
                initial={r.friendDiscountKind}
                onChange={setKind}
                error={err("friendDiscountKind")}
                options={(["percentage", "fixed_amount", "free_shipping"] as const).map((k) => ({ label: f.t(`set.kind.${k}`), value: k }))}
              />
              {kind === "percentage" ? (
                <TextInput label={f.t("set.friendPercentage")} name="friendDiscountPercentage" numeric initial={r.friendDiscountPercentage} error={err("friendDiscountPercentage")} />
              ) : kind === "fixed_amount" ? (
                <TextInput label={f.t("set.friendAmount", { currency: s.currencyCode })} name="friendDiscountAmount" numeric initial={major(r.friendDiscountAmountMinor)} error={err("friendDiscountAmount") ?? err("friendDiscountAmountMinor")} />
              ) : null}
            </FormLayout.Group>
            <FormLayout.Group>
              <TextInput label={f.t("set.referrerPoints")} name="referrerRewardPoints" numeric initial={r.referrerRewardPoints} error={err("referrerRewardPoints")} />
              <TextInput label={f.t("set.minimumOrder", { currency: s.currencyCode })} name="minimumOrder" numeric initial={major(r.minimumOrderMinor)} error={err("minimumOrder") ?? err("minimumOrderMinor")} />
            </FormLayout.Group>
            <FormLayout.Group>
              <TextInput label={f.t("set.rewardCap")} name="rewardCapPerPeriod" numeric initial={r.rewardCapPerPeriod} error={err("rewardCapPerPeriod")} />
              <TextInput label={f.t("set.capPeriod")} name="capPeriodDays" numeric initial={r.capPeriodDays} error={err("capPeriodDays")} />
            </FormLayout.Group>
            <FormLayout.Group>
              <TextInput label={f.t("set.attribution")} name="attributionWindowDays" numeric initial={r.attributionWindowDays} error={err("attributionWindowDays")} />
              <TextInput label={f.t("set.referralReturn")} name="returnWindowDays" numeric initial={r.returnWindowDays} error={err("returnWindowDays")} />
            </FormLayout.Group>
          </>
        );
      }}
    </SectionForm>
  );
}

export const ErrorBoundary = RouteErrorBoundary;

/** CAC per month (blended or per channel) and the LTV/CAC thresholds the dashboard judges it by. */
function AcquisitionSection({ s, f }: { s: Settings; f: Formatter }) {
  const a = s.acquisition;
  return (
    <BlockStack gap="400">
      <Card>
        {a.entries.length === 0 ? (
          <Text as="p" tone="subdued">
            {f.t("set.cacNone")}
          </Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "text", "numeric"]}
            headings={[f.t("set.cacMonth"), f.t("set.cacChannel"), f.t("set.cacAmount")]}
            rows={a.entries.map((e) => [e.month, e.channel ?? f.t("set.cacAllChannels"), f.money(e.amountMinor, s.currencyCode)])}
          />
        )}
      </Card>
      <SectionForm section="cac" f={f}>
        {(errors) => (
          <FormLayout.Group condensed>
            <TextInput label={f.t("set.cacMonth")} name="month" initial="" error={fieldError(f, errors, "month")} />
            <TextInput label={f.t("set.cacChannel")} name="channel" initial="" error={fieldError(f, errors, "channel")} />
            <TextInput label={f.t("set.cacAmount")} name="amount" numeric initial="" help={f.t("set.cacAmountHelp")} error={fieldError(f, errors, "amount")} />
          </FormLayout.Group>
        )}
      </SectionForm>
      <SectionForm section="ltvCacThresholds" f={f}>
        {(errors) => (
          <FormLayout.Group condensed>
            <TextInput label={f.t("set.ltvCacHealthy")} name="healthy" numeric initial={a.healthy} error={fieldError(f, errors, "healthy")} />
            <TextInput label={f.t("set.ltvCacAlert")} name="alert" numeric initial={a.alert} error={fieldError(f, errors, "alert")} />
          </FormLayout.Group>
        )}
      </SectionForm>
    </BlockStack>
  );
}
