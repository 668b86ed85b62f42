/*
 * A local stand-in for App Bridge (https://cdn.shopify.com/shopifycloud/app-bridge.js),
 * served by the dev store at /app-bridge.js. Offline, the app runs top level
 * instead of inside the Shopify admin, and this script gives it what the real
 * one does there:
 *  - `window.shopify` with `idToken()` (a fresh session token from the dev
 *    store's /_dev/session-token), `config`, `toast`, `loading`, `environment`;
 *  - same-origin `fetch` calls carry `Authorization: Bearer <session token>`,
 *    retried once with a fresh token when the app asks for it;
 *  - the bounce page (/auth/session-token?shopify-reload=...) reloads its
 *    target with `id_token` added, as @shopify/shopify-app-remix expects;
 *  - `resourcePicker({ type: "variant" })`: a small dialog over the shop's
 *    active variants (the dev store's /_dev/resource-picker);
 *  - minimal `ui-nav-menu`, `ui-title-bar`, `ui-modal`, `ui-save-bar` elements.
 * Plain ES2017, no build step.
 */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__evergreenLocal) return;

  var script = document.currentScript;
  var storeOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var apiKey = (script && script.getAttribute("data-api-key")) || "";
  var params = new URLSearchParams(location.search);
  var remember = function (key) {
    var value = params.get(key);
    try {
      if (value) sessionStorage.setItem("evergreen-dev-" + key, value);
      else value = sessionStorage.getItem("evergreen-dev-" + key);
    } catch (e) {
      /* storage may be unavailable */
    }
    return value || "";
  };
  var shop = remember("shop");
  var host = remember("host");
  var nativeFetch = window.fetch.bind(window);
  var cached = null;

  function tokenExpiry(token) {
    try {
      var payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload)).exp || 0;
    } catch (e) {
      return 0;
    }
  }

  /** A session token valid for at least 10 more seconds. */
  function idToken(force) {
    if (!force && cached && cached.exp - 10 > Date.now() / 1000) return Promise.resolve(cached.token);
    var url = storeOrigin + "/_dev/session-token?shop=" + encodeURIComponent(shop);
    return nativeFetch(url, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("dev store refused a session token: " + response.status);
        return response.json();
      })
      .then(function (body) {
        cached = { token: body.token, exp: tokenExpiry(body.token) };
        return body.token;
      });
  }

  function sameOrigin(input) {
    try {
      var raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      return new URL(raw, location.href).origin === location.origin;
    } catch (e) {
      return false;
    }
  }

  function withToken(input, init, token) {
    var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + token);
    if (input instanceof Request) return nativeFetch(new Request(input, Object.assign({}, init, { headers: headers })));
    return nativeFetch(input, Object.assign({}, init, { headers: headers }));
  }

  window.fetch = function (input, init) {
    if (!sameOrigin(input)) return nativeFetch(input, init);
    var retryable = !(input instanceof Request) || !input.bodyUsed;
    return idToken(false).then(function (token) {
      return withToken(input, init, token).then(function (response) {
        var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
        if (reauthorize) {
          window.open(reauthorize, "_top");
          return response;
        }
        if (response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1" && retryable) {
          return idToken(true).then(function (fresh) {
            return withToken(input, init, fresh);
          });
        }
        return response;
      });
    });
  };

  var toastHost = null;
  function showToast(message, options) {
    if (!document.body) return "";
    if (!toastHost) {
      toastHost = document.createElement("div");
      toastHost.setAttribute("role", "status");
      toastHost.style.cssText =
        "position:fixed;bottom:24px;left:50%;transform:translateX(-50%);z-index:2147483647;display:flex;flex-direction:column;gap:8px;";
      document.body.appendChild(toastHost);
    }
    var toast = document.createElement("div");
    toast.textContent = String(message);
    toast.style.cssText =
      "padding:10px 16px;border-radius:8px;font:14px/1.4 system-ui,sans-serif;color:#fff;background:" +
      (options && options.isError ? "#8e1f0b" : "#303030") +
      ";";
    toastHost.appendChild(toast);
    setTimeout(function () {
      toast.remove();
    }, (options && options.duration) || 5000);
    return String(Date.now());
  }

  /*
   * shopify.resourcePicker({ type: "variant" }): a small dialog over the dev
   * store's active variants (/_dev/resource-picker), searchable; resolves with
   * the chosen variants in App Bridge's selection shape, or undefined when
   * cancelled, as the real picker does. Other types are not offered here.
   */
  function resourcePicker(options) {
    var type = (options && options.type) || "product";
    if (type !== "variant") return Promise.reject(new Error("the local resource picker offers type 'variant' only"));
    return new Promise(function (resolve) {
      var overlay = document.createElement("div");
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-label", "Select variant");
      overlay.setAttribute("data-resource-picker", "");
      overlay.style.cssText =
        "position:fixed;inset:0;background:#0006;z-index:2147483646;display:flex;align-items:center;justify-content:center;font:14px system-ui,sans-serif;";
      var box = document.createElement("div");
      box.style.cssText = "background:#fff;border-radius:12px;padding:16px;width:min(560px,90vw);max-height:80vh;display:flex;flex-direction:column;gap:8px;";
      var title = document.createElement("h2");
      title.textContent = "Select variant";
      title.style.cssText = "margin:0;font:600 16px system-ui,sans-serif;";
      var search = document.createElement("input");
      search.type = "search";
      search.placeholder = "Search products";
      search.setAttribute("aria-label", "Search products");
      search.style.cssText = "padding:6px 8px;border:1px solid #8a8a8a;border-radius:8px;";
      var list = document.createElement("div");
      list.setAttribute("role", "list");
      list.style.cssText = "overflow:auto;display:flex;flex-direction:column;gap:4px;min-height:80px;";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      var done = function (value) {
        overlay.remove();
        resolve(value);
      };
      cancel.onclick = function () {
        done(undefined);
      };
      var load = function () {
        var url = storeOrigin + "/_dev/resource-picker?type=variant&shop=" + encodeURIComponent(shop) + "&query=" + encodeURIComponent(search.value);
        nativeFetch(url, { credentials: "omit" })
          .then(function (r) {
            return r.json();
          })
          .then(function (body) {
            list.textContent = "";
            (body.selection || []).forEach(function (variant) {
              var item = document.createElement("button");
              item.type = "button";
              item.setAttribute("role", "listitem");
              item.textContent = variant.displayName + " · " + variant.price;
              item.style.cssText = "text-align:left;padding:6px 8px;border:1px solid #e3e3e3;border-radius:8px;background:#fff;cursor:pointer;";
              item.onclick = function () {
                done([variant]);
              };
              list.appendChild(item);
            });
            if (!list.children.length) list.textContent = "No variants match.";
          });
      };
      search.addEventListener("keydown", function (e) {
        if (e.key === "Enter") load();
      });
      box.appendChild(title);
      box.appendChild(search);
      box.appendChild(list);
      box.appendChild(cancel);
      overlay.appendChild(box);
      document.body.appendChild(overlay);
      if (options && options.query) search.value = options.query;
      load();
    });
  }

  window.shopify = {
    __evergreenLocal: true,
    config: { apiKey: apiKey, shop: shop, host: host, locale: navigator.language || "en" },
    origin: storeOrigin,
    environment: { embedded: true, mobile: false, pos: false },
    idToken: function () {
      return idToken(false);
    },
    user: function () {
      return Promise.resolve({});
    },
    toast: { show: showToast, hide: function () {} },
    loading: function () {},
    modal: {
      show: function (id) {
        var el = document.getElementById(id);
        if (el && el.show) el.show();
        return Promise.resolve();
      },
      hide: function (id) {
        var el = document.getElementById(id);
        if (el && el.hide) el.hide();
        return Promise.resolve();
      },
    },
    saveBar: {
      show: function () {
        return Promise.resolve();
      },
      hide: function () {
        return Promise.resolve();
      },
    },
    resourcePicker: resourcePicker,
  };

  // The bounce page: reload the target with a session token in the URL.
  var reload = params.get("shopify-reload");
  if (reload) {
    idToken(false).then(function (token) {
      var target = new URL(reload, location.href);
      if (target.origin !== location.origin) return;
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }

  function define(name, setup) {
    if (!window.customElements || customElements.get(name)) return;
    customElements.define(name, setup());
  }

  // Styled by a sheet and given its role through ElementInternals: touching
  // the element's own attributes before React hydrates it would make React
  // report a server/client mismatch.
  var navStyle = document.createElement("style");
  navStyle.textContent =
    "ui-nav-menu{display:flex;gap:16px;padding:8px 16px;border-bottom:1px solid #e3e3e3;background:#f1f1f1;font:14px system-ui,sans-serif;}";
  document.head.appendChild(navStyle);
  define("ui-nav-menu", function () {
    return class extends HTMLElement {
      constructor() {
        super();
        if (this.attachInternals) this.attachInternals().role = "navigation";
      }
    };
  });

  define("ui-title-bar", function () {
    return class extends HTMLElement {
      static get observedAttributes() {
        return ["title"];
      }
      connectedCallback() {
        this.style.cssText = "display:flex;align-items:center;gap:8px;padding:8px 16px;";
        this.render();
      }
      attributeChangedCallback() {
        this.render();
      }
      render() {
        var heading = this.querySelector(":scope > h1[data-local-title]");
        if (!heading) {
          heading = document.createElement("h1");
          heading.setAttribute("data-local-title", "");
          heading.style.cssText = "margin:0 auto 0 0;font:600 16px system-ui,sans-serif;";
          this.prepend(heading);
        }
        heading.textContent = this.getAttribute("title") || "";
      }
    };
  });

  define("ui-modal", function () {
    return class extends HTMLElement {
      connectedCallback() {
        if (!this.open) this.style.display = "none";
      }
      show() {
        this.open = true;
        this.style.cssText = "display:block;position:fixed;inset:10% 20%;background:#fff;box-shadow:0 8px 32px #0004;z-index:2147483646;overflow:auto;";
      }
      hide() {
        this.open = false;
        this.style.display = "none";
      }
      toggle() {
        return this.open ? this.hide() : this.show();
      }
    };
  });

  define("ui-save-bar", function () {
    return class extends HTMLElement {
      connectedCallback() {
        this.style.display = "none";
      }
      show() {}
      hide() {}
    };
  });
})();
