/**
 * LCP, CLS and INP in the page, from the browser's own PerformanceObservers
 * (the definitions web-vitals uses, without the dependency):
 * - LCP: the last `largest-contentful-paint` entry before the first input;
 * - CLS: the largest session window of `layout-shift` entries without recent
 *   input (shifts < 1 s apart, window ≤ 5 s);
 * - INP: the longest `event` timing entry of an interaction (durationThreshold
 *   16 ms, the API's minimum: faster interactions are not reported, and the
 *   result says "< 16").
 */
export const VITALS_INIT_SCRIPT = `(() => {
  const v = { lcp: null, lcpElement: null, cls: 0, inp: null, interactions: 0 };
  window.__vitals = v;
  let stopLcp = false;
  const lcp = new PerformanceObserver((list) => {
    if (stopLcp) return;
    for (const e of list.getEntries()) { v.lcp = e.startTime; v.lcpElement = e.element ? e.element.tagName + (e.element.textContent ? ': ' + e.element.textContent.slice(0, 40) : '') : null; }
  });
  lcp.observe({ type: 'largest-contentful-paint', buffered: true });
  let session = 0, first = 0, last = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      if (session && e.startTime - last < 1000 && e.startTime - first < 5000) { session += e.value; last = e.startTime; }
      else { session = e.value; first = last = e.startTime; }
      if (session > v.cls) v.cls = session;
    }
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.interactionId) continue;
      v.interactions++;
      if (v.inp === null || e.duration > v.inp) v.inp = e.duration;
    }
  }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
  addEventListener('pointerdown', () => { stopLcp = true; }, { capture: true, once: true });
  addEventListener('keydown', () => { stopLcp = true; }, { capture: true, once: true });
})();`;

export interface Vitals {
  lcpMs: number | null;
  lcpElement: string | null;
  cls: number;
  /** Null when no interaction took 16 ms or more (the Event Timing API's floor). */
  inpMs: number | null;
}

export function formatVitals(v: Vitals): string {
  const lcp = v.lcpMs === null ? "n/a" : `${Math.round(v.lcpMs)} ms`;
  const inp = v.inpMs === null ? "< 16 ms" : `${Math.round(v.inpMs)} ms`;
  return `LCP ${lcp} (${v.lcpElement ?? "?"}), CLS ${v.cls.toFixed(3)}, INP ${inp}`;
}
