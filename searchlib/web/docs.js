// searchlib API reference: drawn from this server's own openapi.json, with a form to try each
// GET endpoint. Offline: no outside script, style or font. Every text is inserted as text.
"use strict";

(function () {
  const byId = (id) => document.getElementById(id);

  const { el } = window.searchlibDom;

  // `code` spans of the descriptions become <code>; everything else stays text
  function prose(text) {
    const out = [];
    for (const para of String(text || "").split(/\n\s*\n/)) {
      if (!para.trim()) continue;
      const p = el("p");
      para.split(/(`[^`]+`|\*\*[^*]+\*\*)/).forEach((part) => {
        if (part.startsWith("`") && part.endsWith("`") && part.length > 1) p.append(el("code", {}, part.slice(1, -1)));
        else if (part.startsWith("**") && part.endsWith("**")) p.append(el("strong", {}, part.slice(2, -2)));
        else p.append(part);
      });
      out.push(p);
    }
    return out;
  }

  function schemaOf(param) {
    let schema = param.schema || {};
    let nullable = false;
    if (schema.anyOf) {
      const kinds = schema.anyOf.filter((s) => s.type !== "null");
      nullable = kinds.length < schema.anyOf.length;
      schema = Object.assign({}, kinds[0] || {}, { description: schema.description, default: schema.default });
    }
    return { schema: schema, nullable: nullable };
  }

  function typeText(schema) {
    if (schema.type === "array") {
      const items = schema.items || {};
      return (items.enum ? "one of " + items.enum.join(", ") : items.type || "value") + ", repeatable";
    }
    if (schema.enum) return "one of " + schema.enum.join(", ");
    let text = schema.type || "value";
    if (schema.minimum !== undefined || schema.maximum !== undefined) {
      text += " (" + (schema.minimum !== undefined ? schema.minimum : "…") + "–" + (schema.maximum !== undefined ? schema.maximum : "…") + ")";
    }
    return text;
  }

  function slug(method, path) {
    return (method + path).replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "").toLowerCase();
  }

  function inputFor(id, param, schema) {
    const common = { id: id, name: param.name, "data-in": param.in, "data-array": schema.type === "array" ? "1" : null };
    const choices = schema.enum || (schema.type === "boolean" ? ["true", "false"] : null);
    if (choices) {
      const select = el("select", common, el("option", { value: "" }, schema.default !== undefined ? "default (" + schema.default + ")" : "—"));
      for (const choice of choices) select.append(el("option", { value: String(choice) }, String(choice)));
      return select;
    }
    return el("input", Object.assign(common, {
      type: schema.type === "integer" || schema.type === "number" ? "number" : "text",
      placeholder: schema.type === "array" ? "values, separated by |" : schema.default !== undefined && schema.default !== null ? String(schema.default) : "",
      required: param.required ? true : null,
      min: schema.minimum,
      max: schema.maximum,
      step: schema.type === "number" ? "any" : null,
      autocomplete: "off",
    }));
  }

  function tryForm(method, path, params, key) {
    const form = el("form", { class: "try", "aria-label": "Try " + method.toUpperCase() + " " + path });
    const fields = el("div", { class: "try-fields" });
    params.forEach((param) => {
      const { schema } = schemaOf(param);
      const id = key + "-" + param.name;
      fields.append(el("label", { for: id }, param.name + (param.required ? " (required)" : "")), inputFor(id, param, schema));
    });
    const output = el("div", { class: "try-output", "aria-live": "polite" });
    form.append(fields, el("button", { type: "submit" }, "Send"), output);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = path.replace(/^\//, "");
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("[data-in]")) {
        const value = input.value.trim();
        if (input.getAttribute("data-in") === "path") {
          url = url.replace("{" + input.name + "}", encodeURIComponent(value));
        } else if (value !== "") {
          const values = input.getAttribute("data-array") ? value.split("|").map((v) => v.trim()).filter(Boolean) : [value];
          for (const v of values) query.append(input.name, v);
        }
      }
      const target = url + (query.toString() ? "?" + query : "");
      output.replaceChildren(el("p", { class: "hint" }, "GET " + target + " …"));
      let status = "";
      let text = "";
      try {
        const response = await fetch(target, { headers: { Accept: "application/json" } });
        status = response.status + " " + response.statusText;
        text = await response.text();
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch (e) {
          // not JSON: shown as it came
        }
      } catch (e) {
        status = "no answer";
        text = "The server could not be reached.";
      }
      output.replaceChildren(
        el("p", { class: "try-status" }, el("code", {}, "GET " + target), " → ", el("strong", {}, status)),
        el("pre", { class: "try-body", tabindex: "0", "aria-label": "Response body" }, text)
      );
    });
    return form;
  }

  function endpoint(spec, method, path, op) {
    const key = slug(method, path);
    const section = el("section", { class: "endpoint", id: key, "aria-labelledby": key + "-title" });
    section.append(
      el("h2", { id: key + "-title" }, el("span", { class: "verb verb-" + method }, method.toUpperCase()), " ", el("code", {}, path)),
      el("p", { class: "summary-line" }, op.summary || "")
    );
    section.append(...prose(op.description));
    const params = op.parameters || [];
    if (params.length) {
      const table = el("table", { class: "params" });
      table.append(el("caption", { class: "visually-hidden" }, "Parameters of " + method.toUpperCase() + " " + path));
      table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "parameter"), el("th", { scope: "col" }, "type"), el("th", { scope: "col" }, "default"), el("th", { scope: "col" }, "what"))));
      const body = el("tbody");
      for (const param of params) {
        const { schema } = schemaOf(param);
        const fallback = schema.default === undefined || schema.default === null ? "" : JSON.stringify(schema.default);
        body.append(
          el("tr", {},
            el("th", { scope: "row" }, el("code", {}, param.name), param.in === "path" ? " (path)" : ""),
            el("td", {}, typeText(schema)),
            el("td", {}, fallback),
            el("td", {}, param.description || schema.description || "")
          )
        );
      }
      table.append(body);
      section.append(table);
    }
    const statuses = Object.entries(op.responses || {}).map(([code, r]) => code + " " + (r.description || ""));
    if (statuses.length) section.append(el("p", { class: "hint" }, "Answers: " + statuses.join(" · ")));
    if (method === "get") {
      section.append(tryForm(method, path, params, key));
    } else {
      const sample = method === "post"
        ? "curl -X POST -H 'X-API-Key: KEY' -H 'Content-Type: application/json' -d '{\"id\": \"a1\", \"title\": \"…\", \"body\": \"…\"}' " + new URL(path.replace(/^\//, ""), window.location.href)
        : "curl -X DELETE -H 'X-API-Key: KEY' " + new URL(path.replace(/^\//, "").replace("{article_id}", "a1"), window.location.href);
      section.append(el("p", {}, "Needs the server's API key; for example:"), el("pre", { class: "try-body", tabindex: "0", "aria-label": "Example request" }, sample));
    }
    return section;
  }

  async function main() {
    let spec;
    try {
      const response = await fetch("openapi.json", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("the server answered " + response.status);
      spec = await response.json();
    } catch (e) {
      byId("api-error").textContent = "The API description could not be read: " + e.message;
      byId("api-error").hidden = false;
      return;
    }
    const info = spec.info || {};
    byId("api-title").textContent = (info.title || "API") + " " + (info.version || "");
    document.title = (info.title || "API") + " API";
    byId("api-intro").replaceChildren(...(info.summary ? [el("p", { class: "lead" }, info.summary)] : []), ...prose(info.description));
    const toc = [];
    const sections = [];
    for (const [path, methods] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(methods)) {
        const key = slug(method, path);
        toc.push(el("li", {}, el("a", { href: "#" + key }, method.toUpperCase() + " " + path), " — " + (op.summary || "")));
        sections.push(endpoint(spec, method, path, op));
      }
    }
    byId("api-toc").replaceChildren(...toc);
    byId("api-endpoints").replaceChildren(...sections);
  }

  main();
})();
