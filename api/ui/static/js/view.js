// What the model page looks at: one split and one slice (a tag = value, or all traffic).
// Every panel reads with them, so the page is one view: the headline numbers, the chart,
// the summary, the confusion matrix, the segments and the sampled rows agree.

import { get } from "./api.js";
import { fill, h, select } from "./dom.js";

const MAX_SLICE_TAGS = 5; // tags offered as slices, each with its most frequent values
const MAX_SLICE_VALUES = 30;

/** The page's split and slice as the address gives them (`split=`, `tag.<name>=`). */
export function viewFromAddress(query, splits) {
  const asked = query.get("split");
  const split = splits.includes(asked) ? asked : splits.includes("production") ? "production" : splits[0] || "production";
  const tag = [...query].find(([name]) => name.startsWith("tag."));
  return { split, slice: tag ? { name: tag[0].slice(4), value: tag[1] } : null };
}

/** The query parameters of a slice: `{"tag.region": "eu"}`, or none. */
export function sliceParams(slice) {
  return slice ? { [`tag.${slice.name}`]: slice.value } : {};
}

/** "region = eu", or "all traffic". */
export function sliceText(slice) {
  return slice ? `${slice.name} = ${slice.value}` : "all traffic";
}

/** Whether a monitor watches exactly this slice (a monitor without tags watches all traffic). */
export function watchesSlice(monitor, slice) {
  const tags = Object.entries(monitor.tags || {});
  if (!slice) return tags.length === 0;
  return tags.length === 1 && tags[0][0] === slice.name && tags[0][1] === slice.value;
}

/**
 * The bar choosing the page's split and slice; `onChange(view)` is called with the new view.
 * Slices are offered from the model's tags and their most frequent values.
 */
export function viewBar(ctx, onChange) {
  const splitHolder = h("span", {});
  const sliceHolder = h("span", {});
  const element = h("section", { class: "view-bar", id: "view-bar", "aria-label": "What the page shows" },
    h("span", { class: "view-bar-title" }, "Showing"), splitHolder, sliceHolder);
  let offered = false;

  function drawSplits() {
    const splits = ctx.splits();
    const choices = (splits.length ? splits : [ctx.view.split]).map((s) => [s, s]);
    fill(splitHolder, select("Split", choices, ctx.view.split, (split) => onChange({ ...ctx.view, split })));
  }

  async function offerSlices() {
    if (offered) return;
    offered = true;
    const options = [["", "All traffic"]];
    try {
      const { data } = await get(`${ctx.base}/performance/dimensions`);
      for (const tag of data.tags.slice(0, MAX_SLICE_TAGS)) {
        const { data: found } = await get(`${ctx.base}/performance/segments`, { by: tag, limit: MAX_SLICE_VALUES, dataset_split: ctx.view.split });
        for (const segment of found.segments) {
          if (segment.value !== null && segment.value !== undefined && segment.value !== "__other__") {
            options.push([JSON.stringify([tag, String(segment.value)]), `${tag} = ${segment.value}`]);
          }
        }
      }
    } catch {
      // Slices are an offer: without them the page shows all traffic.
    }
    const current = ctx.view.slice ? JSON.stringify([ctx.view.slice.name, ctx.view.slice.value]) : "";
    if (current && !options.some(([v]) => v === current)) options.push([current, sliceText(ctx.view.slice)]);
    fill(sliceHolder, select("Slice", options, current, (value) => {
      const [name, chosen] = value ? JSON.parse(value) : [null, null];
      onChange({ ...ctx.view, slice: name ? { name, value: chosen } : null });
    }));
  }

  return {
    element,
    draw() {
      drawSplits();
      offerSlices();
    },
  };
}
