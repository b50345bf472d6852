// The summary per split: rows, labeled rows and every metric of the promoted version, one
// column per split so the splits read side by side.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel } from "../dom.js";
import { formatCount, formatDateTime, formatMetric, metricLabel, metricsOf } from "../format.js";
import { sliceParams, sliceText } from "../view.js";

export function summaryPanel(ctx) {
  const { element, body } = panel("Summary by split", { id: "summary" });
  body.append(loading("the summaries"));
  async function load(minPosition) {
    const splits = ctx.splits();
    if (!ctx.promoted || splits.length === 0) {
      fill(body, empty("No predictions yet. Send some with POST /api/v1/models/{id}/versions/{version}/predictions."));
      return;
    }
    const metrics = metricsOf(ctx.model.task);
    const answers = await Promise.allSettled(splits.map((split) => get(`${ctx.base}/performance/summary`, {
      dataset_split: split, version_id: ctx.promoted.version_id, min_position: minPosition,
      ...sliceParams(ctx.view.slice),
    })));
    const found = answers.map((a) => (a.status === "fulfilled" ? a.value.data : null));
    const cell = (i, content, data) => h("td", { class: ["num", splits[i] === ctx.view.split && "cell-chosen"], "data-split": splits[i], ...data }, content);
    const countRow = (title, field) => h("tr", { "data-field": field }, h("th", { scope: "row" }, title),
      found.map((s, i) => cell(i, s ? formatCount(s[field]) : "–", { "data-value": s ? s[field] : "" })));
    const failed = answers.map((a, i) => (a.status === "rejected" ? `${splits[i]}: ${a.reason.message}` : null)).filter(Boolean);
    const evaluated = found.filter(Boolean).map((s) => s.evaluated_at).sort().at(-1);
    fill(body,
      h("div", { class: "table-wrap" }, h("table", { class: "data", id: "summary-table" },
        h("caption", { class: "table-caption" }, `${ctx.promoted.version_id}, over every labeled row of ${sliceText(ctx.view.slice)} in each split`),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Split"), splits.map((s) => h("th", { scope: "col", class: "num" }, s)))),
        h("tbody", {},
          countRow("Rows", "sample_count"),
          countRow("Labeled", "labeled_count"),
          metrics.map((m) => h("tr", { "data-metric": m, class: m === ctx.headline ? "row-headline" : null }, h("th", { scope: "row" }, metricLabel(m)),
            found.map((s, i) => cell(i, s ? formatMetric(m, s.metrics[m]) : "–", { "data-metric": m, "data-value": s?.metrics[m] ?? "" }))))))),
      failed.length ? h("p", { class: "panel-foot" }, failed.join(" ")) : null,
      evaluated ? h("p", { class: "panel-foot" }, `Evaluated at ${formatDateTime(evaluated)}.`) : null);
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}
