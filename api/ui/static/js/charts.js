// Time charts drawn by uPlot (bundled under /ui/static/vendor/uplot with its licence): lines
// with gaps for empty buckets, bars for label coverage, alert markers and threshold lines.
// Each chart comes with its numbers as a table, for screen readers and for copying.

import { h } from "./dom.js";
import { SEVERITY } from "./palette.js";

const uPlot = window.uPlot;
const AXIS = { stroke: "#4b5563", grid: { stroke: "#e5e7eb", width: 1 }, ticks: { stroke: "#d1d5db", width: 1 }, font: "12px system-ui, sans-serif" };
const utc = (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC");

/**
 * A time chart in `container`. `x` holds bucket starts (seconds); each series is
 * {label, values, color, dash?, bars?, format}. `markers` are [{x, severity, title}] drawn
 * along the top; `thresholds` are [{value, severity, title}] drawn across.
 */
export function timeChart(container, { x, series, height = 260, yFormat, yRange, markers = [], thresholds = [], syncKey, description }) {
  const figure = h("figure", { class: "chart", role: "group", "aria-label": description });
  const canvasHolder = h("div", { class: "chart-canvas", "aria-hidden": "true" });
  figure.append(canvasHolder);
  container.append(figure);
  const options = {
    width: Math.max(320, container.clientWidth || 640),
    height,
    tzDate: utc,
    cursor: syncKey ? { sync: { key: syncKey }, focus: { prox: 16 } } : { focus: { prox: 16 } },
    focus: { alpha: 0.4 },
    legend: { live: true },
    scales: { x: { time: true }, y: yRange ? { range: yRange } : { range: (u, low, high) => padded(low, high, thresholds) } },
    axes: [
      { ...AXIS },
      { ...AXIS, size: 64, values: (u, values) => values.map((v) => yFormat(v)) },
    ],
    series: [
      { value: (u, v) => (v === null ? "–" : `${new Date(v * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`) },
      ...series.map((s) => (s.ring ? {
        // Rings around some points of another series: no line, hollow points.
        label: s.label,
        stroke: s.color,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 12, width: 2, stroke: s.color, fill: "#ffffff" },
        paths: () => null,
        value: (u, v) => s.format(v),
      } : {
        label: s.label,
        stroke: s.color,
        fill: s.bars ? `${s.color}cc` : undefined,
        width: s.bars ? 0 : 2,
        dash: s.dash,
        spanGaps: false,
        points: { show: !s.bars, size: 5, fill: s.color },
        paths: s.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined,
        value: (u, v) => s.format(v),
      })),
    ],
    plugins: [markersAndThresholds(markers, thresholds)],
  };
  const plot = new uPlot(options, [x, ...series.map((s) => s.values)], canvasHolder);
  const resize = new ResizeObserver(() => {
    const width = Math.max(320, container.clientWidth);
    if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height });
  });
  resize.observe(container);
  return {
    plot,
    destroy() {
      resize.disconnect();
      plot.destroy();
      figure.remove();
    },
  };
}

/** The y range of the data, widened to show every threshold line, with a little air. */
function padded(low, high, thresholds) {
  const values = [low, high, ...thresholds.map((t) => t.value)].filter((v) => Number.isFinite(v));
  if (values.length === 0) return [0, 1];
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const air = (max - min || Math.abs(max) || 1) * 0.08;
  return [min - air, max + air];
}

function markersAndThresholds(markers, thresholds) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        for (const line of thresholds) {
          const y = u.valToPos(line.value, "y", true);
          if (!(y >= top && y <= top + height)) continue;
          ctx.strokeStyle = SEVERITY[line.severity];
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash(line.severity === "critical" ? [2, 4].map((d) => d * devicePixelRatio) : [8, 4].map((d) => d * devicePixelRatio));
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
        }
        ctx.setLineDash([]);
        const size = 6 * devicePixelRatio;
        for (const marker of markers) {
          const cx = u.valToPos(marker.x, "x", true);
          if (!(cx >= left && cx <= left + width)) continue;
          ctx.fillStyle = SEVERITY[marker.severity] || SEVERITY.warning;
          ctx.strokeStyle = "#111";
          ctx.lineWidth = devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(cx - size, top + 1);
          ctx.lineTo(cx + size, top + 1);
          ctx.lineTo(cx, top + 1 + size * 1.6);
          ctx.closePath();
          ctx.fill();
          if (marker.severity === "critical") ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
}

/** The chart's numbers as a collapsible table: one row per bucket, one column per series. */
export function dataTable(caption, columns, rows) {
  return h("details", { class: "chart-table" },
    h("summary", {}, "Show the numbers"),
    h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))))))));
}

/** A legend line for what the canvas draws beyond its series (markers, thresholds). */
export function chartKey(items) {
  return h("ul", { class: "chart-key" }, items.map(({ swatch, text }) => h("li", {}, swatch, text)));
}

export function swatch(kind, color) {
  const mark = h("span", { class: `swatch swatch-${kind}`, "aria-hidden": "true" });
  if (kind === "triangle") mark.style.borderTopColor = color;
  else if (kind === "dash" || kind === "dots") mark.style.borderTopColor = color;
  else if (kind === "ring") mark.style.borderColor = color;
  else mark.style.backgroundColor = color;
  return mark;
}
