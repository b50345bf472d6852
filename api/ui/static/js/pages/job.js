// The job page (v2): decisions against analysts' consensus over time, per decision, and the
// feedback that forms the knowledge base.

import { get, inBatches, post } from "../api.js";
import { chartKey, dataTable, swatch, timeChart } from "../charts.js";
import { empty, failure, fill, h, loading, panel } from "../dom.js";
import { formatBucket, formatCount, formatDateTime, formatNumber, formatPercent } from "../format.js";
import { confusionHeatmap } from "../heatmap.js";
import { SERIES } from "../palette.js";

const DAY = 86400000;
const MAX_DAYS = 60;

export function jobPage(jobId) {
  document.title = "Job · perfledger";
  const head = h("header", { class: "page-head" }, h("div", {},
    h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/ui/" }, "Models and jobs"), h("span", { "aria-hidden": "true" }, " / ")),
    h("h1", {}, "Loading the job…")));
  const body = h("div", { class: "stack" }, loading("the job"));
  const element = h("div", { class: "page page-job" }, head, body);
  let charts = [];

  async function start() {
    let job, metrics, model;
    try {
      [{ data: job }, { data: metrics }] = await Promise.all([
        get(`/api/v2/jobs/${encodeURIComponent(jobId)}`),
        post("/api/v2/metrics/job", { job_id: jobId }, {}),
      ]);
      model = job.active_model_id
        ? await get("/api/v2/metrics/model", { job_id: jobId, model_id: job.active_model_id }).then((a) => a.data, () => null)
        : null;
    } catch (error) {
      fill(head.firstChild.lastChild, "Job");
      fill(body, failure(error));
      return;
    }
    document.title = `${job.title} · perfledger`;
    fill(head, h("div", {},
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/ui/" }, "Models and jobs"), h("span", { "aria-hidden": "true" }, " / "), job.title),
      h("h1", { id: "job-title" }, job.title),
      h("p", { class: "page-subtitle" }, `Job ${job.job_id} · decisions ${job.decisions.join(", ")} · ${formatCount(job.all_model_ids.length)} trained model${job.all_model_ids.length === 1 ? "" : "s"}`)));
    const overTime = panel("Accuracy and events per day", { id: "job-over-time", wide: true });
    overTime.body.append(loading("the daily metrics"));
    fill(body,
      kpis(metrics),
      h("div", { class: "grid" },
        overTime.element,
        decisionsPanel(job, metrics),
        perDecisionPanel(job, metrics),
        feedbackPanel(job, metrics, model)));
    charts = await dailyChart(overTime.body, job, metrics);
  }
  start();
  return { element, stop() { for (const chart of charts) chart.destroy(); } };
}

function kpis(m) {
  const tile = (title, id, value, raw, caption) => h("div", { class: "kpi", id },
    h("h2", { class: "kpi-title" }, title), h("p", { class: "kpi-value" }, h("span", { "data-value": raw ?? "" }, value)), h("p", { class: "kpi-caption" }, caption));
  return h("section", { class: "kpis", "aria-label": "Headline numbers" },
    tile("Accuracy against consensus", "kpi-job-accuracy", formatPercent(m.overall_accuracy), m.overall_accuracy, `F1 ${formatPercent(m.overall_f1_score)}, over ${formatCount(m.total_events_with_consensus)} events with a consensus`),
    tile("Events", "kpi-job-events", formatCount(m.total_events), m.total_events, `${formatDateTime(m.start_time)} to ${formatDateTime(m.end_time)}`),
    tile("Events with feedback", "kpi-job-consensus", formatCount(m.total_events_with_consensus), m.total_events_with_consensus, `${formatPercent(m.total_events ? m.total_events_with_consensus / m.total_events : null)} of events; ${formatCount(m.total_events_in_knowledge_base)} in the knowledge base`),
    tile("Analyst time saved", "kpi-job-saved", `${formatNumber(m.time_saved_minutes / 60)} h`, m.time_saved_minutes, `${formatCount(m.time_saved_minutes)} minutes of triage the decisions got right`));
}

async function dailyChart(holder, job, metrics) {
  if (!metrics.start_time || !metrics.total_events) {
    fill(holder, empty("No events yet."));
    return [];
  }
  const first = Math.floor(Date.parse(metrics.start_time) / DAY) * DAY;
  const last = Math.floor(Date.parse(metrics.end_time) / DAY) * DAY;
  const days = [];
  for (let day = Math.max(first, last - (MAX_DAYS - 1) * DAY); day <= last; day += DAY) days.push(day);
  const answers = await inBatches(days.map((day) => () => post("/api/v2/metrics/job", {
    job_id: job.job_id, start_datetime: new Date(day).toISOString(), end_datetime: new Date(day + DAY).toISOString(),
  }, {})), 4);
  const failed = answers.find((a) => a.error);
  if (failed) {
    fill(holder, failure(failed.error));
    return [];
  }
  const daily = answers.map((a) => a.value.data);
  const x = days.map((d) => d / 1000);
  const accuracy = daily.map((d) => d.overall_accuracy);
  const events = daily.map((d) => d.total_events);
  const feedback = daily.map((d) => d.total_events_with_consensus);
  const lastIndex = accuracy.map((v) => v !== null).lastIndexOf(true);
  const main = h("div", { class: "chart-holder" });
  const counts = h("div", { class: "chart-holder" });
  fill(holder,
    h("p", { class: "chart-summary", id: "job-latest", "data-start": lastIndex < 0 ? "" : new Date(days[lastIndex]).toISOString(), "data-value": lastIndex < 0 ? "" : accuracy[lastIndex] },
      lastIndex < 0 ? "No event has a consensus yet." : `Latest accuracy against consensus: ${formatPercent(accuracy[lastIndex])} on ${formatBucket(new Date(days[lastIndex]).toISOString(), "day")}, over ${formatCount(feedback[lastIndex])} events with feedback.`),
    main, h("h3", { class: "chart-subtitle" }, "Events and feedback per day"), counts,
    chartKey([
      { swatch: swatch("line", SERIES.promoted), text: "accuracy against consensus" },
      { swatch: swatch("bar", SERIES.events), text: "events" },
      { swatch: swatch("bar", SERIES.challenger), text: "events with a consensus" },
    ]),
    dataTable("Job metrics per day", ["Day", "Accuracy", "Events", "With consensus"],
      days.map((d, i) => [formatBucket(new Date(d).toISOString(), "day"), formatPercent(accuracy[i]), formatCount(events[i]), formatCount(feedback[i])])));
  const syncKey = `job-${job.job_id}`;
  return [
    timeChart(main, { x, height: 240, yFormat: formatPercent, syncKey, series: [{ label: "Accuracy", values: accuracy, color: SERIES.promoted, format: formatPercent }], description: "Accuracy of the decisions against the analysts' consensus per day." }),
    timeChart(counts, { x, height: 140, yFormat: formatCount, syncKey, series: [
      { label: "Events", values: events, color: SERIES.events, bars: true, format: formatCount },
      { label: "With consensus", values: feedback, color: SERIES.challenger, bars: true, format: formatCount },
    ], description: "Events and events with a consensus per day." }),
  ];
}

function decisionsPanel(job, m) {
  const { element, body } = panel("Decisions against consensus", { id: "job-confusion" });
  if (!m.confusion_matrix || m.total_events_with_consensus === 0) {
    body.append(empty("No event has analyst feedback yet, so there is no consensus to compare with."));
  } else {
    body.append(confusionHeatmap({ labels: job.decisions, matrix: m.confusion_matrix, rowsTitle: "Consensus", columnsTitle: "Decision",
      caption: `${formatCount(m.total_events_with_consensus)} events with a consensus; rows are the analysts' consensus, columns the job's decisions` }));
  }
  return element;
}

function perDecisionPanel(job, m) {
  const { element, body } = panel("Per decision", { id: "job-per-decision" });
  const rows = job.decisions.filter((d) => m.metrics_per_decision?.[d]);
  if (!rows.length) {
    body.append(empty("No event has a consensus yet."));
    return element;
  }
  body.append(h("div", { class: "table-wrap" }, h("table", { class: "data", id: "per-decision-table" },
    h("thead", {}, h("tr", {}, ["Decision", "Precision", "Recall", "F1", "TP", "FP", "FN"].map((t, i) => h("th", { scope: "col", class: i ? "num" : null }, t)))),
    h("tbody", {}, rows.map((d) => {
      const r = m.metrics_per_decision[d];
      return h("tr", { "data-decision": d }, h("th", { scope: "row" }, d),
        h("td", { class: "num" }, formatPercent(r.precision)), h("td", { class: "num" }, formatPercent(r.recall)),
        h("td", { class: "num" }, formatPercent(r.f1_score)), h("td", { class: "num" }, formatCount(r.true_positives)),
        h("td", { class: "num" }, formatCount(r.false_positives)), h("td", { class: "num" }, formatCount(r.false_negatives)));
    })))));
  return element;
}

function feedbackPanel(job, m, model) {
  const { element, body } = panel("Feedback and models", { id: "job-feedback" });
  const changed = m.changed_consensus_after_training;
  body.append(
    h("dl", { class: "facts" },
      h("dt", {}, "Events with analyst feedback"), h("dd", { "data-value": m.total_events_with_consensus }, formatCount(m.total_events_with_consensus)),
      h("dt", {}, "In the active model’s knowledge base"), h("dd", { "data-value": m.total_events_in_knowledge_base }, formatCount(m.total_events_in_knowledge_base)),
      h("dt", {}, "Consensus changed since training"), h("dd", { "data-value": changed?.total_events ?? 0 }, formatCount(changed?.total_events ?? 0)),
      h("dt", {}, "Active model"), h("dd", {}, job.active_model_id ? h("code", {}, job.active_model_id) : "none yet"),
      h("dt", {}, "Its metrics"), h("dd", {}, !model || model.overall_accuracy === null
        ? "not computed yet (POST /api/v2/metrics/model/request_recompute_metrics)"
        : `accuracy ${formatPercent(model.overall_accuracy)}, F1 ${formatPercent(model.overall_f1_score)}, as of ${formatDateTime(model.last_recomputed_timestamp)}`)),
    job.all_model_ids.length ? h("ol", { class: "model-ids" }, job.all_model_ids.map((id) => h("li", {}, h("code", {}, id), id === job.active_model_id ? h("span", { class: "badge badge-version" }, "active") : null))) : null);
  return element;
}
