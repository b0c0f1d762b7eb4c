// searchlib analysis page: significant terms, the co-occurrence network, timelines compared.
// No library, no build step; everything drawn with DOM and SVG elements (never innerHTML).
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#0b57d0", "#c2410c", "#1f8a5b", "#7a4fd0", "#a4262c", "#5f6b7a"];
  const KIND_LABELS = { word: "Words", person: "People", org: "Organisations", location: "Places", misc: "Other names" };
  const $ = (id) => document.getElementById(id);
  const params = () => new URLSearchParams(location.search);

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function filters(p) {
    const out = new URLSearchParams();
    for (const name of ["date_from", "date_to", "person", "org", "location", "misc", "tag", "source", "exclude"]) {
      for (const v of p.getAll(name)) if (v.trim()) out.append(name, v.trim());
    }
    return out;
  }
  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const data = await response.json().catch(() => ({ error: "the server's answer is not JSON" }));
    if (!response.ok) throw new Error(data.error || "error " + response.status);
    return data;
  }
  function fmt(n) { return Number(n).toLocaleString("en"); }

  function termTables(data) {
    const out = $("output");
    const p = el("p", { class: "summary" },
      `${fmt(data.foreground_total)} articles of ${JSON.stringify(data.query || "*")} against ` +
      (data.background === null ? `all ${fmt(data.background_total)} articles` : `the ${fmt(data.background_total)} articles of ${JSON.stringify(data.background)}`) +
      ". Score: log-likelihood G² (above 10.83: p < 0.001).");
    out.append(p);
    const grid = el("div", { class: "term-tables" });
    for (const [kind, terms] of Object.entries(data.terms)) {
      const table = el("table");
      table.append(el("caption", {}, KIND_LABELS[kind] || kind));
      const head = el("tr");
      for (const h of ["", "G²", "here", "all"]) head.append(el("th", { scope: "col" }, h));
      const thead = el("thead");
      thead.append(head);
      table.append(thead);
      const body = el("tbody");
      for (const t of terms) {
        const row = el("tr");
        const cell = el("td");
        if (kind === "word") cell.textContent = t.term;
        else {
          const a = el("a", { href: `analysis?view=cooccur&q=${encodeURIComponent(t.term)}` }, t.term);
          cell.append(a);
        }
        row.append(cell, el("td", { class: "num" }, t.score.toFixed(1)),
          el("td", { class: "num" }, fmt(t.foreground)), el("td", { class: "num" }, fmt(t.background)));
        body.append(row);
      }
      if (!terms.length) {
        const row = el("tr");
        row.append(el("td", { colspan: "4" }, "none"));
        body.append(row);
      }
      table.append(body);
      grid.append(table);
    }
    out.append(grid);
  }

  function network(data) {
    const out = $("output");
    const what = data.kind === "query" ? "the query" : `the ${data.kind}`;
    out.append(el("p", { class: "summary" }, `${fmt(data.total)} articles with ${what} ${JSON.stringify(data.subject)}.`));
    const nodes = data.entities.slice(0, 24);
    const W = 720, H = 520, cx = W / 2, cy = H / 2, R = 200;
    const chart = svg("svg", { class: "network", viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": `Network of the entities that appear with ${data.subject}` });
    const top = Math.max(1, ...nodes.map((n) => n.foreground));
    const pos = new Map();
    const dirs = new Map();
    nodes.forEach((n, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, nodes.length) - Math.PI / 2;
      const ring = i % 2 ? R * 0.8 : R;
      pos.set(n.term, [cx + ring * Math.cos(angle), cy + ring * Math.sin(angle)]);
      dirs.set(n.term, [Math.cos(angle), Math.sin(angle)]);
    });
    const maxLink = Math.max(1, ...data.links.map((l) => l.count));
    for (const link of data.links) {
      const a = pos.get(link.source), b = pos.get(link.target);
      if (!a || !b) continue;
      chart.append(svg("line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1],
        "stroke-width": 0.5 + (2.5 * link.count) / maxLink, "stroke-opacity": 0.35 }));
    }
    for (const n of nodes) {
      const [x, y] = pos.get(n.term);
      chart.append(svg("line", { x1: cx, y1: cy, x2: x, y2: y, "stroke-width": 1 + (5 * n.foreground) / top, "stroke-opacity": 0.7 }));
    }
    const center = svg("circle", { cx, cy, r: 16, class: "center" });
    center.append(svg("title", {}, `${data.subject}: ${data.total} articles`));
    chart.append(center, svg("text", { x: cx, y: cy + 30, "text-anchor": "middle", "font-weight": 700 }, data.subject));
    for (const n of nodes) {
      const [x, y] = pos.get(n.term);
      const group = svg("a", { href: `analysis?view=cooccur&q=${encodeURIComponent(n.term)}` });
      const circle = svg("circle", { cx: x, cy: y, r: 4 + (10 * Math.sqrt(n.foreground)) / Math.sqrt(top), class: n.kind });
      circle.append(svg("title", {}, `${n.term} (${n.kind}): ${n.foreground} articles together, G² ${n.score.toFixed(1)}`));
      const [dx, dy] = dirs.get(n.term);
      const anchor = Math.abs(dx) < 0.3 ? "middle" : dx > 0 ? "start" : "end";
      const label = svg("text", { x: x + dx * 16, y: y + dy * 16 + 4, "text-anchor": anchor }, n.term);
      group.append(circle, label);
      chart.append(group);
    }
    out.append(chart);
    const legend = el("ul", { class: "legend" });
    for (const [kind, color] of [["person", "var(--bar)"], ["org", "#7a4fd0"], ["location", "#1f8a5b"]]) {
      const item = el("li");
      const sw = el("span", { class: "swatch" });
      sw.style.background = color;
      item.append(sw, document.createTextNode(KIND_LABELS[kind]));
      legend.append(item);
    }
    out.append(legend);
    const table = el("table", { class: "cooccur-table" });
    const head = el("tr");
    for (const h of ["Entity", "Kind", "Together", "G²", "In all"]) head.append(el("th", { scope: "col" }, h));
    const thead = el("thead");
    thead.append(head);
    table.append(thead);
    const body = el("tbody");
    for (const n of data.entities) {
      const row = el("tr");
      row.append(el("td", {}, n.term), el("td", {}, n.kind), el("td", { class: "num" }, fmt(n.foreground)),
        el("td", { class: "num" }, n.score.toFixed(1)), el("td", { class: "num" }, fmt(n.background)));
      body.append(row);
    }
    table.append(body);
    out.append(table);
  }

  function timelineChart(data, share) {
    const out = $("output");
    if (!data.buckets.length) { out.append(el("p", { class: "note" }, "No article matches any of the queries.")); return; }
    const W = 760, H = 320, L = 56, B = 40, T = 12, Rm = 12;
    const chart = svg("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": "Timelines: " + data.series.map((s) => s.query).join(", ") });
    const n = data.buckets.length;
    const values = data.series.map((s) => (share ? s.shares : s.counts));
    const top = Math.max(share ? 0.0001 : 1, ...values.flat());
    const x = (i) => L + (n === 1 ? (W - L - Rm) / 2 : (i * (W - L - Rm)) / (n - 1));
    const y = (v) => H - B - (v / top) * (H - B - T);
    chart.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - Rm, y2: H - B }));
    chart.append(svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
    for (const f of [0, 0.5, 1]) {
      const v = top * f;
      chart.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, share ? (v * 100).toFixed(1) + "%" : fmt(Math.round(v))));
    }
    const step = Math.max(1, Math.ceil(n / 10));
    data.buckets.forEach((b, i) => {
      if (i % step === 0) chart.append(svg("text", { x: x(i), y: H - B + 16, "text-anchor": "middle" }, b.key));
    });
    data.series.forEach((s, k) => {
      const color = COLORS[k % COLORS.length];
      const points = values[k].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      chart.append(svg("polyline", { points, fill: "none", stroke: color, "stroke-width": 2 }));
      values[k].forEach((v, i) => {
        const dot = svg("circle", { cx: x(i), cy: y(v), r: 2.5, fill: color });
        dot.append(svg("title", {}, `${s.query} ${data.buckets[i].key}: ${fmt(s.counts[i])} articles, ${(s.shares[i] * 100).toFixed(2)}% of ${fmt(data.buckets[i].total)}`));
        chart.append(dot);
      });
    });
    const legend = el("ul", { class: "legend", "aria-label": "Legend" });
    data.series.forEach((s, k) => {
      const item = el("li");
      const sw = el("span", { class: "swatch" });
      sw.style.background = COLORS[k % COLORS.length];
      item.append(sw, document.createTextNode(`${s.query || "*"} (${fmt(s.total)} articles)`));
      legend.append(item);
    });
    out.append(legend, chart);
  }

  async function run() {
    const p = params();
    const view = ["terms", "cooccur", "timeline"].includes(p.get("view")) ? p.get("view") : "terms";
    $("view").value = view;
    for (const a of document.querySelectorAll("[data-view]")) {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    for (const f of document.querySelectorAll("[data-for]")) f.hidden = !f.dataset.for.split(" ").includes(view);
    $("q-label").textContent = view === "cooccur" ? "Entity or query" : "Query";
    for (const name of ["q", "background", "date_from", "date_to", "series"]) $(name).value = p.get(name) || "";
    $("interval").value = p.get("interval") || "month";
    $("share").checked = p.get("share") === "1";
    $("output").replaceChildren();
    $("error").hidden = true;
    const f = filters(p);
    const q = (p.get("q") || "").trim();
    let url;
    if (view === "terms") {
      f.set("q", q);
      if ((p.get("background") || "").trim()) f.set("background", p.get("background").trim());
      url = "terms?" + f;
    } else if (view === "cooccur") {
      if (!q) { $("status").textContent = "Type an entity (Sergey Lavrov) or a query."; return; }
      f.set("subject", q); f.set("links", "16"); f.set("limit", "24");
      url = "cooccur?" + f;
    } else {
      const series = (p.get("series") || "").split("\n").map((s) => s.trim()).filter(Boolean);
      if (!series.length) { $("status").textContent = "Type one query a line, e.g. Aleppo and Idlib."; return; }
      for (const s of series) f.append("q", s);
      f.set("interval", $("interval").value);
      url = "timeline?" + f;
    }
    $("csv-link").href = url + "&format=csv";
    const ex = filters(p); ex.set("q", view === "timeline" ? "" : q); ex.set("format", "csv");
    $("export-link").href = "export?" + ex;
    $("status").textContent = "Working…";
    try {
      const data = await getJSON(url);
      $("status").textContent = `Done in ${Math.round(data.elapsed_ms)} ms.`;
      if (view === "terms") termTables(data);
      else if (view === "cooccur") network(data);
      else timelineChart(data, p.get("share") === "1");
    } catch (err) {
      $("status").textContent = "";
      $("error").textContent = err.message;
      $("error").hidden = false;
    }
  }

  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData($("form"));
    const p = new URLSearchParams();
    for (const [k, v] of data) if (String(v).trim()) p.append(k, String(v));
    history.pushState(null, "", "analysis?" + p);
    run();
  });
  for (const a of document.querySelectorAll("[data-view]")) {
    a.addEventListener("click", (event) => {
      event.preventDefault();
      const p = params(); p.set("view", a.dataset.view);
      history.pushState(null, "", "analysis?" + p);
      run();
    });
  }
  window.addEventListener("popstate", run);
  run();
})();
