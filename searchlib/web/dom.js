// Small DOM helpers shared by the search page (app.js) and the API reference (docs.js).
// Every value is inserted as text.
"use strict";

window.searchlibDom = (function () {
  // el("a", {href: url, class: "x"}, "text", childNode): an element with attributes
  // (null, undefined and false left out; true as an empty attribute) and children
  // (strings as text nodes).
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

  return { el };
})();
