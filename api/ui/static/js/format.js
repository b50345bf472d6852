// Numbers and times as people read them: percentages, thousands separators, UTC dates.

const LOCALE = "en-US";
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(LOCALE, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const score = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const large = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const small = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

/** What each metric is called, how it reads, and which way is better. */
export const METRICS = {
  accuracy: { label: "Accuracy", style: "percent", higherIsBetter: true },
  precision: { label: "Precision", style: "percent", higherIsBetter: true },
  recall: { label: "Recall", style: "percent", higherIsBetter: true },
  f1_score: { label: "F1 score", style: "percent", higherIsBetter: true },
  roc_auc: { label: "ROC AUC", style: "score", higherIsBetter: true },
  log_loss: { label: "Log loss", style: "score", higherIsBetter: false },
  rmse: { label: "RMSE", style: "amount", higherIsBetter: false },
  mse: { label: "MSE", style: "amount", higherIsBetter: false },
  mae: { label: "MAE", style: "amount", higherIsBetter: false },
  mape: { label: "MAPE", style: "percent", higherIsBetter: false },
  r_squared: { label: "R²", style: "score", higherIsBetter: true },
};

export const CLASSIFICATION_METRICS = ["accuracy", "precision", "recall", "f1_score", "roc_auc", "log_loss"];
export const REGRESSION_METRICS = ["rmse", "mse", "mae", "mape", "r_squared"];

export function isRegression(task) {
  return task === "regression";
}

export function metricsOf(task) {
  return isRegression(task) ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
}

/** The metric a model is judged by first, as the API's segments sort by default. */
export function headlineMetric(task) {
  return isRegression(task) ? "rmse" : "accuracy";
}

export function metricLabel(name) {
  return METRICS[name]?.label ?? name;
}

/** The metric's name inside a sentence: "accuracy", but "ROC AUC" and "F1 score" as they are. */
export function metricNoun(name) {
  const label = metricLabel(name);
  return /^[A-Z][A-Z0-9²]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** A metric's value as text: "79.1%", "0.826", "20,412"; an en dash when there is none. */
export function formatMetric(name, value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  switch (METRICS[name]?.style) {
    case "percent":
      return percent.format(value);
    case "score":
      return score.format(value);
    default:
      return Math.abs(value) >= 100 ? large.format(value) : small.format(value);
  }
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
