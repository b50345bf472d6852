// Segments worst first: the rows sliced by a tag or an input, ranked by a metric.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel, select } from "../dom.js";
import { formatAmount, formatCount, formatMetric, higherIsBetter, metricLabel, metricsOf } from "../format.js";
import { SERIES } from "../palette.js";
import { sliceParams, sliceText } from "../view.js";

const WINDOWS = [["", "All rows"], ["7", "Last 7 days"], ["30", "Last 30 days"]];

export function segmentsPanel(ctx) {
  const metrics = metricsOf(ctx.model.task);
  const state = { by: null, sort: ctx.headline, days: "" };
  const controls = h("span", { class: "panel-controls" });
  const { element, body } = panel("Segments, worst first", { id: "segments", controls: [controls] });
  body.append(loading("the segments"));
  let dimensions = null;
  let watchedTags = [];

  async function load(minPosition) {
    if (!dimensions) {
      const [found, monitors] = await Promise.all([get(`${ctx.base}/performance/dimensions`), get(`${ctx.base}/monitors`)]);
      dimensions = found.data;
      watchedTags = monitors.data.flatMap((m) => Object.keys(m.tags || {}));
    }
    const choices = [...dimensions.tags.map((t) => [`tag:${t}`, `${t} (tag)`]), ...dimensions.inputs.map((i) => [`input:${i}`, `${i} (input)`])];
    if (!ctx.promoted || choices.length === 0) {
      fill(controls);
      fill(body, empty("Rows carry no tags and the model declares no inputs, so there is nothing to slice by."));
      return;
    }
    // A tag a monitor watches is the slice people ask about first.
    const watched = watchedTags.find((t) => dimensions.tags.includes(t));
    if (!state.by) {
      state.by = watched ? `tag:${watched}` : choices[0][0];
      // Drawn once: redrawing a control would take the keyboard's focus away from it.
      fill(controls,
        select("By", choices, state.by, (v) => { state.by = v; load(); }),
        select("Rank by", metrics.map((m) => [m, metricLabel(m)]), state.sort, (v) => { state.sort = v; load(); }),
        select("Rows", WINDOWS, state.days, (v) => { state.days = v; load(); }));
    }
    const [kind, name] = [state.by.slice(0, state.by.indexOf(":")), state.by.slice(state.by.indexOf(":") + 1)];
    const params = {
      by: name, sort: state.sort, version_id: ctx.promoted.version_id, dataset_split: ctx.view.split, min_position: minPosition, limit: 20,
      ...sliceParams(ctx.view.slice),
    };
    if (kind === "input") params.bins = 5;
    if (state.days) params.start = new Date(Date.now() - Number(state.days) * 86400000).toISOString().slice(0, 10);
    const { data } = await get(`${ctx.base}/performance/segments`, params);
    if (data.segments.length === 0) {
      fill(body, empty(`No ${ctx.view.split} rows of ${sliceText(ctx.view.slice)} to segment yet.`));
      return;
    }
    const sort = data.sort;
    const values = data.segments.map((s) => s.metrics?.[sort]).filter((v) => v !== null && v !== undefined);
    const top = Math.max(...values.map(Math.abs), 1e-12);
    const others = metrics.filter((m) => m !== sort).slice(0, 1);
    fill(body, h("div", { class: "table-wrap" }, h("table", { class: "data", id: "segments-table" },
      h("caption", { class: "table-caption" }, `${data.version_id}, ${data.dataset_split} rows of ${sliceText(ctx.view.slice)} by ${data.by}; ${higherIsBetter(sort) ? "lowest" : "highest"} ${metricLabel(sort)} first`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, data.by), h("th", { scope: "col", class: "num" }, "Rows"),
        h("th", { scope: "col", class: "num" }, "Labeled"), h("th", { scope: "col" }, metricLabel(sort)),
        others.map((m) => h("th", { scope: "col", class: "num" }, metricLabel(m))))),
      h("tbody", {}, data.segments.map((s) => {
        const value = s.metrics?.[sort];
        const bar = h("span", { class: "bar", "aria-hidden": "true" });
        bar.style.width = `${value === null || value === undefined ? 0 : Math.round((Math.abs(value) / top) * 100)}%`;
        bar.style.backgroundColor = SERIES.promoted;
        return h("tr", { "data-segment": segmentName(s) },
          h("th", { scope: "row" }, segmentName(s)),
          h("td", { class: "num" }, formatCount(s.sample_count)),
          h("td", { class: "num" }, formatCount(s.labeled_count)),
          h("td", { class: "bar-cell", "data-value": value ?? "" }, h("span", { class: "bar-track" }, bar), h("span", { class: "num" }, formatMetric(sort, value))),
          others.map((m) => h("td", { class: "num" }, formatMetric(m, s.metrics?.[m]))));
      })))));
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}

function segmentName(segment) {
  if (segment.range) return `${formatAmount(segment.range[0])} to ${formatAmount(segment.range[1])}`;
  if (segment.value === null || segment.value === undefined) return "(none)";
  return segment.value === "__other__" ? "(all other values)" : String(segment.value);
}
