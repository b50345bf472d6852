// Input drift and data integrity: a heat map of the columns (worst first) by day, coloured by
// Jensen-Shannon distance from the model's default baseline; a cell opens that column's two
// distributions side by side for the day. Below it, each column's missing values and
// violations over the range. Measured on the page's split and slice (a slice's rows against
// the baseline's rows of that slice).

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel } from "../dom.js";
import { formatBucket, formatCount, formatPercent } from "../format.js";
import { textOnViridis, viridis } from "../palette.js";
import { sliceParams, sliceText } from "../view.js";

const DAYS = 30;
const JSD_SCALE = Math.sqrt(Math.log(2)); // the largest Jensen-Shannon distance (natural log)

export function driftPanel(ctx) {
  const { element, body } = panel("Input drift and data integrity", { id: "drift", wide: true });
  body.append(loading("the input drift"));
  const detail = h("div", { class: "drift-detail", id: "drift-detail" });

  async function load(minPosition) {
    if (!ctx.promoted) {
      fill(body, empty("No version is trained yet, so there are no inputs to compare."));
      return;
    }
    const { data: baselines } = await get(`${ctx.base}/baselines`, { min_position: minPosition });
    const baseline = baselines.find((b) => b.default);
    if (!baseline) {
      fill(body, empty(`No baseline yet: create one (POST ${ctx.base}/baselines, for instance {"name": "training", "type": "static", "dataset_split": "train"}) to see drift.`));
      return;
    }
    const start = new Date(Date.now() - (DAYS - 1) * 86400000).toISOString().slice(0, 10);
    const range = { dataset_split: ctx.view.split, version_id: ctx.promoted.version_id, start, min_position: minPosition, ...sliceParams(ctx.view.slice) };
    const [drift, integrity] = await Promise.all([
      get(`${ctx.base}/inputs/drift`, { ...range, metrics: "jsd" }).then((answer) => answer.data, (error) => error),
      get(`${ctx.base}/inputs/integrity`, range).then((answer) => answer.data),
    ]);
    if (drift instanceof Error) {
      if (ctx.view.slice && drift.status === 422) { // the baseline holds no rows of this slice
        fill(body, empty(`The baseline "${baseline.name}" holds no rows of ${sliceText(ctx.view.slice)}, so this slice's drift cannot be measured.`));
        return;
      }
      throw drift;
    }
    const order = drift.ranking.map((entry) => entry.column);
    if (!order.length) {
      fill(body, empty("The model has no binned column: declare its inputs' types (columns on the model) to measure drift."));
      return;
    }
    fill(body,
      h("p", { class: "panel-lead" }, `Jensen-Shannon distance of each column's ${drift.dataset_split} distribution from the baseline "${baseline.name}", per day, worst column first; ${sliceText(ctx.view.slice)}${ctx.view.slice ? " against the baseline's rows of it" : ""}. Select a cell to compare the two distributions.`),
      heatMap(drift, order, (column, point) => showDistribution(column, point, baseline)),
      detail,
      integrityTable(integrity));
  }

  async function showDistribution(column, point, baseline) {
    fill(detail, loading(`the distribution of ${column}`));
    try {
      const { data } = await get(`${ctx.base}/inputs/distribution`, {
        column, start: point.start, end: point.end, dataset_split: ctx.view.split,
        version_id: ctx.promoted.version_id, baseline: baseline.id, ...sliceParams(ctx.view.slice),
      });
      fill(detail, distributionBars(data, point));
    } catch (error) {
      fill(detail, failure(error));
    }
  }

  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}

function heatMap(drift, order, onSelect) {
  const ranking = new Map(drift.ranking.map((entry) => [entry.column, entry.jsd]));
  return h("div", { class: "table-wrap" }, h("table", { class: "heatmap drift-heatmap", id: "drift-heatmap" },
    h("caption", { class: "visually-hidden" }, "Jensen-Shannon distance per column and day"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Column"), h("th", { scope: "col", class: "num" }, "Range"),
      drift.points.map((p) => h("th", { scope: "col", class: "drift-day" }, formatBucket(p.start, "day"))))),
    h("tbody", {}, order.map((column) => h("tr", { "data-column": column },
      h("th", { scope: "row" }, column),
      h("td", { class: "num", "data-jsd": ranking.get(column) ?? "" }, formatDistance(ranking.get(column))),
      drift.points.map((point) => {
        const value = point.columns[column]?.jsd;
        const cell = h("td", {
          class: "heatmap-cell drift-cell", "data-start": point.start, "data-jsd": value ?? "",
          title: `${column}, ${formatBucket(point.start, "day")}: ${formatDistance(value)} on ${formatCount(point.sample_count)} rows`,
        }, h("button", { type: "button", class: "drift-cell-button", onclick: () => onSelect(column, point) }, formatDistance(value)));
        if (value !== null && value !== undefined) {
          const t = Math.min(value / JSD_SCALE, 1);
          cell.style.backgroundColor = viridis(t);
          cell.style.color = textOnViridis(t);
        }
        return cell;
      }))))));
}

function distributionBars(data, point) {
  const window = data.window.proportions || [];
  const reference = data.baseline?.proportions || [];
  const labelOf = (bin) => (Array.isArray(bin) ? `${bin[0] ?? "−∞"} to ${bin[1] ?? "+∞"}` : String(bin));
  const bar = (share, kind) => {
    const shown = h("span", { class: `drift-bar drift-bar-${kind}` });
    shown.style.width = `${Math.round((share || 0) * 100)}%`;
    return shown;
  };
  return h("figure", { class: "drift-distribution", "data-column": data.column },
    h("figcaption", {}, `${data.column} on ${formatBucket(point.start, "day")} (${formatCount(data.window.sample_count)} rows) against the baseline "${data.baseline?.name ?? "none"}"`),
    h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["Bin", "This day", "Baseline"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.bins.map((bin, i) => h("tr", {},
        h("th", { scope: "row" }, labelOf(bin)),
        h("td", {}, bar(window[i], "window"), ` ${formatPercent(window[i] ?? null)}`),
        h("td", {}, bar(reference[i], "baseline"), ` ${formatPercent(reference[i] ?? null)}`))))));
}

function integrityTable(integrity) {
  const rows = integrity.points.reduce((sum, p) => sum + p.sample_count, 0);
  const violating = integrity.points.reduce((sum, p) => sum + p.any_violation_count, 0);
  const columns = Object.keys(integrity.points[0]?.columns || {});
  const total = (column, field) => integrity.points.reduce((sum, p) => sum + p.columns[column][field], 0);
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id: "integrity-table" },
    h("caption", { class: "table-caption" }, `Data integrity over ${formatCount(rows)} rows: ${formatCount(violating)} (${formatPercent(rows ? violating / rows : null)}) with at least one violation`),
    h("thead", {}, h("tr", {}, ["Column", "Missing", "Wrong type", "Out of range"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, columns.map((column) => h("tr", { "data-column": column },
      h("th", { scope: "row" }, column),
      ["missing_count", "type_violation_count", "range_violation_count"].map((field) => {
        const count = total(column, field);
        return h("td", { class: "num", "data-field": field, "data-value": count }, `${formatCount(count)} (${formatPercent(rows ? count / rows : null)})`);
      }))))));
}

function formatDistance(value) {
  return value === null || value === undefined ? "–" : value.toFixed(3);
}
