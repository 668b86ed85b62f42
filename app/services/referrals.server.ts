/**
 * Referrals: every member gets a code and a link; a friend who follows it gets
 * a first-order discount code of their own; the referrer earns points once the
 * friend's first order is paid and past the return window, unrefunded.
 *
 * What is stored, the attribution rules and the abuse checks: docs/referrals.md.
 * Rules themselves are pure (`~/domain/referrals`); this module loads, decides
 * and persists. Points and discount codes go through ports
 * ({@link ReferralPorts}) so tests can fake them, failures included.
 *
 * Exactly once: a referral is attributed by a conditional update (status
 * still pending), a friend at most once (unique `attributedFriendKey`), an
 * order at most once (unique `orderGid`); a payout is claimed in a transaction
 * holding the referrer's lock (so caps hold under concurrency) and the ledger
 * award carries the idempotency key `referral:{id}`, retried by every
 * settlement until the ledger confirms it.
 */
import { randomBytes as cryptoRandomBytes, randomUUID } from "node:crypto";
import {
  DAY_MS,
  aggregateFunnel,
  attributionRejections,
  capAllows,
  decidePayout,
  emailHash,
  friendKey,
  generateFriendDiscountCode,
  generateReferralCode,
  isPaidStatus,
  normaliseReferralCode,
  payableAtFor,
  referralRefFromNote,
  selfReferralReasons,
  shopHash,
  signalChecks,
  validateReferralSettings,
  type AbuseSignals,
  type OrderState,
  type RandomBytes,
  type ReferralFunnel,
  type ReferralProgramSettings,
  type ReferralStatus,
  type RejectionReason,
  type SignalChecks,
  type VoidReason,
} from "~/domain/referrals";
import {
  PENDING_STATUSES,
  REFERRAL_TX_OPTIONS,
  codeOfCustomer,
  earlierPaidOrders,
  findCode,
  friendAttributedElsewhere,
  insertClick,
  insertCode,
  insertReferral,
  insertShare,
  loadOrder,
  loadSettings,
  lockReferrer,
  referralOfVisitor,
  referralsStartedSince,
  saveSettings,
  signalSaltOf,
  type ReferralDb,
} from "~/db/referrals-repository.server";
import type { PrismaClient, Referral } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ensureRewardDiscountCode, type RewardDiscountSpec } from "~/shopify/discounts.server";
import { NotInstalledError, offlineAdminClient } from "~/shopify/offline-client.server";
import { readCustomerSignals, readOrderSignals } from "~/shopify/order-signals.server";
import { normaliseTopic } from "./shop-webhooks.server";
import { awardPoints, reversePoints, type AwardPointsInput, type LedgerDeps } from "./points.server";

// ---------------------------------------------------------------------------
// Ports

export type { AwardPointsInput, RewardDiscountSpec };

/**
 * What referrals need from the points ledger and the Admin API: the real ones
 * bound by {@link referralPorts}, fakes in tests.
 */
export interface ReferralPorts {
  /** points.server.ts `awardPoints`: same key and content is a no-op returning the first entry. */
  awardPoints(input: AwardPointsInput): Promise<{ entryId: string; created: boolean }>;
  /** points.server.ts `reversePoints`: reverses the entry made with `idempotencyKey`; null when absent or already reversed. */
  reversePoints(input: { shopDomain: string; idempotencyKey: string; reason: string }): Promise<{ entryId: string } | null>;
  /** discounts.server.ts `ensureRewardDiscountCode` with the shop's Admin client bound: finds the code or creates it. */
  ensureDiscountCode(input: RewardDiscountSpec): Promise<{ discountGid: string; code: string; created: boolean }>;
}

/**
 * The production ports: the points ledger and the shop's Admin API client.
 * Orders and settlement never create discounts, so webhooks and jobs may pass
 * `admin: null`; clicks and sign-ups need the client.
 *
 * @example
 * await onOrderForReferrals(shop, orderGid, { db: prisma, ports: referralPorts(null) });
 * await recordReferralClick(shop, code, visitorToken, { db: prisma, ports: referralPorts(new AdminClient({ shop, accessToken })) });
 */
export function referralPorts(admin: Parameters<typeof ensureRewardDiscountCode>[0] | null, ledger?: LedgerDeps): ReferralPorts {
  return {
    awardPoints: (input) => awardPoints(input, ledger),
    reversePoints: (input) => reversePoints(input, ledger),
    ensureDiscountCode: (input) => {
      if (!admin) return Promise.reject(new Error("referralPorts: no Admin client bound, so no discount code can be created"));
      return ensureRewardDiscountCode(admin, input);
    },
  };
}

export type { AbuseSignals };

/**
 * Signals for the address and card checks, which the sync does not store
 * (docs/referrals.md#signals). Production: {@link shopifySignalsPort} (hashed
 * keys read through the Admin API); tests may pass raw addresses.
 */
export interface AbuseSignalsPort {
  /** The order's shipping and billing address and card fingerprints (Order.shippingAddress, billingAddress, transactions.paymentDetails). */
  orderSignals(shopDomain: string, orderGid: string): Promise<AbuseSignals>;
  /** The same for a customer's own orders and default address. */
  customerSignals(shopDomain: string, customerGid: string): Promise<AbuseSignals>;
}

const NO_SIGNALS: AbuseSignals = { addresses: [], paymentFingerprints: [], unavailable: { address: "missing", payment: "missing" } };

/**
 * The production signals port over a shop's Admin client: addresses and cards
 * read by app/shopify/order-signals.server.ts, hashed there under the shop's
 * salt (created on first use). Withheld data comes back as no signal.
 *
 * @example
 * await onOrderForReferrals(shop, orderGid, { db: prisma, ports: referralPorts(null), signals: shopifySignalsPort(admin, { db: prisma }) });
 */
export function shopifySignalsPort(admin: Pick<AdminClient, "request">, deps: ReferralDeps): AbuseSignalsPort {
  const salt = (shopDomain: string) => signalSaltOf(deps.db, shopDomain, clock(deps), () => cryptoRandomBytes(32).toString("hex"));
  return {
    orderSignals: async (shopDomain, orderGid) => readOrderSignals(admin, orderGid, await salt(shopDomain)),
    customerSignals: async (shopDomain, customerGid) => readCustomerSignals(admin, customerGid, await salt(shopDomain)),
  };
}

/**
 * The shop's Admin client over its offline session, opened on the first
 * request (webhooks bind it without knowing whether they will need it).
 * @throws NotInstalledError on a request when the shop has no offline session.
 */
export function lazyOfflineAdmin(shopDomain: string, db: Pick<PrismaClient, "session">): Pick<AdminClient, "request"> {
  let client: Promise<AdminClient> | null = null;
  return {
    request: (async (...args: Parameters<AdminClient["request"]>) => {
      client ??= offlineAdminClient(shopDomain, db);
      return (await client).request(...args);
    }) as AdminClient["request"],
  };
}

/**
 * {@link shopifySignalsPort} over the shop's offline session, opened only when
 * a check needs it (webhooks and jobs). A shop without one (uninstalled)
 * gives no signals: the checks are "unknown", which never blocks a payout.
 */
export function offlineSignalsPort(deps: ReferralDeps & { db: ReferralsDatabase & Pick<PrismaClient, "session"> }): AbuseSignalsPort {
  const ports = new Map<string, Promise<AbuseSignalsPort | null>>();
  const portOf = (shopDomain: string) => {
    let port = ports.get(shopDomain);
    if (!port) {
      port = offlineAdminClient(shopDomain, deps.db).then(
        (admin) => shopifySignalsPort(admin, deps),
        (error: unknown) => {
          if (error instanceof NotInstalledError) return null;
          throw error;
        },
      );
      ports.set(shopDomain, port);
    }
    return port;
  };
  return {
    orderSignals: async (shopDomain, orderGid) => (await portOf(shopDomain))?.orderSignals(shopDomain, orderGid) ?? NO_SIGNALS,
    customerSignals: async (shopDomain, customerGid) => (await portOf(shopDomain))?.customerSignals(shopDomain, customerGid) ?? NO_SIGNALS,
  };
}

export type ReferralsDatabase = ReferralDb & Pick<PrismaClient, "$transaction" | "shop">;

export interface ReferralDeps {
  db: ReferralsDatabase;
  now?: () => Date;
  random?: RandomBytes;
  /** The storefront path of the app proxy (shopify.app.toml [app_proxy]: prefix "apps", subpath "evergreen"). */
  proxyPath?: string;
}

export interface ReferralPortDeps extends ReferralDeps {
  ports: ReferralPorts;
  signals?: AbuseSignalsPort;
}

export const DEFAULT_PROXY_PATH = "/apps/evergreen";

/** New referrals one code may start per UTC day from landing clicks; more clicks are counted but mint no discount. */
export const MAX_NEW_REFERRALS_PER_CODE_PER_DAY = 50;

const clock = (deps: ReferralDeps) => (deps.now ?? (() => new Date()))();
const random = (deps: ReferralDeps): RandomBytes => deps.random ?? ((n) => cryptoRandomBytes(n));
const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const startOfUtcDay = (at: Date) => new Date(Date.parse(utcDay(at) + "T00:00:00.000Z"));

/** The ledger idempotency key of a referral's reward. */
export const rewardIdempotencyKey = (referralId: string) => `referral:${referralId}`;

/** A settings change is invalid. */
export class InvalidReferralSettingsError extends Error {
  /** The problems as codes per field, for callers that show them in another language (the admin). */
  readonly issues: ReferralSettingsIssue[];
  constructor(readonly problems: string[]) {
    super(`invalid referral settings: ${problems.join("; ")}`);
    this.name = "InvalidReferralSettingsError";
    this.issues = problems.map(referralSettingsIssue);
  }
}

/** One problem of a referral settings change: the field, a code, and the bounds of a range. */
export interface ReferralSettingsIssue {
  field: string;
  code: "range" | "negative" | "positive" | "required" | "invalid";
  min?: number;
  max?: number;
  /** The English sentence (validateReferralSettings'), for logs and `invalid`. */
  message: string;
}

/** Reads a problem of validateReferralSettings ("capPeriodDays must be an integer from 1 to …") as a code. */
function referralSettingsIssue(message: string): ReferralSettingsIssue {
  const field = message.split(" ")[0] ?? "form";
  const range = /must be an integer (?:from|in) (\d+)(?: to |\.\.)(\d+)$/.exec(message);
  if (range) return { field, code: "range", min: Number(range[1]), max: Number(range[2]), message };
  if (/must not be negative$/.test(message)) return { field, code: "negative", message };
  if (/must be positive$/.test(message)) return { field, code: "positive", message };
  if (/is required/.test(message)) return { field, code: "required", message };
  return { field, code: "invalid", message };
}

// ---------------------------------------------------------------------------
// Settings

/** The shop's referral settings (defaults on first read). */
export async function getReferralSettings(shopDomain: string, deps: ReferralDeps): Promise<ReferralProgramSettings> {
  return loadSettings(deps.db, shopDomain, clock(deps));
}

/**
 * Changes the shop's settings; the version goes up by one, so existing
 * referrals keep the version they were made under.
 *
 * @throws InvalidReferralSettingsError listing every problem.
 */
export async function updateReferralSettings(
  shopDomain: string,
  patch: Partial<Omit<ReferralProgramSettings, "version">>,
  deps: ReferralDeps,
): Promise<ReferralProgramSettings> {
  const next = { ...(await loadSettings(deps.db, shopDomain, clock(deps))), ...patch };
  const problems = validateReferralSettings(next);
  if (problems.length) throw new InvalidReferralSettingsError(problems);
  return saveSettings(deps.db, shopDomain, next);
}

// ---------------------------------------------------------------------------
// Codes, shares, clicks, sign-ups

export interface ReferralLink {
  code: string;
  /** https://{shop}/apps/evergreen/r/{code}: the app proxy's referral landing. */
  url: string;
}

function linkOf(shopDomain: string, code: string, deps: ReferralDeps): ReferralLink {
  return { code, url: `https://${shopDomain}${deps.proxyPath ?? DEFAULT_PROXY_PATH}/r/${code}` };
}

/**
 * The customer's referral code and link, created on first call. Codes are
 * random (not derived from the customer id); a collision is retried.
 * Concurrent calls for one customer return the same code.
 *
 * @example
 * const { code, url } = await getOrCreateReferralCode("demo-shop.myshopify.com", "gid://shopify/Customer/1", { db: prisma });
 * // url === "https://demo-shop.myshopify.com/apps/evergreen/r/K7M2QX9D"
 */
export async function getOrCreateReferralCode(shopDomain: string, customerGid: string, deps: ReferralDeps): Promise<ReferralLink> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const existing = await codeOfCustomer(deps.db, shopDomain, customerGid);
    if (existing) return linkOf(shopDomain, existing.code, deps);
    await insertCode(deps.db, shopDomain, generateReferralCode(random(deps)), customerGid, clock(deps));
  }
  throw new Error(`could not allocate a unique referral code for ${shopDomain} after 8 attempts`);
}

/**
 * Counts a "copy link" / "share" press (once per code, channel and UTC day):
 * the funnel's "links shared".
 */
export async function recordReferralShare(shopDomain: string, customerGid: string, channel: string, deps: ReferralDeps): Promise<{ counted: boolean }> {
  const { code } = await getOrCreateReferralCode(shopDomain, customerGid, deps);
  const now = clock(deps);
  return { counted: await insertShare(deps.db, shopDomain, code, channel.slice(0, 32) || "share", utcDay(now), now) };
}

export type ClickResult =
  | { outcome: "unknown_code" }
  | { outcome: "disabled" }
  /** The logged-in customer is the code's owner: nothing minted. */
  | { outcome: "own_link"; counted: false }
  /** Too many new referrals from this code today: the click counts, no new discount. */
  | { outcome: "throttled"; counted: boolean }
  | {
      outcome: "ok";
      /** False when this visitor already clicked this code today. */
      counted: boolean;
      referralId: string;
      /** The friend's single-use first-order code; show it and apply it (https://{shop}/discount/{code}). */
      friendDiscountCode: string;
      status: ReferralStatus;
    };

/**
 * A landing hit on the referral link (the app proxy's /r/{code}). Counts the
 * click once per visitor token, code and day (the token is a random cookie
 * value, stored hashed), and gives the visitor their own referral with a
 * unique friend discount code, created in Shopify if needed: the same visitor
 * gets the same code on every visit.
 *
 * @param options.loggedInCustomerGid the app proxy's `logged_in_customer_id` as a GID: the owner clicking their own link mints nothing.
 * @throws whatever `ports.ensureDiscountCode` throws; the click and referral are stored first, so a retry completes it.
 */
export async function recordReferralClick(
  shopDomain: string,
  rawCode: string,
  visitorToken: string,
  deps: ReferralPortDeps,
  options: { loggedInCustomerGid?: string | null } = {},
): Promise<ClickResult> {
  const code = normaliseReferralCode(rawCode);
  const owner = code ? await findCode(deps.db, shopDomain, code) : null;
  if (!code || !owner) return { outcome: "unknown_code" };
  const now = clock(deps);
  const settings = await loadSettings(deps.db, shopDomain, now);
  if (!settings.enabled) return { outcome: "disabled" };
  if (options.loggedInCustomerGid && options.loggedInCustomerGid === owner.customerGid) return { outcome: "own_link", counted: false };

  const visitorHash = shopHash(shopDomain, "visitor", visitorToken);
  const counted = await insertClick(deps.db, shopDomain, code, visitorHash, utcDay(now), now);
  let referral = await referralOfVisitor(deps.db, shopDomain, code, visitorHash);
  if (!referral) {
    if ((await referralsStartedSince(deps.db, shopDomain, code, startOfUtcDay(now))) >= MAX_NEW_REFERRALS_PER_CODE_PER_DAY) {
      return { outcome: "throttled", counted };
    }
    referral = await createReferral(deps, {
      shopDomain, code, referrerCustomerGid: owner.customerGid, visitorHash, friendCustomerGid: null,
      status: "clicked", rejectionReasons: null, settingsVersion: settings.version, clickedAt: now, signedUpAt: null, rejectedAt: null, now,
    }, () => referralOfVisitor(deps.db, shopDomain, code, visitorHash));
  }
  await ensureFriendDiscount(referral, settings, deps, null);
  return { outcome: "ok", counted, referralId: referral.id, friendDiscountCode: referral.friendDiscountCode, status: referral.status as ReferralStatus };
}

export type SignupResult =
  | { outcome: "unknown_code" }
  | { outcome: "disabled" }
  /** The friend already belongs to a referral (first referral wins): that one is returned. */
  | { outcome: "already_referred"; referralId: string; friendDiscountCode: string | null }
  | { outcome: "rejected"; referralId: string; reasons: RejectionReason[] }
  | { outcome: "signed_up"; referralId: string; friendDiscountCode: string };

/**
 * A referred friend signed up (the landing's sign-up form, or customers/create
 * for a visitor who came through the link). Attaches the friend's customer to
 * the visitor's referral (or starts one), so an order of theirs attributes even
 * without the discount code, across browsers. Self-referral by customer or
 * email is rejected here already.
 *
 * @param options.visitorToken the landing visitor's token, to continue their referral.
 * @param options.email the friend's email when the customer row is not synced yet.
 */
export async function recordReferredSignup(
  shopDomain: string,
  rawCode: string,
  friendCustomerGid: string,
  deps: ReferralPortDeps,
  options: { visitorToken?: string | null; email?: string | null } = {},
): Promise<SignupResult> {
  const code = normaliseReferralCode(rawCode);
  const owner = code ? await findCode(deps.db, shopDomain, code) : null;
  if (!code || !owner) return { outcome: "unknown_code" };
  const now = clock(deps);
  const settings = await loadSettings(deps.db, shopDomain, now);
  if (!settings.enabled) return { outcome: "disabled" };

  const earlier = await deps.db.referral.findFirst({
    where: { shopDomain, friendCustomerGid, status: { not: "rejected" } },
    orderBy: { createdAt: "asc" },
  });
  if (earlier) {
    // A retry after the discount could not be created (Admin API down): finish it now.
    if (earlier.status === "signed_up" && !earlier.friendDiscountGid) await ensureFriendDiscount(earlier, settings, deps, friendCustomerGid);
    return { outcome: "already_referred", referralId: earlier.id, friendDiscountCode: earlier.friendDiscountCode };
  }

  const [referrer, friend] = await Promise.all([
    deps.db.customer.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid: owner.customerGid } }, select: { email: true } }),
    deps.db.customer.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid: friendCustomerGid } }, select: { email: true } }),
  ]);
  const reasons = selfReferralReasons(
    { customerGid: owner.customerGid, email: referrer?.email ?? null, addresses: [], paymentFingerprints: [] },
    { customerGid: friendCustomerGid, email: friend?.email ?? options.email ?? null, addresses: [], paymentFingerprints: [] },
  );
  const visitorHash = options.visitorToken ? shopHash(shopDomain, "visitor", options.visitorToken) : null;
  let referral = visitorHash ? await referralOfVisitor(deps.db, shopDomain, code, visitorHash) : null;
  if (referral && !PENDING_STATUSES.includes(referral.status)) referral = null;

  const status = reasons.length ? "rejected" : "signed_up";
  const rejection = reasons.length ? JSON.stringify(reasons) : null;
  if (referral) {
    const moved = await deps.db.referral.updateMany({
      where: { id: referral.id, status: { in: PENDING_STATUSES }, friendCustomerGid: null },
      data: { friendCustomerGid, status, rejectionReasons: rejection, signedUpAt: now, rejectedAt: reasons.length ? now : null, updatedAt: now },
    });
    if (moved.count === 0) referral = null; // another sign-up took it: start a new referral below
  }
  if (!referral) {
    referral = await createReferral(deps, {
      shopDomain, code, referrerCustomerGid: owner.customerGid, visitorHash: null, friendCustomerGid,
      status, rejectionReasons: rejection, settingsVersion: settings.version, clickedAt: null, signedUpAt: now, rejectedAt: reasons.length ? now : null, now,
    });
  }
  if (reasons.length) return { outcome: "rejected", referralId: referral.id, reasons };
  await ensureFriendDiscount(referral, settings, deps, friendCustomerGid);
  return { outcome: "signed_up", referralId: referral.id, friendDiscountCode: referral.friendDiscountCode };
}

/** Inserts a referral with a fresh friend code (retried on a code collision) and reads it back. */
async function createReferral(
  deps: ReferralDeps,
  fields: Omit<Parameters<typeof insertReferral>[1], "id" | "friendDiscountCode">,
  existing?: () => Promise<Referral | null>,
): Promise<Referral> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const id = randomUUID();
    if (await insertReferral(deps.db, { ...fields, id, friendDiscountCode: generateFriendDiscountCode(random(deps)) })) {
      return deps.db.referral.findUniqueOrThrow({ where: { id } });
    }
    const raced = existing ? await existing() : null; // a concurrent click of the same visitor won
    if (raced) return raced;
  }
  throw new Error(`could not allocate a unique friend discount code for ${fields.shopDomain} after 8 attempts`);
}

/** Creates the referral's friend code in Shopify (once; retries are safe) and remembers its GID. */
async function ensureFriendDiscount(referral: Referral, settings: ReferralProgramSettings, deps: ReferralPortDeps, customerGid: string | null): Promise<void> {
  if (referral.friendDiscountGid) return;
  const startedAt = referral.clickedAt ?? referral.signedUpAt ?? referral.createdAt;
  // Shopify reads amounts (the fixed amount, the minimum subtotal) in the shop's currency.
  const shop = await deps.db.shop.findUnique({ where: { domain: referral.shopDomain }, select: { currencyCode: true } });
  const currencyCode = settings.friendDiscountCurrencyCode ?? shop?.currencyCode ?? undefined;
  const input: RewardDiscountSpec = {
    code: referral.friendDiscountCode,
    title: "Referral: a friend's first order",
    kind: settings.friendDiscountKind,
    startsAt: startedAt,
    endsAt: new Date(startedAt.getTime() + settings.attributionWindowDays * DAY_MS),
    // Without a customer: anyone, once (usage limit 1) — a new shopper has no account yet.
    ...(customerGid ? { customerGid } : {}),
    ...(settings.friendDiscountKind === "percentage" ? { percentage: settings.friendDiscountPercentage ?? undefined } : {}),
    ...(settings.friendDiscountKind === "fixed_amount" ? { amountMinor: settings.friendDiscountAmountMinor ?? undefined } : {}),
    ...(currencyCode && (settings.friendDiscountKind === "fixed_amount" || settings.minimumOrderMinor > 0n) ? { currencyCode } : {}),
    ...(settings.minimumOrderMinor > 0n && currencyCode ? { minimumSubtotalMinor: settings.minimumOrderMinor } : {}),
  };
  const { discountGid } = await deps.ports.ensureDiscountCode(input);
  await deps.db.referral.updateMany({ where: { id: referral.id, friendDiscountGid: null }, data: { friendDiscountGid: discountGid } });
  referral.friendDiscountGid = discountGid;
}

// ---------------------------------------------------------------------------
// Sign-ups from customers/create and customers/update

/** A customer as the customers/* webhook tells it: what a sign-up needs. */
export interface FriendAccount {
  customerGid: string;
  email: string | null;
  /** The customer's note; a sign-up form's `customer[note][evergreen_ref]` field lands here. */
  note: string | null;
  /** Shopify's state, upper case: only "ENABLED" is an account (a checkout's customer record is "DISABLED"). */
  state: string | null;
  createdAt: Date;
  /** When the account was made: its creation, or for an account a checkout's customer activated later, that update. */
  signedUpAt: Date;
}

export type CustomerReferralOutcome =
  | { outcome: "ignored" }
  | { outcome: "disabled" }
  | { outcome: "unknown_code" }
  /** Nothing new: this sign-up is recorded already (a redelivery), or the code belongs to another friend. */
  | { outcome: "unchanged"; referralId: string | null }
  /** The note's code joined its referral (or started one from a member's code). */
  | { outcome: "signed_up"; referralId: string }
  | { outcome: "rejected"; referralId: string; reasons: RejectionReason[] }
  /** The friend already belongs to a referral (first referral wins). */
  | { outcome: "already_referred"; referralId: string }
  /** The friend's order came first (it carried the friend code); the account made since is the referral's sign-up. */
  | { outcome: "sign_up_recorded"; referralId: string };

const accountCreatedSince = (customer: { state: string | null; shopifyCreatedAt: Date }, startedAtMs: number) =>
  customer.state === "ENABLED" && customer.shopifyCreatedAt.getTime() >= startedAtMs;

/**
 * Records a referred friend's sign-up from customers/create (or
 * customers/update, when a checkout's customer activates an account later).
 * The referral travels with the shopper in one of two ways, neither needing
 * storefront JavaScript:
 *
 * - the account's note carries `evergreen_ref: CODE` (the sign-up form's
 *   hidden `customer[note][evergreen_ref]` field): CODE is the friend's
 *   discount code (joins that click's referral) or a member's referral code
 *   (starts a referral, as {@link recordReferredSignup});
 * - the friend's first order used their friend discount code: the order path
 *   attached the customer, and an account made since the referral started is
 *   its sign-up, whichever of the customer and order webhooks came first.
 *
 * Self-referral by customer or email is rejected as at the landing.
 * Idempotent: a redelivery finds the sign-up recorded and changes nothing;
 * concurrent deliveries race on conditional updates.
 */
export async function onCustomerForReferrals(shopDomain: string, customer: FriendAccount, deps: ReferralPortDeps): Promise<CustomerReferralOutcome> {
  if (customer.state !== "ENABLED") return { outcome: "ignored" };
  const attached = await deps.db.referral.findFirst({
    where: { shopDomain, friendCustomerGid: customer.customerGid, status: { not: "rejected" } },
    orderBy: { createdAt: "asc" },
  });
  const ref = referralRefFromNote(customer.note);
  if (!attached && !ref) return { outcome: "ignored" }; // most new customers: no read of the settings, no write
  const now = clock(deps);
  const settings = await loadSettings(deps.db, shopDomain, now);
  if (!settings.enabled) return { outcome: "disabled" };

  if (attached) {
    const startedAt = (attached.clickedAt ?? attached.createdAt).getTime();
    if (attached.signedUpAt || customer.createdAt.getTime() < startedAt) return { outcome: "unchanged", referralId: attached.id };
    const { count } = await deps.db.referral.updateMany({
      where: { id: attached.id, signedUpAt: null },
      data: { signedUpAt: customer.signedUpAt, ...(attached.status === "clicked" ? { status: "signed_up" } : {}), updatedAt: now },
    });
    return count > 0 ? { outcome: "sign_up_recorded", referralId: attached.id } : { outcome: "unchanged", referralId: attached.id };
  }

  if (!ref) return { outcome: "ignored" };
  if (ref.kind === "referral_code") {
    const result = await recordReferredSignup(shopDomain, ref.code, customer.customerGid, deps, { email: customer.email });
    if (result.outcome === "signed_up" || result.outcome === "already_referred") return { outcome: result.outcome, referralId: result.referralId };
    if (result.outcome === "rejected") return result;
    return { outcome: result.outcome };
  }

  const referral = await deps.db.referral.findUnique({ where: { shopDomain_friendDiscountCode: { shopDomain, friendDiscountCode: ref.code } } });
  if (!referral) return { outcome: "unknown_code" };
  if (referral.friendCustomerGid || !PENDING_STATUSES.includes(referral.status)) return { outcome: "unchanged", referralId: referral.id };
  const referrer = await deps.db.customer.findUnique({
    where: { shopDomain_customerGid: { shopDomain, customerGid: referral.referrerCustomerGid } },
    select: { email: true },
  });
  const reasons = selfReferralReasons(
    { customerGid: referral.referrerCustomerGid, email: referrer?.email ?? null, addresses: [], paymentFingerprints: [] },
    { customerGid: customer.customerGid, email: customer.email, addresses: [], paymentFingerprints: [] },
  );
  const { count } = await deps.db.referral.updateMany({
    where: { id: referral.id, status: { in: PENDING_STATUSES }, friendCustomerGid: null },
    data: {
      friendCustomerGid: customer.customerGid,
      status: reasons.length ? "rejected" : "signed_up",
      rejectionReasons: reasons.length ? JSON.stringify(reasons) : null,
      signedUpAt: customer.signedUpAt,
      rejectedAt: reasons.length ? now : null,
      updatedAt: now,
    },
  });
  if (count === 0) return { outcome: "unchanged", referralId: referral.id }; // a concurrent delivery or order took it
  return reasons.length ? { outcome: "rejected", referralId: referral.id, reasons } : { outcome: "signed_up", referralId: referral.id };
}

/**
 * The webhook hook for customers/create and customers/update: the payload's
 * customer to {@link onCustomerForReferrals}. Other topics, and payloads
 * without a customer id, are ignored.
 */
export async function applyReferralCustomerWebhook(shopDomain: string, topic: string, payload: unknown, deps: ReferralPortDeps): Promise<CustomerReferralOutcome> {
  const normalised = normaliseTopic(topic);
  if (normalised !== "customers/create" && normalised !== "customers/update") return { outcome: "ignored" };
  const account = friendAccountOf(payload, normalised === "customers/create");
  return account ? onCustomerForReferrals(shopDomain, account, deps) : { outcome: "ignored" };
}

function friendAccountOf(payload: unknown, created: boolean): FriendAccount | null {
  const p = payload as { admin_graphql_api_id?: unknown; id?: unknown; email?: unknown; note?: unknown; state?: unknown; created_at?: unknown; updated_at?: unknown } | null;
  const customerGid = typeof p?.admin_graphql_api_id === "string" && p.admin_graphql_api_id.startsWith("gid://shopify/Customer/")
    ? p.admin_graphql_api_id
    : typeof p?.id === "number" || (typeof p?.id === "string" && /^\d+$/.test(p.id)) ? `gid://shopify/Customer/${String(p.id)}` : null;
  const createdAt = typeof p?.created_at === "string" ? new Date(p.created_at) : null;
  const updatedAt = typeof p?.updated_at === "string" ? new Date(p.updated_at) : createdAt;
  if (!customerGid || !createdAt || Number.isNaN(createdAt.getTime()) || !updatedAt || Number.isNaN(updatedAt.getTime())) return null;
  return {
    signedUpAt: created ? createdAt : updatedAt,
    customerGid,
    email: typeof p?.email === "string" ? p.email : null,
    note: typeof p?.note === "string" ? p.note : null,
    state: typeof p?.state === "string" ? p.state.toUpperCase() : null,
    createdAt,
  };
}

// ---------------------------------------------------------------------------
// Orders

export type OrderReferralOutcome =
  | { outcome: "ignored" }
  | { outcome: "waiting_for_payment"; referralId: string }
  | { outcome: "attributed"; referralId: string; payableAt: Date }
  | { outcome: "rejected"; referralId: string; reasons: RejectionReason[] }
  | { outcome: "voided"; referralId: string; reason: VoidReason }
  | { outcome: "reversed"; referralId: string; reason: VoidReason }
  | { outcome: "unchanged"; referralId: string; status: ReferralStatus };

const orderStateOf = (loaded: NonNullable<Awaited<ReturnType<typeof loadOrder>>>): OrderState => ({
  financialStatus: loaded.order.financialStatus,
  cancelledAt: loaded.order.cancelledAt?.getTime() ?? null,
  totalRefundedMinor: loaded.order.totalRefundedMinor,
  refundedAt: loaded.refundedAt,
});

/**
 * Call after every orders/* and refunds/create webhook (and reconciliation),
 * once the sync layer stored the order. Idempotent: a redelivery, or the same
 * order arriving twice at once, changes nothing the second time.
 *
 * - An order already attached to a referral: voids it if the order was
 *   cancelled or refunded before payout; reverses the reward if a refund dated
 *   inside the return window arrives after payout.
 * - Otherwise the order is matched to a pending referral by the friend
 *   discount code it used, or else by its customer (a signed-up friend). Once
 *   paid it is attributed (status "ordered", payable after the return window)
 *   or rejected with every reason that applies.
 */
export async function onOrderForReferrals(shopDomain: string, orderGid: string, deps: ReferralPortDeps): Promise<OrderReferralOutcome> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await applyOrder(shopDomain, orderGid, deps);
    } catch (error) {
      // A concurrent attribution of the same friend or order won the unique index: decide again, seeing it.
      if (!isUniqueViolation(error) || attempt === 2) throw error;
    }
  }
  throw new Error("unreachable");
}

async function applyOrder(shopDomain: string, orderGid: string, deps: ReferralPortDeps): Promise<OrderReferralOutcome> {
  const loaded = await loadOrder(deps.db, shopDomain, orderGid);
  const attached = await deps.db.referral.findUnique({ where: { shopDomain_orderGid: { shopDomain, orderGid } } });
  if (attached) return revisit(attached, loaded, deps);
  if (!loaded || loaded.order.test) return { outcome: "ignored" };
  const { order } = loaded;

  const codes = order.discountCodes.split(",").map((c) => c.trim().toUpperCase()).filter(Boolean);
  let referral = codes.length
    ? await deps.db.referral.findFirst({ where: { shopDomain, friendDiscountCode: { in: codes }, status: { in: PENDING_STATUSES } }, orderBy: { createdAt: "asc" } })
    : null;
  if (!referral && order.customerGid) {
    referral = await deps.db.referral.findFirst({
      where: { shopDomain, friendCustomerGid: order.customerGid, status: "signed_up" },
      orderBy: { createdAt: "asc" },
    });
  }
  if (!referral) return { outcome: "ignored" };
  if (!isPaidStatus(order.financialStatus) || order.cancelledAt) return { outcome: "waiting_for_payment", referralId: referral.id };

  const now = clock(deps);
  const settings = await loadSettings(deps.db, shopDomain, now);
  const signals = deps.signals;
  const [referrerRow, friendRow, referrerSignals, orderSignals, earlier] = await Promise.all([
    deps.db.customer.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid: referral.referrerCustomerGid } }, select: { email: true } }),
    order.customerGid
      ? deps.db.customer.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid: order.customerGid } }, select: { state: true, shopifyCreatedAt: true } })
      : null,
    signals ? signals.customerSignals(shopDomain, referral.referrerCustomerGid) : NO_SIGNALS,
    signals ? signals.orderSignals(shopDomain, orderGid) : NO_SIGNALS,
    earlierPaidOrders(deps.db, shopDomain, { customerGid: order.customerGid, email: order.email }, orderGid, order.processedAt),
  ]);
  const friendCustomerGid = order.customerGid ?? referral.friendCustomerGid;
  const friendEmailHash = emailHash(shopDomain, order.email);
  const key = friendKey(friendEmailHash, friendCustomerGid);
  const alreadyAttributed = await friendAttributedElsewhere(deps.db, shopDomain, { key, customerGid: friendCustomerGid, emailHash: friendEmailHash }, referral.id);
  const startedAt = (referral.clickedAt ?? referral.signedUpAt ?? referral.createdAt).getTime();
  const referrerFacts = { customerGid: referral.referrerCustomerGid, email: referrerRow?.email ?? null, ...referrerSignals };
  const friendFacts = { customerGid: friendCustomerGid, email: order.email, ...orderSignals };
  const checks = signalChecks(referrerFacts, friendFacts);
  logUnknownSignals(shopDomain, referral.id, checks, referrerSignals, orderSignals);
  const reasons = attributionRejections({
    settings,
    referrer: referrerFacts,
    friend: friendFacts,
    referralStartedAt: startedAt,
    order: { processedAt: order.processedAt.getTime(), subtotalMinor: order.subtotalMinor, earlierPaidOrders: earlier },
    friendAlreadyAttributed: alreadyAttributed,
  });

  // The friend made an account since the referral started (often at this checkout) and no sign-up was recorded: this is it.
  const signedUpAt = referral.signedUpAt ?? (friendRow && accountCreatedSince(friendRow, startedAt) ? friendRow.shopifyCreatedAt : null);
  const common = {
    orderGid, friendCustomerGid, friendEmailHash, orderValueMinor: order.subtotalMinor, currencyCode: order.currencyCode,
    signalChecks: JSON.stringify(checks), signedUpAt, updatedAt: now,
  };
  if (reasons.length) {
    const { count } = await deps.db.referral.updateMany({
      where: { id: referral.id, status: { in: PENDING_STATUSES }, orderGid: null },
      data: { ...common, status: "rejected", rejectionReasons: JSON.stringify(reasons), rejectedAt: now },
    });
    if (count === 0) return applyOrder(shopDomain, orderGid, deps); // someone else decided first: report theirs
    return { outcome: "rejected", referralId: referral.id, reasons };
  }
  // Counted from when the order was seen paid (never before it was processed): the later, the safer.
  const orderedAt = new Date(Math.max(now.getTime(), order.processedAt.getTime()));
  const payableAt = new Date(payableAtFor(orderedAt.getTime(), settings));
  const { count } = await deps.db.referral.updateMany({
    where: { id: referral.id, status: { in: PENDING_STATUSES }, orderGid: null },
    data: {
      ...common, status: "ordered", attributedFriendKey: key, orderedAt, payableAt,
      rewardPoints: settings.referrerRewardPoints, settingsVersion: settings.version,
    },
  });
  if (count === 0) return applyOrder(shopDomain, orderGid, deps);
  const fresh = await deps.db.referral.findUniqueOrThrow({ where: { id: referral.id } });
  const after = await revisit(fresh, loaded, deps); // already refunded or cancelled by the time it was paid?
  return after.outcome === "unchanged" ? { outcome: "attributed", referralId: referral.id, payableAt } : after;
}

/** An unknown address or card check, logged with why and without any personal data (no address, card, name or email). */
function logUnknownSignals(shopDomain: string, referralId: string, checks: ReturnType<typeof signalChecks>, referrer: AbuseSignals, friend: AbuseSignals): void {
  for (const signal of ["address", "payment"] as const) {
    if (checks[signal] !== "unknown") continue;
    logger.info("referral abuse signal unknown", {
      shop: shopDomain,
      referralId,
      signal,
      referrer: referrer.unavailable?.[signal] ?? "present",
      friend: friend.unavailable?.[signal] ?? "present",
    });
  }
}

/** An attached referral after a change to its order: void before payout, reverse after a late in-window refund. */
async function revisit(referral: Referral, loaded: Awaited<ReturnType<typeof loadOrder>>, deps: ReferralPortDeps): Promise<OrderReferralOutcome> {
  const now = clock(deps);
  const decision = decidePayout({
    status: referral.status as ReferralStatus,
    payableAt: referral.payableAt?.getTime() ?? null,
    order: loaded ? orderStateOf(loaded) : null,
    now: now.getTime(),
  });
  if (decision.action === "void") {
    const { count } = await deps.db.referral.updateMany({
      where: { id: referral.id, status: "ordered" },
      data: { status: "voided", voidReason: decision.reason, voidedAt: now, updatedAt: now },
    });
    if (count > 0) return { outcome: "voided", referralId: referral.id, reason: decision.reason };
  } else if (decision.action === "reverse") {
    const { count } = await deps.db.referral.updateMany({
      where: { id: referral.id, status: "rewarded" },
      data: { status: "voided", voidReason: decision.reason, voidedAt: now, updatedAt: now },
    });
    if (count > 0) {
      await reverseReward(referral.id, referral.shopDomain, decision.reason, deps);
      return { outcome: "reversed", referralId: referral.id, reason: decision.reason };
    }
  }
  const current = await deps.db.referral.findUniqueOrThrow({ where: { id: referral.id } });
  return { outcome: "unchanged", referralId: current.id, status: current.status as ReferralStatus };
}

async function reverseReward(referralId: string, shopDomain: string, reason: string, deps: ReferralPortDeps): Promise<void> {
  const reversed = await deps.ports.reversePoints({ shopDomain, idempotencyKey: rewardIdempotencyKey(referralId), reason: `Referral voided: ${reason}` });
  // "none": the ledger had nothing (left) to reverse under the key: the award never landed, or an earlier call reversed it.
  await deps.db.referral.update({ where: { id: referralId }, data: { reversalEntryId: reversed?.entryId ?? "none" } });
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e) return false;
  if (e.code === "P2002") return true;
  const text = String(e.message ?? "");
  return /UNIQUE constraint failed|duplicate key value violates unique constraint|Unique constraint failed/i.test(text);
}

/**
 * The webhook hook: for orders/* and refunds/create, runs
 * {@link onOrderForReferrals} on the delivery's order (after the sync layer
 * stored it); other topics are ignored. Safe on redeliveries.
 *
 * @example
 * // app/webhooks.server.ts, after applyShopWebhook:
 * if (outcome !== "ignored") await applyReferralWebhook(shop, String(topic), payload, { db: prisma, ports: referralPorts(null) });
 */
export async function applyReferralWebhook(shopDomain: string, topic: string, payload: unknown, deps: ReferralPortDeps): Promise<OrderReferralOutcome> {
  const orderGid = referralOrderGidOf(normaliseTopic(topic), payload);
  return orderGid ? onOrderForReferrals(shopDomain, orderGid, deps) : { outcome: "ignored" };
}

function referralOrderGidOf(topic: string, payload: unknown): string | null {
  const p = payload as { admin_graphql_api_id?: unknown; order_id?: unknown } | null;
  if (topic.startsWith("orders/")) return typeof p?.admin_graphql_api_id === "string" ? p.admin_graphql_api_id : null;
  if (topic === "refunds/create") return p?.order_id ? `gid://shopify/Order/${String(p.order_id)}` : null;
  return null;
}

// ---------------------------------------------------------------------------
// Settlement

export interface SettlementSummary {
  /** Referrals newly rewarded (their referrers' points awarded). */
  rewarded: number;
  /** Rejected because the referrer reached the cap for the period. */
  capped: number;
  voided: number;
  /** Rejected at payout: the address or card check, run again where the order's left it unknown, found the referrer. */
  selfReferrals: number;
  /** Awards or reversals retried after an earlier failure. */
  retried: number;
  /** Failures left for the next run (the referral stays due). */
  failures: { referralId: string; error: string }[];
}

/**
 * The settlement job: for every "ordered" referral whose return window has
 * passed, pays the referrer (points through the ledger, idempotency key
 * `referral:{id}`), or voids it (refunded, cancelled), or rejects it when the
 * referrer already has `rewardCapPerPeriod` rewards in the trailing
 * `capPeriodDays`. Retries awards and reversals an earlier run could not
 * complete. Idempotent: run it as often as you like (hourly is plenty).
 */
export async function settleReferralPayouts(shopDomain: string, now: Date, deps: ReferralPortDeps): Promise<SettlementSummary> {
  const summary: SettlementSummary = { rewarded: 0, capped: 0, voided: 0, selfReferrals: 0, retried: 0, failures: [] };
  const fail = (referralId: string, error: unknown) => summary.failures.push({ referralId, error: error instanceof Error ? error.message : String(error) });
  const settings = await loadSettings(deps.db, shopDomain, now);

  // Rewards claimed but not confirmed by the ledger, and reversals not confirmed.
  const unconfirmed = await deps.db.referral.findMany({ where: { shopDomain, status: "rewarded", pointsEntryId: null } });
  for (const r of unconfirmed) {
    try {
      await award(r, deps);
      summary.retried++;
    } catch (error) {
      fail(r.id, error);
    }
  }
  const unreversed = await deps.db.referral.findMany({ where: { shopDomain, status: "voided", rewardedAt: { not: null }, reversalEntryId: null } });
  for (const r of unreversed) {
    try {
      await reverseReward(r.id, shopDomain, r.voidReason ?? "voided", deps);
      summary.retried++;
    } catch (error) {
      fail(r.id, error);
    }
  }

  const due = await deps.db.referral.findMany({
    where: { shopDomain, status: "ordered", payableAt: { lte: now } },
    orderBy: [{ payableAt: "asc" }, { id: "asc" }],
  });
  for (const r of due) {
    try {
      if (await rejectedOnRecheck(r, now, deps)) {
        summary.selfReferrals++;
        continue;
      }
      const outcome = await settleOne(r, settings, now, deps);
      if (outcome === "rewarded") {
        summary.rewarded++;
        const claimed = await deps.db.referral.findUniqueOrThrow({ where: { id: r.id } });
        await award(claimed, deps);
      } else if (outcome === "capped") summary.capped++;
      else if (outcome === "voided") summary.voided++;
    } catch (error) {
      fail(r.id, error);
    }
  }
  return summary;
}

/**
 * The payout's second look at the address and card checks, where the order's
 * left one unknown (no signals port or offline session then, data withheld,
 * a referral older than the checks): read again now, before any lock. A
 * match rejects the referral with its reason; unknown again, or a failure to
 * read, pays as before: the check never blocks a payout by itself.
 * @returns true when the referral was rejected here.
 */
async function rejectedOnRecheck(r: Referral, now: Date, deps: ReferralPortDeps): Promise<boolean> {
  if (!deps.signals || !r.orderGid) return false;
  const before = r.signalChecks ? (JSON.parse(r.signalChecks) as SignalChecks) : null;
  if (before && before.address !== "unknown" && before.payment !== "unknown") return false;
  let checks: SignalChecks;
  let reasons: RejectionReason[];
  try {
    const [referrerSignals, orderSignals] = await Promise.all([
      deps.signals.customerSignals(r.shopDomain, r.referrerCustomerGid),
      deps.signals.orderSignals(r.shopDomain, r.orderGid),
    ]);
    const referrer = { customerGid: r.referrerCustomerGid, email: null, ...referrerSignals };
    const friend = { customerGid: null, email: null, ...orderSignals };
    checks = signalChecks(referrer, friend);
    reasons = selfReferralReasons(referrer, friend);
    logUnknownSignals(r.shopDomain, r.id, checks, referrerSignals, orderSignals);
  } catch (error) {
    logger.warn("referral abuse signals not read at payout", { shop: r.shopDomain, referralId: r.id, error: error instanceof Error ? error.message : String(error) });
    return false;
  }
  const { count } = await deps.db.referral.updateMany({
    where: { id: r.id, status: "ordered" },
    data: reasons.length
      ? { status: "rejected", rejectionReasons: JSON.stringify(reasons), rejectedAt: now, signalChecks: JSON.stringify(checks), updatedAt: now }
      : { signalChecks: JSON.stringify(checks), updatedAt: now },
  });
  return reasons.length > 0 && count > 0;
}

/** Decides one due referral under its referrer's lock; the cap counts rewards committed before it. */
async function settleOne(r: Referral, settings: ReferralProgramSettings, now: Date, deps: ReferralPortDeps): Promise<"rewarded" | "capped" | "voided" | "none"> {
  return deps.db.$transaction(async (tx) => {
    await lockReferrer(tx, r.shopDomain, r.code);
    const current = await tx.referral.findUnique({ where: { id: r.id } });
    if (!current || current.status !== "ordered") return "none";
    const loaded = await loadOrder(tx, r.shopDomain, current.orderGid!);
    const decision = decidePayout({ status: "ordered", payableAt: current.payableAt?.getTime() ?? null, order: loaded ? orderStateOf(loaded) : null, now: now.getTime() });
    if (decision.action === "void") {
      await tx.referral.update({ where: { id: r.id }, data: { status: "voided", voidReason: decision.reason, voidedAt: now, updatedAt: now } });
      return "voided";
    }
    if (decision.action !== "pay") return "none";
    const recent = await tx.referral.findMany({
      where: { shopDomain: r.shopDomain, referrerCustomerGid: current.referrerCustomerGid, status: "rewarded", rewardedAt: { gt: new Date(now.getTime() - settings.capPeriodDays * DAY_MS) } },
      select: { rewardedAt: true },
    });
    if (!capAllows(recent.map((x) => x.rewardedAt!.getTime()), now.getTime(), settings)) {
      await tx.referral.update({ where: { id: r.id }, data: { status: "rejected", rejectionReasons: JSON.stringify(["referrer_cap_reached"]), rejectedAt: now, updatedAt: now } });
      return "capped";
    }
    await tx.referral.update({ where: { id: r.id }, data: { status: "rewarded", rewardedAt: now, updatedAt: now } });
    return "rewarded";
  }, REFERRAL_TX_OPTIONS);
}

/** Awards a claimed reward through the ledger (idempotent) and records the entry. */
async function award(r: Referral, deps: ReferralPortDeps): Promise<void> {
  const { entryId } = await deps.ports.awardPoints({
    shopDomain: r.shopDomain,
    customerGid: r.referrerCustomerGid,
    points: r.rewardPoints ?? 0,
    kind: "referral",
    idempotencyKey: rewardIdempotencyKey(r.id),
    reason: `Referral: friend's first order ${r.orderGid ?? ""}`.trim(),
  });
  await deps.db.referral.updateMany({ where: { id: r.id, pointsEntryId: null }, data: { pointsEntryId: entryId } });
}

// ---------------------------------------------------------------------------
// Readers

/**
 * The funnel for [from, to): codes issued, links shared, clicks, sign-ups,
 * first orders, rewards, revenue per currency, conversion rates.
 */
export async function getReferralFunnel(shopDomain: string, period: { from: Date; to: Date }, deps: ReferralDeps): Promise<ReferralFunnel> {
  const { from, to } = period;
  const range = { gte: from, lt: to };
  const [codesIssued, shares, clicks, referrals] = await Promise.all([
    deps.db.referralCode.count({ where: { shopDomain, createdAt: range } }),
    deps.db.referralShare.findMany({ where: { shopDomain, sharedAt: range }, select: { code: true }, distinct: ["code"] }),
    deps.db.referralClick.count({ where: { shopDomain, clickedAt: range } }),
    deps.db.referral.findMany({
      where: { shopDomain, OR: [{ signedUpAt: range }, { orderedAt: range }, { rewardedAt: range }, { rejectedAt: range }, { voidedAt: range }] },
    }),
  ]);
  const ms = (d: Date | null) => d?.getTime() ?? null;
  return aggregateFunnel({
    from: from.getTime(),
    to: to.getTime(),
    codesIssued,
    linksShared: shares.length,
    clicks,
    referrals: referrals.map((r) => ({
      status: r.status as ReferralStatus,
      signedUpAt: ms(r.signedUpAt), orderedAt: ms(r.orderedAt), rewardedAt: ms(r.rewardedAt), rejectedAt: ms(r.rejectedAt), voidedAt: ms(r.voidedAt),
      orderValueMinor: r.status === "rejected" ? null : r.orderValueMinor,
      currencyCode: r.currencyCode,
      rewardPoints: r.rewardPoints,
    })),
  });
}

/** One referral as the admin and the storefront show it: no friend email, no visitor. */
export interface ReferralView {
  id: string;
  status: ReferralStatus;
  referrerCustomerGid: string;
  friendCustomerGid: string | null;
  friendDiscountCode: string;
  rejectionReasons: RejectionReason[];
  /** What the address and card checks found on the friend's order; null before an order (or for referrals older than the checks). */
  signalChecks: SignalChecks | null;
  voidReason: VoidReason | null;
  orderGid: string | null;
  orderValueMinor: bigint | null;
  currencyCode: string | null;
  rewardPoints: number | null;
  /** The ledger confirmed the award. */
  rewardConfirmed: boolean;
  clickedAt: Date | null;
  signedUpAt: Date | null;
  orderedAt: Date | null;
  payableAt: Date | null;
  rewardedAt: Date | null;
  rejectedAt: Date | null;
  voidedAt: Date | null;
  createdAt: Date;
}

function viewOf(r: Referral): ReferralView {
  return {
    id: r.id,
    status: r.status as ReferralStatus,
    referrerCustomerGid: r.referrerCustomerGid,
    friendCustomerGid: r.friendCustomerGid,
    friendDiscountCode: r.friendDiscountCode,
    rejectionReasons: r.rejectionReasons ? (JSON.parse(r.rejectionReasons) as RejectionReason[]) : [],
    signalChecks: r.signalChecks ? (JSON.parse(r.signalChecks) as SignalChecks) : null,
    voidReason: (r.voidReason as VoidReason | null) ?? null,
    orderGid: r.orderGid,
    orderValueMinor: r.orderValueMinor,
    currencyCode: r.currencyCode,
    rewardPoints: r.rewardPoints,
    rewardConfirmed: r.pointsEntryId !== null,
    clickedAt: r.clickedAt, signedUpAt: r.signedUpAt, orderedAt: r.orderedAt, payableAt: r.payableAt,
    rewardedAt: r.rewardedAt, rejectedAt: r.rejectedAt, voidedAt: r.voidedAt, createdAt: r.createdAt,
  };
}

export interface CustomerReferrals {
  /** The customer's own link, null until they have one. */
  link: ReferralLink | null;
  /** Friends this customer referred, newest first; click-only visitors are left out unless `includeClicks`. */
  referrals: ReferralView[];
  /** The referral that brought this customer, if any. */
  referredBy: ReferralView | null;
  totals: { signedUp: number; ordered: number; rewarded: number; rewardPoints: number; rejected: number; voided: number };
}

/** A customer's referrals for the admin's customer page and the storefront's account block. */
export async function listReferralsForCustomer(
  shopDomain: string,
  customerGid: string,
  deps: ReferralDeps,
  options: { includeClicks?: boolean; limit?: number } = {},
): Promise<CustomerReferrals> {
  const [code, rows, referredBy] = await Promise.all([
    codeOfCustomer(deps.db, shopDomain, customerGid),
    deps.db.referral.findMany({
      where: { shopDomain, referrerCustomerGid: customerGid, ...(options.includeClicks ? {} : { status: { not: "clicked" } }) },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: options.limit ?? 200,
    }),
    deps.db.referral.findFirst({ where: { shopDomain, friendCustomerGid: customerGid, status: { not: "rejected" } }, orderBy: { createdAt: "asc" } }),
  ]);
  const totals = { signedUp: 0, ordered: 0, rewarded: 0, rewardPoints: 0, rejected: 0, voided: 0 };
  for (const r of rows) {
    if (r.signedUpAt) totals.signedUp++;
    if (r.orderedAt) totals.ordered++;
    if (r.status === "rewarded") { totals.rewarded++; totals.rewardPoints += r.rewardPoints ?? 0; }
    if (r.status === "rejected") totals.rejected++;
    if (r.status === "voided") totals.voided++;
  }
  return {
    link: code ? linkOf(shopDomain, code.code, deps) : null,
    referrals: rows.map(viewOf),
    referredBy: referredBy ? viewOf(referredBy) : null,
    totals,
  };
}
