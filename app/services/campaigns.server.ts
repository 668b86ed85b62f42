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
 * Reward codes and tier perks create a single-use discount code whose code is
 * derived from the action and stored with it before Shopify is asked, and the
 * code is looked up before it is created: a retry after a crash, even between
 * the create and the record, finds the code instead of issuing a second one.
 * Tags go out ten customers a request (aliased tagsAdd), and come off again
 * after the window when the definition says so.
 */
import { randomUUID } from "node:crypto";
import { prisma as appPrisma } from "~/db.server";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import {
  actionsOfCustomer,
  appliedTagActions,
  assignedCustomers,
  audienceRows,
  campaignsByIds,
  customerBirthdays,
  findReward,
  markReverted,
  releaseClaim,
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
  applyRank,
  bootstrapMeanDifference,
  campaignDiscountCode,
  CODE_ACTION_KINDS,
  customerTagProblem,
  daysUntilBirthday,
  tagRemovalDue,
  unitActionCost,
  windowEndsAt,
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
import { CUSTOMER_TAG_SLOTS, CustomerInsightTagsUpdate } from "~/shopify/operations/customer-tags";
import { awardPoints, LoyaltyProgramOffError } from "./points.server";
import { PermanentIssueError, shopifyDiscountCodeIssuer, type DiscountCodeIssuer, type DiscountCodeSpec, type RewardKind } from "./rewards.server";

/** The "campaign step due" trigger (extensions/evergreen-campaign-step-due). */
export const CAMPAIGN_STEP_DUE_HANDLE = "evergreen-campaign-step-due";
/** Action kinds this version applies; launching a campaign with others is refused. */
export const APPLIED_ACTION_KINDS = ["bonus_points", "flow_trigger", "reward_code", "tier_perk", "customer_tag"] as const;

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
  let birthdayIn: Map<string, number> | null = null;
  if (a.birthdayWithinDays !== undefined) {
    birthdayIn = new Map();
    for (const [customerGid, birthday] of await customerBirthdays(db, campaign.shopDomain)) {
      const days = daysUntilBirthday(birthday, now);
      if (days !== null && days <= a.birthdayWithinDays) birthdayIn.set(customerGid, days);
    }
  }
  let customerGids = entered ? [...entered.keys()] : undefined;
  if (birthdayIn) customerGids = (customerGids ?? [...birthdayIn.keys()]).filter((gid) => birthdayIn!.has(gid));
  const rows = await audienceRows(db, campaign.shopDomain, {
    layerIds: a.layerIds, lifecycleStages: a.lifecycleStages, churnRisks: a.churnRisks, customerGids,
  });
  const matches = compileAudience(a);
  return rows.filter((r) => matches({ ...r, enteredLayerIds: entered?.get(r.customerGid), daysUntilBirthday: birthdayIn?.get(r.customerGid) ?? null }));
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
 * @throws CampaignStateError when not a draft, or an action cannot be applied in this shop (a reward not in
 *   the catalogue, a tier without free shipping, loyalty off for a tier perk).
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
  const def = definitionOf(campaign);
  const unsupported = def.actions.filter((a) => !(APPLIED_ACTION_KINDS as readonly string[]).includes(a.kind));
  if (unsupported.length) throw new CampaignStateError(`actions not applied yet: ${unsupported.map((a) => a.kind).join(", ")}`);
  const problems = await actionProblems(db, shopDomain, def);
  if (problems.length) throw new CampaignStateError(problems.join("; "));
  const horizon = options.horizonCustomersPerArm ?? null;
  if (horizon !== null && !(Number.isInteger(horizon) && horizon >= 100)) throw new CampaignStateError("a fixed horizon is a whole number of at least 100 customers per group");
  return updateCampaign(db, campaign.id, { status: "running", launchedAt: now(), horizonCustomersPerArm: horizon });
}

/** What keeps the actions from being applied in this shop now: a reward not in the catalogue, a tier without free shipping. */
async function actionProblems(db: PrismaClient, shopDomain: string, def: CampaignDefinition): Promise<string[]> {
  const problems: string[] = [];
  for (const action of def.actions) {
    if (action.kind === "reward_code") {
      const reward = await findReward(db, shopDomain, action.rewardId);
      if (!reward || !reward.active) problems.push(`reward ${action.rewardId} is not in the shop's reward catalogue`);
    }
    if (action.kind === "tier_perk") {
      const active = await loadActiveProgram(db, shopDomain);
      const tier = active?.rules.tiers.find((t) => t.id === action.tier);
      if (!active) problems.push("a tier perk needs the loyalty programme switched on");
      else if (!tier) problems.push(`no tier "${action.tier}" in the loyalty programme`);
      else if (!tier.freeShipping) problems.push(`tier "${action.tier}" has no free shipping to grant`);
    }
    if (action.kind === "customer_tag") {
      const problem = customerTagProblem(action.tag);
      if (problem) problems.push(`tag: ${problem}`);
    }
  }
  return problems;
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
  /** Campaign tags taken off again (window over or campaign stopped). */
  tagsRemoved: number;
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
    const cost = unitActionCost(a, def.pointValueMinor);
    const id = randomUUID();
    // The code is fixed here, in the reservation's transaction, before Shopify is ever asked for it.
    const code = CODE_ACTION_KINDS.includes(a.kind) ? campaignDiscountCode(id) : a.kind === "customer_tag" ? a.tag : null;
    return {
      id, shopDomain: campaign.shopDomain, campaignId: campaign.id, customerGid, kind: a.kind, points: cost.points, costMinor: BigInt(cost.minor), code,
      idempotencyKey: `campaign:${campaign.id}:${customerGid}:${a.kind}`, createdAt: now,
    };
  });
}

const numericId = (gid: string) => Number(gid.split("/").pop());
const day = (d: Date) => d.toISOString().slice(0, 10);

/** How long a run's claim on an action lasts; a "sending" action older than this was interrupted. */
export const ACTION_CLAIM_LEASE_MS = 10 * 60_000;

type Outcome = "applied" | "failed" | "waiting";

interface ApplyContext {
  db: PrismaClient;
  client?: AdminClient;
  issuer?: DiscountCodeIssuer;
  now: Date;
  campaigns: Map<string, Campaign>;
  /** Looked up once a run: rewards by id, the loyalty programme. */
  rewards: Map<string, Awaited<ReturnType<typeof findReward>>>;
  program?: Awaited<ReturnType<typeof loadActiveProgram>>;
}

async function campaignOf(ctx: ApplyContext, id: string): Promise<Campaign> {
  let campaign = ctx.campaigns.get(id);
  if (!campaign) {
    campaign = await ctx.db.campaign.findUniqueOrThrow({ where: { id } });
    ctx.campaigns.set(id, campaign);
  }
  return campaign;
}

/**
 * Applies one action (tags go in batches, {@link applyTagActions}): "applied",
 * "failed" (its cost released), or "waiting" (it needs an Admin client, another
 * run holds it, a transient failure left it for the next run, or a Flow message
 * waits for the customer's code).
 */
async function applyAction(ctx: ApplyContext, action: CampaignAction): Promise<Outcome> {
  const { db, client, now } = ctx;
  if (action.kind === "flow_trigger" && action.status === "sending") {
    // Interrupted mid-send: Flow may have run the workflow already, so never resend.
    await failActionAndRelease(db, action, "interrupted while sending; not resent to avoid a duplicate Flow run");
    return "failed";
  }
  const needsShopify = action.kind !== "bonus_points";
  if (needsShopify && !client) return "waiting";
  let siblingCode = "";
  if (action.kind === "flow_trigger") {
    const siblings = (await actionsOfCustomer(db, action.campaignId, action.customerGid)).filter((a) => CODE_ACTION_KINDS.includes(a.kind as never));
    // The message carries the customer's code: it waits until the code exists (or failed for good).
    if (siblings.some((a) => a.status === "reserved" || a.status === "sending")) return "waiting";
    siblingCode = siblings.find((a) => a.status === "applied")?.code ?? "";
  }
  // A code action found "sending" after a crash is claimed again: its code is looked up before it is created.
  if (!(await claimAction(db, action, now))) return "waiting";
  const campaign = await campaignOf(ctx, action.campaignId);
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
        discount_code: siblingCode,
        window_ends_on: day(windowEndsAt(action.createdAt, def.windowDays)),
      });
    } else if ((action.kind === "reward_code" || action.kind === "tier_perk") && client) {
      return await applyCodeAction(ctx, action, campaign, def);
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

/** A code action's discount: the reward's shape (or the tier's free shipping), single use, limited to the customer, valid for the window. */
async function codeSpecOf(ctx: ApplyContext, action: CampaignAction, campaign: Campaign, def: CampaignDefinition): Promise<DiscountCodeSpec | string> {
  const code = action.code ?? campaignDiscountCode(action.id);
  const window = { customerGid: action.customerGid, startsAt: action.createdAt, endsAt: windowEndsAt(action.createdAt, def.windowDays) };
  if (action.kind === "tier_perk") {
    const perk = def.actions.find((a) => a.kind === "tier_perk");
    if (ctx.program === undefined) ctx.program = await loadActiveProgram(ctx.db, action.shopDomain);
    const active = ctx.program;
    const tier = active?.rules.tiers.find((t) => t.id === (perk?.kind === "tier_perk" ? perk.tier : ""));
    if (!active) return "loyalty is off";
    if (!tier?.freeShipping) return "the tier no longer offers free shipping";
    return { code, title: `${campaign.name}: ${tier.name} free shipping (${code})`, kind: "free_shipping", ...window };
  }
  const step = def.actions.find((a) => a.kind === "reward_code");
  if (step?.kind === "reward_code" && !ctx.rewards.has(step.rewardId)) ctx.rewards.set(step.rewardId, await findReward(ctx.db, action.shopDomain, step.rewardId));
  const reward = step?.kind === "reward_code" ? ctx.rewards.get(step.rewardId) : null;
  if (!reward || !reward.active) return "the reward is no longer in the catalogue";
  return {
    code,
    title: `${campaign.name}: ${reward.title} (${code})`,
    kind: reward.kind as RewardKind,
    amountMinor: reward.amountMinor ?? undefined,
    currencyCode: reward.currencyCode ?? undefined,
    percentage: reward.percentage ?? undefined,
    minimumSubtotalMinor: reward.minimumSubtotalMinor ?? undefined,
    productVariantGids: reward.productVariantGids ? reward.productVariantGids.split(",") : undefined,
    ...window,
  };
}

/**
 * Creates a code action's discount through the loyalty rewards' issuer (it
 * looks the code up first). Shopify refusing it fails the action and gives its
 * cost back; anything else (a timeout, a network error: the code may exist)
 * leaves it for the next run, which finds the code or creates it.
 */
async function applyCodeAction(ctx: ApplyContext, action: CampaignAction, campaign: Campaign, def: CampaignDefinition): Promise<Outcome> {
  const spec = await codeSpecOf(ctx, action, campaign, def);
  if (typeof spec === "string") {
    await failActionAndRelease(ctx.db, { ...action, status: "sending" }, spec);
    return "failed";
  }
  const issuer = ctx.issuer ?? shopifyDiscountCodeIssuer(() => ctx.client!);
  try {
    const { discountGid } = await issuer.ensureCode(action.shopDomain, spec);
    await markApplied(ctx.db, action.id, ctx.now, { discountGid });
    return "applied";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentIssueError) {
      await failActionAndRelease(ctx.db, { ...action, status: "sending" }, message);
      return "failed";
    }
    await releaseClaim(ctx.db, action.id, message);
    return "waiting";
  }
}

type TagSlot = { customerGid: string; add: string[]; remove: string[] };

/** One aliased tagsAdd/tagsRemove request per CUSTOMER_TAG_SLOTS customers; the errors of each slot (empty: done). */
async function sendTagBatch(client: AdminClient, slots: TagSlot[]): Promise<string[][]> {
  const variables: Record<string, unknown> = {};
  for (let slot = 0; slot < CUSTOMER_TAG_SLOTS; slot++) {
    const p = slots[slot];
    variables[`id${slot}`] = (p ?? slots[0]).customerGid; // unused slots are skipped by @include
    variables[`add${slot}`] = p ? p.add : [];
    variables[`remove${slot}`] = p ? p.remove : [];
    variables[`doAdd${slot}`] = p ? p.add.length > 0 : false;
    variables[`doRemove${slot}`] = p ? p.remove.length > 0 : false;
  }
  const data = (await client.request(CustomerInsightTagsUpdate, variables as never)) as Record<string, { userErrors: { field?: string[] | null; message: string }[] } | null | undefined>;
  return slots.map((p, slot) => {
    const key = p.add.length > 0 ? `add${slot}` : `remove${slot}`;
    const payload = data[key];
    if (!payload) return [`${key.startsWith("add") ? "tagsAdd" : "tagsRemove"} returned no payload`];
    return payload.userErrors.map((e) => `${e.message}${e.field ? ` (${e.field.join(".")})` : ""}`);
  });
}

/**
 * Adds the campaigns' tags, ten customers a request (the throttled Admin
 * client paces the requests to the shop's rate limit). Adding a present tag
 * changes nothing, so a tag action interrupted while sending is simply sent again.
 */
async function applyTagActions(ctx: ApplyContext, actions: CampaignAction[]): Promise<{ applied: number; failed: number }> {
  const counts = { applied: 0, failed: 0 };
  if (!ctx.client || actions.length === 0) return counts;
  const claimed: CampaignAction[] = [];
  for (const action of actions) if (await claimAction(ctx.db, action, ctx.now)) claimed.push(action);
  for (let i = 0; i < claimed.length; i += CUSTOMER_TAG_SLOTS) {
    const part = claimed.slice(i, i + CUSTOMER_TAG_SLOTS);
    let errors: string[][];
    try {
      errors = await sendTagBatch(ctx.client, part.map((a) => ({ customerGid: a.customerGid, add: [a.code!], remove: [] })));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const a of part) await releaseClaim(ctx.db, a.id, message);
      continue;
    }
    for (const [slot, action] of part.entries()) {
      if (errors[slot].length === 0) {
        await markApplied(ctx.db, action.id, ctx.now);
        counts.applied++;
      } else {
        await failActionAndRelease(ctx.db, { ...action, status: "sending" }, `tagsAdd: ${errors[slot].join("; ")}`);
        counts.failed++;
      }
    }
  }
  return counts;
}

/**
 * Takes campaign tags off again where the definition asks for it, once the
 * customer's window ended or the campaign stopped. A tag another campaign
 * still holds on the customer stays (only this campaign's claim on it ends).
 * @returns how many tags came off.
 */
async function removeExpiredTags(ctx: ApplyContext, shopDomain: string): Promise<number> {
  if (!ctx.client) return 0;
  const applied = await appliedTagActions(ctx.db, shopDomain);
  if (applied.length === 0) return 0;
  for (const c of await campaignsByIds(ctx.db, [...new Set(applied.map((a) => a.campaignId))])) ctx.campaigns.set(c.id, c);
  const releases = (a: CampaignAction) => {
    const campaign = ctx.campaigns.get(a.campaignId)!;
    const def = definitionOf(campaign);
    const step = def.actions.find((x) => x.kind === "customer_tag");
    return step?.kind === "customer_tag" && step.removeAfterWindow === true && tagRemovalDue(a.createdAt, def.windowDays, campaign.status, ctx.now);
  };
  const due = applied.filter(releases);
  const key = (a: CampaignAction) => `${a.customerGid}\u0000${a.code!.toLowerCase()}`;
  const held = new Set(applied.filter((a) => !releases(a)).map(key));
  const keep = due.filter((a) => held.has(key(a)));
  await markReverted(ctx.db, keep.map((a) => a.id), ctx.now);
  const remove = due.filter((a) => !held.has(key(a)));
  let removed = 0;
  for (let i = 0; i < remove.length; i += CUSTOMER_TAG_SLOTS) {
    const part = remove.slice(i, i + CUSTOMER_TAG_SLOTS);
    // Removing an absent tag changes nothing: a failed request is simply tried again on the next run.
    const errors = await sendTagBatch(ctx.client, part.map((a) => ({ customerGid: a.customerGid, add: [], remove: [a.code!] }))).catch(() => null);
    if (!errors) continue;
    const done = part.filter((_, slot) => errors[slot].length === 0);
    await markReverted(ctx.db, done.map((a) => a.id), ctx.now);
    removed += done.length;
  }
  return removed;
}

/**
 * Runs every running campaign of the shop whose trigger is due: evaluates
 * the audience (with "entered" layer moves since the previous run), assigns,
 * reserves and applies the treatment's actions. Safe to run concurrently and
 * to re-run: caps and budgets are never exceeded, nobody is assigned twice,
 * and points are awarded once per campaign and customer.
 */
export async function runCampaignsForShop(
  shopDomain: string,
  now: Date,
  deps: { db: PrismaClient; client?: AdminClient; /** Tests: a discount issuer other than Shopify's through `client`. */ issuer?: DiscountCodeIssuer },
): Promise<ShopCampaignRun> {
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
  // Reserved actions, this run's and any an earlier run left: codes and tags before the Flow messages that carry them.
  const ctx: ApplyContext = { db, client, issuer: deps.issuer, now, campaigns: new Map(), rewards: new Map() };
  const pending = (await actionsToApply(db, shopDomain, new Date(now.getTime() - ACTION_CLAIM_LEASE_MS)))
    .map((action, i) => ({ action, i }))
    .sort((a, b) => applyRank(a.action.kind) - applyRank(b.action.kind) || a.i - b.i)
    .map((x) => x.action);
  const tags = await applyTagActions(ctx, pending.filter((a) => a.kind === "customer_tag"));
  let actionsApplied = tags.applied;
  let actionsFailed = tags.failed;
  for (const action of pending) {
    if (action.kind === "customer_tag") continue;
    const outcome = await applyAction(ctx, action);
    if (outcome === "applied") actionsApplied++;
    if (outcome === "failed") actionsFailed++;
  }
  const tagsRemoved = await removeExpiredTags(ctx, shopDomain);
  return { campaigns: summaries, actionsApplied, actionsFailed, tagsRemoved };
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
