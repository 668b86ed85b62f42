/*
 * Evergreen storefront widget: no framework, loaded with defer by the blocks'
 * schema. Nothing shopper-specific is in the page: after load (at idle) it
 * asks the app proxy for the signed-in shopper's profile once and fills the
 * blocks and the panel in place, inside boxes whose size CSS fixed at first
 * paint. Text goes in with textContent only. docs/storefront.md.
 */
(() => {
  "use strict";
  if (window.__evergreen) return;
  window.__evergreen = 1;
  const d = document;
  const cfgEl = d.querySelector("script[data-evergreen-config]");
  if (!cfgEl) return;
  const cfg = JSON.parse(cfgEl.textContent);
  const t = cfg.t;
  const $$ = (root, sel) => Array.from(root.querySelectorAll(sel));
  const fmt = (s, v) => s.replace(/%(\w)/g, (m, k) => (k in v ? v[k] : m));
  const el = (tag, cls, text, ...kids) => {
    const e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    e.append(...kids);
    return e;
  };

  const api = (path, body) =>
    fetch(cfg.proxy + path, {
      method: body ? "POST" : "GET",
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(body && { "Content-Type": "application/json" }) },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json().catch(() => null).then((json) => ({ ok: r.ok, status: r.status, json })));

  let profile;
  const load = () =>
    (profile ||= api("/profile").then((r) => {
      if (!r.ok || !r.json) throw new Error("profile " + r.status);
      return r.json;
    }));

  const announce = (root, text) => {
    const s = root.closest("[data-evergreen]")?.querySelector("[data-eg-status]");
    if (s) s.textContent = text;
  };
  const setField = (root, name, text) => {
    for (const e of $$(root, `[data-eg-field="${name}"]`)) {
      if (e.tagName === "INPUT") e.value = text;
      else e.textContent = text;
    }
  };
  const money = (minor) => {
    const c = window.Shopify?.currency?.active;
    const v = minor / 100;
    try {
      return c ? new Intl.NumberFormat(d.documentElement.lang || undefined, { style: "currency", currency: c }).format(v) : v.toLocaleString();
    } catch {
      return v.toLocaleString();
    }
  };
  const link = (p) => {
    const a = p.url ? el("a", "eg-link", p.title) : el("span", "", p.title);
    if (p.url) a.href = p.url;
    return a;
  };
  const dueText = (days) => (days > 1 ? fmt(t.dueIn, { n: days }) : days >= -1 ? t.dueToday : t.overdue);

  function renderReminders(list, reminders) {
    const max = Number(list.dataset.egMax) || 5;
    list.replaceChildren();
    for (const r of reminders.slice(0, max)) {
      const info = el("div", "eg-item__info", null, link({ title: r.productTitle, url: r.productUrl }), el("span", "eg-small", dueText(r.daysLeft)));
      if (r.together) info.append(el("span", "eg-small", t.together + " ", link(r.together)));
      const actions = el("div", "eg-item__actions");
      if (r.variantId) {
        const hidden = (name, value) => Object.assign(el("input"), { type: "hidden", name, value });
        const add = Object.assign(el("button", "eg-btn", t.addToCart), { type: "submit" });
        actions.append(Object.assign(el("form", "", null, hidden("id", r.variantId), hidden("quantity", r.quantity || 1), add), { method: "post", action: cfg.cartAdd }));
      }
      const later = Object.assign(el("button", "eg-link", t.notNow), { type: "button" });
      later.dataset.egDismiss = r.id;
      later.setAttribute("aria-label", t.notNow + ": " + r.productTitle);
      actions.append(later);
      list.append(el("li", "eg-item", null, info, actions));
    }
    if (!list.children.length) list.append(el("li", "eg-empty", t.noReminders));
  }

  function renderRewards(list, rewards) {
    list.replaceChildren();
    for (const w of rewards) {
      const b = Object.assign(el("button", "eg-btn", t.redeem), { type: "button", disabled: !w.affordable, title: w.affordable ? "" : t.notEnough });
      b.dataset.egRedeem = w.id;
      b.setAttribute("aria-label", t.redeem + ": " + w.title);
      list.append(el("li", "eg-item", null, el("span", "", w.title + " · " + w.pointsCost.toLocaleString() + " " + t.points), b));
    }
  }

  function render(p) {
    const L = p.loyalty;
    for (const root of $$(d, "[data-evergreen]")) {
      for (const s of $$(root, "[data-eg-section]")) {
        const k = s.dataset.egSection;
        s.hidden = !(k === "reminders" || (Array.isArray(p[k]) ? p[k].length : p[k]));
      }
      if (L) {
        setField(root, "points", L.points.available.toLocaleString());
        setField(root, "tier", L.tier.name);
        const next = L.nextTier;
        for (const bar of $$(root, '[data-eg-field="progress"]')) {
          const pct = next ? Math.round(next.progress * 100) : 100;
          bar.setAttribute("aria-valuenow", pct);
          bar.firstElementChild.style.width = pct + "%";
        }
        const left = next ? next.threshold - next.current : 0;
        setField(root, "next", next ? fmt(t.toNext, { n: next.basis === "spend" ? money(left) : left.toLocaleString() + " " + t.points, t: next.name }) : t.topTier);
      } else if (root.dataset.evergreen === "badge") root.style.visibility = "hidden";
      if (p.referral) setField(root, "referral", p.referral.url);
      for (const list of $$(root, '[data-eg-list="reminders"]')) renderReminders(list, p.reminders);
      if (p.rewards) for (const list of $$(root, '[data-eg-list="rewards"]')) renderRewards(list, p.rewards);
      for (const list of $$(root, '[data-eg-list="recommended"]')) list.replaceChildren(...(p.recommended || []).map((x) => el("li", "eg-item", null, link(x))));
      for (const s of $$(root, "[data-eg-share-button]")) s.hidden = !navigator.share;
    }
  }

  const fail = () => {
    for (const s of $$(d, "[data-eg-status]")) s.textContent = t.error;
  };
  const refresh = () => {
    if (cfg.signedIn) load().then(render, fail);
  };

  // The panel: a modal dialog with a focus trap, Escape to close, focus back to the launcher.
  let open = null;
  let opener = null;
  const focusables = (root) => $$(root, "a[href],button:not([disabled]),input,select,textarea,[tabindex]:not([tabindex='-1'])").filter((e) => !e.closest("[hidden]"));
  function openPanel(button) {
    const panel = d.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;
    opener = button;
    open = panel;
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    (focusables(panel)[0] || panel).focus();
    refresh();
  }
  function closePanel() {
    if (!open) return;
    open.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
    open = null;
  }
  d.addEventListener("keydown", (e) => {
    if (!open) return;
    if (e.key === "Escape") {
      e.preventDefault();
      closePanel();
    } else if (e.key === "Tab") {
      const f = focusables(open);
      if (!f.length) return e.preventDefault();
      const first = f[0];
      const last = f[f.length - 1];
      if (e.shiftKey && (d.activeElement === first || d.activeElement === open)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && d.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  d.addEventListener("pointerdown", (e) => {
    if (open && !open.contains(e.target) && !opener.contains(e.target)) closePanel();
  });

  async function copy(button) {
    const box = button.closest("[data-eg-copy]");
    const input = box.querySelector("input");
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      d.execCommand("copy");
    }
    button.textContent = t.copied;
    announce(box, t.copied);
    setTimeout(() => (button.textContent = t.copy), 2000);
  }

  d.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b || !b.closest(".eg")) return;
    const ds = b.dataset;
    if ("egOpen" in ds) return open ? closePanel() : openPanel(b);
    if ("egClose" in ds) return closePanel();
    if ("egCopyButton" in ds) return copy(b);
    if ("egShareButton" in ds) {
      const url = b.closest("[data-eg-copy]").querySelector("input").value;
      return navigator.share?.({ url }).catch(() => {});
    }
    if (ds.egRedeem) {
      b.disabled = true;
      const key = (crypto.randomUUID?.() || String(Date.now()) + Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9-]/g, "");
      const r = await api("/redeem", { rewardId: ds.egRedeem, idempotencyKey: key }).catch(() => ({ ok: false, json: null }));
      const code = r.ok && r.json && r.json.code;
      const li = b.closest("li");
      if (code) {
        const input = Object.assign(el("input", "eg-input"), { readOnly: true, value: code });
        input.setAttribute("aria-label", fmt(t.redeemed, { c: code }));
        const c = Object.assign(el("button", "eg-btn", t.copy), { type: "button" });
        c.dataset.egCopyButton = "";
        const box = el("div", "eg-copy", null, input, c);
        box.dataset.egCopy = "code";
        b.replaceWith(box);
        announce(li, fmt(t.redeemed, { c: code }));
        profile = null;
      } else {
        b.disabled = false;
        announce(li, r.status === 409 ? t.notEnough : t.unavailable);
      }
      return;
    }
    if (ds.egDismiss) {
      const li = b.closest("li");
      const r = await api(`/reminders/${encodeURIComponent(ds.egDismiss)}/dismiss`, {}).catch(() => ({ ok: false }));
      if (r.ok) {
        const list = li.parentElement;
        li.remove();
        if (!list.children.length) list.append(el("li", "eg-empty", t.noReminders));
      }
    }
  });

  const start = () => (window.requestIdleCallback || ((f) => setTimeout(f, 1)))(refresh, { timeout: 2000 });
  if (d.readyState === "complete") start();
  else addEventListener("load", start, { once: true });
})();
