// Misclassified rows: a uniform random sample, filtered as the API allows (true label,
// predicted label, minimum confidence), drawn again on demand.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel, select } from "../dom.js";
import { formatCount, formatNumber, formatPercent } from "../format.js";
import { sliceParams, sliceText } from "../view.js";

export function samplesPanel(ctx) {
  const state = { trueLabel: "", predicted: "", minConfidence: "", limit: "10" };
  const labels = [["", "Any"], ...ctx.model.labels.map((l) => [l, l])];
  const confidence = h("input", { type: "number", min: 0, max: 1, step: 0.05, id: "min-confidence", inputmode: "decimal", placeholder: "0–1", value: state.minConfidence,
    onchange: (event) => { state.minConfidence = event.target.value; load(); } });
  const { element, body } = panel("Misclassified rows", {
    id: "samples", wide: true,
    controls: [
      ctx.model.labels.length ? select("True label", labels, state.trueLabel, (v) => { state.trueLabel = v; load(); }) : null,
      ctx.model.labels.length ? select("Predicted", labels, state.predicted, (v) => { state.predicted = v; load(); }) : null,
      h("label", { class: "control", for: "min-confidence" }, h("span", { class: "control-label" }, "Min. confidence"), confidence),
      select("Show", [["10", "10 rows"], ["25", "25 rows"], ["50", "50 rows"]], state.limit, (v) => { state.limit = v; load(); }),
      h("button", { type: "button", class: "button", onclick: () => load() }, "Draw another sample"),
    ],
  });
  body.append(loading("misclassified rows"));
  async function load(minPosition) {
    if (!ctx.promoted || ctx.splits().length === 0) {
      fill(body, empty("No predictions yet."));
      return;
    }
    const value = Number(state.minConfidence);
    if (state.minConfidence !== "" && !(value >= 0 && value <= 1)) {
      fill(body, failure(new Error("The minimum confidence is a number from 0 to 1.")));
      return;
    }
    const { data } = await get(`${ctx.base}/performance/misclassification-errors`, {
      dataset_split: ctx.view.split, version_id: ctx.promoted.version_id, limit: state.limit, min_position: minPosition,
      true_label: state.trueLabel, predicted_label: state.predicted, min_confidence: state.minConfidence,
      ...sliceParams(ctx.view.slice),
    });
    if (data.records.length === 0) {
      fill(body, empty(`No misclassified ${ctx.view.split} rows of ${sliceText(ctx.view.slice)} match these filters.`));
      return;
    }
    const features = [...new Set(data.records.flatMap((r) => Object.keys(r.features || {})))].slice(0, 6);
    fill(body,
      h("p", { class: "panel-lead", id: "samples-total", "data-total": data.total_misclassified },
        `${formatCount(data.returned)} of ${formatCount(data.total_misclassified)} misclassified ${data.dataset_split} rows of ${sliceText(ctx.view.slice)}, drawn at random.`),
      h("div", { class: "table-wrap" }, h("table", { class: "data", id: "samples-table" },
        h("thead", {}, h("tr", {}, ["Row", "True label", "Predicted", "Confidence", ...features].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, data.records.map((r) => h("tr", {},
          h("th", { scope: "row" }, h("code", {}, r.row_id)),
          h("td", {}, r.true_label), h("td", {}, r.predicted_label),
          h("td", { class: "num" }, r.confidence === null || r.confidence === undefined ? "–" : formatPercent(r.confidence)),
          features.map((f) => h("td", { class: "num" }, formatFeature(r.features?.[f])))))))));
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}

function formatFeature(value) {
  if (value === null || value === undefined) return "–";
  return typeof value === "number" ? formatNumber(value) : String(value);
}
