/**
 * Regression (issue 6): the zh-CN dashboard, hydrated while its deferred
 * retention figure is still on its way, must not log React's recoverable
 * "This Suspense boundary received an update before it finished hydrating".
 *
 * The cause: Polaris' AppProvider changes a context value in an effect right
 * after hydration's first commit (PortalsManager's "mounted" state), a
 * default-priority update above the dashboard's <Suspense><Await>. When the
 * retention data has not reached the browser yet, React cannot hydrate the
 * boundary first, gives up after a short wait and client-renders it. In CI
 * that happens when the server is slow to compute retention (right after a
 * sync) and hydration wins the race; app/entry.client.tsx now hydrates once
 * the deferred data is here.
 *
 * The race made deterministic: the browser is CPU-throttled (CDP
 * Emulation.setCPUThrottlingRate), and the dashboard's document is rewritten
 * into exactly what the server streams when retention comes late: the
 * boundary pending (`<!--$?-->`) in the shell, then its content with React's
 * `$RC` swap and the deferred value, here sent LATE_MS after hydration
 * starts (Remix creates its router), or at the latest ARRIVES_BY_MS after the
 * document was parsed (a page that waits for its data to hydrate). Remix's
 * route discovery (`/__manifest`, fetched from an effect after hydration) is
 * answered as slowly as a busy dev server does: its router update would
 * otherwise restart React's render and, by luck, postpone the give-up.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext } from "playwright-core";
import { DESKTOP_CHROME_UA, startAdminApp, type AdminApp } from "../helpers/admin-app";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LOADS = Number(process.env.HYDRATION_LOADS ?? 2);
const CPU_THROTTLE = 4;
const LATE_MS = 2_500;
const ARRIVES_BY_MS = 10_000;

/** React's own boundary-completion script, as react-dom/server streams it (completeBoundaryFunction). */
const COMPLETE_BOUNDARY =
  'function $RC(a,b){a=document.getElementById(a);b=document.getElementById(b);b.parentNode.removeChild(b);if(a){a=a.previousSibling;var f=a.parentNode,c=a.nextSibling,e=0;do{if(c&&8===c.nodeType){var d=c.data;if("/$"===d)if(0===e)break;else e--;else"$"!==d&&"$?"!==d&&"$!"!==d||e++}d=c.nextSibling;f.removeChild(c);c=d}while(c);for(;b.firstChild;)f.insertBefore(b.firstChild,c);a.data="$";a._reactRetry&&a._reactRetry()}}';

/**
 * The dashboard document as sent when retention is computed after the shell:
 * from one where it was ready in time (the retention boundary complete and the
 * value inlined as `__remixContext.p(value)`), the boundary made pending and
 * the value a promise, both streamed in LATE_MS after hydration starts (or
 * ARRIVES_BY_MS after parsing, whichever is first).
 */
function withLateRetention(html: string): string {
  const open = html.indexOf("<!--$-->");
  const close = html.indexOf("<!--/$-->", open);
  const call = '"retention":__remixContext.p(';
  const at = html.indexOf(call);
  const callEnd = html.indexOf(")});</script>", at);
  if (open < 0 || close < 0 || at < 0 || callEnd < 0) throw new Error("the dashboard did not send its retention boundary and value with the shell");
  const content = html.slice(open + "<!--$-->".length, close);
  const value = html.slice(at + call.length, callEnd);
  let out = `${html.slice(0, at)}"retention":new Promise((resolve) => { window.__resolveRetention = resolve; })${html.slice(callEnd + 1)}`;
  out = `${out.slice(0, open)}<!--$?--><template id="B:late"></template><!--/$-->${out.slice(close + "<!--/$-->".length)}`;
  const js = (s: string) => s.replace(/</g, "\\u003c");
  const late = `<script>${COMPLETE_BOUNDARY};(() => {
    let arrived = false;
    const arrive = () => {
      if (arrived) return;
      arrived = true;
      window.__retentionArrived = true;
      const hidden = document.createElement("div"); hidden.hidden = true; hidden.id = "S:late"; hidden.innerHTML = ${js(JSON.stringify(content))};
      document.body.appendChild(hidden); $RC("B:late", "S:late");
      window.__resolveRetention(${js(value)});
    };
    let router;
    Object.defineProperty(window, "__remixRouter", { configurable: true, get() { return router; }, set(v) { router = v; setTimeout(arrive, ${LATE_MS}); } });
    document.addEventListener("DOMContentLoaded", () => setTimeout(arrive, ${ARRIVES_BY_MS}));
  })()</script>`;
  return out.replace("</body>", `${late}</body>`);
}

describe.runIf(existsSync(CHROMIUM))("the zh-CN dashboard hydrated before its retention arrives", () => {
  let app: AdminApp;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    app = await startAdminApp({ orders: 300, timeoutMs: 300_000 });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The rewritten document is served by the test, so Chromium would treat the dev store's App Bridge (on 127.0.0.1) as a local-network request.
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessChecks"],
    });
    context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA, viewport: { width: 1280, height: 900 }, locale: "en-US" });
    await context.route("https://cdn.shopify.com/**", (route) => route.fulfill({ status: 204, body: "" }));
    // Vite compiles modules on first request: warm the page once, as it is.
    const warm = await context.newPage();
    await warm.goto(await app.adminUrl("/app", { locale: "zh-CN" }), { waitUntil: "networkidle", timeout: 240_000 });
    await warm.close();
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it(`logs no hydration error and shows the figures (${LOADS} loads, CPU ÷${CPU_THROTTLE}, retention ${LATE_MS} ms late)`, async () => {
    const failedLoads: string[][] = [];
    for (let load = 0; load < LOADS; load++) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_THROTTLE });
      await page.route(/\/app\?/, async (route) => {
        if (route.request().resourceType() !== "document") return route.continue();
        const response = await route.fetch();
        await route.fulfill({ response, body: withLateRetention(await response.text()) });
      });

      await page.route(/\/__manifest\?/, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, LATE_MS + 1_000));
        await route.continue().catch(() => undefined);
      });

      await page.goto(await app.adminUrl("/app", { locale: "zh-CN" }), { waitUntil: "load", timeout: 60_000 });
      // The figures arrive, the chart renders (hydrated), and nothing was logged on the way.
      await page.locator('[data-chart="ready"]').first().waitFor({ timeout: 60_000 });
      await expect(page.getByText("复购率").first().isVisible()).resolves.toBe(true);
      await page.waitForTimeout(300);
      await expect(page.evaluate("window.__retentionArrived")).resolves.toBe(true);
      const unexpected = errors.filter((e) => !/favicon/i.test(e));
      process.stdout.write(`[dashboard hydration] load ${load + 1}/${LOADS}: ${unexpected.length ? unexpected.join(" | ").slice(0, 160) : "no errors"}\n`);
      if (unexpected.length) failedLoads.push(unexpected);
      await page.close();
    }
    expect(failedLoads).toEqual([]);
  }, 300_000);
});
