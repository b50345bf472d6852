// The confusion matrix of a split as a heatmap: counts, and rates normalised by true label.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel, select } from "../dom.js";
import { formatCount } from "../format.js";
import { confusionHeatmap } from "../heatmap.js";

export function confusionPanel(ctx) {
  const splits = ctx.splits();
  const state = { split: splits.includes("production") ? "production" : splits[0] || "test" };
  const controlHolder = h("span", {});
  const { element, body } = panel("Confusion matrix", { id: "confusion", controls: [controlHolder] });
  body.append(loading("the confusion matrix"));
  let shownSplits = null;
  async function load(minPosition) {
    const available = ctx.splits();
    if (available.join() !== shownSplits) {
      shownSplits = available.join();
      fill(controlHolder, available.length > 1 ? select("Split", available.map((s) => [s, s]), state.split, (v) => { state.split = v; load(); }) : null);
    }
    if (!ctx.promoted || available.length === 0) {
      fill(body, empty("No predictions yet, so no confusion matrix."));
      return;
    }
    const { data } = await get(`${ctx.base}/performance/confusion-matrix`, {
      dataset_split: state.split, version_id: ctx.promoted.version_id, min_position: minPosition,
    });
    element.dataset.split = data.dataset_split;
    element.dataset.version = data.version_id;
    const total = data.matrix.flat().reduce((a, b) => a + b, 0);
    if (total === 0) {
      fill(body, empty(`No labeled ${state.split} rows yet.`));
      return;
    }
    fill(body,
      confusionHeatmap({ labels: data.labels, matrix: data.matrix, caption: `${data.version_id} on ${formatCount(total)} labeled ${data.dataset_split} rows; rows are true labels, columns predictions` }));
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}
