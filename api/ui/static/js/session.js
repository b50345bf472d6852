// The credential of this browser tab: pasted once, kept in sessionStorage, never sent elsewhere.

const KEY = "perfledger.credential";
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The stored credential, or null: {value, scopes}. */
export function credential() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return stored && typeof stored.value === "string" ? stored : null;
  } catch {
    return null;
  }
}

export function keep(value, scopes) {
  sessionStorage.setItem(KEY, JSON.stringify({ value, scopes }));
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

/** The header that carries `value`: a JWT goes as a bearer token, anything else as an API key. */
export function headersFor(value) {
  return JWT.test(value) ? { Authorization: `Bearer ${value}` } : { "X-API-Key": value };
}

/** What a bearer token says about itself (read, not verified: the service verifies it). */
export function claimsOf(value) {
  if (!JWT.test(value)) return null;
  try {
    const payload = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")));
  } catch {
    return null;
  }
}

/** Who is signed in, in a few words: "admin · Acme", "API key". */
export function whoAmI(stored) {
  const claims = claimsOf(stored.value);
  if (!claims) return "API key";
  return [claims.sub, claims.org_name].filter(Boolean).join(" · ") || "token";
}

/** Milliseconds until the stored token expires (Infinity for keys and tokens without exp). */
export function msUntilExpiry(stored) {
  const claims = claimsOf(stored.value);
  return claims && typeof claims.exp === "number" ? claims.exp * 1000 - Date.now() : Infinity;
}

export function holds(stored, scope) {
  const scopes = stored?.scopes || [];
  return scopes.includes(scope) || scopes.includes("organization:admin");
}
