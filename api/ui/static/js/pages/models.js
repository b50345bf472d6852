// The models page: every model of the organization with its headline metric's latest daily
// value and last 30 days, label coverage and open alerts; searchable and sortable. Jobs and
// (for an administrator) webhooks below.

import { get, inBatches } from "../api.js";
import { empty, failure, fill, h, loading } from "../dom.js";
import { formatBucket, formatCount, formatDateTime, formatMetric, formatPercent, headlineMetric, metricLabel, plural } from "../format.js";
import { credential, holds } from "../session.js";
import { sparkline } from "../sparkline.js";
import { webhooksSection } from "../panels/webhooks.js";

const COLUMNS = [
  ["name", "Model"], ["task", "Task"], ["promoted", "Promoted"], ["latest", "Latest daily value"],
  [null, "Last 30 days"], ["coverage", "Label coverage"], ["alerts", "Open alerts"],
];
const TASKS = { binary_classification: "Binary classification", multiclass_classification: "Multiclass classification", regression: "Regression" };

export function modelsPage() {
  document.title = "Models · perfledger";
  const state = { rows: [], search: "", sort: "name", descending: false };
  const count = h("p", { class: "page-subtitle", id: "models-count" }, "Loading the organization’s models…");
  const search = h("input", {
    type: "search", id: "model-search", placeholder: "Search by name, task or version",
    oninput: (event) => { state.search = event.target.value.trim().toLowerCase(); draw(); },
  });
  const tableHolder = h("div", { class: "table-wrap" }, loading("models"));
  const jobsHolder = h("div", {});
  const webhooksHolder = h("div", {});
  const element = h("div", { class: "page" },
    h("header", { class: "page-head" },
      h("div", {}, h("h1", {}, "Models"), count),
      h("label", { class: "control control-search", for: "model-search" }, h("span", { class: "control-label" }, "Search"), search)),
    h("section", { class: "panel panel-flush", "aria-labelledby": "models-title" },
      h("h2", { class: "visually-hidden", id: "models-title" }, "Models of the organization"), tableHolder),
    jobsHolder, webhooksHolder);

  function draw() {
    const shown = state.rows.filter((row) => !state.search || row.haystack.includes(state.search));
    shown.sort((a, b) => compare(a, b, state.sort) * (state.descending ? -1 : 1));
    if (state.rows.length === 0) {
      fill(tableHolder, empty("This organization has no models yet. Register one with POST /api/v1/models, or load the demo with `perfledger demo`."));
      return;
    }
    const header = h("tr", {}, COLUMNS.map(([key, title]) => {
      if (!key) return h("th", { scope: "col" }, title);
      const sorted = state.sort === key;
      return h("th", { scope: "col", "aria-sort": sorted ? (state.descending ? "descending" : "ascending") : "none" },
        h("button", {
          type: "button", class: "sort-button", "data-sort": key,
          onclick: () => {
            state.descending = sorted ? !state.descending : key === "alerts";
            state.sort = key;
            draw();
            tableHolder.querySelector(`button[data-sort="${key}"]`)?.focus();
          },
        }, title, h("span", { class: "sort-mark", "aria-hidden": "true" }, sorted ? (state.descending ? " ▼" : " ▲") : "")));
    }));
    fill(tableHolder, h("table", { class: "data data-models", id: "models-table" },
      h("thead", {}, header),
      h("tbody", {}, shown.length ? shown.map((row) => row.element) : h("tr", {}, h("td", { colspan: COLUMNS.length }, empty(`No model matches “${state.search}”.`))))));
  }

  async function load() {
    try {
      const { data } = await get("/api/v1/models", { limit: 1000 });
      count.textContent = `${plural(data.total, "model")} in your organization`;
      state.rows = data.models.map(modelRow);
      draw();
      await inBatches(state.rows.map((row) => () => row.load().then(draw)), 4);
    } catch (error) {
      count.textContent = "";
      fill(tableHolder, failure(error));
    }
  }
  load();
  if (holds(credential(), "read:job_metrics") || holds(credential(), "organization:viewer")) jobsSection(jobsHolder);
  if (holds(credential(), "organization:admin")) webhooksSection(webhooksHolder);
  return { element, stop() {} };
}

function compare(a, b, key) {
  const [x, y] = [a.sortKeys[key], b.sortKeys[key]];
  if (x === y) return a.sortKeys.name.localeCompare(b.sortKeys.name);
  if (x === null || x === undefined) return 1;
  if (y === null || y === undefined) return -1;
  return typeof x === "string" ? x.localeCompare(y) : x - y;
}

function modelRow(model) {
  const metric = headlineMetric(model.task);
  const cells = {
    latest: h("td", { class: "num", "data-metric": metric }, h("span", { class: "muted" }, "…")),
    spark: h("td", { class: "spark" }),
    coverage: h("td", { class: "num" }, h("span", { class: "muted" }, "…")),
    alerts: h("td", { class: "alerts-cell" }, h("span", { class: "muted" }, "…")),
  };
  const element = h("tr", { "data-model-id": model.id, "data-model-name": model.name },
    h("th", { scope: "row" }, h("a", { href: `/ui/models/${model.id}`, class: "model-link" }, model.name),
      h("span", { class: "id-hint" }, model.id.slice(0, 8))),
    h("td", {}, TASKS[model.task] || model.task),
    h("td", {}, model.promoted_version_id ? h("span", { class: "badge badge-version" }, model.promoted_version_id) : h("span", { class: "muted" }, "none")),
    cells.latest, cells.spark, cells.coverage, cells.alerts);
  const row = {
    element,
    haystack: [model.name, model.task, model.promoted_version_id || "", model.id].join(" ").toLowerCase(),
    sortKeys: { name: model.name.toLowerCase(), task: model.task, promoted: model.promoted_version_id || "", latest: null, coverage: null, alerts: null },
    async load() {
      const [series, alerts] = await Promise.allSettled([
        get(`/api/v1/models/${model.id}/performance/timeseries`, { bucket: "day", metrics: metric }),
        get(`/api/v1/models/${model.id}/alerts`, { state: "open", limit: 1000 }),
      ]);
      showSeries(series);
      showAlerts(alerts);
    },
  };

  function showSeries(result) {
    if (result.status === "rejected") {
      fill(cells.latest, h("span", { class: "muted", title: result.reason.message }, "no data"));
      fill(cells.coverage, h("span", { class: "muted" }, "–"));
      return;
    }
    const points = result.value.data.points;
    const values = points.map((p) => (p.metrics ? p.metrics[metric] : null));
    const lastIndex = values.map((v) => v !== null && v !== undefined).lastIndexOf(true);
    const samples = points.reduce((sum, p) => sum + p.sample_count, 0);
    const labeled = points.reduce((sum, p) => sum + p.labeled_count, 0);
    const coverage = samples ? labeled / samples : null;
    if (lastIndex < 0) {
      fill(cells.latest, h("span", { class: "muted" }, "no labeled production rows in 30 days"));
    } else {
      const latest = values[lastIndex];
      row.sortKeys.latest = latest;
      fill(cells.latest,
        h("span", { class: "metric-value", "data-value": latest }, formatMetric(metric, latest)),
        h("span", { class: "metric-caption" }, `${metricLabel(metric)}, ${formatBucket(points[lastIndex].start, "day")}`));
    }
    const measured = values.filter((v) => v !== null && v !== undefined);
    fill(cells.spark, sparkline(values), h("span", { class: "visually-hidden" }, measured.length
      ? `${metricLabel(metric)} from ${formatMetric(metric, measured[0])} to ${formatMetric(metric, measured.at(-1))} over ${points.length} days`
      : "no values in the last 30 days"));
    cells.spark.setAttribute("title", `${metricLabel(metric)} per day over the last ${points.length} days`);
    row.sortKeys.coverage = coverage;
    fill(cells.coverage,
      h("span", { class: "metric-value", "data-value": coverage ?? "" }, formatPercent(coverage)),
      h("span", { class: "metric-caption" }, `${formatCount(labeled)} of ${formatCount(samples)} rows`));
  }

  function showAlerts(result) {
    if (result.status === "rejected") {
      fill(cells.alerts, h("span", { class: "muted", title: result.reason.message }, "–"));
      return;
    }
    const open = result.value.data;
    const critical = open.filter((a) => a.severity === "critical").length;
    const warning = open.filter((a) => a.severity === "warning").length;
    row.sortKeys.alerts = critical * 1e6 + warning;
    fill(cells.alerts, open.length === 0
      ? h("span", { class: "badge badge-ok", "data-critical": 0, "data-warning": 0 }, "None")
      : h("span", { class: "alert-counts", "data-critical": critical, "data-warning": warning },
        critical ? h("span", { class: "badge badge-critical" }, `${critical} critical`) : null,
        warning ? h("span", { class: "badge badge-warning" }, `${warning} warning`) : null));
  }
  return row;
}

function jobsSection(holder) {
  const body = h("div", { class: "table-wrap" }, loading("jobs"));
  fill(holder, h("section", { class: "panel panel-flush", "aria-labelledby": "jobs-title" },
    h("header", { class: "panel-head" }, h("h2", { id: "jobs-title" }, "Jobs")), body));
  get("/api/v2/jobs").then(({ data }) => {
    if (!data.length) {
      fill(body, empty("No jobs yet. Create one with POST /api/v2/jobs."));
      return;
    }
    fill(body, h("table", { class: "data", id: "jobs-table" },
      h("thead", {}, h("tr", {}, ["Job", "Decisions", "Active model", "Models trained", "Created"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.map((job) => h("tr", { "data-job-id": job.job_id },
        h("th", { scope: "row" }, h("a", { href: `/ui/jobs/${job.job_id}` }, job.title)),
        h("td", {}, job.decisions.join(", ")),
        h("td", {}, job.active_model_id ? h("code", {}, job.active_model_id) : h("span", { class: "muted" }, "none yet")),
        h("td", { class: "num" }, formatCount(job.all_model_ids.length)),
        h("td", {}, formatDateTime(job.created_at)))))));
  }, (error) => fill(body, failure(error)));
}
