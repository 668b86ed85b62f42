/**
 * The browser entry: Remix's default (hydrate the document in a transition,
 * StrictMode), except that hydration waits for the page's deferred data.
 *
 * Why: right after hydration's first commit, Polaris' AppProvider changes a
 * context value from an effect (its PortalsManager's "mounted" state: a
 * default-priority update above every page). React can absorb that only by
 * hydrating each server-rendered Suspense boundary first. A boundary whose
 * deferred data has not reached the browser yet (the dashboard's retention
 * on a busy server) cannot hydrate, so after a short wait React gives up and
 * renders it again on the client: "This Suspense boundary received an update
 * before it finished hydrating" (tests/admin/dashboard-hydration.browser.test.ts).
 * With the data here, every boundary hydrates at once. The page is painted
 * (and streamed) meanwhile; only event handlers wait, and never long:
 * Remix rejects a deferred value the server has not sent within 5 s.
 */
import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";

/** The promises of `defer()`ed loader values on this page (resolved by scripts later in the stream). */
function deferredLoaderValues(loaderData: Record<string, unknown> | undefined): Promise<unknown>[] {
  const out: Promise<unknown>[] = [];
  for (const data of Object.values(loaderData ?? {})) {
    if (data && typeof data === "object") for (const value of Object.values(data)) if (value instanceof Promise) out.push(value);
  }
  return out;
}

function hydrate() {
  startTransition(() => {
    hydrateRoot(
      document,
      <StrictMode>
        <RemixBrowser />
      </StrictMode>,
    );
  });
}

const deferred = deferredLoaderValues(window.__remixContext?.state?.loaderData);
if (deferred.length === 0) hydrate();
else void Promise.allSettled(deferred).then(hydrate);
