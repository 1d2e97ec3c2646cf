"use strict";
// The app shell shared by every page: who is signed in (GET /me), the header and navigation,
// the JSON API helper, and role-awareness: a control marked data-route="METHOD /path" is
// removed when the caller may not call that route (the route still checks it itself).
window.SB = (function () {
  const body = document.body;
  const ROOT = body.dataset.root || "";
  const ROUTE = body.dataset.page || "/";
  let me = null;

  function url(path) { return ROOT + path; }

  async function api(method, path, payload) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const response = await fetch(url(path), init);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const err = (data && data.error) || {};
      const message = err.message || (data && data.message) || ("request failed (" + response.status + ")");
      const error = new Error(message);
      error.status = response.status;
      error.code = err.code || (response.status === 401 ? "unauthorized" : "");
      error.body = data;
      if (response.status === 401 && me) signIn();  // the session ended meanwhile
      throw error;
    }
    return data;
  }

  function signIn() {
    const next = ROUTE + (location.search || "") + (location.hash || "");
    location.assign(url("/oauth/login") + "?next=" + encodeURIComponent(next));
  }

  function may(route) { return !!(me && me.allowed_routes.includes(route)); }

  function applyPermissions(root) {
    for (const node of (root || document).querySelectorAll("[data-route]")) {
      if (!may(node.dataset.route)) node.remove();
    }
  }

  function renderHeader() {
    const nav = document.getElementById("main-nav");
    nav.hidden = false;
    for (const a of nav.querySelectorAll("a[data-nav]")) {
      if (a.dataset.nav === ROUTE) a.setAttribute("aria-current", "page");
    }
    document.getElementById("who").hidden = false;
    document.getElementById("who-tenant").textContent = me.tenant_id;
    document.getElementById("who-user").textContent = me.subject || me.client_id;
    document.getElementById("who-role").textContent = me.role;
  }

  // Signed-in pages call this first: resolves with the principal, or goes to sign-in.
  async function session(options) {
    const optional = options && options.optional;
    try {
      me = await api("GET", "/me");
    } catch (e) {
      if (e.status === 401) {
        if (optional) { document.getElementById("sign-in").hidden = false; return null; }
        signIn();
      }
      throw e;
    }
    renderHeader();
    applyPermissions(document);
    return me;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // "7 Dec 2026, 14:05" in the reader's locale; a bare date stays a date.
  function when(value) {
    if (!value) return "—";
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(String(value));
    const d = new Date(dateOnly ? value + "T00:00:00" : value);
    if (isNaN(d)) return String(value);
    return dateOnly
      ? d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" })
      : d.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function showAlert(node, text) { node.textContent = text || ""; node.hidden = !text; }

  return { ROOT, ROUTE, url, api, session, may, applyPermissions, el, when, showAlert, signIn,
           get me() { return me; } };
})();
