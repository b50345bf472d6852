// The model page: the headline numbers, performance over time, the summary per split, the
// confusion matrix, segments, misclassified rows, monitors and alerts, and the versions'
// timeline; every panel reads the JSON API and reads again when new events are projected.

import { get } from "../api.js";
import { failure, fill, h, loading } from "../dom.js";
import { formatCount, formatDateTime, formatMetric, formatPercent, headlineMetric, isRegression, metricLabel } from "../format.js";
import { followModel } from "../live.js";
import { confusionPanel } from "../panels/confusion.js";
import { monitorsPanel } from "../panels/monitors.js";
import { overTimePanel } from "../panels/overtime.js";
import { samplesPanel } from "../panels/samples.js";
import { segmentsPanel } from "../panels/segments.js";
import { summaryPanel } from "../panels/summary.js";
import { versionsPanel } from "../panels/versions.js";

const SPLITS = ["production", "test", "validation", "train"];

export function modelPage(modelId) {
  document.title = "Model · perfledger";
  const base = `/api/v1/models/${encodeURIComponent(modelId)}`;
  const head = h("header", { class: "page-head" }, h("div", {},
    h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/ui/" }, "Models"), h("span", { "aria-hidden": "true" }, " / ")),
    h("h1", {}, "Loading the model…")));
  const body = h("div", { class: "stack" }, loading("the model"));
  const element = h("div", { class: "page page-model" }, head, body);
  let live = null;
  let stopped = false;

  async function start() {
    // The first chart's request starts at once: it needs nothing from the other answers.
    const firstSeries = get(`${base}/performance/timeseries`, initialSeriesParams());
    firstSeries.catch(() => {});
    let model, versions;
    try {
      [{ data: model }, { data: versions }] = await Promise.all([get(base), get(`${base}/versions`)]);
    } catch (error) {
      fill(head.firstChild.lastChild, "Model");
      fill(body, failure(error));
      return;
    }
    if (stopped) return;
    document.title = `${model.name} · perfledger`;
    const ctx = contextOf(model, versions, base);
    const kpis = kpiStrip(ctx);
    const panels = [
      overTimePanel(ctx, firstSeries),
      summaryPanel(ctx),
      isRegression(model.task) ? null : confusionPanel(ctx),
      segmentsPanel(ctx),
      versionsPanel(ctx),
      monitorsPanel(ctx),
      isRegression(model.task) ? null : samplesPanel(ctx),
    ].filter(Boolean);
    live = followModel(model.id, async (entries, position) => {
      if (entries.some((e) => e.type.startsWith("Version"))) {
        const { data } = await get(`${base}/versions`, { min_position: position });
        Object.assign(ctx, versionsOf(data));
      }
      await Promise.all([kpis.load(position), ...panels.map((panel) => panel.load(position))]);
    });
    fill(head, h("div", {},
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/ui/" }, "Models"), h("span", { "aria-hidden": "true" }, " / "), model.name),
      h("h1", { id: "model-name" }, model.name),
      h("p", { class: "page-subtitle" }, describe(model, ctx))),
    h("div", { class: "page-head-side" }, live.element));
    fill(body, kpis.element, h("div", { class: "grid" }, panels.map((panel) => panel.element)));
    await Promise.allSettled([kpis.load(), ...panels.map((panel) => panel.load())]);
    if (!stopped) live.start();
  }
  start();
  return { element, stop() { stopped = true; live?.stop(); } };
}

function initialSeriesParams() {
  const query = new URLSearchParams(window.location.search);
  const params = { bucket: query.get("bucket") || "day" };
  for (const [name, value] of query) if (name.startsWith("tag.")) params[name] = value;
  return params;
}

function versionsOf(versions) {
  const promoted = versions.find((v) => v.promoted) || [...versions].reverse().find((v) => v.status === "trained") || null;
  const challengers = versions.filter((v) => v.status === "trained" && v !== promoted);
  return { versions, promoted, challengers };
}

function contextOf(model, versions, base) {
  const ctx = {
    model, base,
    headline: headlineMetric(model.task),
    query: new URLSearchParams(window.location.search),
    ...versionsOf(versions),
    allSplits: SPLITS,
    splits() {
      const counts = ctx.promoted?.row_counts || {};
      return SPLITS.filter((split) => (counts[split] || 0) > 0);
    },
    /** Keeps a panel's choices in the address, so a view can be shared. */
    remember(name, value) {
      if (value === null || value === undefined || value === "") ctx.query.delete(name);
      else ctx.query.set(name, value);
      const search = ctx.query.toString();
      window.history.replaceState(null, "", `${window.location.pathname}${search ? `?${search}` : ""}`);
    },
  };
  return ctx;
}

function describe(model, ctx) {
  const task = { binary_classification: "Binary classification", multiclass_classification: "Multiclass classification", regression: "Regression" }[model.task] || model.task;
  const parts = [task];
  if (model.labels.length) parts.push(`labels ${model.labels.join(", ")}`);
  parts.push(ctx.promoted ? `promoted ${ctx.promoted.version_id}` : "no promoted version");
  parts.push(`${ctx.versions.length} version${ctx.versions.length === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

/** The numbers a person looks at first: the headline metric in production, coverage, alerts. */
function kpiStrip(ctx) {
  const tiles = {
    headline: tile(`${metricLabel(ctx.headline)} in production`, "kpi-headline"),
    coverage: tile("Labeled production rows", "kpi-coverage"),
    alerts: tile("Open alerts", "kpi-alerts"),
    promoted: tile("Promoted version", "kpi-promoted"),
  };
  const element = h("section", { class: "kpis", "aria-label": "Headline numbers" }, Object.values(tiles).map((t) => t.element));
  async function load(minPosition) {
    const version = ctx.promoted?.version_id;
    fill(tiles.promoted.value, version || "none");
    fill(tiles.promoted.caption, ctx.promoted?.promoted_at ? `since ${formatDateTime(ctx.promoted.promoted_at)}` : "latest trained version");
    const [summary, alerts] = await Promise.allSettled([
      ctx.splits().includes("production")
        ? get(`${ctx.base}/performance/summary`, { dataset_split: "production", min_position: minPosition })
        : Promise.reject(new Error("No production rows yet.")),
      get(`${ctx.base}/alerts`, { state: "open", limit: 1000, min_position: minPosition }),
    ]);
    if (summary.status === "fulfilled") {
      const s = summary.value.data;
      const value = s.metrics[ctx.headline];
      fill(tiles.headline.value, h("span", { "data-value": value ?? "", "data-metric": ctx.headline }, formatMetric(ctx.headline, value)));
      fill(tiles.headline.caption, `${s.version_id}, all ${formatCount(s.labeled_count)} labeled rows`);
      fill(tiles.coverage.value, h("span", { "data-value": s.labeled_count }, formatCount(s.labeled_count)));
      fill(tiles.coverage.caption, `${formatPercent(s.sample_count ? s.labeled_count / s.sample_count : null)} of ${formatCount(s.sample_count)} rows`);
    } else {
      fill(tiles.headline.value, "–");
      fill(tiles.headline.caption, summary.reason.message);
      fill(tiles.coverage.value, "–");
    }
    if (alerts.status === "fulfilled") {
      const open = alerts.value.data;
      const critical = open.filter((a) => a.severity === "critical").length;
      const warning = open.length - critical;
      fill(tiles.alerts.value, h("span", { "data-value": open.length, "data-critical": critical, "data-warning": warning }, formatCount(open.length)));
      fill(tiles.alerts.caption, open.length ? `${formatCount(critical)} critical, ${formatCount(warning)} warning` : "all monitors are quiet");
      tiles.alerts.element.classList.toggle("kpi-bad", critical > 0);
    } else {
      fill(tiles.alerts.value, "–");
      fill(tiles.alerts.caption, alerts.reason.message);
    }
  }
  return { element, load };
}

function tile(title, id) {
  const value = h("p", { class: "kpi-value" }, "…");
  const caption = h("p", { class: "kpi-caption" });
  return { value, caption, element: h("div", { class: "kpi", id }, h("h2", { class: "kpi-title" }, title), value, caption) };
}
