/**
 * The storefront widget in headless Chromium (Debian's /usr/bin/chromium via
 * playwright-core): the app booted as the demo boots it
 * (tests/helpers/admin-app.ts), the dev store's Liquid storefront rendering
 * the theme app extension for a chosen shopper, /apps/evergreen/* forwarded
 * through the signed app proxy to the app. A member with points opens the
 * launcher, redeems a reward (a real discount code created in the dev store)
 * and copies it, copies the referral link; keyboard and naming basics are
 * checked; a guest sees how to join. Layout shift (CLS) and the bytes of the
 * extension's assets are measured and printed (targets printed, not asserted
 * beyond sanity bounds).
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { DESKTOP_CHROME_UA, startAdminApp, type AdminApp } from "../helpers/admin-app";
import { VITALS_INIT_SCRIPT } from "../admin/web-vitals";
import { upsertProgram } from "~/db/loyalty-program.server";
import { awardPoints } from "~/services/points.server";
import { createReward } from "~/services/rewards.server";
import { updateReferralSettings } from "~/services/referrals.server";
import { recommendedProducts, refreshRecommendations, type RecommendedProduct } from "~/services/behaviour-recommendations.server";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

let app: AdminApp;
let browser: Browser;
let context: BrowserContext;
let memberId: string;
let cheapRewardTitle: string;
let recommended: RecommendedProduct[];

interface AssetBytes {
  name: string;
  transferred: number;
  encoded: number;
  decoded: number;
}

async function openStorefront(customerId: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  const response = await page.goto(`${app.storeUrl}/storefront?customer=${customerId}`, { waitUntil: "load", timeout: 30_000 });
  expect(response?.status()).toBe(200);
  return { page, errors };
}

/** The extension's assets as the browser fetched them (Resource Timing: same origin, so sizes are exposed). */
async function assetBytes(page: Page): Promise<AssetBytes[]> {
  return page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((e) => e.name.includes("/storefront/assets/"))
      .map((e) => ({ name: e.name.slice(e.name.lastIndexOf("/") + 1), transferred: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
}

describe.runIf(haveChromium)("the storefront widget in headless Chromium", () => {
  beforeAll(async () => {
    const started = Date.now();
    app = await startAdminApp({ seed: 11, orders: 300 });
    const db = app.db.prisma;
    const shop = app.shop;
    const customer = await db.customer.findFirstOrThrow({ where: { shopDomain: shop, numberOfOrders: { gt: 0 }, deletedAt: null }, orderBy: { customerGid: "asc" } });
    memberId = customer.customerGid.slice(customer.customerGid.lastIndexOf("/") + 1);
    await upsertProgram(db, shop);
    await awardPoints({ shopDomain: shop, customerGid: customer.customerGid, points: 1500, kind: "bonus", idempotencyKey: "browser-test-bonus", reason: "test" }, { db });
    const currencyCode = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).currencyCode ?? "USD";
    cheapRewardTitle = `5 ${currencyCode} off`;
    await createReward(shop, { title: cheapRewardTitle, kind: "fixed_amount", pointsCost: 500, amountMinor: 500n, currencyCode }, { db });
    await createReward(shop, { title: "Free tote bag", kind: "percentage", percentage: 100, pointsCost: 1_000_000 }, { db });
    await updateReferralSettings(shop, { enabled: true }, { db });
    // Recommendations as the daily behaviour refresh stores them (from the synced orders).
    await refreshRecommendations(shop, new Date(), { db });
    recommended = await recommendedProducts(shop, customer.customerGid, 4, { db });
    expect(recommended.length).toBeGreaterThan(0);

    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync", "--disable-extensions"],
    });
    context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA, viewport: { width: 1280, height: 900 }, locale: "en-US" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.storeUrl });
    await context.addInitScript(VITALS_INIT_SCRIPT);
    // The dev store has no favicon; a theme has one. Answer it rather than log a 404 on every page.
    await context.route("**/favicon.ico", (route) => route.fulfill({ status: 204, body: "" }));
    // Vite compiles the proxy routes on first request (tens of seconds on a busy machine):
    // ask for each once through the dev store's proxy before the browser does.
    const proxy = `${app.storeUrl}/storefront/apps/evergreen`;
    const headers = { cookie: `eg_dev_customer=${memberId}`, accept: "application/json" };
    const profile = await fetch(`${proxy}/profile`, { headers, signal: AbortSignal.timeout(180_000) });
    expect(profile.status, await profile.text()).toBe(200);
    const badBody = await fetch(`${proxy}/redeem`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}", signal: AbortSignal.timeout(180_000) });
    expect(badBody.status).toBe(400);
    process.stdout.write(`[storefront browser] app booted, shop synced, member seeded and proxy routes warmed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it("a member opens the panel, redeems a reward, copies the code and the referral link; keyboard and names work; layout does not shift", async () => {
    const context_ = context;
    const profileSeen = context_.waitForEvent("response", { predicate: (r) => r.url().includes("/apps/evergreen/profile"), timeout: 90_000 });
    const { page, errors } = await openStorefront(memberId);
    const profileResponse = await profileSeen;
    expect(profileResponse.status(), await profileResponse.text()).toBe(200);
    // The profile fills the blocks after load, at idle.
    await page
      .waitForFunction(() => document.querySelector('[data-eg-field="points"]')?.textContent?.trim(), null, { timeout: 30_000 })
      .catch(async (e) => {
        const html = await page.locator("[data-evergreen=panel]").innerHTML();
        throw new Error(`${e.message}\npage errors: ${errors.join("; ")}\npanel: ${html.slice(0, 1500)}`);
      });
    expect(await page.locator('[data-eg-field="points"]').first().textContent()).toBe("1,500");
    await page.waitForTimeout(300);
    const cls = await page.evaluate(() => (window as unknown as { __vitals: { cls: number } }).__vitals.cls);

    // Landmarks.
    await expect(page.getByRole("banner").count()).resolves.toBe(1);
    await expect(page.getByRole("main").count()).resolves.toBe(1);
    await expect(page.getByRole("contentinfo").count()).resolves.toBe(1);

    // The launcher opens a named modal dialog and moves focus into it.
    const launcher = page.locator("[data-eg-open]");
    await expect(launcher.getAttribute("aria-expanded")).resolves.toBe("false");
    await launcher.click();
    const dialog = page.getByRole("dialog", { name: "Your rewards" });
    await dialog.waitFor({ state: "visible" });
    await expect(launcher.getAttribute("aria-expanded")).resolves.toBe("true");
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest("[role=dialog]")))).toBe(true);
    // Tab stays inside the dialog (focus trap).
    for (let i = 0; i < 12; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest("[role=dialog]")))).toBe(true);

    // Every visible button has a name, every image an alt, decorative SVGs are hidden.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll("button")]
        .filter((b) => b.offsetParent !== null && !(b.getAttribute("aria-label") || b.textContent || "").trim())
        .map((b) => b.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    expect(await page.evaluate(() => [...document.querySelectorAll("img")].filter((i) => !i.hasAttribute("alt")).length)).toBe(0);
    expect(await page.evaluate(() => [...document.querySelectorAll(".eg svg")].filter((s) => s.getAttribute("aria-hidden") !== "true").length)).toBe(0);

    // Recommended for you: the stored products, as links to their pages.
    const recommendedLinks = dialog.locator('[data-eg-list="recommended"] li');
    await expect(recommendedLinks.allTextContents()).resolves.toEqual(recommended.map((p) => p.title));
    await expect(dialog.getByRole("heading", { name: "Recommended for you" }).count()).resolves.toBe(1);
    const firstWithHandle = recommended.find((p) => p.handle);
    if (firstWithHandle) await expect(dialog.getByRole("link", { name: firstWithHandle.title }).first().getAttribute("href")).resolves.toBe(`/products/${encodeURIComponent(firstWithHandle.handle!)}`);

    // The unaffordable reward cannot be pressed; the affordable one issues a real code.
    await expect(dialog.getByRole("button", { name: "Redeem: Free tote bag" }).isDisabled()).resolves.toBe(true);
    await dialog.getByRole("button", { name: `Redeem: ${cheapRewardTitle}` }).click();
    const codeInput = dialog.locator('[data-eg-copy="code"] input');
    await codeInput.waitFor({ state: "visible", timeout: 15_000 });
    const code = await codeInput.inputValue();
    expect(code).toMatch(/^[A-Z0-9-]{6,}$/);
    await expect(dialog.getByRole("status").textContent()).resolves.toBe(`Your code: ${code}`);
    const redemption = await app.db.prisma.loyaltyRedemption.findFirstOrThrow({ where: { shopDomain: app.shop, code } });
    expect(redemption.status).toBe("issued");
    expect(app.devStore.store.discountCodeByCode(code)).toBeDefined();
    await dialog.locator('[data-eg-copy="code"] button').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);

    // The referral link: shown and copied.
    const link = await dialog.locator('[data-eg-copy="referral"] input').inputValue();
    expect(link).toMatch(/^https?:\/\/.+/);
    await dialog.locator('[data-eg-copy="referral"]').getByRole("button", { name: "Copy" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await expect(dialog.getByRole("status").textContent()).resolves.toBe("Copied");

    // Escape closes the dialog and gives focus back to the launcher.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.hasAttribute("data-eg-open"))).toBe(true);
    await expect(launcher.getAttribute("aria-expanded")).resolves.toBe("false");

    const assets = await assetBytes(page);
    const js = assets.filter((a) => a.name.endsWith(".js"));
    expect(js.map((a) => a.name)).toEqual(["evergreen.js"]);
    const jsBytes = js.reduce((sum, a) => sum + a.encoded, 0);
    process.stdout.write(
      `[storefront] CLS ${cls.toFixed(4)} (target < 0.1; the widget fills in after load)\n` +
        assets.map((a) => `[storefront] ${a.name.padEnd(14)} ${a.encoded} B over the wire (gzip), ${a.decoded} B decoded, ${a.transferred} B with headers\n`).join("") +
        `[storefront] JavaScript from the app's assets: ${jsBytes} B compressed (budget 10,240 B)\n`,
    );
    expect(cls).toBeLessThan(0.1);
    expect(jsBytes).toBeGreaterThan(0);
    expect(jsBytes).toBeLessThan(10_240);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a guest sees how to join, and no member data is asked for", async () => {
    const { page, errors } = await openStorefront("");
    const proxied: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/apps/evergreen/")) proxied.push(r.url());
    });
    await page.locator("[data-eg-open]").click();
    const dialog = page.getByRole("dialog", { name: "Your rewards" });
    await dialog.waitFor({ state: "visible" });
    const join = dialog.getByRole("link", { name: "Join now" });
    await expect(join.getAttribute("href")).resolves.toBe("/storefront/account/register");
    await expect(dialog.getByRole("link", { name: "Sign in" }).getAttribute("href")).resolves.toBe("/storefront/account/login");
    await expect(dialog.locator("[data-eg-section]").count()).resolves.toBe(0);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await page.locator("[data-eg-open]").click();
    await join.click();
    await page.waitForURL(/\/storefront\/account\/register$/);
    await expect(page.getByRole("heading", { name: "Create an account" }).count()).resolves.toBe(1);
    expect(proxied).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
