// The dashboard's entry point: the frame (header, navigation, who is signed in), the page for
// the path, and the signed-out state whenever the service answers 401 or the token expires.

import { SignedOut } from "./api.js";
import { loadCatalogue } from "./catalogue.js";
import { failure, fill, h } from "./dom.js";
import { formatDateTime } from "./format.js";
import { credential, forget, msUntilExpiry, whoAmI } from "./session.js";
import { signInPage } from "./signin.js";
import { modelsPage } from "./pages/models.js";
import { modelPage } from "./pages/model.js";
import { jobPage } from "./pages/job.js";

const main = document.getElementById("main");
const account = document.getElementById("account");
let current = null; // the page shown: {stop()} ends its timers
let expiryTimer = null;
let shows = 0; // counts calls of show(): a page waiting for the catalogue is not shown late

function route() {
  const path = window.location.pathname.replace(/\/+$/, "");
  let match;
  if (path === "/ui") return () => modelsPage();
  if ((match = path.match(/^\/ui\/models\/([^/]+)$/))) return () => modelPage(decodeURIComponent(match[1]));
  if ((match = path.match(/^\/ui\/jobs\/([^/]+)$/))) return () => jobPage(decodeURIComponent(match[1]));
  return null;
}

function show(notice) {
  const shown = ++shows;
  current?.stop?.();
  current = null;
  clearTimeout(expiryTimer);
  const stored = credential();
  showAccount(stored);
  if (!stored) {
    document.title = "Sign in · perfledger";
    fill(main, signInPage(notice, () => show()));
    return;
  }
  const remaining = msUntilExpiry(stored);
  if (remaining <= 0) {
    forget();
    show("You are signed out: your token has expired. Paste a new one to continue.");
    return;
  }
  if (Number.isFinite(remaining) && remaining < 2 ** 31) {
    expiryTimer = setTimeout(() => {
      forget();
      show(`You are signed out: your token expired at ${formatDateTime(new Date(Date.now()).toISOString())}. Paste a new one to continue.`);
    }, remaining);
  }
  const page = route();
  if (!page) {
    document.title = "Not found · perfledger";
    fill(main, h("div", { class: "page" }, h("h1", {}, "Page not found"),
      h("p", { class: "state state-empty" }, "There is no dashboard page at this address. ",
        h("a", { href: "/ui/" }, "Go to the models"), ".")));
    return;
  }
  loadCatalogue().then(() => {
    if (shown !== shows) return;
    current = page();
    fill(main, current.element);
  }, (error) => {
    if (shown === shows && !(error instanceof SignedOut)) fill(main, h("div", { class: "page" }, failure(error)));
  });
}

function showAccount(stored) {
  if (!stored) {
    fill(account, h("span", { class: "account-state" }, "Signed out"));
    return;
  }
  fill(account,
    h("span", { class: "account-state", title: "Signed in for this browser tab" }, "Signed in as ", h("strong", {}, whoAmI(stored))),
    h("button", { type: "button", class: "button button-quiet", onclick: () => { forget(); show("You signed out."); } }, "Sign out"));
}

window.addEventListener("perfledger:signed-out", (event) => {
  // Requests in flight may each answer 401: the first one shows the form, the rest leave it.
  if (credential() || main.querySelector(".signin")) return;
  show(event.detail);
});

show(route() ? "Sign in to see this page." : undefined);
