// A sparkline: the shape of a metric's last buckets in a line of text, as inline SVG.

import { h } from "./dom.js";
import { SERIES } from "./palette.js";

/** An SVG of `values` (nulls leave gaps), scaled to their own range; decorative. */
export function sparkline(values, { width = 120, height = 28, color = SERIES.promoted } = {}) {
  const present = values.filter((v) => v !== null && v !== undefined);
  const svg = h("svg:svg", {
    class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true",
    focusable: "false",
  });
  if (present.length === 0) return svg;
  const low = Math.min(...present);
  const high = Math.max(...present);
  const span = high - low || 1;
  const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  const point = (v, i) => [2 + i * step, height - 3 - ((v - low) / span) * (height - 6)];
  let run = [];
  const runs = [];
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push(point(v, i));
    }
  });
  if (run.length) runs.push(run);
  for (const line of runs) {
    svg.append(h("svg:polyline", {
      points: line.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "),
      fill: "none", stroke: color, "stroke-width": 1.5, "stroke-linejoin": "round", "stroke-linecap": "round",
    }));
  }
  const lastIndex = values.map((v) => v !== null && v !== undefined).lastIndexOf(true);
  const [x, y] = point(values[lastIndex], lastIndex);
  svg.append(h("svg:circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, fill: color }));
  return svg;
}
