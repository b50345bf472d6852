// The model page: the headline numbers, performance over time, the summary per split, the
// confusion matrix, segments, misclassified rows, monitors and alerts, and the versions'
// timeline; every panel reads the JSON API, with the page's split and slice (view.js), and
// reads again when new events are projected or the view changes.

import { get } from "../api.js";
import { failure, fill, h, loading } from "../dom.js";
import { formatCount, formatDateTime, formatMetric, formatPercent, headlineMetric, isRegression, metricLabel } from "../format.js";
import { followModel } from "../live.js";
import { confusionPanel } from "../panels/confusion.js";
import { driftPanel } from "../panels/drift.js";
import { monitorsPanel } from "../panels/monitors.js";
import { overTimePanel } from "../panels/overtime.js";
import { samplesPanel } from "../panels/samples.js";
import { segmentsPanel } from "../panels/segments.js";
import { summaryPanel } from "../panels/summary.js";
import { versionsPanel } from "../panels/versions.js";
import { sliceParams, sliceText, viewBar, viewFromAddress, watchesSlice } from "../view.js";

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
    const firstSeries = initialSeries(base);
    firstSeries.answer.catch(() => {});
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
    let lastPosition;
    const panels = [
      overTimePanel(ctx, firstSeries),
      summaryPanel(ctx),
      isRegression(model.task) ? null : confusionPanel(ctx),
      segmentsPanel(ctx),
      driftPanel(ctx),
      versionsPanel(ctx),
      monitorsPanel(ctx),
      isRegression(model.task) ? null : samplesPanel(ctx),
    ].filter(Boolean);
    live = followModel(model.id, async (entries, position) => {
      if (entries.some((e) => e.type.startsWith("Version"))) {
        const { data } = await get(`${base}/versions`, { min_position: position });
        Object.assign(ctx, versionsOf(data));
      }
      lastPosition = position;
      await Promise.all([kpis.load(position), ...panels.map((panel) => panel.load(position))]);
    });
    const bar = viewBar(ctx, async (view) => {
      ctx.view = view;
      ctx.remember("split", view.split === "production" ? null : view.split);
      for (const name of [...ctx.query.keys()]) if (name.startsWith("tag.")) ctx.query.delete(name);
      for (const [name, value] of Object.entries(sliceParams(view.slice))) ctx.remember(name, value);
      if (!view.slice) ctx.remember("tag.", null);
      await Promise.allSettled([kpis.load(lastPosition), ...panels.map((panel) => panel.load(lastPosition))]);
    });
    fill(head, h("div", {},
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/ui/" }, "Models"), h("span", { "aria-hidden": "true" }, " / "), model.name),
      h("h1", { id: "model-name" }, model.name),
      h("p", { class: "page-subtitle" }, describe(model, ctx))),
    h("div", { class: "page-head-side" }, live.element));
    fill(body, bar.element, kpis.element, h("div", { class: "grid" }, panels.map((panel) => panel.element)));
    await Promise.allSettled([kpis.load(), ...panels.map((panel) => panel.load())]);
    bar.draw(); // the slices it offers are read once the panels have theirs
    if (!stopped) live.start(ctx.historySeen);
  }
  start();
  return { element, stop() { stopped = true; live?.stop(); } };
}

/** The chart's first request, sent before the model is read, as the chart would ask it. */
function initialSeries(base) {
  const query = new URLSearchParams(window.location.search);
  const { split, slice } = viewFromAddress(query, [query.get("split") || "production"]);
  const params = { bucket: query.get("bucket") || "day", dataset_split: split, ...sliceParams(slice) };
  return { split, slice: sliceText(slice), answer: get(`${base}/performance/timeseries`, params) };
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
    view: null, // the split and slice every panel reads (view.js)
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
  ctx.view = viewFromAddress(ctx.query, ctx.splits());
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
    headline: tile(metricLabel(ctx.headline), "kpi-headline"),
    coverage: tile("Labeled rows", "kpi-coverage"),
    alerts: tile("Open alerts", "kpi-alerts"),
    promoted: tile("Promoted version", "kpi-promoted"),
  };
  const element = h("section", { class: "kpis", "aria-label": "Headline numbers" }, Object.values(tiles).map((t) => t.element));
  async function load(minPosition) {
    const version = ctx.promoted?.version_id;
    fill(tiles.promoted.value, version || "none");
    fill(tiles.promoted.caption, ctx.promoted?.promoted_at ? `since ${formatDateTime(ctx.promoted.promoted_at)}` : "latest trained version");
    const { split, slice } = ctx.view;
    const where = `${split}, ${sliceText(slice)}`;
    fill(tiles.headline.title, `${metricLabel(ctx.headline)} in ${split}`);
    fill(tiles.coverage.title, `Labeled ${split} rows`);
    fill(tiles.alerts.title, slice ? "Open alerts on this slice" : "Open alerts");
    const [summary, alerts, monitors] = await Promise.allSettled([
      ctx.splits().includes(split)
        ? get(`${ctx.base}/performance/summary`, { dataset_split: split, min_position: minPosition, ...sliceParams(slice) })
        : Promise.reject(new Error(`No ${split} rows yet.`)),
      get(`${ctx.base}/alerts`, { state: "open", limit: 1000, min_position: minPosition }),
      slice ? get(`${ctx.base}/monitors`, { min_position: minPosition }) : Promise.resolve(null),
    ]);
    if (summary.status === "fulfilled") {
      const s = summary.value.data;
      const value = s.metrics[ctx.headline];
      fill(tiles.headline.value, h("span", { "data-value": value ?? "", "data-metric": ctx.headline }, formatMetric(ctx.headline, value)));
      fill(tiles.headline.caption, `${s.version_id}, ${formatCount(s.labeled_count)} labeled rows of ${where}`);
      fill(tiles.coverage.value, h("span", { "data-value": s.labeled_count }, formatCount(s.labeled_count)));
      fill(tiles.coverage.caption, `${formatPercent(s.sample_count ? s.labeled_count / s.sample_count : null)} of ${formatCount(s.sample_count)} rows`);
    } else {
      fill(tiles.headline.value, "–");
      fill(tiles.headline.caption, summary.reason.message);
      fill(tiles.coverage.value, "–");
    }
    if (alerts.status === "fulfilled" && monitors.status === "fulfilled") {
      const watching = monitors.value ? new Set(monitors.value.data.filter((m) => watchesSlice(m, slice)).map((m) => m.monitor_id)) : null;
      const open = alerts.value.data.filter((a) => !watching || watching.has(a.monitor_id));
      const critical = open.filter((a) => a.severity === "critical").length;
      const warning = open.length - critical;
      fill(tiles.alerts.value, h("span", { "data-value": open.length, "data-critical": critical, "data-warning": warning }, formatCount(open.length)));
      fill(tiles.alerts.caption, open.length ? `${formatCount(critical)} critical, ${formatCount(warning)} warning` : "all monitors are quiet");
      tiles.alerts.element.classList.toggle("kpi-bad", critical > 0);
    } else {
      fill(tiles.alerts.value, "–");
      fill(tiles.alerts.caption, (alerts.reason || monitors.reason).message);
    }
  }
  return { element, load };
}

function tile(title, id) {
  const heading = h("h2", { class: "kpi-title" }, title);
  const value = h("p", { class: "kpi-value" }, "…");
  const caption = h("p", { class: "kpi-caption" });
  return { title: heading, value, caption, element: h("div", { class: "kpi", id }, heading, value, caption) };
}
