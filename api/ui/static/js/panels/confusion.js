// The confusion matrix of a split as a heatmap: counts, and rates normalised by true label.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel } from "../dom.js";
import { formatCount } from "../format.js";
import { confusionHeatmap } from "../heatmap.js";
import { sliceParams, sliceText } from "../view.js";

export function confusionPanel(ctx) {
  const { element, body } = panel("Confusion matrix", { id: "confusion" });
  body.append(loading("the confusion matrix"));
  async function load(minPosition) {
    const split = ctx.view.split;
    if (!ctx.promoted || ctx.splits().length === 0) {
      fill(body, empty("No predictions yet, so no confusion matrix."));
      return;
    }
    const { data } = await get(`${ctx.base}/performance/confusion-matrix`, {
      dataset_split: split, version_id: ctx.promoted.version_id, min_position: minPosition,
      ...sliceParams(ctx.view.slice),
    });
    element.dataset.split = data.dataset_split;
    element.dataset.version = data.version_id;
    const total = data.matrix.flat().reduce((a, b) => a + b, 0);
    if (total === 0) {
      fill(body, empty(`No labeled ${split} rows of ${sliceText(ctx.view.slice)} yet.`));
      return;
    }
    fill(body,
      confusionHeatmap({ labels: data.labels, matrix: data.matrix, caption: `${data.version_id} on ${formatCount(total)} labeled ${data.dataset_split} rows of ${sliceText(ctx.view.slice)}; rows are true labels, columns predictions` }));
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}
