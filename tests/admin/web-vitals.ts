/**
 * LCP, CLS and INP in the page, from the browser's own PerformanceObservers
 * (the definitions web-vitals uses, without the dependency):
 * - LCP: the last `largest-contentful-paint` entry before the first input;
 * - CLS: the largest session window of `layout-shift` entries without recent
 *   input (shifts < 1 s apart, window ≤ 5 s);
 * - INP: the longest `event` timing entry of an interaction (durationThreshold
 *   16 ms, the API's minimum: faster interactions are not reported, and the
 *   result says "< 16").
 * Every interaction's entries are kept too (`events`: type, target, duration
 * split into input delay, processing and presentation), so the worst one can
 * be named, and the long animation frames (`long-animation-frame`, > 50 ms)
 * with their scripts (`frames`), to attribute its time: script, forced
 * layout, or the frame's own style, layout and paint.
 */
export const VITALS_INIT_SCRIPT = `(() => {
  const v = { lcp: null, lcpElement: null, cls: 0, inp: null, interactions: 0, events: [], frames: [] };
  const describe = (el) => {
    if (!el || !el.tagName) return '?';
    const attr = (n) => el.getAttribute && el.getAttribute(n);
    const label = attr('aria-label') || attr('name') || attr('placeholder') || (el.textContent || '').trim().slice(0, 30);
    return el.tagName.toLowerCase() + (label ? '[' + label + ']' : '');
  };
  // An entry's target is null once React has removed it (a "Remove" button): name it at dispatch
  // time instead, keyed by the event's timestamp (the entry's startTime).
  const dispatched = new Map();
  for (const type of ['pointerdown', 'pointerup', 'click', 'keydown', 'keyup', 'keypress']) {
    addEventListener(type, (e) => { dispatched.set(Math.round(e.timeStamp), describe(e.target)); if (dispatched.size > 200) dispatched.delete(dispatched.keys().next().value); }, { capture: true });
  }
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
      v.events.push({
        interactionId: e.interactionId, type: e.name, target: e.target && e.target.isConnected ? describe(e.target) : dispatched.get(Math.round(e.startTime)) || describe(e.target), startTime: e.startTime, duration: e.duration,
        inputDelay: e.processingStart - e.startTime, processing: e.processingEnd - e.processingStart,
        presentation: Math.max(0, e.startTime + e.duration - e.processingEnd),
      });
      if (v.inp === null || e.duration > v.inp) v.inp = e.duration;
    }
  }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
  const shortUrl = (u) => { try { return new URL(u).pathname.split('/').slice(-2).join('/'); } catch { return u || ''; } };
  try {
    new PerformanceObserver((list) => {
      for (const f of list.getEntries()) {
        v.frames.push({
          startTime: f.startTime, duration: f.duration, blockingDuration: f.blockingDuration,
          renderMs: f.renderStart ? f.startTime + f.duration - f.renderStart : 0,
          styleAndLayoutMs: f.styleAndLayoutStart ? f.startTime + f.duration - f.styleAndLayoutStart : 0,
          scripts: f.scripts.map((x) => ({ invoker: x.invoker, source: shortUrl(x.sourceURL) + (x.sourceFunctionName ? ':' + x.sourceFunctionName : ''), duration: x.duration, forcedLayoutMs: x.forcedStyleAndLayoutDuration })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}
  addEventListener('pointerdown', () => { stopLcp = true; }, { capture: true, once: true });
  addEventListener('keydown', () => { stopLcp = true; }, { capture: true, once: true });
})();`;

/** One Event Timing entry of an interaction (16 ms or longer). */
export interface InteractionEvent {
  interactionId: number;
  type: string;
  /** The event's target: tag and its label, name or text. */
  target: string;
  startTime: number;
  duration: number;
  inputDelay: number;
  processing: number;
  presentation: number;
}

/** A long animation frame (> 50 ms): its script time by script, and its rendering. */
export interface LongFrame {
  startTime: number;
  duration: number;
  blockingDuration: number;
  /** From the frame's rendering start (rAF callbacks, style, layout, paint) to its end. */
  renderMs: number;
  styleAndLayoutMs: number;
  scripts: { invoker: string; source: string; duration: number; forcedLayoutMs: number }[];
}

export interface Vitals {
  lcpMs: number | null;
  lcpElement: string | null;
  cls: number;
  /** Null when no interaction took 16 ms or more (the Event Timing API's floor). */
  inpMs: number | null;
  /** Every interaction entry of 16 ms or more, in order. */
  events: InteractionEvent[];
  /** Long animation frames while the page was open. */
  frames: LongFrame[];
}

/** The long frames that overlap an interaction, and where their time went. */
export function framesDuring(v: Vitals, e: InteractionEvent): LongFrame[] {
  return v.frames.filter((f) => f.startTime < e.startTime + e.duration && f.startTime + f.duration > e.startTime);
}

export function formatFrame(f: LongFrame): string {
  const ms = (n: number) => `${Math.round(n)}`;
  const scripts = [...f.scripts].sort((a, b) => b.duration - a.duration).slice(0, 3)
    .map((s) => `${s.invoker} ${s.source} ${ms(s.duration)} ms${s.forcedLayoutMs >= 1 ? ` (forced layout ${ms(s.forcedLayoutMs)})` : ""}`);
  return `frame ${ms(f.duration)} ms: rendering ${ms(f.renderMs)} (style and layout ${ms(f.styleAndLayoutMs)})${scripts.length ? `; scripts: ${scripts.join("; ")}` : ""}`;
}

/** The entry that set INP (the longest), if any. */
export function worstInteraction(v: Vitals): InteractionEvent | null {
  return v.events.reduce<InteractionEvent | null>((worst, e) => (worst === null || e.duration > worst.duration ? e : worst), null);
}

export function formatInteraction(e: InteractionEvent): string {
  const ms = (n: number) => `${Math.round(n)}`;
  return `${e.type} on ${e.target}: ${ms(e.duration)} ms (input delay ${ms(e.inputDelay)}, processing ${ms(e.processing)}, presentation ${ms(e.presentation)})`;
}

export function formatVitals(v: Vitals): string {
  const lcp = v.lcpMs === null ? "n/a" : `${Math.round(v.lcpMs)} ms`;
  const inp = v.inpMs === null ? "< 16 ms" : `${Math.round(v.inpMs)} ms`;
  const worst = worstInteraction(v);
  return `LCP ${lcp} (${v.lcpElement ?? "?"}), CLS ${v.cls.toFixed(3)}, INP ${inp}${worst ? ` [${worst.type} on ${worst.target}]` : ""}`;
}
