/**
 * What the admin browser tests share: opening an embedded page and collecting
 * its errors, reading the web vitals the init script recorded, screenshots.
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { AdminApp } from "../helpers/admin-app";
import { formatFrame, formatInteraction, formatVitals, framesDuring, worstInteraction, type InteractionEvent, type LongFrame, type Vitals } from "./web-vitals";

export const SCREENSHOTS = path.resolve(__dirname, "../../test-results/screenshots");

export interface Opened {
  page: Page;
  errors: string[];
}

/** Opens `pathname` in the admin frame; `errors` collects page errors and console errors from then on. */
export async function openAdminPage(
  context: BrowserContext,
  app: AdminApp,
  pathname: string,
  options: { locale?: string; search?: Record<string, string> } = {},
  timeouts: { gotoMs?: number; idleMs?: number } = {},
): Promise<Opened> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
  const response = await page.goto(await app.adminUrl(pathname, options), { waitUntil: "load", timeout: timeouts.gotoMs ?? 30_000 });
  expect(response?.status(), `GET ${pathname}`).toBe(200);
  // Hydrated: Vite serves the page's modules one by one, and a click before hydration does
  // nothing (on a loaded machine that takes seconds). A page that keeps polling may never go idle.
  await page.waitForLoadState("networkidle", { timeout: timeouts.idleMs ?? 60_000 }).catch(() => undefined);
  return { page, errors };
}

export async function readVitals(page: Page): Promise<Vitals> {
  const v = await page.evaluate(
    () => (window as unknown as { __vitals: { lcp: number | null; lcpElement: string | null; cls: number; inp: number | null; events: InteractionEvent[]; frames: LongFrame[] } }).__vitals,
  );
  return { lcpMs: v.lcp, lcpElement: v.lcpElement, cls: v.cls, inpMs: v.inp, events: v.events, frames: v.frames };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, caret: "initial" });
}

/**
 * Screenshot, then the interaction whose latency is INP, then the numbers:
 * printed, pushed to `measured`, and held to sanity bounds only (the targets,
 * LCP 2.5 s, CLS 0.1, INP 200 ms, are reported, not asserted: a shared machine).
 */
export async function measurePage(
  measured: { page: string; vitals: Vitals }[],
  name: string,
  opened: Opened,
  interact: (page: Page) => Promise<void>,
): Promise<Vitals> {
  const { page } = opened;
  await page.waitForTimeout(400); // late shifts and the last LCP candidate
  await screenshot(page, name);
  await interact(page);
  await page.waitForTimeout(300);
  const vitals = await readVitals(page);
  measured.push({ page: name, vitals });
  process.stdout.write(`[web vitals] ${name.padEnd(20)} ${formatVitals(vitals)} (load average ${loadavg()[0].toFixed(2)})\n`);
  // Each slow interaction (>= 16 ms) of the page, the measured one and those before it, to isolate the worst.
  for (const e of vitals.events) process.stdout.write(`[web vitals]   ${"".padEnd(20)} ${formatInteraction(e)}\n`);
  // Where the time of the worst interaction, and of any other over 100 ms, went.
  const worst = worstInteraction(vitals);
  const longest = new Map<number, InteractionEvent>();
  for (const e of vitals.events) if ((longest.get(e.interactionId)?.duration ?? -1) < e.duration) longest.set(e.interactionId, e);
  const slow = [...longest.values()].filter((e) => e.duration > 100 || e.interactionId === worst?.interactionId);
  for (const e of slow) {
    for (const f of framesDuring(vitals, e)) process.stdout.write(`[web vitals]   ${"".padEnd(20)} ${e.type} on ${e.target}: ${formatFrame(f)}\n`);
  }
  expect(vitals.lcpMs ?? 0).toBeLessThan(10_000);
  expect(vitals.cls).toBeLessThan(0.5);
  expect(vitals.inpMs ?? 0).toBeLessThan(2_000);
  return vitals;
}

/**
 * No browser-side errors (a broken page). The failed favicon fetch is not ours; a form submitted
 * with bad values on purpose answers 400, which the browser logs as a failed load.
 */
export function expectNoPageErrors(opened: Opened, options: { invalidFormsSubmitted?: boolean } = {}): void {
  const expected = (e: string) => /favicon/i.test(e) || (options.invalidFormsSubmitted === true && /status of 400 \(Bad Request\)/.test(e));
  expect(opened.errors.filter((e) => !expected(e))).toEqual([]);
}
