// A confusion matrix as a heatmap table: counts, and rates normalised by row (by true label),
// coloured with viridis. A table, so a screen reader reads it cell by cell with its headers.

import { h } from "./dom.js";
import { formatCount, formatPercent } from "./format.js";
import { textOnViridis, viridis } from "./palette.js";

/** `rowsTitle` names the rows (true labels), `columnsTitle` the columns (predictions). */
export function confusionHeatmap({ labels, matrix, rowsTitle = "True label", columnsTitle = "Predicted label", caption }) {
  const table = h("table", { class: "heatmap" },
    caption ? h("caption", {}, caption) : null,
    h("thead", {},
      h("tr", {}, h("td", { class: "heatmap-corner" }),
        h("th", { scope: "colgroup", colspan: labels.length, class: "heatmap-axis" }, columnsTitle)),
      h("tr", {}, h("th", { scope: "col", class: "heatmap-axis" }, rowsTitle),
        labels.map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, matrix.map((row, i) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      return h("tr", {},
        h("th", { scope: "row" }, labels[i]),
        row.map((count, j) => {
          const rate = total ? count / total : 0;
          const cell = h("td", {
            class: ["heatmap-cell", i === j && "heatmap-diagonal"],
            "data-row": labels[i], "data-column": labels[j], "data-count": count,
            title: `${labels[i]} predicted as ${labels[j]}: ${formatCount(count)} of ${formatCount(total)} (${formatPercent(rate)})`,
          },
          h("span", { class: "heatmap-count" }, formatCount(count)),
          h("span", { class: "heatmap-rate" }, total ? formatPercent(rate) : "–"));
          cell.style.backgroundColor = total ? viridis(rate) : "#f3f4f6";
          cell.style.color = total ? textOnViridis(rate) : "#6b7280";
          return cell;
        }));
    })));
  return h("div", { class: "heatmap-wrap" }, table, legend());
}

function legend() {
  const bar = h("span", { class: "heatmap-legend-bar", "aria-hidden": "true" });
  bar.style.backgroundImage = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(viridis).join(", ")})`;
  return h("p", { class: "heatmap-legend" }, h("span", {}, "0%"), bar, h("span", {}, "100% of the row"));
}
