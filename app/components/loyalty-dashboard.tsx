/**
 * The dashboard's loyalty cards: onboarding (one card, three steps) while the
 * shop has no programme, then points liability and members against non-members.
 */
import { Form, Link as RemixLink, useActionData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Link, ProgressBar, Text } from "@shopify/polaris";
import { isSyncRunning } from "~/components/sync-status-card";
import { StatCard } from "~/components/stat-card";
import { DEFAULT_EARN_RULES } from "~/domain/loyalty/rules";
import { useI18n } from "~/i18n/react";
import type { LoyaltyOverview, SyncStatusView } from "~/services/admin-views.server";

export function OnboardingCard({ sync, embedUrl, currencyCode }: { sync: SyncStatusView; embedUrl: string; currencyCode: string }) {
  const f = useI18n();
  const navigation = useNavigation();
  const enabling = navigation.state !== "idle" && navigation.formData?.get("intent") === "enableProgramme";
  const running = isSyncRunning(sync.latest);
  const synced = sync.latest?.status === "completed" || (sync.history ?? []).some((r) => r.status === "completed");
  const rules = DEFAULT_EARN_RULES;
  return (
    <Card>
      <div data-testid="onboarding">
        <BlockStack gap="400">
          <BlockStack gap="100">
            <Text as="h2" variant="headingLg">
              {f.t("onb.title")}
            </Text>
            <Text as="p" tone="subdued">
              {f.t("onb.intro")}
            </Text>
          </BlockStack>
          <Step title={f.t("onb.step1")} done={synced}>
            {running ? (
              <BlockStack gap="100">
                <Text as="p">{f.t("onb.syncRunning", { records: f.number(sync.latest?.rowsProcessed ?? 0) })}</Text>
                <ProgressBar progress={sync.latest?.phase === "orders" ? 66 : 33} size="small" animated />
              </BlockStack>
            ) : sync.latest?.status === "failed" ? (
              <Text as="p" tone="critical">
                {f.t("onb.syncFailed")}
              </Text>
            ) : (
              <Text as="p">{f.t("onb.syncDone", { customers: f.number(sync.counts.customers), orders: f.number(sync.counts.orders) })}</Text>
            )}
          </Step>
          <Step title={f.t("onb.step2")} done={false}>
            <Text as="p">
              {f.t("onb.defaults", {
                points: rules.pointsPerUnit, currency: currencyCode, first: rules.firstOrderPoints, birthday: rules.birthdayPoints,
                tiers: rules.tiers.map((t) => t.name).join(" / "),
              })}
            </Text>
            <Form method="post">
              <input type="hidden" name="intent" value="enableProgramme" />
              <Button submit variant="primary" loading={enabling}>
                {f.t("onb.enable")}
              </Button>
            </Form>
          </Step>
          <Step title={f.t("onb.step3")} done={false}>
            <Text as="p">{f.t("onb.embedBody")}</Text>
            <Link url={embedUrl} target="_blank">
              {f.t("onb.embedLink")}
            </Link>
          </Step>
        </BlockStack>
      </div>
    </Card>
  );
}

function Step({ title, done, children }: { title: string; done: boolean; children: React.ReactNode }) {
  return (
    <Box borderBlockStartWidth="025" borderColor="border" paddingBlockStart="300">
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm" tone={done ? "success" : undefined}>
          {done ? "✓ " : ""}
          {title}
        </Text>
        {children}
      </BlockStack>
    </Box>
  );
}

export function LoyaltyFigures({ loyalty, embedUrl }: { loyalty: LoyaltyOverview; embedUrl: string }) {
  const f = useI18n();
  const justEnabled = useActionData<{ enabled?: boolean; rewardsCreated?: number }>();
  const { members, nonMembers } = loyalty.comparison;
  return (
    <BlockStack gap="400">
      {justEnabled?.enabled ? (
        <Banner tone="success">
          <p data-testid="programme-live">
            {f.t("onb.live", { rewards: loyalty.rewards })} <Link url={embedUrl} target="_blank">{f.t("onb.embedLink")}</Link> ·{" "}
            <RemixLink to="/app/settings">{f.t("nav.settings")}</RemixLink>
          </p>
        </Banner>
      ) : null}
      {loyalty.programme === "off" ? (
        <Banner tone="warning">
          <p>
            {f.t("dash.programmeOff")} <RemixLink to="/app/settings">{f.t("nav.settings")}</RemixLink>
          </p>
        </Banner>
      ) : null}
      <InlineGrid columns={{ xs: 1, md: "1fr 2fr" }} gap="400">
        <StatCard
          label={f.t("dash.liability")}
          value={f.number(loyalty.liability.total)}
          help={f.t("dash.liabilityHelp", { available: f.number(loyalty.liability.available), pending: f.number(loyalty.liability.pending), members: f.number(loyalty.liability.members) })}
        />
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              {f.t("dash.members")}
            </Text>
            {members.buyers === 0 ? (
              <Text as="p" tone="subdued">
                {f.t("dash.noMembers")}
              </Text>
            ) : null}
            <div data-testid="members-comparison">
              <InlineGrid columns={3} gap="200">
                <span />
                <Text as="span" variant="headingSm">{f.t("dash.membersCol")}</Text>
                <Text as="span" variant="headingSm">{f.t("dash.nonMembersCol")}</Text>
                <Text as="span" tone="subdued">{f.t("dash.buyers")}</Text>
                <Text as="span">{f.number(members.buyers)}</Text>
                <Text as="span">{f.number(nonMembers.buyers)}</Text>
                <Text as="span" tone="subdued">{f.t("dash.repeatRate")}</Text>
                <Text as="span">{f.percent(members.repeatRate)}</Text>
                <Text as="span">{f.percent(nonMembers.repeatRate)}</Text>
                <Text as="span" tone="subdued">{f.t("dash.aov")}</Text>
                <Text as="span">{f.money(members.aovMinor, loyalty.currencyCode)}</Text>
                <Text as="span">{f.money(nonMembers.aovMinor, loyalty.currencyCode)}</Text>
              </InlineGrid>
            </div>
          </BlockStack>
        </Card>
      </InlineGrid>
      <InlineStack>
        <RemixLink to="/app/settings">{f.t("nav.settings")}</RemixLink>
      </InlineStack>
    </BlockStack>
  );
}
