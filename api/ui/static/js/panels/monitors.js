// Monitors and their alerts: what watches the model, and what each found, newest first;
// monitors are created, paused, resumed and deleted here through the same API.

import { get, patch, post, remove } from "../api.js";
import { empty, failure, fill, h, loading, panel, segmented } from "../dom.js";
import { formatBucket, formatCount, formatDateTime, formatMetric, metricLabel, metricsOf } from "../format.js";
import { choice, confirmingButton, field, numberInput, numberOrNothing, parseTags, textInput, writingForm } from "../forms.js";

export function monitorsPanel(ctx) {
  const state = { alerts: "open" };
  const creator = h("div", { class: "panel-form", id: "monitor-create" });
  const newButton = h("button", { type: "button", class: "button", id: "monitor-new", onclick: () => openForm() }, "New monitor");
  const { element, body } = panel("Monitors and alerts", {
    id: "monitors", wide: true,
    controls: [newButton, segmented("Alerts shown", [["open", "Open"], ["resolved", "Resolved"], ["all", "All"]], state.alerts, (v) => { state.alerts = v; load(); })],
  });
  const list = h("div", {});
  body.append(creator, list);
  list.append(loading("the monitors"));

  function openForm() {
    newButton.hidden = true;
    const metrics = metricsOf(ctx.model.task).map((name) => [name, metricLabel(name)]);
    fill(creator, writingForm({
      id: "monitor-form",
      submitLabel: "Create monitor",
      fields: [
        field("Name", textInput("name", { required: true, maxlength: 200 })),
        field("Metric", choice("metric", metrics, ctx.headline)),
        field("Bucket", choice("bucket", [["hour", "hour"], ["day", "day"], ["week", "week"]], "day")),
        field("Split", choice("dataset_split", ctx.allSplits.map((s) => [s, s]), ctx.splits()[0] || "production")),
        field("Slice", textInput("tags", { placeholder: "region=apac" }), "tags, as name=value, comma-separated; blank: all traffic"),
        field("Alerts when the value is", choice("condition", [["below", "below"], ["above", "above"]], "below")),
        field("Warning", numberInput("warning")),
        field("Critical", numberInput("critical")),
        field("At least … labeled rows", numberInput("min_labeled", { value: "1", step: "1" })),
        field("Judged … minutes after a bucket ends", numberInput("evaluation_delay_minutes", { value: "0", step: "1" })),
      ],
      write: (values) => post(`${ctx.base}/monitors`, {}, {
        name: values.name, metric: values.metric, bucket: values.bucket, dataset_split: values.dataset_split,
        tags: parseTags(values.tags), condition: values.condition,
        warning: numberOrNothing(values.warning), critical: numberOrNothing(values.critical),
        min_labeled: numberOrNothing(values.min_labeled), evaluation_delay_minutes: numberOrNothing(values.evaluation_delay_minutes),
      }),
      done: async ({ data }) => { closeForm(); await load(data.position); },
      cancel: closeForm,
    }));
    creator.querySelector("input")?.focus();
  }

  function closeForm() {
    fill(creator);
    newButton.hidden = false;
  }

  async function change(write) {
    try {
      const { data } = await write();
      await load(data.position);
    } catch (error) {
      fill(creator, failure(error));
    }
  }

  function actions(m) {
    const path = `${ctx.base}/monitors/${encodeURIComponent(m.monitor_id)}`;
    return h("td", { class: "row-actions" },
      h("button", { type: "button", class: "button button-small", "data-action": m.enabled ? "pause" : "resume",
        onclick: () => change(() => patch(path, { enabled: !m.enabled })) }, m.enabled ? "Pause" : "Resume"),
      confirmingButton("Delete", () => change(() => remove(path)), { "data-action": "delete" }));
  }

  async function load(minPosition) {
    const [{ data: monitors }, { data: alerts }, { data: open }] = await Promise.all([
      get(`${ctx.base}/monitors`, { min_position: minPosition }),
      get(`${ctx.base}/alerts`, { state: state.alerts === "all" ? null : state.alerts, limit: 200, min_position: minPosition }),
      get(`${ctx.base}/alerts`, { state: "open", limit: 1000, min_position: minPosition }),
    ]);
    if (monitors.length === 0) {
      fill(list, empty("No monitors watch this model yet: create one with New monitor."));
      return;
    }
    const openBy = new Map();
    for (const alert of open) {
      const counts = openBy.get(alert.monitor_id) || { critical: 0, warning: 0 };
      counts[alert.severity === "critical" ? "critical" : "warning"] += 1;
      openBy.set(alert.monitor_id, counts);
    }
    fill(list,
      h("div", { class: "table-wrap" }, h("table", { class: "data", id: "monitors-table" },
        h("thead", {}, h("tr", {}, ["Monitor", "Watches", "Slice", "Alerts when", "Open alerts", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, monitors.map((m) => {
          const counts = openBy.get(m.monitor_id) || { critical: 0, warning: 0 };
          return h("tr", { "data-monitor-id": m.monitor_id },
            h("th", { scope: "row" }, m.name, m.enabled ? null : h("span", { class: "badge", "data-paused": "" }, "paused")),
            h("td", {}, `${metricLabel(m.metric)} per ${m.bucket}, ${m.dataset_split}, ${m.version}`),
            h("td", {}, Object.keys(m.tags || {}).length ? Object.entries(m.tags).map(([k, v]) => `${k} = ${v}`).join(", ") : "all traffic"),
            h("td", {}, condition(m)),
            h("td", { class: "alerts-cell", "data-critical": counts.critical, "data-warning": counts.warning },
              counts.critical ? h("span", { class: "badge badge-critical" }, `${counts.critical} critical`) : null,
              counts.warning ? h("span", { class: "badge badge-warning" }, `${counts.warning} warning`) : null,
              counts.critical + counts.warning === 0 ? h("span", { class: "badge badge-ok" }, "None") : null),
            actions(m));
        })))),
      h("h3", { class: "panel-subtitle" }, `${state.alerts === "all" ? "All" : state.alerts === "open" ? "Open" : "Resolved"} alerts (${formatCount(alerts.length)})`),
      alerts.length === 0 ? empty(state.alerts === "open" ? "No open alerts: every monitor is within its thresholds." : "No alerts to show.")
        : h("ol", { class: "alert-list", id: "alert-list" }, alerts.map((a) => h("li", { class: "alert-item", "data-alert-id": a.alert_id, "data-severity": a.severity || "" },
          h("span", { class: `badge badge-${a.state === "open" ? a.severity || "warning" : "ok"}` }, a.state === "open" ? a.severity : "resolved"),
          h("span", { class: "alert-main" },
            h("strong", {}, a.monitor_name), ` · ${metricLabel(a.metric)} ${formatMetric(a.metric, a.value)} for the ${a.bucket} of ${formatBucket(a.bucket_start, a.bucket)}`,
            a.transitions.some((t) => t.restated) ? h("span", { class: "badge" }, "restated") : null),
          h("span", { class: "alert-when" }, `opened ${formatDateTime(a.opened_at)}`, a.transitions.length > 1 ? ` · ${a.transitions.length} changes` : "")))));
  }
  return { element, load: (p) => load(p).catch((error) => fill(list, failure(error))) };
}

function condition(m) {
  const parts = [];
  const fmt = (v) => (m.compare_to?.type === "previous" ? `${Math.round(v * 1000) / 10}% change` : formatMetric(m.metric, v));
  if (m.warning !== null && m.warning !== undefined) parts.push(`warning ${m.condition} ${fmt(m.warning)}`);
  if (m.critical !== null && m.critical !== undefined) parts.push(`critical ${m.condition} ${fmt(m.critical)}`);
  const against = m.compare_to?.type === "version" ? ` (against ${m.compare_to.version_id})` : m.compare_to?.type === "previous" ? ` (against ${m.compare_to.buckets_back} buckets back)` : "";
  return `${parts.join(", ")}${against}; at least ${formatCount(m.min_labeled)} labeled rows`;
}
