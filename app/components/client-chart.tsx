/**
 * Charts from @shopify/polaris-viz, rendered in the browser only: the library
 * reads `window` while rendering (it does not render under SSR), so the
 * server sends a placeholder of the chart's exact height (no layout shift)
 * and the browser loads the chart code on its own, after hydration, in a
 * separate chunk that does not hold up the page.
 */
import { SkeletonBodyText } from "@shopify/polaris";
import { useEffect, useState, type ReactNode } from "react";

type Viz = typeof import("@shopify/polaris-viz");
let vizModule: Promise<Viz> | null = null;

export function ClientChart({ height, label, render }: { height: number; label: string; render: (viz: Viz) => ReactNode }) {
  const [viz, setViz] = useState<Viz | null>(null);
  useEffect(() => {
    let live = true;
    vizModule ??= import("@shopify/polaris-viz");
    vizModule.then((m) => live && setViz(m)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return (
    <div style={{ height, position: "relative" }} role="img" aria-label={label} data-chart={viz ? "ready" : "pending"}>
      {viz ? (
        <viz.PolarisVizProvider defaultTheme="Light">{render(viz)}</viz.PolarisVizProvider>
      ) : (
        <div style={{ paddingTop: 16 }}>
          <SkeletonBodyText lines={Math.max(2, Math.floor(height / 40))} />
        </div>
      )}
    </div>
  );
}
