/**
 * Campaigns and their experiments (docs/campaigns.md, docs/decisions/0008-campaign-experiments.md):
 * create (from a playbook), dry run, launch, widen or roll back, run, results.
 *
 * A run decides on audience customers in batches, each one transaction holding
 * the campaign's lock and then the customers' (app/db/campaigns-repository.server.ts):
 * already assigned → skip; over the frequency cap or past the budget → skip
 * (for both arms alike, so the arms stay comparable); otherwise record the arm,
 * and for treatment reserve the actions' cost. Actions are applied after
 * commit: points through the ledger by idempotency key (safe to retry), the
 * Flow trigger once (marked "sending" first; an action found "sending" after a
 * crash is failed, never resent, because Flow would run the workflow twice).
 */
import { randomUUID } from "node:crypto";
import { prisma as appPrisma } from "~/db.server";
import {
  assignedCustomers,
  audienceRows,
  CAMPAIGN_TX_OPTIONS,
  campaignActions,
  campaignAssignments,
  failActionAndRelease,
  alreadyAssigned,
  findCampaign,
  insertAssignments,
  insertCampaign,
  layersEntered,
  lockCampaign,
  actionsToApply,
  claimAction,
  lockCustomers,
  markApplied,
  ordersOfCustomers,
  reserveActions,
  runningCampaigns,
  treatmentsSince,
  updateCampaign,
  type ActionReservation,
  type AudienceRow,
} from "~/db/campaigns-repository.server";
import {
  actionCost,
  bootstrapMeanDifference,
  checkRolloutChange,
  fitsBudget,
  compileAudience,
  hash53,
  placeCustomer,
  playbookDefinition,
  returnOnCost,
  validateCampaign,
  verdictFor,
  withinFrequencyCap,
  type Arm,
  type BootstrapInterval,
  type CampaignDefinition,
  type CampaignError,
  type ReturnOnCost,
  type Verdict,
} from "~/domain/campaigns";
import { seededRandom } from "~/domain/random";
import { DEFAULT_LAYERS } from "~/domain/segments";
import type { Campaign, CampaignAction, CampaignAssignment, PrismaClient } from "~/generated/prisma/client";
import type { AdminClient } from "~/shopify/admin-client.server";
import { fireFlowTrigger } from "~/shopify/flow.server";
import { awardPoints, LoyaltyProgramOffError } from "./points.server";

/** The "campaign step due" trigger (extensions/evergreen-campaign-step-due). */
export const CAMPAIGN_STEP_DUE_HANDLE = "evergreen-campaign-step-due";
/** Action kinds this version applies; launching a campaign with others is refused. */
export const APPLIED_ACTION_KINDS = ["bonus_points", "flow_trigger"] as const;

const DAY_MS = 86_400_000;

export interface CampaignDeps {
  db?: PrismaClient;
  now?: () => Date;
}
const resolve = (deps: CampaignDeps = {}) => ({ db: deps.db ?? appPrisma, now: deps.now ?? (() => new Date()) });

export class CampaignValidationError extends Error {
  constructor(readonly errors: CampaignError[]) {
    super(`Invalid campaign: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    this.name = "CampaignValidationError";
  }
}

export class CampaignNotFoundError extends Error {
  constructor(readonly campaignId: string) {
    super(`No campaign ${campaignId}`);
    this.name = "CampaignNotFoundError";
  }
}

/** The request does not fit the campaign's state (launching twice, narrowing a rollout, an action kind not applied yet). */
export class CampaignStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CampaignStateError";
  }
}

export const definitionOf = (campaign: Campaign): CampaignDefinition => ({
  ...(JSON.parse(campaign.definition) as CampaignDefinition),
  holdoutShare: campaign.holdoutShare,
  rolloutShare: campaign.rolloutShare,
});

async function knownLayerIds(db: PrismaClient, shopDomain: string): Promise<string[]> {
  const shop = await db.shopInsight.findUnique({ where: { shopDomain }, select: { layers: true } });
  const layers = shop ? (JSON.parse(shop.layers) as { id: string }[]) : DEFAULT_LAYERS;
  return layers.map((l) => l.id);
}

/**
 * Stores a draft campaign.
 * @throws CampaignValidationError listing every problem (nothing stored).
 */
export async function createCampaign(shopDomain: string, definition: CampaignDefinition, deps?: CampaignDeps): Promise<Campaign> {
  const { db, now } = resolve(deps);
  const errors = validateCampaign(definition, await knownLayerIds(db, shopDomain));
  if (errors.length) throw new CampaignValidationError(errors);
  return insertCampaign(db, {
    id: randomUUID(), shopDomain, name: definition.name, playbookId: definition.playbookId ?? null,
    definition: JSON.stringify(definition), holdoutShare: definition.holdoutShare, rolloutShare: definition.rolloutShare, createdAt: now(),
  });
}

/**
 * A draft from one of the default playbooks, with the merchant's edits.
 * @throws CampaignNotFoundError for an unknown playbook; CampaignValidationError.
 */
export async function createCampaignFromPlaybook(
  shopDomain: string,
  playbookId: string,
  edits: Partial<CampaignDefinition> = {},
  deps?: CampaignDeps,
): Promise<Campaign> {
  const definition = playbookDefinition(playbookId);
  if (!definition) throw new CampaignNotFoundError(`playbook:${playbookId}`);
  return createCampaign(shopDomain, { ...definition, ...edits, playbookId }, deps);
}

async function loadCampaign(db: PrismaClient, shopDomain: string, campaignId: string): Promise<Campaign> {
  const campaign = await findCampaign(db, shopDomain, campaignId);
  if (!campaign) throw new CampaignNotFoundError(campaignId);
  return campaign;
}

/** The customers a run would consider now: the audience, with "entered" moves since the campaign's last run. */
async function evaluateAudience(db: PrismaClient, campaign: Pick<Campaign, "shopDomain" | "lastRunAt" | "launchedAt">, def: CampaignDefinition, now: Date): Promise<AudienceRow[]> {
  const a = def.audience;
  let entered: Map<string, string[]> | null = null;
  if (a.enteredLayerIds?.length) {
    // Before the first run, moves since launch count (a dry run: the last 7 days).
    const after = campaign.lastRunAt ?? campaign.launchedAt ?? new Date(now.getTime() - 7 * DAY_MS);
    entered = await layersEntered(db, campaign.shopDomain, after, now);
  }
  const rows = await audienceRows(db, campaign.shopDomain, {
    layerIds: a.layerIds, lifecycleStages: a.lifecycleStages, churnRisks: a.churnRisks,
    customerGids: entered ? [...entered.keys()] : undefined,
  });
  const matches = compileAudience(a);
  return rows.filter((r) => matches({ ...r, enteredLayerIds: entered?.get(r.customerGid) }));
}

export interface DryRun {
  audience: number;
  control: number;
  treatment: number;
  notYet: number;
  /** Treatment customers the budgets cover (in decision order). */
  treatable: number;
  /** What treating them would cost. */
  costPoints: number;
  costMinor: number;
  /** Up to 20 customers that would be treated. */
  sample: string[];
}

/**
 * Who a campaign would reach now and what it would cost, without writing
 * anything. Frequency caps are not applied (they depend on the order of
 * concurrent runs); budgets are.
 */
export async function dryRunCampaign(shopDomain: string, campaignId: string, now: Date, deps?: Omit<CampaignDeps, "now">): Promise<DryRun> {
  const { db } = resolve(deps);
  const campaign = await loadCampaign(db, shopDomain, campaignId);
  const def = definitionOf(campaign);
  const assigned = await assignedCustomers(db, campaign.id);
  const rows = (await evaluateAudience(db, campaign, def, now)).filter((r) => !assigned.has(r.customerGid));
  const unit = actionCost(def);
  const out: DryRun = { audience: rows.length, control: 0, treatment: 0, notYet: 0, treatable: 0, costPoints: 0, costMinor: 0, sample: [] };
  const spent = { spentPoints: campaign.spentPoints, spentMinor: Number(campaign.spentMinor) };
  for (const r of rows) {
    const placement = def.rolloutShare === 0 ? "not_yet" : placeCustomer(shopDomain, campaign.id, r.customerGid, def);
    if (placement === "not_yet") { out.notYet++; continue; }
    out[placement]++;
    if (placement !== "treatment" || !fitsBudget(spent, unit, def).ok) continue;
    spent.spentPoints += unit.points;
    spent.spentMinor += unit.minor;
    out.treatable++;
    out.costPoints += unit.points;
    out.costMinor += unit.minor;
    if (out.sample.length < 20) out.sample.push(r.customerGid);
  }
  return out;
}

/**
 * Starts a draft campaign.
 * @param horizonCustomersPerArm a fixed horizon for the verdict, set now or never.
 * @throws CampaignStateError when not a draft or it uses an action kind this version does not apply.
 */
export async function launchCampaign(
  shopDomain: string,
  campaignId: string,
  options: { horizonCustomersPerArm?: number | null } = {},
  deps?: CampaignDeps,
): Promise<Campaign> {
  const { db, now } = resolve(deps);
  const campaign = await loadCampaign(db, shopDomain, campaignId);
  if (campaign.status !== "draft") throw new CampaignStateError(`campaign ${campaignId} is ${campaign.status}, not a draft`);
  const unsupported = definitionOf(campaign).actions.filter((a) => !(APPLIED_ACTION_KINDS as readonly string[]).includes(a.kind));
  if (unsupported.length) throw new CampaignStateError(`actions not applied yet: ${unsupported.map((a) => a.kind).join(", ")}`);
  const horizon = options.horizonCustomersPerArm ?? null;
  if (horizon !== null && !(Number.isInteger(horizon) && horizon >= 100)) throw new CampaignStateError("a fixed horizon is a whole number of at least 100 customers per group");
  return updateCampaign(db, campaign.id, { status: "running", launchedAt: now(), horizonCustomersPerArm: horizon });
}

/**
 * Widens the rollout (or rolls it back to 0). Customers already assigned keep their arm.
 * @throws CampaignStateError for a narrowing or an out-of-range share.
 */
export async function setRollout(shopDomain: string, campaignId: string, rolloutShare: number, deps?: CampaignDeps): Promise<Campaign> {
  const { db } = resolve(deps);
  const campaign = await loadCampaign(db, shopDomain, campaignId);
  const problem = checkRolloutChange(campaign.rolloutShare, rolloutShare);
  if (problem) throw new CampaignStateError(problem);
  return updateCampaign(db, campaign.id, { rolloutShare });
}

export async function stopCampaign(shopDomain: string, campaignId: string, deps?: CampaignDeps): Promise<Campaign> {
  const { db } = resolve(deps);
  const campaign = await loadCampaign(db, shopDomain, campaignId);
  return updateCampaign(db, campaign.id, { status: "stopped" });
}

export interface CampaignRunSummary {
  campaignId: string;
  /** False when the trigger said not now (a schedule not yet due, a "once" campaign already run). */
  ran: boolean;
  audience: number;
  control: number;
  treatment: number;
  notYet: number;
  alreadyAssigned: number;
  capped: number;
  overBudget: number;
}

export interface ShopCampaignRun {
  campaigns: CampaignRunSummary[];
  actionsApplied: number;
  actionsFailed: number;
}

function isDue(campaign: Campaign, def: CampaignDefinition, now: Date): boolean {
  const t = def.trigger;
  if (t.kind === "once") return campaign.lastRunAt === null;
  if (t.kind === "schedule") return campaign.lastRunAt === null || now.getTime() - campaign.lastRunAt.getTime() >= t.everyDays * DAY_MS;
  return true;
}

type Decision = "control" | "treatment" | "not_yet" | "already" | "capped" | "over_budget" | "stopped";

/** Customers decided in one transaction: few enough that a run does not hold the campaign's lock for long. */
const DECISION_BATCH = 200;

/** One batch of customers (sorted), one transaction: see the module comment. */
async function decideBatch(db: PrismaClient, campaignId: string, shopDomain: string, customerGids: string[], now: Date): Promise<Decision[]> {
  return db.$transaction(async (tx) => {
    const campaign = await lockCampaign(tx, campaignId);
    if (campaign.status !== "running") return customerGids.map(() => "stopped" as const);
    const def = definitionOf(campaign);
    const unit = actionCost(def);
    // Rolled back (rollout 0): nobody new joins either arm, so control does not keep growing alone.
    const placements = customerGids.map((gid) => (def.rolloutShare === 0 ? "not_yet" : placeCustomer(shopDomain, campaignId, gid, def)));
    const inExperiment = customerGids.filter((_, i) => placements[i] !== "not_yet");
    await lockCustomers(tx, shopDomain, inExperiment);
    const already = await alreadyAssigned(tx, campaignId, inExperiment);
    const previous = await treatmentsSince(tx, shopDomain, inExperiment, new Date(now.getTime() - def.frequencyCap.perDays * DAY_MS));
    const spent = { spentPoints: campaign.spentPoints, spentMinor: Number(campaign.spentMinor) };
    const assignments: CampaignAssignment[] = [];
    const reservations: ActionReservation[] = [];
    const decisions = customerGids.map((customerGid, i): Decision => {
      const placement = placements[i];
      if (placement === "not_yet") return "not_yet";
      if (already.has(customerGid)) return "already";
      if (!withinFrequencyCap(previous.get(customerGid) ?? [], now.getTime(), def.frequencyCap)) return "capped";
      // Checked for both arms: a control customer only counts while a treatment would still fit.
      if (!fitsBudget(spent, unit, def).ok) return "over_budget";
      assignments.push({ campaignId, shopDomain, customerGid, arm: placement, assignedAt: now, exposedAt: now });
      if (placement === "treatment") {
        reservations.push(...reservationsFor(campaign, def, customerGid, now));
        spent.spentPoints += unit.points;
        spent.spentMinor += unit.minor;
      }
      return placement;
    });
    await insertAssignments(tx, assignments);
    await reserveActions(tx, campaignId, reservations);
    return decisions;
  }, CAMPAIGN_TX_OPTIONS);
}

function reservationsFor(campaign: Campaign, def: CampaignDefinition, customerGid: string, now: Date): ActionReservation[] {
  return def.actions.map((a) => {
    const points = a.kind === "bonus_points" ? a.points : 0;
    const costMinor = BigInt(Math.ceil(points * def.pointValueMinor) + (a.kind === "reward_code" ? a.costMinor : 0));
    return {
      id: randomUUID(), shopDomain: campaign.shopDomain, campaignId: campaign.id, customerGid, kind: a.kind, points, costMinor,
      idempotencyKey: `campaign:${campaign.id}:${customerGid}:${a.kind}`, createdAt: now,
    };
  });
}

const numericId = (gid: string) => Number(gid.split("/").pop());
const day = (d: Date) => d.toISOString().slice(0, 10);

/** How long a run's claim on an action lasts; a "sending" action older than this was interrupted. */
export const ACTION_CLAIM_LEASE_MS = 10 * 60_000;

/**
 * Applies one action: "applied", "failed" (its cost released), or "waiting"
 * (a Flow action while the run has no Admin client, or another run holds it).
 */
async function applyAction(db: PrismaClient, client: AdminClient | undefined, action: CampaignAction, now: Date): Promise<"applied" | "failed" | "waiting"> {
  if (action.kind === "flow_trigger" && action.status === "sending") {
    // Interrupted mid-send: Flow may have run the workflow already, so never resend.
    await failActionAndRelease(db, action, "interrupted while sending; not resent to avoid a duplicate Flow run");
    return "failed";
  }
  if (action.kind === "flow_trigger" && !client) return "waiting";
  if (!(await claimAction(db, action, now))) return "waiting";
  const campaign = await db.campaign.findUniqueOrThrow({ where: { id: action.campaignId } });
  const def = definitionOf(campaign);
  try {
    if (action.kind === "bonus_points") {
      // Idempotent by key: a retry after an interrupted run credits nothing twice.
      await awardPoints(
        { shopDomain: action.shopDomain, customerGid: action.customerGid, points: action.points, kind: "bonus", idempotencyKey: action.idempotencyKey, reason: `campaign: ${campaign.name}` },
        { db, now: () => now },
      );
    } else if (action.kind === "flow_trigger" && client) {
      const step = def.actions.find((a) => a.kind === "flow_trigger");
      const bonus = def.actions.find((a) => a.kind === "bonus_points");
      await fireFlowTrigger(client, CAMPAIGN_STEP_DUE_HANDLE, {
        customer_id: numericId(action.customerGid),
        campaign_id: campaign.id,
        campaign_name: campaign.name,
        step: step?.kind === "flow_trigger" ? step.step : "",
        bonus_points: bonus?.kind === "bonus_points" ? bonus.points : 0,
        window_ends_on: day(new Date(action.createdAt.getTime() + def.windowDays * DAY_MS)),
      });
    } else {
      throw new CampaignStateError(`action ${action.kind} is not applied by this version`);
    }
    await markApplied(db, action.id, now);
    return "applied";
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    await failActionAndRelease(db, { ...action, status: "sending" }, error instanceof LoyaltyProgramOffError ? "loyalty is off" : error.message);
    return "failed";
  }
}

/**
 * Runs every running campaign of the shop whose trigger is due: evaluates
 * the audience (with "entered" layer moves since the previous run), assigns,
 * reserves and applies the treatment's actions. Safe to run concurrently and
 * to re-run: caps and budgets are never exceeded, nobody is assigned twice,
 * and points are awarded once per campaign and customer.
 */
export async function runCampaignsForShop(shopDomain: string, now: Date, deps: { db: PrismaClient; client?: AdminClient }): Promise<ShopCampaignRun> {
  const { db, client } = deps;
  const summaries: CampaignRunSummary[] = [];
  for (const campaign of await runningCampaigns(db, shopDomain)) {
    const def = definitionOf(campaign);
    const summary: CampaignRunSummary = { campaignId: campaign.id, ran: false, audience: 0, control: 0, treatment: 0, notYet: 0, alreadyAssigned: 0, capped: 0, overBudget: 0 };
    summaries.push(summary);
    if (!isDue(campaign, def, now)) continue;
    summary.ran = true;
    const assigned = await assignedCustomers(db, campaign.id);
    const rows = await evaluateAudience(db, campaign, def, now);
    summary.audience = rows.length;
    const fresh: string[] = [];
    for (const row of rows) {
      if (assigned.has(row.customerGid)) summary.alreadyAssigned++;
      else fresh.push(row.customerGid);
    }
    fresh.sort();
    for (let i = 0; i < fresh.length; i += DECISION_BATCH) {
      const decisions = await decideBatch(db, campaign.id, shopDomain, fresh.slice(i, i + DECISION_BATCH), now);
      if (decisions[0] === "stopped") break;
      for (const decision of decisions) {
        const key = ({ control: "control", treatment: "treatment", not_yet: "notYet", already: "alreadyAssigned", capped: "capped", over_budget: "overBudget", stopped: null } as const)[decision];
        if (key) summary[key]++;
      }
    }
    await updateCampaign(db, campaign.id, { lastRunAt: now });
  }
  // Reserved actions, this run's and any an earlier run left.
  let actionsApplied = 0;
  let actionsFailed = 0;
  for (const action of await actionsToApply(db, shopDomain, new Date(now.getTime() - ACTION_CLAIM_LEASE_MS))) {
    const outcome = await applyAction(db, client, action, now);
    if (outcome === "applied") actionsApplied++;
    if (outcome === "failed") actionsFailed++;
  }
  return { campaigns: summaries, actionsApplied, actionsFailed };
}

/** 1,000 resamples, fewer for very large campaigns (the cost is resamples × customers; see bench/campaigns-bench.ts). */
const bootstrapResamples = (customers: number) => Math.max(200, Math.min(1000, Math.floor(50_000_000 / Math.max(1, customers))));

export interface ArmResult {
  arm: Arm;
  customers: number;
  /** Customers with an order within the window after assignment. */
  converted: number;
  conversionRate: number;
  orders: number;
  revenueMinor: number;
  revenuePerCustomerMinor: number;
}

export interface CampaignResults {
  campaignId: string;
  treatment: ArmResult;
  control: ArmResult;
  /** Points credited and their money cost plus reward codes, minor units (applied actions only). */
  costPoints: number;
  costMinor: number;
  /** Bootstrap interval of the revenue-per-customer difference; null until both arms have customers. */
  revenueDifference: BootstrapInterval | null;
  returnOnCost: ReturnOnCost | null;
  verdict: Verdict;
}

/**
 * Conversion and revenue per arm from synced orders within each customer's
 * window ([assignedAt, assignedAt + windowDays), and not after `now`), the
 * uplift with its intervals, ROI net of reward cost and the verdict.
 * @throws CampaignNotFoundError
 */
export async function campaignResults(shopDomain: string, campaignId: string, now: Date, deps: { db: PrismaClient }): Promise<CampaignResults> {
  const { db } = deps;
  const campaign = await loadCampaign(db, shopDomain, campaignId);
  const def = definitionOf(campaign);
  const assignments = await campaignAssignments(db, campaign.id);
  const windowMs = def.windowDays * DAY_MS;
  const first = assignments.reduce((m, a) => Math.min(m, a.assignedAt.getTime()), Infinity);
  const orders = assignments.length
    ? await ordersOfCustomers(db, shopDomain, assignments.map((a) => a.customerGid), new Date(first), now)
    : [];
  const byCustomer = new Map<string, { processedAt: Date; netMinor: bigint }[]>();
  for (const o of orders) byCustomer.set(o.customerGid, [...(byCustomer.get(o.customerGid) ?? []), o]);

  const revenue: Record<Arm, number[]> = { control: [], treatment: [] };
  const arms: Record<Arm, ArmResult> = {
    control: { arm: "control", customers: 0, converted: 0, conversionRate: 0, orders: 0, revenueMinor: 0, revenuePerCustomerMinor: 0 },
    treatment: { arm: "treatment", customers: 0, converted: 0, conversionRate: 0, orders: 0, revenueMinor: 0, revenuePerCustomerMinor: 0 },
  };
  for (const a of assignments) {
    const arm = arms[a.arm as Arm];
    const from = a.assignedAt.getTime();
    const inWindow = (byCustomer.get(a.customerGid) ?? []).filter((o) => o.processedAt.getTime() >= from && o.processedAt.getTime() < from + windowMs);
    const net = inWindow.reduce((s, o) => s + Number(o.netMinor), 0);
    arm.customers++;
    arm.orders += inWindow.length;
    arm.revenueMinor += net;
    if (inWindow.length > 0) arm.converted++;
    revenue[a.arm as Arm].push(net);
  }
  for (const arm of Object.values(arms)) {
    arm.conversionRate = arm.customers ? arm.converted / arm.customers : 0;
    arm.revenuePerCustomerMinor = arm.customers ? arm.revenueMinor / arm.customers : 0;
  }
  const applied = (await campaignActions(db, campaign.id)).filter((a) => a.status === "applied");
  const costPoints = applied.reduce((s, a) => s + a.points, 0);
  const costMinor = applied.reduce((s, a) => s + Number(a.costMinor), 0);
  const both = arms.treatment.customers > 0 && arms.control.customers > 0;
  // Seeded from the campaign id: the same data always gives the same interval.
  const revenueDifference = both
    ? bootstrapMeanDifference(revenue.treatment, revenue.control, seededRandom(hash53(campaign.id)), { alpha: def.alpha, resamples: bootstrapResamples(arms.treatment.customers + arms.control.customers) })
    : null;
  return {
    campaignId: campaign.id,
    treatment: arms.treatment,
    control: arms.control,
    costPoints,
    costMinor,
    revenueDifference,
    returnOnCost: revenueDifference ? returnOnCost(revenueDifference.difference, arms.treatment.customers, costMinor) : null,
    verdict: verdictFor(arms.treatment, arms.control, { alpha: def.alpha, horizonCustomersPerArm: campaign.horizonCustomersPerArm }),
  };
}
