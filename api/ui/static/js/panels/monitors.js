// Monitors and their alerts: what watches the model, and what each found, newest first.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel, segmented } from "../dom.js";
import { formatBucket, formatCount, formatDateTime, formatMetric, metricLabel } from "../format.js";

export function monitorsPanel(ctx) {
  const state = { alerts: "open" };
  const { element, body } = panel("Monitors and alerts", {
    id: "monitors", wide: true,
    controls: [segmented("Alerts shown", [["open", "Open"], ["resolved", "Resolved"], ["all", "All"]], state.alerts, (v) => { state.alerts = v; load(); })],
  });
  body.append(loading("the monitors"));
  async function load(minPosition) {
    const [{ data: monitors }, { data: alerts }, { data: open }] = await Promise.all([
      get(`${ctx.base}/monitors`, { min_position: minPosition }),
      get(`${ctx.base}/alerts`, { state: state.alerts === "all" ? null : state.alerts, limit: 200, min_position: minPosition }),
      get(`${ctx.base}/alerts`, { state: "open", limit: 1000, min_position: minPosition }),
    ]);
    if (monitors.length === 0) {
      fill(body, empty("No monitors watch this model. Create one with POST /api/v1/models/{id}/monitors."));
      return;
    }
    const openBy = new Map();
    for (const alert of open) {
      const counts = openBy.get(alert.monitor_id) || { critical: 0, warning: 0 };
      counts[alert.severity === "critical" ? "critical" : "warning"] += 1;
      openBy.set(alert.monitor_id, counts);
    }
    fill(body,
      h("div", { class: "table-wrap" }, h("table", { class: "data", id: "monitors-table" },
        h("thead", {}, h("tr", {}, ["Monitor", "Watches", "Slice", "Alerts when", "Open alerts"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, monitors.map((m) => {
          const counts = openBy.get(m.monitor_id) || { critical: 0, warning: 0 };
          return h("tr", { "data-monitor-id": m.monitor_id },
            h("th", { scope: "row" }, m.name, m.enabled ? null : h("span", { class: "badge" }, "disabled")),
            h("td", {}, `${metricLabel(m.metric)} per ${m.bucket}, ${m.dataset_split}, ${m.version}`),
            h("td", {}, Object.keys(m.tags || {}).length ? Object.entries(m.tags).map(([k, v]) => `${k} = ${v}`).join(", ") : "all traffic"),
            h("td", {}, condition(m)),
            h("td", { class: "alerts-cell", "data-critical": counts.critical, "data-warning": counts.warning },
              counts.critical ? h("span", { class: "badge badge-critical" }, `${counts.critical} critical`) : null,
              counts.warning ? h("span", { class: "badge badge-warning" }, `${counts.warning} warning`) : null,
              counts.critical + counts.warning === 0 ? h("span", { class: "badge badge-ok" }, "None") : null));
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
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}

function condition(m) {
  const parts = [];
  const fmt = (v) => (m.compare_to?.type === "previous" ? `${Math.round(v * 1000) / 10}% change` : formatMetric(m.metric, v));
  if (m.warning !== null && m.warning !== undefined) parts.push(`warning ${m.condition} ${fmt(m.warning)}`);
  if (m.critical !== null && m.critical !== undefined) parts.push(`critical ${m.condition} ${fmt(m.critical)}`);
  const against = m.compare_to?.type === "version" ? ` (against ${m.compare_to.version_id})` : m.compare_to?.type === "previous" ? ` (against ${m.compare_to.buckets_back} buckets back)` : "";
  return `${parts.join(", ")}${against}; at least ${formatCount(m.min_labeled)} labeled rows`;
}
