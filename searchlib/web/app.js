// searchlib search page: talks to the JSON API of the same server (search, suggest, articles).
// The whole state lives in the URL's query string, so a search or an article can be shared
// and back/forward work. Every URL is relative to the page, so the page works wherever the app
// is mounted (/, /archive/...). Every value is inserted as text; the only HTML inserted is the
// server's highlighted html (already escaped, with matches in <mark>).
"use strict";

(function () {
  const { el } = window.searchlibDom;
  const FACETS = [
    ["person", "People", "person"],
    ["org", "Organisations", "organisation"],
    ["location", "Places", "place"],
    ["tag", "Tags", "tag"],
    ["source", "Sources", "source"],
  ];
  const FILTER_NAMES = ["person", "org", "location", "misc", "tag", "source"];
  const KIND_LABEL = {
    person: "person",
    org: "organisation",
    location: "place",
    misc: "name",
    tag: "tag",
    source: "source",
  };
  const ENTITY_GROUPS = [
    ["person", "People"],
    ["org", "Organisations"],
    ["location", "Places"],
    ["misc", "Other names"],
  ];
  const PAGE_SIZE = 10;
  const MAX_DEPTH = 100000;
  const FACET_LIMIT = 100; // values asked for per facet
  const FACET_SHOWN = 8; // values shown before "Show more"
  const SVG = "http://www.w3.org/2000/svg";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  const byId = (id) => document.getElementById(id);
  const basePath = window.location.pathname; // the page's own path (it ends with "/")
  let pending = null; // the AbortController of the request in flight
  let sequence = 0;
  let lastHistogram = null; // [state, buckets] drawn last, to redraw on resize

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
      exclude: p.getAll("exclude").filter((v) => v.indexOf(":") > 0),
      article: p.get("article") || "",
    };
    for (const name of FILTER_NAMES) {
      state.filters[name] = p.getAll(name).filter((v) => v.trim() !== "");
    }
    return state;
  }

  function copyState(state) {
    const filters = {};
    for (const name of FILTER_NAMES) filters[name] = state.filters[name].slice();
    return Object.assign({}, state, { filters: filters, exclude: state.exclude.slice() });
  }

  function searchParams(state) {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const name of FILTER_NAMES) {
      for (const value of state.filters[name]) p.append(name, value);
    }
    for (const value of state.exclude) p.append("exclude", value);
    if (state.date_from) p.set("date_from", state.date_from);
    if (state.date_to) p.set("date_to", state.date_to);
    if (state.sort !== "relevance") p.set("sort", state.sort);
    if (state.page > 1) p.set("page", String(state.page));
    return p;
  }

  function queryString(state) {
    const p = searchParams(state);
    if (state.article) p.set("article", state.article);
    return p.toString();
  }

  function hrefFor(state) {
    const qs = queryString(state);
    return qs ? "./?" + qs : "./";
  }

  function apiUrl(state) {
    const p = searchParams(state);
    p.set("limit", String(PAGE_SIZE));
    p.set("collapse", "true");
    p.set("interval", "auto");
    p.set("fragments", "3");
    p.set("facet_limit", String(FACET_LIMIT));
    return "search?" + p.toString();
  }

  function articleUrl(id, suffix) {
    return "articles/" + encodeURIComponent(id) + (suffix || "");
  }

  // a state that shows the results (no article open), from page 1
  function resultsState(state) {
    const next = copyState(state);
    next.article = "";
    next.page = 1;
    return next;
  }

  function withFilter(state, name, value) {
    const next = resultsState(state);
    if (!next.filters[name].some((v) => v.toLowerCase() === value.toLowerCase())) {
      next.filters[name].push(value);
    }
    return next;
  }

  // -- small DOM helpers (text only; el from dom.js) ---------------------------------------

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
  const plural = (n, one, many) => number(n) + " " + (n === 1 ? one : many);

  function htmlNode(tag, attrs, fragment, fallback) {
    const node = el(tag, attrs);
    if (fragment && typeof fragment.html === "string" && fragment.html !== "") {
      // The server's html: text escaped, matches wrapped in <mark>.
      node.innerHTML = fragment.html;
    } else {
      node.textContent = fallback || "";
    }
    return node;
  }

  async function getJson(url, signal) {
    let response;
    try {
      response = await fetch(url, { signal: signal, headers: { Accept: "application/json" } });
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      return { failure: "the server could not be reached" };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      return {
        failure: (body && typeof body.error === "string" && body.error) || "the server answered " + response.status,
        status: response.status,
      };
    }
    return { data: body };
  }

  // -- navigation ---------------------------------------------------------------------------

  function go(state, focus) {
    const href = hrefFor(state);
    const url = new URL(href, window.location.href);
    if (url.pathname + url.search !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", href);
    }
    run(state, focus);
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[data-nav]") : null;
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const href = link.getAttribute("href");
    if (!href) return;
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== basePath) return;
    event.preventDefault();
    go(readState(url.search), true);
  });

  window.addEventListener("popstate", () => run(readState(window.location.search), false));

  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    closeSuggestions();
    const state = resultsState(readState(window.location.search));
    state.q = byId("q").value.trim();
    state.sort = byId("sort").value === "date" ? "date" : "relevance";
    go(state, false);
  });

  byId("sort").addEventListener("change", () => {
    const state = resultsState(readState(window.location.search));
    state.sort = byId("sort").value === "date" ? "date" : "relevance";
    go(state, false);
  });

  byId("refine-toggle").addEventListener("click", () => {
    const button = byId("refine-toggle");
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    byId("layout").classList.toggle("refine-open", open);
    if (open) byId("sidebar").focus({ preventScroll: true });
  });

  window.addEventListener("resize", () => {
    if (lastHistogram) renderHistogram(lastHistogram[0], lastHistogram[1]);
  });

  // -- autocomplete (a combobox with a listbox of suggestions) -------------------------------

  const SUGGEST_KIND_LABEL = {
    person: "person",
    org: "organisation",
    location: "place",
    misc: "name",
    tag: "tag",
    source: "source",
    word: "word",
  };
  let suggestTimer = null;
  let suggestController = null;
  let suggestItems = [];
  let suggestActive = -1;

  function currentWord() {
    const value = byId("q").value;
    const match = /(\S+)$/.exec(value);
    return match ? match[1] : "";
  }

  function closeSuggestions() {
    if (suggestTimer) clearTimeout(suggestTimer);
    if (suggestController) suggestController.abort();
    suggestItems = [];
    suggestActive = -1;
    const list = byId("suggestions");
    list.hidden = true;
    list.replaceChildren();
    byId("q").setAttribute("aria-expanded", "false");
    byId("q").removeAttribute("aria-activedescendant");
  }

  async function fetchSuggestions() {
    const word = currentWord();
    if (word.length < 2 || /[*?"():]/.test(word)) {
      closeSuggestions();
      return;
    }
    if (suggestController) suggestController.abort();
    const controller = new AbortController();
    suggestController = controller;
    let result;
    try {
      result = await getJson("suggest?" + new URLSearchParams({ prefix: word, limit: "8" }), controller.signal);
    } catch (e) {
      return; // aborted: a newer prefix is on its way
    }
    if (controller !== suggestController || word !== currentWord()) return;
    if (!result.data || !result.data.suggestions || !result.data.suggestions.length) {
      closeSuggestions();
      return;
    }
    showSuggestions(result.data.suggestions);
  }

  function showSuggestions(items) {
    suggestItems = items;
    suggestActive = -1;
    const list = byId("suggestions");
    const options = items.map((item, i) =>
      el(
        "li",
        { id: "suggestion-" + i, role: "option", "aria-selected": "false", "data-index": i, class: "option" },
        el("span", { class: "option-text" }, item.text),
        el("span", { class: "option-kind" }, SUGGEST_KIND_LABEL[item.kind] || item.kind),
        el("span", { class: "option-count" }, number(item.count))
      )
    );
    list.replaceChildren(...options);
    list.hidden = false;
    byId("q").setAttribute("aria-expanded", "true");
    byId("q").removeAttribute("aria-activedescendant");
  }

  function highlightSuggestion(index) {
    const options = byId("suggestions").querySelectorAll("[role=option]");
    suggestActive = index;
    options.forEach((node, i) => node.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0 && options[index]) {
      byId("q").setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      byId("q").removeAttribute("aria-activedescendant");
    }
  }

  function pickSuggestion(index) {
    const item = suggestItems[index];
    if (!item) return;
    const input = byId("q");
    const before = input.value.replace(/\S+$/, "");
    closeSuggestions();
    if (item.kind === "word") {
      input.value = before + item.text + " ";
      input.focus();
      return;
    }
    // a name, tag or source: filter by it, and take the typed prefix out of the query
    const state = resultsState(readState(window.location.search));
    state.q = before.trim();
    const next = withFilter(state, item.kind, item.text);
    next.sort = byId("sort").value === "date" ? "date" : "relevance";
    go(next, false);
    input.focus();
  }

  byId("q").addEventListener("input", () => {
    if (suggestTimer) clearTimeout(suggestTimer);
    suggestTimer = setTimeout(fetchSuggestions, 120);
  });

  byId("q").addEventListener("keydown", (event) => {
    const open = !byId("suggestions").hidden && suggestItems.length > 0;
    if (event.key === "ArrowDown") {
      if (!open) {
        fetchSuggestions();
        return;
      }
      event.preventDefault();
      highlightSuggestion((suggestActive + 1) % suggestItems.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlightSuggestion(suggestActive <= 0 ? suggestItems.length - 1 : suggestActive - 1);
    } else if (event.key === "Enter" && open && suggestActive >= 0) {
      event.preventDefault();
      pickSuggestion(suggestActive);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      closeSuggestions();
    } else if (event.key === "Tab") {
      closeSuggestions();
    }
  });

  byId("suggestions").addEventListener("mousedown", (event) => {
    const option = event.target instanceof Element ? event.target.closest("[role=option]") : null;
    if (!option) return;
    event.preventDefault(); // keep the focus in the input
    pickSuggestion(parseInt(option.getAttribute("data-index"), 10));
  });

  byId("q").addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== byId("q")) closeSuggestions();
  }, 150));

  // -- searching ------------------------------------------------------------------------------

  function run(state, focus) {
    byId("q").value = state.q;
    byId("sort").value = state.sort;
    closeSuggestions();
    if (state.article) return showArticle(state, focus);
    byId("article-view").hidden = true;
    byId("results-view").hidden = false;
    byId("sidebar").hidden = false;
    byId("layout").classList.remove("reading");
    return search(state, focus);
  }

  async function search(state, focus) {
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
    let result;
    try {
      result = await getJson(apiUrl(state), controller.signal);
    } catch (e) {
      return; // aborted by a newer search
    }
    if (mine !== sequence) return;
    pending = null;
    results.removeAttribute("aria-busy");
    if (result.failure !== undefined) {
      showError(result.failure);
      return;
    }
    render(state, result.data);
    if (focus) byId("summary").focus({ preventScroll: false });
  }

  function showError(message) {
    const box = byId("error");
    box.textContent = "The search failed: " + message;
    box.hidden = false;
    byId("summary").textContent = "";
    byId("summary").setAttribute("data-total", "0");
    byId("results").replaceChildren();
    byId("pager").replaceChildren();
    for (const id of ["suggestion", "relaxed", "partial", "filter-hints"]) byId(id).hidden = true;
  }

  // -- rendering the results -------------------------------------------------------------------

  function isFiltered(state) {
    return (
      state.date_from ||
      state.date_to ||
      state.exclude.length > 0 ||
      FILTER_NAMES.some((n) => state.filters[n].length)
    );
  }

  function render(state, data) {
    byId("error").hidden = true;
    const pages = Math.max(1, Math.min(data.pages || 1, Math.floor(MAX_DEPTH / PAGE_SIZE)));
    const total = data.total || 0;
    let summary;
    const filtered = isFiltered(state);
    if (total === 0) {
      summary = "No articles found. " + (filtered ? "Try removing a filter, or fewer words." : "Try other or fewer words.");
    } else {
      summary = (state.q || filtered ? "" : "All ") + plural(total, "article", "articles");
      if (pages > 1) summary += " · page " + number(data.page) + " of " + number(pages);
    }
    summary += " · " + Math.round(data.elapsed_ms || 0) + " ms";
    byId("summary").textContent = summary;
    byId("summary").setAttribute("data-total", String(total));
    byId("relaxed").hidden = !data.relaxed;
    byId("partial").hidden = !data.partial;
    renderSuggestion(state, data.suggestion);
    renderFilterHints(state, data.unmatched_filters || []);
    renderHits(state, data.hits || []);
    renderPager(state, data.page || 1, pages);
    renderHistogram(state, data.histogram || []);
    renderFacets(state, data.facets || {});
    const active = FILTER_NAMES.reduce((n, name) => n + state.filters[name].length, 0) + state.exclude.length;
    byId("refine-toggle").textContent =
      "Refine: people, places, dates" + (active || state.date_from || state.date_to ? " (filtered)" : "");
  }

  function renderSuggestion(state, suggestion) {
    const box = byId("suggestion");
    if (!suggestion || suggestion === state.q) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const next = resultsState(state);
    next.q = suggestion;
    box.replaceChildren("Did you mean ", navLink(next, suggestion, { class: "did-you-mean" }), "?");
    box.hidden = false;
  }

  // "No person 'Sergey Lavrov' — did you mean Sergei Lavrov (7)?"
  function renderFilterHints(state, hints) {
    const box = byId("filter-hints");
    const lines = [];
    for (const hint of hints) {
      const label = KIND_LABEL[hint.facet] || hint.facet;
      const line = el("p", { class: "filter-hint", "data-facet": hint.facet });
      line.append("No " + label + " ‘" + hint.value + "’");
      const options = (hint.suggestions || []).slice(0, 3);
      if (options.length) {
        line.append(" — did you mean ");
        options.forEach((option, i) => {
          if (i > 0) line.append(i === options.length - 1 ? " or " : ", ");
          const next = resultsState(state);
          next.filters[hint.facet] = next.filters[hint.facet].filter(
            (v) => v.toLowerCase() !== String(hint.value).toLowerCase()
          );
          if (!next.filters[hint.facet].includes(option.value)) next.filters[hint.facet].push(option.value);
          line.append(navLink(next, option.value, { class: "hint-value" }), " (" + number(option.count) + ")");
        });
        line.append("?");
      } else {
        line.append(" in the archive.");
      }
      lines.push(line);
    }
    box.replaceChildren(...lines);
    box.hidden = lines.length === 0;
  }

  function renderChips(state) {
    const box = byId("chips");
    const chips = [];
    const chip = (kind, value, label, negative) =>
      el(
        "span",
        { class: "chip" + (negative ? " chip-not" : "") },
        el("span", { class: "kind" }, (negative ? "not " : "") + kind + ":"),
        el("span", { class: "value" }, value),
        el("button", { type: "button", "aria-label": "Remove filter " + label, title: "Remove" }, "×")
      );
    const remove = (node, change) => {
      node.querySelector("button").addEventListener("click", () => {
        const next = resultsState(state);
        change(next);
        go(next, false);
        byId("q").focus();
      });
      chips.push(node);
    };
    for (const name of FILTER_NAMES) {
      state.filters[name].forEach((value, i) => {
        const kind = KIND_LABEL[name];
        remove(chip(kind, value, kind + ": " + value, false), (next) => next.filters[name].splice(i, 1));
      });
    }
    state.exclude.forEach((item, i) => {
      const at = item.indexOf(":");
      const kind = KIND_LABEL[item.slice(0, at)] || item.slice(0, at);
      const value = item.slice(at + 1);
      remove(chip(kind, value, "not " + kind + ": " + value, true), (next) => next.exclude.splice(i, 1));
    });
    if (state.date_from || state.date_to) {
      const period =
        state.date_from && state.date_to
          ? state.date_from === state.date_to
            ? state.date_from
            : state.date_from + " to " + state.date_to
          : state.date_from
            ? "from " + state.date_from
            : "until " + state.date_to;
      remove(chip("date", period, "date: " + period, false), (next) => {
        next.date_from = "";
        next.date_to = "";
      });
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

  function openArticleState(state, id) {
    const next = copyState(state);
    next.article = id;
    return next;
  }

  function renderHits(state, hits) {
    const items = hits.map((hit) => {
      const heading = el("h2");
      const link = navLink(openArticleState(state, hit.id), "", { class: "hit-title" });
      link.replaceChildren(htmlNode("span", {}, hit.title_fragment, hit.title));
      heading.append(link);

      const meta = el("div", { class: "meta" });
      if (hit.date) meta.append(el("time", { datetime: hit.date }, formatDate(hit.date)));
      if (hit.source) meta.append(filterLink(state, "source", hit.source, { class: "source" }));
      if (hit.tags && hit.tags.length) {
        const tags = el("span", { class: "tags" });
        for (const tag of hit.tags) tags.append(filterLink(state, "tag", "#" + tag, { class: "tag" }, tag));
        meta.append(tags);
      }

      const item = el("li", { class: "hit", "data-id": hit.id }, heading, meta);
      for (const fragment of hit.fragments || []) {
        item.append(htmlNode("p", { class: "frag" }, fragment, fragment.text));
      }
      const dups = hit.duplicates || [];
      if (dups.length) item.append(duplicatesNode(state, dups));
      return item;
    });
    byId("results").replaceChildren(...items);
  }

  // "+N similar": the copies' titles, fetched when the list is first opened
  function duplicatesNode(state, ids) {
    const list = el("ul", { class: "dup-list" });
    const details = el(
      "details",
      { class: "dups" },
      el("summary", {}, "+" + ids.length + " similar"),
      list
    );
    let loaded = false;
    details.addEventListener("toggle", async () => {
      if (!details.open || loaded) return;
      loaded = true;
      list.replaceChildren(el("li", { class: "loading" }, "Loading…"));
      const shown = ids.slice(0, 20);
      const answers = await Promise.all(shown.map((id) => getJson(articleUrl(id)).catch(() => ({}))));
      const items = shown.map((id, i) => {
        const data = answers[i] && answers[i].data;
        const title = data && data.title ? data.title : id;
        const meta = [];
        if (data && data.source) meta.push(data.source);
        if (data && data.date) meta.push(formatDate(data.date));
        return el(
          "li",
          { "data-id": id },
          navLink(openArticleState(state, id), title, { class: "dup-title" }),
          meta.length ? el("span", { class: "dup-meta" }, " · " + meta.join(" · ")) : null
        );
      });
      if (ids.length > shown.length) items.push(el("li", {}, "and " + number(ids.length - shown.length) + " more"));
      list.replaceChildren(...items);
    });
    return details;
  }

  function filterLink(state, name, text, attrs, value) {
    const wanted = value === undefined ? text : value;
    return navLink(
      withFilter(state, name, wanted),
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

  // -- the timeline ----------------------------------------------------------------------------

  function dayNumber(iso) {
    return Math.floor(Date.parse(iso + "T00:00:00Z") / 86400000);
  }

  function niceStep(max) {
    const rough = max / 3;
    const power = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1))));
    for (const m of [1, 2, 5, 10]) if (m * power >= rough) return Math.max(1, m * power);
    return power * 10;
  }

  function bucketLabel(key) {
    if (key.length === 4) return key;
    const month = MONTHS[parseInt(key.slice(5, 7), 10) - 1];
    if (key.length === 7) return month + " " + key.slice(0, 4);
    return parseInt(key.slice(8), 10) + " " + month + " " + key.slice(0, 4);
  }

  function renderHistogram(state, buckets) {
    const panel = byId("timeline");
    const box = byId("histogram");
    if (!buckets.length || !buckets.some((b) => b.count > 0)) {
      panel.hidden = true;
      box.replaceChildren();
      lastHistogram = null;
      return;
    }
    panel.hidden = false;
    lastHistogram = [state, buckets];
    const width = Math.max(220, Math.round(box.clientWidth || 300));
    const height = 150;
    const left = 34; // the y-axis labels
    const right = 6;
    const top = 8;
    const bottom = 34; // the x-axis labels: months, then years
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const first = dayNumber(buckets[0].start);
    const last = dayNumber(buckets[buckets.length - 1].end) + 1;
    const span = Math.max(1, last - first);
    const x = (day) => left + ((day - first) / span) * plotW;
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const step = niceStep(max);
    const yMax = Math.ceil(max / step) * step;
    const y = (n) => top + plotH - (n / yMax) * plotH;
    const interval = buckets[0].key.length === 4 ? "year" : buckets[0].key.length === 7 ? "month" : "day";

    const chart = svg("svg", {
      viewBox: "0 0 " + width + " " + height,
      width: width,
      height: height,
      class: "chart",
      role: "group",
      "aria-label": "Matching articles over time, by " + interval,
    });
    // y-axis: gridlines and counts
    const axis = svg("g", { class: "y-axis", "aria-hidden": "true" });
    for (let n = 0; n <= yMax; n += step) {
      axis.append(svg("line", { x1: left, x2: width - right, y1: y(n), y2: y(n), class: n ? "grid" : "baseline" }));
      axis.append(svg("text", { x: left - 4, y: y(n) + 4, "text-anchor": "end" }, number(n)));
    }
    chart.append(axis);

    // x-axis: a tick and label per period, thinned to fit; years under months
    const xAxis = svg("g", { class: "x-axis", "aria-hidden": "true" });
    const minGap = 34;
    let lastLabel = -Infinity;
    let lastYear = null;
    let lastYearX = -Infinity;
    for (const bucket of buckets) {
      const x0 = x(dayNumber(bucket.start));
      const x1 = x(dayNumber(bucket.end) + 1);
      const mid = (x0 + x1) / 2;
      const year = bucket.key.slice(0, 4);
      if (interval === "year") {
        if (mid - lastLabel >= minGap) {
          xAxis.append(svg("text", { x: mid, y: top + plotH + 14, "text-anchor": "middle" }, year));
          lastLabel = mid;
        }
        continue;
      }
      if (mid - lastLabel >= minGap) {
        const label = interval === "month" ? MONTHS[parseInt(bucket.key.slice(5, 7), 10) - 1] : String(parseInt(bucket.key.slice(8), 10));
        xAxis.append(svg("line", { x1: x0, x2: x0, y1: top + plotH, y2: top + plotH + 4, class: "tick" }));
        xAxis.append(svg("text", { x: mid, y: top + plotH + 14, "text-anchor": "middle" }, label));
        lastLabel = mid;
      }
      const yearKey = interval === "month" ? year : bucket.key.slice(0, 7);
      if (yearKey !== lastYear && x0 - lastYearX >= minGap * 1.5) {
        const text = interval === "month" ? year : MONTHS[parseInt(bucket.key.slice(5, 7), 10) - 1] + " " + year;
        xAxis.append(svg("text", { x: Math.max(x0, left), y: top + plotH + 29, class: "year" }, text));
        lastYearX = x0;
      }
      lastYear = yearKey;
    }
    chart.append(xAxis);

    // bars, each as wide as its period, each a link that keeps its period
    const bars = svg("g", { class: "bars" });
    buckets.forEach((bucket, i) => {
      const x0 = x(dayNumber(bucket.start));
      const x1 = x(dayNumber(bucket.end) + 1);
      const w = x1 - x0;
      const gap = w > 6 ? 1 : 0;
      const label = bucketLabel(bucket.key) + ": " + plural(bucket.count, "article", "articles");
      const next = resultsState(state);
      next.date_from = bucket.start;
      next.date_to = bucket.end;
      const h = bucket.count ? Math.max(2, plotH - (y(bucket.count) - top)) : 0;
      const parts = [
        svg("title", {}, label),
        svg("rect", { class: "hitbox", x: x0, y: top, width: w, height: plotH }),
      ];
      if (bucket.count) {
        parts.push(svg("rect", { class: "bar", x: x0 + gap / 2, y: top + plotH - h, width: Math.max(0.8, w - gap), height: h }));
      }
      const link = svg(
        "a",
        {
          href: hrefFor(next),
          "data-nav": "",
          "data-key": bucket.key,
          "data-count": bucket.count,
          "data-index": i,
          "aria-label": label,
        },
        ...parts
      );
      if (!bucket.count) link.setAttribute("tabindex", "-1");
      bars.append(link);
    });
    chart.append(bars);
    const brush = svg("rect", { class: "brush", x: 0, y: top, width: 0, height: plotH, visibility: "hidden" });
    chart.append(brush);
    box.replaceChildren(chart);
    enableBrushing(state, chart, brush, buckets, x);
  }

  // dragging across the chart keeps the period from the first bar touched to the last
  function enableBrushing(state, chart, brush, buckets, x) {
    let from = null;
    let moved = false;
    const indexAt = (event) => {
      const box = chart.getBoundingClientRect();
      const scale = chart.viewBox.baseVal.width / box.width;
      const px = (event.clientX - box.left) * scale;
      let best = 0;
      buckets.forEach((bucket, i) => {
        if (x(dayNumber(bucket.start)) <= px) best = i;
      });
      return best;
    };
    const show = (a, b) => {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      const x0 = x(dayNumber(buckets[lo].start));
      const x1 = x(dayNumber(buckets[hi].end) + 1);
      brush.setAttribute("x", String(x0));
      brush.setAttribute("width", String(x1 - x0));
      brush.setAttribute("visibility", "visible");
    };
    chart.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      from = indexAt(event);
      moved = false;
    });
    chart.addEventListener("pointermove", (event) => {
      if (from === null) return;
      const to = indexAt(event);
      if (to !== from && !moved) {
        moved = true; // a drag, not a click: follow the pointer even outside the chart
        chart.setPointerCapture(event.pointerId);
      }
      if (moved) show(from, to);
    });
    const finish = (event, cancel) => {
      if (from === null) return;
      const to = indexAt(event);
      const start = from;
      from = null;
      brush.setAttribute("visibility", "hidden");
      if (cancel || !moved) return; // a plain click: the bar's own link handles it
      const lo = Math.min(start, to);
      const hi = Math.max(start, to);
      const next = resultsState(state);
      next.date_from = buckets[lo].start;
      next.date_to = buckets[hi].end;
      chart.addEventListener("click", (e) => e.preventDefault(), { capture: true, once: true });
      go(next, false);
    };
    chart.addEventListener("pointerup", (event) => finish(event, false));
    chart.addEventListener("pointercancel", (event) => finish(event, true));
  }

  // -- facets ------------------------------------------------------------------------------------

  function renderFacets(state, facets) {
    const sections = [];
    for (const [name, heading] of FACETS) {
      const active = state.filters[name].map((v) => v.toLowerCase());
      const values = (facets[name] || []).filter((f) => !active.includes(String(f.value).toLowerCase()));
      if (!values.length) continue;
      sections.push(facetSection(state, name, heading, values));
    }
    byId("facets").replaceChildren(...sections);
  }

  function facetSection(state, name, heading, values) {
    const max = Math.max(1, ...values.map((f) => f.count));
    const headingId = "facet-" + name + "-heading";
    const section = el("section", { class: "panel facet", "data-facet": name, "aria-labelledby": headingId });
    section.append(el("h2", { id: headingId }, heading));
    const list = el("ul", { id: "facet-" + name + "-values" });
    const rows = values.map((facet) => {
      const bar = el("span", { class: "bar" });
      bar.style.width = Math.max(2, (100 * facet.count) / max).toFixed(1) + "%";
      const exclude = navLink(resultsStateExcluding(state, name, facet.value), "not", {
        class: "exclude",
        title: "Leave out articles with " + KIND_LABEL[name] + " " + facet.value,
      });
      // its name, read aloud: "not person Sergey Lavrov" (the visible word first)
      exclude.append(el("span", { class: "visually-hidden" }, " " + KIND_LABEL[name] + " " + facet.value));
      return el(
        "li",
        { "data-value": String(facet.value).toLowerCase() },
        el(
          "span",
          { class: "facet-row" },
          filterLink(state, name, facet.value, { "data-facet": name, class: "facet-value" }),
          el("span", { class: "count" }, el("span", { class: "visually-hidden" }, ": "), number(facet.count), el("span", { class: "visually-hidden" }, facet.count === 1 ? " article" : " articles"))
        ),
        el("span", { class: "bar-track", "aria-hidden": "true" }, bar),
        exclude
      );
    });
    list.append(...rows);
    let expanded = false;
    let query = "";
    const more = el("button", { type: "button", class: "more", "aria-controls": list.id, "aria-expanded": "false" });
    const empty = el("p", { class: "hint", hidden: true }, "No " + heading.toLowerCase() + " match.");
    const update = () => {
      let shown = 0;
      let matching = 0;
      for (const row of rows) {
        const hit = !query || row.getAttribute("data-value").includes(query);
        if (hit) matching += 1;
        const visible = hit && (expanded || query || rows.length <= FACET_SHOWN + 2 || matching <= FACET_SHOWN);
        row.hidden = !visible;
        if (visible) shown += 1;
      }
      empty.hidden = matching > 0;
      const hiddenCount = matching - shown;
      more.hidden = query !== "" || rows.length <= FACET_SHOWN + 2;
      more.textContent = expanded ? "Show fewer" : "Show " + number(hiddenCount) + " more";
      more.setAttribute("aria-expanded", expanded ? "true" : "false");
    };
    more.addEventListener("click", () => {
      expanded = !expanded;
      update();
    });
    if (values.length > FACET_SHOWN) {
      const filterId = "facet-" + name + "-filter";
      const filter = el("input", {
        id: filterId,
        type: "search",
        class: "facet-filter",
        placeholder: "Filter " + heading.toLowerCase(),
        autocomplete: "off",
        "aria-controls": list.id,
      });
      filter.addEventListener("input", () => {
        query = filter.value.trim().toLowerCase();
        update();
      });
      section.append(el("label", { for: filterId, class: "visually-hidden" }, "Filter " + heading.toLowerCase()), filter);
    }
    section.append(list, empty, more);
    update();
    return section;
  }

  function resultsStateExcluding(state, name, value) {
    const next = resultsState(state);
    const item = name + ":" + value;
    if (!next.exclude.some((v) => v.toLowerCase() === item.toLowerCase())) next.exclude.push(item);
    return next;
  }

  // -- the article view ----------------------------------------------------------------------

  async function showArticle(state, focus) {
    byId("results-view").hidden = true;
    byId("article-view").hidden = false;
    byId("sidebar").hidden = true;
    byId("layout").classList.add("reading");
    lastHistogram = null;
    const back = resultsState(state);
    back.page = state.page;
    byId("article-back").setAttribute("href", hrefFor(back));
    byId("article-back").textContent = state.q || isFiltered(state) ? "‹ Back to the results" : "‹ All articles";
    const view = byId("article-view");
    view.setAttribute("aria-busy", "true");
    byId("article-error").hidden = true;
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    const mine = ++sequence;
    const query = state.q ? "?" + new URLSearchParams({ q: state.q }) : "";
    let result;
    try {
      result = await getJson(articleUrl(state.article, query), controller.signal);
    } catch (e) {
      return;
    }
    if (mine !== sequence) return;
    pending = null;
    view.removeAttribute("aria-busy");
    if (result.failure !== undefined) {
      byId("article-title").textContent = result.status === 404 ? "No such article" : "The article could not be shown";
      byId("article-error").textContent = result.failure;
      byId("article-error").hidden = false;
      for (const id of ["article-meta", "article-entities", "article-body"]) byId(id).replaceChildren();
      byId("article-similar").hidden = true;
      document.title = "searchlib";
      return;
    }
    renderArticle(state, result.data);
    if (focus) byId("article-title").focus({ preventScroll: false });
    loadSimilar(state, mine);
  }

  function renderArticle(state, data) {
    const marked = data.highlighted;
    document.title = data.title + " – searchlib";
    const title = byId("article-title");
    title.replaceChildren(htmlNode("span", {}, marked && marked.title, data.title));

    const meta = byId("article-meta");
    const parts = [];
    if (data.date) parts.push(el("time", { datetime: data.date }, formatDate(data.date)));
    if (data.source) parts.push(filterLink(state, "source", data.source, { class: "source" }));
    if (data.tags && data.tags.length) {
      const tags = el("span", { class: "tags" });
      for (const tag of data.tags) tags.append(filterLink(state, "tag", "#" + tag, { class: "tag" }, tag));
      parts.push(tags);
    }
    const url = safeUrl(data.url);
    if (url) parts.push(el("a", { href: url, rel: "noopener noreferrer", class: "original" }, "Original ↗"));
    meta.replaceChildren(...parts);

    const groups = [];
    for (const [kind, heading] of ENTITY_GROUPS) {
      const names = (data.entities || []).filter((e) => e.kind === kind);
      if (!names.length) continue;
      const list = el("ul", { class: "entity-list" });
      for (const entity of names) {
        list.append(
          el(
            "li",
            {},
            navLink(withFilter(state, kind, entity.name), entity.name, {
              class: "entity-chip",
              "data-kind": kind,
              title: "Only articles with " + KIND_LABEL[kind] + " " + entity.name,
            })
          )
        );
      }
      groups.push(el("div", { class: "entity-group" }, el("h2", {}, heading), list));
    }
    byId("article-entities").replaceChildren(...groups);
    byId("article-body").replaceChildren(htmlNode("div", { class: "body-text" }, marked && marked.body, data.body));
  }

  async function loadSimilar(state, mine) {
    const section = byId("article-similar");
    section.hidden = true;
    const result = await getJson(articleUrl(state.article, "/similar?limit=6")).catch(() => ({}));
    if (mine !== sequence || !result.data) return;
    const hits = result.data.hits || [];
    if (!hits.length) return;
    const items = hits.map((hit) => {
      const meta = [];
      if (hit.source) meta.push(hit.source);
      if (hit.date) meta.push(formatDate(hit.date));
      return el(
        "li",
        { "data-id": hit.id },
        navLink(openArticleState(state, hit.id), hit.title, { class: "similar-title" }),
        meta.length ? el("span", { class: "dup-meta" }, " · " + meta.join(" · ")) : null
      );
    });
    byId("similar-list").replaceChildren(...items);
    section.hidden = false;
  }

  run(readState(window.location.search), false);
})();
