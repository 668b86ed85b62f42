/**
 * What the admin browser tests share: opening an embedded page and collecting
 * its errors, reading the web vitals the init script recorded, screenshots.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { AdminApp } from "../helpers/admin-app";
import type { Vitals } from "./web-vitals";

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
  const v = await page.evaluate(() => (window as unknown as { __vitals: { lcp: number | null; lcpElement: string | null; cls: number; inp: number | null } }).__vitals);
  return { lcpMs: v.lcp, lcpElement: v.lcpElement, cls: v.cls, inpMs: v.inp };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, caret: "initial" });
}
