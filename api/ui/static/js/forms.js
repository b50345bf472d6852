// Forms that write through the API: labelled fields, a submit that waits for the answer,
// and the answer's error shown as it came (the API validates; the page repeats nothing).

import { h } from "./dom.js";

/** A labelled field; `control` is an <input> or <select> built by the caller. */
export function field(label, control, hint) {
  const id = `field-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h("div", { class: "form-field" },
    h("label", { for: id }, label), control, hint ? h("span", { class: "form-hint" }, hint) : null);
}

export function textInput(name, attributes = {}) {
  return h("input", { type: "text", name, autocomplete: "off", ...attributes });
}

export function numberInput(name, attributes = {}) {
  return h("input", { type: "number", name, step: "any", ...attributes });
}

export function choice(name, options, chosen) {
  return h("select", { name }, options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)));
}

/**
 * A form whose submit calls `write(values)` (a promise of the API's answer): while it runs the
 * button waits; a failure shows the API's message in the form, a success calls `done`.
 */
export function writingForm({ id, fields, submitLabel, write, done, cancel }) {
  const message = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button button-primary" }, submitLabel);
  const form = h("form", { class: "write-form", id, novalidate: true },
    h("div", { class: "form-grid" }, fields), message,
    h("div", { class: "form-actions" }, submit,
      cancel ? h("button", { type: "button", class: "button", onclick: cancel }, "Cancel") : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      const answer = await write(Object.fromEntries(new FormData(form)));
      await done(answer);
    } catch (error) {
      message.textContent = error.message || String(error);
      message.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** A button that asks once more before it acts: "Delete", then "Confirm delete". */
export function confirmingButton(label, act, attributes = {}) {
  let armed = false;
  const button = h("button", { type: "button", class: "button button-small", ...attributes }, label);
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Confirm ${label.toLowerCase()}`;
      button.classList.add("button-danger");
      return;
    }
    button.disabled = true;
    try {
      await act();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** `region=apac, tier=gold` as {region: "apac", tier: "gold"}; blank as {}. */
export function parseTags(text) {
  const tags = {};
  for (const part of String(text || "").split(",")) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf("=");
    if (at < 1) throw new Error(`Write each tag as name=value, not "${trimmed}".`);
    tags[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim();
  }
  return tags;
}

/** A number field's value, or undefined when it is blank (the API's default then holds). */
export function numberOrNothing(text) {
  const trimmed = String(text ?? "").trim();
  return trimmed === "" ? undefined : Number(trimmed);
}
