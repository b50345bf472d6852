// The JSON API, as the clients call it: the stored credential on every request, errors as
// sentences, and a 401 as "signed out".

import { credential, forget, headersFor } from "./session.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Raised (and announced with a "perfledger:signed-out" event) when the service answers 401. */
export class SignedOut extends ApiError {}

/** GET `path` with query `params` (arrays repeat, null and undefined are left out). */
export function get(path, params = {}, options = {}) {
  const read = () => call("GET", path, params, undefined, options);
  return isHeavy(path, params) ? inTurn(read) : read();
}

// Reads the service answers from rows (a slice, segments, a comparison) share a bounded
// heavy-work queue, of which an organization may fill half (4 by default): the page keeps
// fewer than that in flight, so its own reads are not refused.
const HEAVY_AT_ONCE = 3;
let heavyInFlight = 0;
const heavyWaiting = [];

function isHeavy(path, params) {
  return /\/performance\/(segments|compare)$/.test(path)
    || Object.keys(params).some((name) => name.startsWith("tag.") && params[name] !== undefined && params[name] !== null);
}

async function inTurn(read) {
  while (heavyInFlight >= HEAVY_AT_ONCE) await new Promise((resolve) => heavyWaiting.push(resolve));
  heavyInFlight += 1;
  try {
    return await read();
  } finally {
    heavyInFlight -= 1;
    heavyWaiting.shift()?.();
  }
}

export function post(path, params = {}, body = undefined, options = {}) {
  return call("POST", path, params, body, options);
}

export function patch(path, body, options = {}) {
  return call("PATCH", path, {}, body, options);
}

export function remove(path, options = {}) {
  return call("DELETE", path, {}, undefined, options);
}

/** Calls the API with `value` as the credential, whatever is stored (signing in checks one). */
export async function tryCredential(value) {
  return call("GET", "/api/v2/token/scopes", {}, undefined, { credentialValue: value, quiet401: true });
}

// A read refused with 503 (the service busy with other heavy reads, or catching up) is asked
// again after its Retry-After, a few times, before the page shows the refusal.
const READ_RETRIES = 4;

async function call(method, path, params, body, options = {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await callOnce(method, path, params, body, options);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503 || method !== "GET" || attempt >= READ_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
    }
  }
}

async function callOnce(method, path, params, body, { credentialValue, quiet401 = false, signal } = {}) {
  const value = credentialValue ?? credential()?.value;
  if (!value) throw signOut("Sign in to see this page.");
  const url = new URL(path, window.location.origin);
  for (const [name, given] of Object.entries(params)) {
    for (const item of [given].flat()) {
      if (item !== null && item !== undefined && item !== "") url.searchParams.append(name, item);
    }
  }
  const headers = { Accept: "application/json", ...headersFor(value) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let answer;
  try {
    answer = await fetch(url, {
      method, headers, signal, credentials: "omit", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "The service could not be reached. Check that it is running, then try again.");
  }
  const text = await answer.text();
  const data = text ? parseJson(text) : null;
  if (answer.status === 401) {
    const reason = sentence(reasonOf(data) || "The credential was not accepted");
    if (quiet401) throw new SignedOut(401, reason);
    throw signOut(`You are signed out: ${lowerFirst(reason)}`);
  }
  if (!answer.ok) {
    const refused = new ApiError(answer.status, explain(answer.status, data));
    refused.retryAfter = Math.min(Math.max(Number(answer.headers.get("Retry-After")) || 1, 1), 5);
    throw refused;
  }
  return { data };
}

function signOut(message) {
  forget();
  window.dispatchEvent(new CustomEvent("perfledger:signed-out", { detail: message }));
  return new SignedOut(401, message);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

/** The reason an error body gives, whichever dialect wrote it. */
function reasonOf(data) {
  if (!data || typeof data !== "object") return "";
  if (typeof data.detail === "string") return withFields(data.detail, data.extra);
  if (Array.isArray(data.detail)) return data.detail.map((d) => d.msg).join("; ");
  if (typeof data.error === "string") return [data.error, data.details].filter(Boolean).join(": ");
  if (data.error && typeof data.error.message === "string") return data.error.message;
  return "";
}

/** A validation error's detail with what each field got wrong ("name: Expected `str` of length >= 1"). */
function withFields(detail, extra) {
  const fields = Array.isArray(extra) ? extra.filter((e) => e && e.message).map((e) => (e.key ? `${e.key}: ${e.message}` : e.message)) : [];
  if (!fields.length) return detail;
  const said = detail.startsWith("Validation failed") ? "The service refused the input" : detail;
  return `${said} (${fields.join("; ")})`;
}

function explain(status, data) {
  const reason = reasonOf(data);
  if (status === 403) return sentence(`Your credential may not read this${reason ? ` (${reason})` : ""}`);
  if (status === 404) return sentence(reason || "This was not found in your organization");
  if (status === 503) return "The service is catching up with recent events; this will refresh shortly.";
  return sentence(reason || `The service answered with status ${status}`);
}

function sentence(text) {
  const trimmed = String(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function lowerFirst(text) {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Runs `tasks` (functions returning promises) at most `width` at a time, in order. */
export async function inBatches(tasks, width = 4) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]().then((value) => ({ value }), (error) => ({ error }));
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
