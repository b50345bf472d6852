// Signing in: paste a bearer token or an API key; it is checked against the service, then
// kept in this tab's sessionStorage. Nothing about the session is stored on the server.

import { SignedOut, tryCredential } from "./api.js";
import { h } from "./dom.js";
import { keep } from "./session.js";

/** The sign-in form, with `notice` above it (why the page asks); calls `onSignedIn` after. */
export function signInPage(notice, onSignedIn) {
  const input = h("input", {
    id: "credential", name: "credential", type: "password", autocomplete: "off", spellcheck: "false",
    required: true, "aria-describedby": "credential-help", placeholder: "eyJhbGciOi… or an API key",
  });
  const message = h("p", { class: "form-error", id: "signin-error", role: "alert", "aria-live": "assertive" });
  const button = h("button", { type: "submit", class: "button button-primary" }, "Sign in");
  const form = h("form", {
    class: "signin-form", "aria-labelledby": "signin-title", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const value = input.value.trim();
      message.textContent = "";
      if (!value) {
        message.textContent = "Paste a bearer token or an API key first.";
        input.focus();
        return;
      }
      button.disabled = true;
      button.textContent = "Checking…";
      try {
        const { data: scopes } = await tryCredential(value);
        keep(value, Array.isArray(scopes) ? scopes : []);
        onSignedIn();
      } catch (error) {
        message.textContent = error instanceof SignedOut
          ? `That credential was not accepted: ${error.message}`
          : error.message;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        input.select();
      } finally {
        button.disabled = false;
        button.textContent = "Sign in";
      }
    },
  },
  h("label", { for: "credential", class: "field-label" }, "Bearer token or API key"),
  input,
  h("p", { id: "credential-help", class: "field-help" },
    "Mint one with ", h("code", {}, "perfledger token --org <organization>"), " or ",
    h("code", {}, "perfledger api-key create --org <organization>"),
    ". It stays in this browser tab (sessionStorage) until you sign out or close the tab, and is sent as a header with each request."),
  message,
  button);
  const page = h("div", { class: "signin" },
    h("div", { class: "signin-card" },
      h("h1", { id: "signin-title" }, "Sign in to perfledger"),
      notice ? h("p", { class: "notice", role: "status", id: "signin-notice" }, notice) : null,
      form));
  queueMicrotask(() => input.focus());
  return page;
}
