/**
 * What the campaign admin pages show and do (app/routes/app.campaigns.*),
 * on top of the campaign service (campaigns.server.ts): the paged list with
 * reach per arm, a conversion headline per campaign, the detail with results,
 * the form that creates a draft (from a playbook or blank) with the domain's
 * validation errors mapped to its fields, and the lifecycle actions. View
 * models are JSON-safe (numbers, strings, ISO dates; non-finite interval ends
 * as null).
 */
import { campaignAssignments, ordersOfCustomers } from "~/db/campaigns-repository.server";
import { campaignPage, countCampaigns, reachedByArm } from "~/db/campaign-admin-queries.server";
import { shopCurrency, storedLayerSet } from "~/db/admin-queries.server";
import { loadRules } from "~/db/loyalty-program.server";
import {
  CHURN_RISK_LEVELS,
  DEFAULT_PLAYBOOKS,
  playbookDefinition,
  verdictFor,
  withDefaults,
  type CampaignAction,
  type CampaignDefinition,
  type CampaignError,
  type VerdictKind,
} from "~/domain/campaigns";
import { DEFAULT_LAYERS, LIFECYCLE_STAGES } from "~/domain/segments";
import type { Campaign, PrismaClient } from "~/generated/prisma/client";
import type { MessageKey } from "~/i18n/messages";
import { currencyExponent } from "~/domain/sync/money";
import {
  campaignResults,
  CampaignNotFoundError,
  CampaignStateError,
  CampaignValidationError,
  createCampaign,
  definitionOf,
  dryRunCampaign,
  launchCampaign,
  setRollout,
  stopCampaign,
  type DryRun,
} from "./campaigns.server";

export interface CampaignAdminDeps {
  db: PrismaClient;
}

const DAY_MS = 86_400_000;
export const CAMPAIGNS_PAGE_SIZE = 20;
/** The rollout steps the detail page offers, after the strategy's first 5%. */
export const ROLLOUT_STEPS = [0.05, 0.1, 0.25, 0.5, 1] as const;

// ---------------------------------------------------------------- list

export interface CampaignRowView {
  id: string;
  name: string;
  status: string;
  playbookId: string | null;
  audience: CampaignDefinition["audience"];
  actions: CampaignAction[];
  trigger: CampaignDefinition["trigger"];
  rolloutShare: number;
  holdoutShare: number;
  reached: { treatment: number; control: number };
  createdAt: string;
  launchedAt: string | null;
}

const rowView = (c: Campaign, reached: { treatment: number; control: number }): CampaignRowView => {
  const def = definitionOf(c);
  return {
    id: c.id, name: c.name, status: c.status, playbookId: c.playbookId, audience: def.audience, actions: def.actions, trigger: def.trigger,
    rolloutShare: c.rolloutShare, holdoutShare: c.holdoutShare, reached, createdAt: c.createdAt.toISOString(), launchedAt: c.launchedAt?.toISOString() ?? null,
  };
};

function parseCursor(cursor: string | null | undefined): { createdAt: Date; id: string } | null {
  const match = cursor ? /^(\d{1,15})\.([\w-]{1,64})$/.exec(cursor) : null;
  return match ? { createdAt: new Date(Number(match[1])), id: match[2] } : null;
}

/** A page of the shop's campaigns, newest first, with reach per arm; a malformed cursor is the first page. */
export async function listCampaigns(
  shopDomain: string,
  options: { cursor?: string | null; pageSize?: number },
  deps: CampaignAdminDeps,
): Promise<{ campaigns: CampaignRowView[]; nextCursor: string | null; counts: Record<string, number> }> {
  const take = options.pageSize ?? CAMPAIGNS_PAGE_SIZE;
  const [rows, counts] = await Promise.all([campaignPage(deps.db, shopDomain, { after: parseCursor(options.cursor), take: take + 1 }), countCampaigns(deps.db, shopDomain)]);
  const page = rows.slice(0, take);
  const reached = await reachedByArm(deps.db, page.map((c) => c.id));
  const last = page[page.length - 1];
  return {
    campaigns: page.map((c) => rowView(c, reached.get(c.id) ?? { treatment: 0, control: 0 })),
    nextCursor: rows.length > take && last ? `${last.createdAt.getTime()}.${last.id}` : null,
    counts,
  };
}

export interface CampaignHeadline {
  campaignId: string;
  verdict: VerdictKind;
  treatmentRate: number | null;
  controlRate: number | null;
  /** Absolute uplift in conversion (treatment − control); null while either arm is empty. */
  difference: number | null;
}

/**
 * The list's headline per campaign: conversion per arm and the verdict's kind
 * (the sequential test on conversion, as in the results; no revenue
 * bootstrap, which the detail page computes). Drafts have none.
 */
export async function campaignHeadlines(shopDomain: string, campaigns: Pick<CampaignRowView, "id" | "status">[], now: Date, deps: CampaignAdminDeps): Promise<CampaignHeadline[]> {
  const out: CampaignHeadline[] = [];
  for (const c of campaigns) {
    if (c.status === "draft") continue;
    const campaign = await deps.db.campaign.findFirst({ where: { id: c.id, shopDomain } });
    if (!campaign) continue;
    const def = definitionOf(campaign);
    const assignments = await campaignAssignments(deps.db, campaign.id);
    if (assignments.length === 0) {
      out.push({ campaignId: c.id, verdict: "collecting", treatmentRate: null, controlRate: null, difference: null });
      continue;
    }
    const first = assignments.reduce((m, a) => Math.min(m, a.assignedAt.getTime()), Infinity);
    const orders = await ordersOfCustomers(deps.db, shopDomain, assignments.map((a) => a.customerGid), new Date(first), now);
    const orderTimes = new Map<string, number[]>();
    for (const o of orders) orderTimes.set(o.customerGid, [...(orderTimes.get(o.customerGid) ?? []), o.processedAt.getTime()]);
    const arms = { treatment: { customers: 0, converted: 0 }, control: { customers: 0, converted: 0 } };
    for (const a of assignments) {
      const arm = arms[a.arm as "treatment" | "control"];
      if (!arm) continue;
      const from = a.assignedAt.getTime();
      arm.customers++;
      if ((orderTimes.get(a.customerGid) ?? []).some((t) => t >= from && t < from + def.windowDays * DAY_MS)) arm.converted++;
    }
    const rate = (arm: { customers: number; converted: number }) => (arm.customers ? arm.converted / arm.customers : null);
    const t = rate(arms.treatment);
    const k = rate(arms.control);
    out.push({
      campaignId: c.id,
      verdict: verdictFor(arms.treatment, arms.control, { alpha: def.alpha, horizonCustomersPerArm: campaign.horizonCustomersPerArm }).kind,
      treatmentRate: t, controlRate: k, difference: t !== null && k !== null ? t - k : null,
    });
  }
  return out;
}

// ---------------------------------------------------------------- detail

const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);
const range = (r: [number, number] | undefined | null): [number | null, number | null] | null => (r ? [finite(r[0]), finite(r[1])] : null);

export interface CampaignResultsView {
  arms: { arm: "treatment" | "control"; customers: number; converted: number; conversionRate: number; orders: number; revenueMinor: number; revenuePerCustomerMinor: number }[];
  costPoints: number;
  costMinor: number;
  verdict: {
    kind: VerdictKind;
    /** The domain's sentence (English); the page renders its own translation from the numbers below. */
    message: string;
    pTreatment: number | null;
    pControl: number | null;
    difference: number | null;
    relativeUplift: number | null;
    /** The always-valid (sequential) interval of the conversion difference. */
    interval: [number | null, number | null] | null;
    pValue: number | null;
  };
  revenueDifference: { difference: number; interval: [number | null, number | null] } | null;
  returnOnCost: { incrementalRevenueMinor: number; costMinor: number; netMinor: number; roi: number | null } | null;
}

export interface CampaignDetailView {
  campaign: CampaignRowView & { horizonCustomersPerArm: number | null; spentPoints: number; spentMinor: number; lastRunAt: string | null; definition: CampaignDefinition };
  currencyCode: string;
  /** Drafts: who a run would reach now and the cost, before launch. */
  dryRun: DryRun | null;
  /** Launched campaigns: the experiment's results. */
  results: CampaignResultsView | null;
  /** The next rollout steps a widening may choose. */
  widenTo: number[];
}

/**
 * A campaign's page: the dry run while a draft, the results once launched.
 * @throws CampaignNotFoundError (also for another shop's campaign)
 */
export async function campaignDetail(shopDomain: string, campaignId: string, now: Date, deps: CampaignAdminDeps): Promise<CampaignDetailView> {
  const { db } = deps;
  const campaign = await db.campaign.findFirst({ where: { id: campaignId, shopDomain } });
  if (!campaign) throw new CampaignNotFoundError(campaignId);
  const [reached, currencyCode] = await Promise.all([reachedByArm(db, [campaign.id]), shopCurrency(db, shopDomain)]);
  const def = definitionOf(campaign);
  let dryRun: DryRun | null = null;
  let results: CampaignResultsView | null = null;
  if (campaign.status === "draft") dryRun = await dryRunCampaign(shopDomain, campaign.id, now, { db });
  else {
    const r = await campaignResults(shopDomain, campaign.id, now, { db });
    const cmp = r.verdict.comparison;
    results = {
      arms: [r.treatment, r.control].map((a) => ({ ...a, arm: a.arm as "treatment" | "control" })),
      costPoints: r.costPoints,
      costMinor: r.costMinor,
      verdict: {
        kind: r.verdict.kind, message: r.verdict.message,
        pTreatment: cmp?.pTreatment ?? null, pControl: cmp?.pControl ?? null, difference: finite(cmp?.difference), relativeUplift: finite(cmp?.relativeUplift),
        interval: range(r.verdict.sequential?.interval), pValue: finite(r.verdict.sequential?.alwaysValidPValue),
      },
      revenueDifference: r.revenueDifference ? { difference: r.revenueDifference.difference, interval: range(r.revenueDifference.interval)! } : null,
      returnOnCost: r.returnOnCost ? { ...r.returnOnCost, roi: finite(r.returnOnCost.roi) } : null,
    };
  }
  return {
    campaign: {
      ...rowView(campaign, reached.get(campaign.id) ?? { treatment: 0, control: 0 }),
      horizonCustomersPerArm: campaign.horizonCustomersPerArm, spentPoints: campaign.spentPoints, spentMinor: Number(campaign.spentMinor),
      lastRunAt: campaign.lastRunAt?.toISOString() ?? null, definition: def,
    },
    currencyCode: currencyCode ?? "USD",
    dryRun,
    results,
    widenTo: campaign.status === "stopped" ? [] : ROLLOUT_STEPS.filter((s) => s > campaign.rolloutShare),
  };
}

export type CampaignIntent = "launch" | "widen" | "rollback" | "stop";

export type CampaignActionResult = { ok: true; intent: CampaignIntent } | { ok: false; error: { key: MessageKey; vars?: Record<string, string | number> } };

/**
 * The detail page's buttons: launch a draft, widen the rollout, roll it back
 * to 0, stop. A request that does not fit the campaign's state answers an
 * error (a 4xx for the route), never a 500.
 * @throws CampaignNotFoundError
 */
export async function applyCampaignIntent(shopDomain: string, campaignId: string, form: FormData, deps: CampaignAdminDeps & { now?: () => Date }): Promise<CampaignActionResult> {
  const intent = String(form.get("intent") ?? "");
  const d = { db: deps.db, now: deps.now };
  try {
    switch (intent) {
      case "launch": {
        const raw = String(form.get("horizon") ?? "").trim();
        const horizon = raw === "" ? null : Number(raw);
        if (horizon !== null && !(Number.isInteger(horizon) && horizon >= 100)) return { ok: false, error: { key: "campaigns.err.horizon" } };
        await launchCampaign(shopDomain, campaignId, { horizonCustomersPerArm: horizon }, d);
        return { ok: true, intent };
      }
      case "widen": {
        const share = Number(form.get("rolloutShare"));
        if (!(ROLLOUT_STEPS as readonly number[]).includes(share)) return { ok: false, error: { key: "campaigns.err.rollout" } };
        await setRollout(shopDomain, campaignId, share, d);
        return { ok: true, intent };
      }
      case "rollback":
        await setRollout(shopDomain, campaignId, 0, d);
        return { ok: true, intent };
      case "stop":
        await stopCampaign(shopDomain, campaignId, d);
        return { ok: true, intent };
      default:
        return { ok: false, error: { key: "campaigns.err.intent" } };
    }
  } catch (error) {
    if (error instanceof CampaignStateError) return { ok: false, error: { key: "campaigns.err.state", vars: { detail: error.message } } };
    throw error;
  }
}

// ---------------------------------------------------------------- the form

export interface CampaignFormOptions {
  layers: { id: string; name: string }[];
  tiers: { id: string; name: string }[];
  lifecycleStages: readonly string[];
  churnRisks: readonly string[];
  playbooks: { id: string; title: string; rationale: string }[];
  currencyCode: string;
}

/** What the new-campaign form offers: the shop's layers and tiers, the playbooks. */
export async function campaignFormOptions(shopDomain: string, deps: CampaignAdminDeps): Promise<CampaignFormOptions> {
  const { db } = deps;
  const [stored, currencyCode, program] = await Promise.all([
    storedLayerSet(db, shopDomain), shopCurrency(db, shopDomain), db.loyaltyProgram.findUnique({ where: { shopDomain }, select: { currentRuleVersion: true } }),
  ]);
  const layers = stored ? (JSON.parse(stored.layers) as { id: string; name: string }[]) : DEFAULT_LAYERS;
  const tiers = program ? (await loadRules(db, shopDomain, program.currentRuleVersion)).rules.tiers : [];
  return {
    layers: layers.map((l) => ({ id: l.id, name: l.name })),
    tiers: tiers.map((t) => ({ id: t.id, name: t.name })),
    lifecycleStages: LIFECYCLE_STAGES,
    churnRisks: CHURN_RISK_LEVELS,
    playbooks: DEFAULT_PLAYBOOKS.map((p) => ({ id: p.id, title: p.title, rationale: p.rationale })),
    currencyCode: currencyCode ?? "USD",
  };
}

/** Layer id -> the shop's name for it (audiences are shown by name). */
export async function layerNames(shopDomain: string, deps: CampaignAdminDeps): Promise<Record<string, string>> {
  const stored = await storedLayerSet(deps.db, shopDomain);
  const layers = stored ? (JSON.parse(stored.layers) as { id: string; name: string }[]) : DEFAULT_LAYERS;
  return Object.fromEntries(layers.map((l) => [l.id, l.name]));
}

/** The definition the form starts from: a playbook's, or a blank one with the defaults (10% holdout, 5% rollout). */
export function initialDefinition(playbookId: string | null): CampaignDefinition | null {
  if (playbookId) return playbookDefinition(playbookId) ?? null;
  return withDefaults({ name: "", audience: {}, actions: [], trigger: { kind: "once" } });
}

export type CampaignFieldErrors = Record<string, { key: MessageKey; vars?: Record<string, string | number> }>;

/** Action kinds the form edits; others (from a playbook) are carried through unchanged. */
const FORM_ACTION_KINDS = ["bonus_points", "flow_trigger", "customer_tag"];

/** The form field a domain error path belongs to, and its message. */
function fieldOf(path: string, actions: CampaignAction[]): string {
  const action = /^actions\[(\d+)\]/.exec(path);
  if (action) {
    const kind = actions[Number(action[1])]?.kind;
    return kind === "bonus_points" ? "bonusPoints" : kind === "flow_trigger" ? "flowStep" : kind === "customer_tag" ? "customerTag" : "actions";
  }
  const map: Record<string, string> = {
    name: "name", audience: "audience", "audience.layerIds": "layerIds", "audience.churnRisks": "churnRisks", "audience.lifecycleStages": "lifecycleStages",
    "audience.tiers": "tiers", "audience.enteredLayerIds": "enteredLayerIds", "audience.birthdayWithinDays": "birthdayWithinDays", actions: "actions", "trigger.kind": "trigger", "trigger.everyDays": "everyDays",
    windowDays: "windowDays", budgetPoints: "budgetPoints", budgetMinor: "budgetMoney", pointValueMinor: "pointValue", holdoutShare: "holdoutPct",
    rolloutShare: "rolloutPct", frequencyCap: "form", alpha: "form",
  };
  return map[path] ?? "form";
}

const FIELD_MESSAGES: Record<string, MessageKey> = {
  name: "campaigns.err.name", audience: "campaigns.err.audience", layerIds: "campaigns.err.layers", enteredLayerIds: "campaigns.err.enteredLayers",
  churnRisks: "campaigns.err.audience", lifecycleStages: "campaigns.err.audience", tiers: "campaigns.err.audience", actions: "campaigns.err.actions",
  bonusPoints: "campaigns.err.bonusPoints", flowStep: "campaigns.err.flowStep", customerTag: "campaigns.err.customerTag", trigger: "campaigns.err.trigger",
  everyDays: "campaigns.err.days", windowDays: "campaigns.err.days", budgetPoints: "campaigns.err.budget", budgetMoney: "campaigns.err.budget",
  pointValue: "campaigns.err.number", holdoutPct: "campaigns.err.holdout", rolloutPct: "campaigns.err.rolloutPct", form: "campaigns.err.form",
  birthdayWithinDays: "campaigns.err.birthdayDays",
};

/** The domain's validation errors on the form's fields, translated by field (the first error per field wins). */
export function fieldErrorsOf(errors: CampaignError[], actions: CampaignAction[]): CampaignFieldErrors {
  const out: CampaignFieldErrors = {};
  for (const e of errors) {
    const field = fieldOf(e.path, actions);
    out[field] ??= { key: FIELD_MESSAGES[field] ?? "campaigns.err.form", vars: { detail: e.message } };
  }
  return out;
}

/**
 * Reads the form into a definition. Only what cannot reach the domain's
 * validation is checked here (numbers that are not numbers); everything else
 * is the domain's call (`validateCampaign`), so the rules live in one place.
 */
export function definitionFromForm(form: FormData, currencyCode: string): { definition: CampaignDefinition; errors: CampaignFieldErrors } {
  const errors: CampaignFieldErrors = {};
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const list = (name: string) => form.getAll(name).map(String).filter((v) => v !== "");
  const number = (name: string, options: { optional?: boolean } = {}): number | null => {
    const raw = text(name);
    if (raw === "") {
      if (options.optional) return null;
      errors[name] = { key: "campaigns.err.number" };
      return Number.NaN;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) errors[name] = { key: "campaigns.err.number" };
    return n;
  };
  const actions: CampaignAction[] = [];
  const bonus = number("bonusPoints", { optional: true });
  if (bonus !== null) actions.push({ kind: "bonus_points", points: bonus });
  if (text("flowStep")) actions.push({ kind: "flow_trigger", step: text("flowStep") });
  if (text("customerTag")) actions.push({ kind: "customer_tag", tag: text("customerTag") });
  const kept = text("keptActions");
  if (kept) {
    try {
      const parsed = JSON.parse(kept) as unknown;
      if (!Array.isArray(parsed)) throw new Error("not a list");
      for (const a of parsed as CampaignAction[]) if (a && typeof a === "object" && !FORM_ACTION_KINDS.includes(a.kind)) actions.push(a);
    } catch {
      errors.actions = { key: "campaigns.err.actions" };
    }
  }
  const triggerKind = text("trigger");
  const trigger: CampaignDefinition["trigger"] =
    triggerKind === "schedule" ? { kind: "schedule", everyDays: number("everyDays") as number }
    : triggerKind === "on_enter" ? { kind: "on_enter" }
    : ({ kind: triggerKind || "once" } as CampaignDefinition["trigger"]);
  const budgetMoney = number("budgetMoney", { optional: true });
  const holdoutPct = number("holdoutPct");
  const rolloutPct = number("rolloutPct");
  const pointValue = number("pointValue", { optional: true });
  const scale = 10 ** currencyExponent(currencyCode);
  const base = withDefaults({ name: "", audience: {}, actions: [], trigger: { kind: "once" } });
  const tiers = text("tiers").split(",").map((t) => t.trim()).filter(Boolean);
  const birthdayWithinDays = number("birthdayWithinDays", { optional: true });
  const definition: CampaignDefinition = {
    ...base,
    name: text("name"),
    ...(text("playbookId") ? { playbookId: text("playbookId") } : {}),
    audience: {
      ...(list("layerIds").length ? { layerIds: list("layerIds") } : {}),
      ...(list("churnRisks").length ? { churnRisks: list("churnRisks") as CampaignDefinition["audience"]["churnRisks"] } : {}),
      ...(list("lifecycleStages").length ? { lifecycleStages: list("lifecycleStages") as CampaignDefinition["audience"]["lifecycleStages"] } : {}),
      ...(tiers.length ? { tiers } : {}),
      ...(list("enteredLayerIds").length ? { enteredLayerIds: list("enteredLayerIds") } : {}),
      ...(birthdayWithinDays !== null ? { birthdayWithinDays } : {}),
    },
    actions,
    trigger,
    windowDays: number("windowDays") as number,
    budgetPoints: number("budgetPoints", { optional: true }),
    // Typed in the currency's major units; a fraction of a minor unit rounds to the nearest.
    budgetMinor: budgetMoney === null ? null : Math.round(budgetMoney * scale),
    pointValueMinor: pointValue === null ? base.pointValueMinor : pointValue * scale,
    holdoutShare: (holdoutPct as number) / 100,
    rolloutShare: (rolloutPct as number) / 100,
  };
  return { definition, errors };
}

/**
 * Creates a draft from the form. Nothing is stored while any field is wrong.
 * @returns the new campaign's id, or the errors per field
 */
export async function createCampaignFromForm(
  shopDomain: string,
  form: FormData,
  deps: CampaignAdminDeps & { now?: () => Date },
): Promise<{ ok: true; campaignId: string } | { ok: false; errors: CampaignFieldErrors }> {
  const currencyCode = (await shopCurrency(deps.db, shopDomain)) ?? "USD";
  const { definition, errors } = definitionFromForm(form, currencyCode);
  if (Object.keys(errors).length) return { ok: false, errors };
  try {
    const campaign = await createCampaign(shopDomain, definition, deps);
    return { ok: true, campaignId: campaign.id };
  } catch (error) {
    if (error instanceof CampaignValidationError) return { ok: false, errors: fieldErrorsOf(error.errors, definition.actions) };
    throw error;
  }
}
