// searchlib search page: talks to the JSON API of the same server (GET /search).
// The whole state lives in the URL's query string, so a search can be shared and
// back/forward work. Every value is inserted as text; the only HTML inserted is the
// server's fragment html (already escaped, with matches in <mark>).
"use strict";

(function () {
  const FACETS = [
    ["person", "People", "person"],
    ["org", "Organisations", "organisation"],
    ["location", "Places", "place"],
    ["tag", "Tags", "tag"],
    ["source", "Sources", "source"],
  ];
  const FILTER_NAMES = FACETS.map((f) => f[0]);
  const KIND_LABEL = Object.fromEntries(FACETS.map((f) => [f[0], f[2]]));
  const PAGE_SIZE = 10;
  const MAX_DEPTH = 100000;
  const SVG = "http://www.w3.org/2000/svg";

  const byId = (id) => document.getElementById(id);
  let pending = null; // the AbortController of the request in flight
  let sequence = 0;

  // -- state <-> URL -------------------------------------------------------------------

  function readState(search) {
    const p = new URLSearchParams(search);
    const page = parseInt(p.get("page") || "1", 10);
    const state = {
      q: p.get("q") || "",
      sort: p.get("sort") === "date" ? "date" : "relevance",
      page: Number.isFinite(page) && page > 0 ? page : 1,
      date_from: p.get("date_from") || "",
      date_to: p.get("date_to") || "",
      filters: {},
    };
    for (const name of FILTER_NAMES) {
      state.filters[name] = p.getAll(name).filter((v) => v.trim() !== "");
    }
    return state;
  }

  function copyState(state) {
    const filters = {};
    for (const name of FILTER_NAMES) filters[name] = state.filters[name].slice();
    return Object.assign({}, state, { filters: filters });
  }

  function queryString(state) {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const name of FILTER_NAMES) {
      for (const value of state.filters[name]) p.append(name, value);
    }
    if (state.date_from) p.set("date_from", state.date_from);
    if (state.date_to) p.set("date_to", state.date_to);
    if (state.sort !== "relevance") p.set("sort", state.sort);
    if (state.page > 1) p.set("page", String(state.page));
    return p.toString();
  }

  function hrefFor(state) {
    const qs = queryString(state);
    return qs ? "/?" + qs : "/";
  }

  function apiUrl(state) {
    const p = new URLSearchParams(queryString(state));
    p.set("limit", String(PAGE_SIZE));
    p.set("collapse", "true");
    p.set("interval", "auto");
    p.set("fragments", "3");
    return "/search?" + p.toString();
  }

  // -- small DOM helpers (text only) ------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function navLink(state, text, attrs) {
    return el("a", Object.assign({ href: hrefFor(state), "data-nav": true }, attrs || {}), text);
  }

  function safeUrl(url) {
    if (!url) return null;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatDate(iso) {
    const d = new Date(iso + "T00:00:00Z");
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  const number = (n) => Number(n).toLocaleString("en-GB");

  // -- navigation ---------------------------------------------------------------------------

  function go(state, focusResults) {
    const href = hrefFor(state);
    if (href !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", href);
    }
    run(state, focusResults);
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[data-nav]") : null;
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const href = link.getAttribute("href");
    if (!href) return;
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== "/") return;
    event.preventDefault();
    go(readState(url.search), true);
  });

  window.addEventListener("popstate", () => run(readState(window.location.search), false));

  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const state = readState(window.location.search);
    state.q = byId("q").value.trim();
    state.sort = byId("sort").value === "date" ? "date" : "relevance";
    state.page = 1;
    go(state, false);
  });

  byId("sort").addEventListener("change", () => {
    const state = readState(window.location.search);
    state.sort = byId("sort").value === "date" ? "date" : "relevance";
    state.page = 1;
    go(state, false);
  });

  // -- searching ------------------------------------------------------------------------------

  async function run(state, focusResults) {
    byId("q").value = state.q;
    byId("sort").value = state.sort;
    document.title = state.q ? state.q + " – searchlib" : "searchlib";
    renderChips(state);
    const results = byId("results");
    results.setAttribute("aria-busy", "true");
    byId("summary").textContent = "Searching…";
    byId("summary").removeAttribute("data-total");
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    const mine = ++sequence;
    let data;
    let failure = null;
    try {
      const response = await fetch(apiUrl(state), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      let body = null;
      try {
        body = await response.json();
      } catch (e) {
        body = null;
      }
      if (!response.ok) {
        failure = (body && typeof body.error === "string" && body.error) || "the server answered " + response.status;
      } else {
        data = body;
      }
    } catch (e) {
      if (e && e.name === "AbortError") return;
      failure = "the server could not be reached";
    }
    if (mine !== sequence) return;
    pending = null;
    results.removeAttribute("aria-busy");
    if (failure !== null) {
      showError(failure);
      return;
    }
    render(state, data);
    if (focusResults) byId("summary").focus({ preventScroll: false });
  }

  function showError(message) {
    const box = byId("error");
    box.textContent = "The search failed: " + message;
    box.hidden = false;
    byId("summary").textContent = "";
    byId("summary").removeAttribute("data-total");
    byId("results").replaceChildren();
    byId("pager").replaceChildren();
    byId("suggestion").hidden = true;
    byId("relaxed").hidden = true;
    byId("partial").hidden = true;
  }

  // -- rendering ----------------------------------------------------------------------------

  function render(state, data) {
    byId("error").hidden = true;
    const pages = Math.max(1, Math.min(data.pages || 1, Math.floor(MAX_DEPTH / PAGE_SIZE)));
    const total = data.total || 0;
    let summary;
    const filtered = state.date_from || state.date_to || FILTER_NAMES.some((n) => state.filters[n].length);
    if (total === 0) {
      summary = "No articles found. " + (filtered ? "Try removing a filter, or fewer words." : "Try other or fewer words.");
    } else {
      summary = (state.q || filtered ? "" : "All ") + number(total) + (total === 1 ? " article" : " articles");
      if (pages > 1) summary += " · page " + number(data.page) + " of " + number(pages);
    }
    summary += " · " + Math.round(data.elapsed_ms || 0) + " ms";
    byId("summary").textContent = summary;
    byId("summary").setAttribute("data-total", String(total));
    byId("relaxed").hidden = !data.relaxed;
    byId("partial").hidden = !data.partial;
    renderSuggestion(state, data.suggestion);
    renderHits(state, data.hits || []);
    renderPager(state, data.page || 1, pages);
    renderHistogram(state, data.histogram || []);
    renderFacets(state, data.facets || {});
  }

  function renderSuggestion(state, suggestion) {
    const box = byId("suggestion");
    if (!suggestion || suggestion === state.q) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const next = copyState(state);
    next.q = suggestion;
    next.page = 1;
    box.replaceChildren("Did you mean ", navLink(next, suggestion, { class: "did-you-mean" }), "?");
    box.hidden = false;
  }

  function renderChips(state) {
    const box = byId("chips");
    const chips = [];
    const chip = (kind, value) =>
      el(
        "span",
        { class: "chip" },
        el("span", { class: "kind" }, kind + ":"),
        el("span", { class: "value" }, value),
        el(
          "button",
          { type: "button", "aria-label": "Remove filter " + kind + ": " + value, title: "Remove" },
          "×"
        )
      );
    for (const name of FILTER_NAMES) {
      state.filters[name].forEach((value, i) => {
        const node = chip(KIND_LABEL[name], value);
        node.querySelector("button").addEventListener("click", () => {
          const next = copyState(state);
          next.filters[name].splice(i, 1);
          next.page = 1;
          go(next, false);
          byId("q").focus();
        });
        chips.push(node);
      });
    }
    if (state.date_from || state.date_to) {
      const period =
        state.date_from && state.date_to
          ? state.date_from === state.date_to
            ? state.date_from
            : state.date_from + " to " + state.date_to
          : state.date_from
            ? "from " + state.date_from
            : "until " + state.date_to;
      const node = chip("date", period);
      node.querySelector("button").addEventListener("click", () => {
        const next = copyState(state);
        next.date_from = "";
        next.date_to = "";
        next.page = 1;
        go(next, false);
        byId("q").focus();
      });
      chips.push(node);
    }
    if (chips.length > 1) {
      const clear = el("button", { type: "button", class: "clear-all" }, "Clear all filters");
      clear.addEventListener("click", () => {
        const next = readState("");
        next.q = state.q;
        next.sort = state.sort;
        go(next, false);
        byId("q").focus();
      });
      chips.push(clear);
    }
    box.replaceChildren(...chips);
  }

  function fragmentNode(tag, attrs, fragment, fallback) {
    const node = el(tag, attrs);
    if (fragment && typeof fragment.html === "string" && fragment.html !== "") {
      // The server's html: text escaped, matches wrapped in <mark>.
      node.innerHTML = fragment.html;
    } else {
      node.textContent = fallback || "";
    }
    return node;
  }

  function renderHits(state, hits) {
    const items = hits.map((hit) => {
      const url = safeUrl(hit.url);
      const heading = el("h2");
      const title = fragmentNode(url ? "a" : "span", url ? { href: url, rel: "noopener noreferrer" } : {}, hit.title_fragment, hit.title);
      heading.append(title);

      const meta = el("div", { class: "meta" });
      if (hit.date) meta.append(el("time", { datetime: hit.date }, formatDate(hit.date)));
      else meta.append(el("span", {}, "undated"));
      if (hit.source) {
        meta.append(filterLink(state, "source", hit.source, { class: "source" }));
      }
      if (hit.tags && hit.tags.length) {
        const tags = el("span", { class: "tags" });
        for (const tag of hit.tags) tags.append(filterLink(state, "tag", "#" + tag, { class: "tag" }, tag));
        meta.append(tags);
      }

      const item = el("li", { class: "hit", "data-id": hit.id }, heading, meta);
      for (const fragment of hit.fragments || []) {
        item.append(fragmentNode("p", { class: "frag" }, fragment, fragment.text));
      }
      const dups = hit.duplicates || [];
      if (dups.length) {
        const list = el("ul");
        for (const id of dups) list.append(el("li", {}, id));
        item.append(
          el("details", { class: "dups" }, el("summary", {}, "+" + dups.length + " similar"), list)
        );
      }
      return item;
    });
    byId("results").replaceChildren(...items);
  }

  function filterLink(state, name, text, attrs, value) {
    const wanted = value === undefined ? text : value;
    const next = copyState(state);
    if (!next.filters[name].some((v) => v.toLowerCase() === wanted.toLowerCase())) {
      next.filters[name].push(wanted);
    }
    next.page = 1;
    return navLink(
      next,
      text,
      Object.assign({ title: "Only articles with " + KIND_LABEL[name] + " " + wanted }, attrs || {})
    );
  }

  function renderPager(state, page, pages) {
    const nav = byId("pager");
    if (pages <= 1) {
      nav.replaceChildren();
      return;
    }
    const to = (n) => {
      const next = copyState(state);
      next.page = n;
      return next;
    };
    const parts = [];
    if (page > 1) parts.push(navLink(to(page - 1), "‹ Previous", { rel: "prev", class: "prev" }));
    const shown = new Set([1, pages]);
    for (let n = page - 2; n <= page + 2; n++) if (n >= 1 && n <= pages) shown.add(n);
    let last = 0;
    for (const n of Array.from(shown).sort((a, b) => a - b)) {
      if (n - last > 1) parts.push(el("span", { class: "gap", "aria-hidden": "true" }, "…"));
      if (n === page) parts.push(el("span", { "aria-current": "page" }, String(n)));
      else parts.push(navLink(to(n), String(n), { "aria-label": "Page " + n }));
      last = n;
    }
    if (page < pages) parts.push(navLink(to(page + 1), "Next ›", { rel: "next", class: "next" }));
    nav.replaceChildren(...parts);
  }

  function renderHistogram(state, buckets) {
    const panel = byId("timeline");
    const box = byId("histogram");
    if (!buckets.length) {
      panel.hidden = true;
      box.replaceChildren();
      return;
    }
    panel.hidden = false;
    const width = 300;
    const height = 100;
    const top = 4;
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const slot = width / buckets.length;
    const gap = slot > 4 ? Math.min(2, slot * 0.15) : 0;
    const chart = svg("svg", {
      viewBox: "0 0 " + width + " " + height,
      preserveAspectRatio: "none",
      role: "group",
      "aria-label": "Matching articles over time",
    });
    buckets.forEach((bucket, i) => {
      if (!bucket.count) return;
      const h = Math.max(2, ((height - top) * bucket.count) / max);
      const x = i * slot;
      const next = copyState(state);
      next.date_from = bucket.start;
      next.date_to = bucket.end;
      next.page = 1;
      const label = bucket.key + ": " + number(bucket.count) + (bucket.count === 1 ? " article" : " articles");
      const link = svg(
        "a",
        {
          href: hrefFor(next),
          "data-nav": "",
          "data-key": bucket.key,
          "data-count": bucket.count,
          "aria-label": label,
        },
        svg("title", {}, label),
        svg("rect", { class: "hitbox", x: x, y: 0, width: slot, height: height }),
        svg("rect", { class: "bar", x: x + gap / 2, y: height - h, width: Math.max(0.5, slot - gap), height: h })
      );
      chart.append(link);
    });
    box.replaceChildren(chart);
    byId("axis-first").textContent = buckets[0].key;
    byId("axis-last").textContent = buckets.length > 1 ? buckets[buckets.length - 1].key : "";
  }

  function renderFacets(state, facets) {
    const sections = [];
    for (const [name, heading] of FACETS) {
      const active = state.filters[name].map((v) => v.toLowerCase());
      const values = (facets[name] || []).filter((f) => !active.includes(String(f.value).toLowerCase()));
      if (!values.length) continue;
      const list = el("ul");
      for (const facet of values) {
        list.append(
          el(
            "li",
            {},
            filterLink(state, name, facet.value, { "data-facet": name }),
            el("span", { class: "count", "aria-label": number(facet.count) + " articles" }, number(facet.count))
          )
        );
      }
      sections.push(el("section", { class: "panel facet", "data-facet": name }, el("h2", {}, heading), list));
    }
    byId("facets").replaceChildren(...sections);
  }

  run(readState(window.location.search), false);
})();
