// Numbers and times as people read them: percentages, thousands separators, UTC dates.

const LOCALE = "en-US";
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const score = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const large = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const small = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

const catalogue = new Map(); // name -> its entry in GET /api/v1/metrics, in the service's order

/** Keeps the service's metric catalogue (see catalogue.js). */
export function useCatalogue(entries) {
  catalogue.clear();
  for (const entry of entries) catalogue.set(entry.name, entry);
}

export function isRegression(task) {
  return task === "regression";
}

/** The metrics a model of this task is measured by, in the service's order. */
export function metricsOf(task) {
  return [...catalogue.values()].filter((m) => m.tasks.includes(task)).map((m) => m.name);
}

/** The metric a model is judged by first, as the API's segments sort by default. */
export function headlineMetric(task) {
  return [...catalogue.values()].find((m) => m.headline_of.includes(task))?.name ?? metricsOf(task)[0];
}

export function higherIsBetter(name) {
  return catalogue.get(name)?.direction !== "lower_is_better";
}

export function metricLabel(name) {
  return catalogue.get(name)?.display_name ?? name;
}

/** The metric's name inside a sentence: "accuracy", but "ROC AUC" and "F1 score" as they are. */
export function metricNoun(name) {
  const label = metricLabel(name);
  return /^[A-Z][A-Z0-9²]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** A metric's value as text: "79.1%", "0.826", "20,412"; an en dash when there is none. */
export function formatMetric(name, value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  switch (catalogue.get(name)?.format) {
    case "percent":
      return percent.format(value);
    case "score":
      return score.format(value);
    default:
      return formatAmount(value);
  }
}

/** An amount: thousands separators, two decimals below 100. */
export function formatAmount(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Math.abs(value) >= 100 ? large.format(value) : small.format(value);
}

export function formatCount(value) {
  return value === null || value === undefined ? "–" : integer.format(value);
}

/** Any other number: thousands separators, at most two decimals. */
export function formatNumber(value) {
  return value === null || value === undefined ? "–" : small.format(value);
}

export function formatPercent(value) {
  return value === null || value === undefined ? "–" : percent.format(value);
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${small.format(seconds)} s`;
  if (seconds < 5400) return `${small.format(seconds / 60)} min`;
  if (seconds < 172800) return `${small.format(seconds / 3600)} h`;
  return `${small.format(seconds / 86400)} days`;
}

const dateTime = new Intl.DateTimeFormat(LOCALE, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23", timeZone: "UTC",
});
const dateOnly = new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const timeOnly = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** "Nov 30, 2026, 14:05 UTC" */
export function formatDateTime(iso) {
  return iso ? `${dateTime.format(new Date(iso))} UTC` : "–";
}

/** A bucket's start as its bucket reads: a date for days and weeks, a time for hours. */
export function formatBucket(iso, bucket) {
  if (!iso) return "–";
  return bucket === "hour" ? formatDateTime(iso) : dateOnly.format(new Date(iso));
}

/** The local wall-clock time now, for "updated at". */
export function formatClock(date = new Date()) {
  return timeOnly.format(date);
}

/** "3 minutes ago", for timelines. */
export function formatAgo(iso, now = Date.now()) {
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return "just now";
  const units = [[86400 * 365, "year"], [86400 * 30, "month"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

export function plural(count, one, many = `${one}s`) {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}
