// Building the page: a small element factory and helpers, so pages read as their structure.

/** An element: h("a", {href: "/ui/"}, "Models"); attributes starting with "on" are listeners. */
export function h(tag, attributes = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const element = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "class") {
      element.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `element` holds with `children`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A panel's body while it loads: a line that says so, announced politely. */
export function loading(what) {
  return h("p", { class: "state state-loading", role: "status" }, `Loading ${what}…`);
}

/** A panel's body when there is nothing to show, as a sentence. */
export function empty(sentence) {
  return h("p", { class: "state state-empty" }, sentence);
}

/** A panel's body when its request failed, as a sentence. */
export function failure(error) {
  return h("p", { class: "state state-error", role: "alert" }, error.message || String(error));
}

/** A card with a heading, optional controls beside it, and a body to fill. */
export function panel(title, { id, controls = [], wide = false } = {}) {
  const body = h("div", { class: "panel-body" });
  const headingId = id ? `${id}-title` : undefined;
  const element = h(
    "section",
    { class: ["panel", wide && "panel-wide"], id, "aria-labelledby": headingId },
    h("header", { class: "panel-head" }, h("h2", { id: headingId }, title),
      h("div", { class: "panel-controls" }, controls)),
    body,
  );
  return { element, body };
}

/** A labelled <select>; `onChange` receives the chosen value. */
export function select(label, options, chosen, onChange) {
  const id = `select-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Math.random().toString(36).slice(2, 7)}`;
  const control = h("select", { id, onchange: (event) => onChange(event.target.value) },
    options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)));
  return h("label", { class: "control", for: id }, h("span", { class: "control-label" }, label), control);
}

/** A group of toggle buttons, one pressed; `onChange` receives the chosen value. */
export function segmented(label, options, chosen, onChange) {
  const group = h("div", { class: "segmented", role: "group", "aria-label": label });
  for (const [value, text] of options) {
    group.append(h("button", {
      type: "button", "aria-pressed": String(value === chosen), "data-value": value,
      onclick: () => {
        for (const button of group.querySelectorAll("button")) {
          button.setAttribute("aria-pressed", String(button.dataset.value === value));
        }
        onChange(value);
      },
    }, text));
  }
  return group;
}
