/**
 * The customer page's loyalty section: points (available, pending), tier and
 * its history, the points ledger, referrals, replenishment items due, and the
 * staff adjustment form (a Remix action on the customer route).
 */
import { Form, Link as RemixLink, useActionData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, DataTable, InlineGrid, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { fieldError, FormErrorBanner } from "~/components/field-errors";
import type { Formatter, MessageKey } from "~/i18n";
import { en } from "~/i18n/messages";
import type { CustomerLoyaltyView, FieldErrors } from "~/services/admin-views.server";

type AdjustResult = { ok: true; points: number } | { ok: false; errors: FieldErrors };

/** A message key's text, or the raw value for a code the catalogue does not know (a new ledger kind). */
function known(f: Formatter, prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return key in en ? f.t(key as MessageKey) : code;
}

export function LoyaltySection({ loyalty, f }: { loyalty: CustomerLoyaltyView; f: Formatter }) {
  if (!loyalty.programmeOn && loyalty.ledger.length === 0) {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {f.t("cust.loyalty")}
          </Text>
          <div data-slot="loyalty">
            <Text as="p" tone="subdued">
              {f.t("loy.offBody")}
            </Text>
          </div>
          <RemixLink to="/app/settings">{f.t("loy.setUp")}</RemixLink>
        </BlockStack>
      </Card>
    );
  }
  const { balance } = loyalty;
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {f.t("cust.loyalty")}
          </Text>
          {!loyalty.programmeOn ? <Banner tone="warning" title={f.t("loy.offTitle")} /> : null}
          <div data-slot="loyalty">
            <InlineGrid columns={3} gap="200">
              <Figure label={f.t("loy.available")} value={f.number(balance.available)} testId="points-available" />
              <Figure label={f.t("loy.pending")} value={f.number(balance.pending)} testId="points-pending" />
              <Figure label={f.t("loy.lifetime")} value={f.number(balance.lifetimeEarned)} />
            </InlineGrid>
          </div>
          <Text as="p" variant="bodySm" tone="subdued">
            {f.t("loy.pendingHelp")}
          </Text>
          <Box borderBlockStartWidth="025" borderColor="border" paddingBlockStart="300">
            <BlockStack gap="100">
              <Figure label={f.t("cust.tier")} value={loyalty.tier?.name ?? f.t("common.none")} testId="tier" />
              <Text as="h3" variant="headingSm" tone="subdued">
                {f.t("loy.tierHistory")}
              </Text>
              {loyalty.tierHistory.length === 0 ? (
                <Text as="p" variant="bodySm" tone="subdued">
                  {f.t("loy.noTierChanges")}
                </Text>
              ) : (
                loyalty.tierHistory.map((c, i) => (
                  <Text as="p" variant="bodySm" key={i}>
                    {f.date(c.changedAt)}: {f.t("loy.tierChange", { from: c.from ?? f.t("common.none"), to: c.to ?? f.t("common.none"), reason: known(f, "loy.reason", c.reason) })}
                  </Text>
                ))
              )}
            </BlockStack>
          </Box>
        </BlockStack>
      </Card>
      {loyalty.programmeOn ? <AdjustPointsCard adjustmentKey={loyalty.adjustmentKey} f={f} /> : null}
      <ReferralsCard loyalty={loyalty} f={f} />
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {f.t("cust.replenishment")}
          </Text>
          {loyalty.reminders.length === 0 ? (
            <Text as="p" variant="bodySm" tone="subdued">
              {f.t("loy.noReminders")}
            </Text>
          ) : (
            loyalty.reminders.map((r) => (
              <Text as="p" variant="bodySm" key={r.id}>
                {f.t("loy.reminder", { title: r.productTitle, quantity: r.quantity, date: f.date(r.dueAt) })}
              </Text>
            ))
          )}
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

/** The ledger, newest first: the main column of the page (it is wide). */
export function LedgerCard({ loyalty, f }: { loyalty: CustomerLoyaltyView; f: Formatter }) {
  if (!loyalty.programmeOn && loyalty.ledger.length === 0) return null;
  return (
    <Card padding="0">
      <Box padding="400">
        <Text as="h2" variant="headingMd">
          {f.t("loy.ledger")}
        </Text>
      </Box>
      {loyalty.ledger.length === 0 ? (
        <Box padding="400" paddingBlockStart="0">
          <Text as="p" tone="subdued">
            {f.t("loy.noLedger")}
          </Text>
        </Box>
      ) : (
        <div data-testid="points-ledger">
          <DataTable
            columnContentTypes={["text", "text", "numeric", "text"]}
            headings={[f.t("loy.col.date"), f.t("loy.col.what"), f.t("loy.col.points"), f.t("loy.col.reason")]}
            rows={loyalty.ledger.map((e) => [
              f.date(e.createdAt),
              known(f, "kind", e.kind),
              `${e.points > 0 ? "+" : ""}${f.number(e.points)}`,
              [e.reason, e.staffMember ? f.t("loy.by", { staff: e.staffMember }) : null, Date.parse(e.availableAt) > Date.now() ? f.t("loy.pendingUntil", { date: f.date(e.availableAt) }) : null]
                .filter(Boolean)
                .join(" · ") || f.t("common.none"),
            ])}
          />
        </div>
      )}
    </Card>
  );
}

function AdjustPointsCard({ adjustmentKey, f }: { adjustmentKey: string; f: Formatter }) {
  const result = useActionData<AdjustResult>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting" && navigation.formData?.get("intent") === "adjust";
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const errors = result && !result.ok ? result.errors : undefined;
  useEffect(() => {
    if (result?.ok) {
      setPoints("");
      setReason("");
    }
  }, [result]);
  return (
    <Card>
      <Form method="post">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {f.t("loy.adjust")}
          </Text>
          <FormErrorBanner f={f} errors={errors} />
          {result?.ok ? (
            <Banner tone="success">
              <p>{f.t("loy.adjusted", { points: `${result.points > 0 ? "+" : ""}${f.number(result.points)}` })}</p>
            </Banner>
          ) : null}
          <input type="hidden" name="intent" value="adjust" />
          <input type="hidden" name="key" value={adjustmentKey} />
          <TextField
            label={f.t("loy.adjustPoints")}
            name="points"
            inputMode="numeric"
            value={points}
            onChange={setPoints}
            helpText={f.t("loy.adjustPointsHelp")}
            error={fieldError(f, errors, "points")}
            autoComplete="off"
          />
          <TextField
            label={f.t("loy.adjustReason")}
            name="reason"
            value={reason}
            onChange={setReason}
            helpText={f.t("loy.adjustReasonHelp")}
            error={fieldError(f, errors, "reason")}
            autoComplete="off"
          />
          <Button submit variant="primary" loading={submitting}>
            {f.t("loy.adjustSubmit")}
          </Button>
        </BlockStack>
      </Form>
    </Card>
  );
}

function ReferralsCard({ loyalty, f }: { loyalty: CustomerLoyaltyView; f: Formatter }) {
  const { referrals } = loyalty;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {f.t("cust.referrals")}
        </Text>
        <Text as="p" variant="bodySm">
          {f.t("loy.referralTotals", {
            signedUp: f.number(referrals.totals.signedUp), ordered: f.number(referrals.totals.ordered),
            rewarded: f.number(referrals.totals.rewarded), points: f.number(referrals.totals.rewardPoints),
          })}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued" breakWord>
          {f.t("loy.referralLink")}: {referrals.link ?? f.t("loy.noLink")}
        </Text>
        {referrals.referredBy ? (
          <Text as="p" variant="bodySm">
            {f.t("loy.referredBy")}: <RemixLink to={`/app/customers/${referrals.referredBy}`}>{referrals.referredBy}</RemixLink>
          </Text>
        ) : null}
        {referrals.recent.map((r) => (
          <Text as="p" variant="bodySm" key={r.id}>
            {f.date(r.createdAt)}: {known(f, "ref", r.status)}
            {r.rewardPoints ? ` (+${f.number(r.rewardPoints)})` : ""}
          </Text>
        ))}
      </BlockStack>
    </Card>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <span data-testid={testId}>
        <Text as="span" variant="headingSm">
          {value}
        </Text>
      </span>
    </BlockStack>
  );
}
