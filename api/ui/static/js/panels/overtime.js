// Performance over time: the promoted version and a challenger per hour, day or week, on the
// page's split and slice; label coverage under it, rings on points measured on few labeled
// rows, the alerts and thresholds of the monitors watching that slice.

import { get } from "../api.js";
import { chartKey, dataTable, swatch, timeChart } from "../charts.js";
import { empty, failure, fill, h, loading, panel, segmented, select } from "../dom.js";
import { formatBucket, formatCount, formatMetric, formatPercent, metricLabel, metricNoun, metricsOf } from "../format.js";
import { SERIES, SEVERITY } from "../palette.js";
import { sliceParams, sliceText, watchesSlice } from "../view.js";

const BUCKETS = [["hour", "Hour"], ["day", "Day"], ["week", "Week"]];
// A point measured on fewer labeled rows than this is ringed: its value moves a lot by chance.
export const FEW_LABELED_ROWS = 30;

export function overTimePanel(ctx, firstSeries) {
  const metrics = metricsOf(ctx.model.task);
  const state = {
    metric: metrics.includes(ctx.query.get("metric")) ? ctx.query.get("metric") : ctx.headline,
    bucket: BUCKETS.some(([b]) => b === ctx.query.get("bucket")) ? ctx.query.get("bucket") : "day",
    challenger: ctx.query.has("challenger") ? ctx.query.get("challenger") : ctx.challengers.at(-1)?.version_id || "",
  };
  let pending = firstSeries;
  const challengerHolder = h("span", {});
  const { element, body } = panel("Performance over time", {
    id: "over-time", wide: true,
    controls: [
      select("Metric", metrics.map((m) => [m, metricLabel(m)]), state.metric, (v) => { state.metric = v; ctx.remember("metric", v); load(); }),
      segmented("Bucket", BUCKETS, state.bucket, (v) => { state.bucket = v; ctx.remember("bucket", v === "day" ? null : v); load(); }),
      challengerHolder,
    ],
  });
  body.append(loading("performance over time"));
  let charts = [];

  let shownChallengers = null;
  function drawControls() {
    const ids = ctx.challengers.map((v) => v.version_id).join();
    if (ids === shownChallengers) return;
    shownChallengers = ids;
    fill(challengerHolder, select("Challenger", [["", "None"], ...ctx.challengers.map((v) => [v.version_id, v.version_id])], state.challenger,
      (v) => { state.challenger = v; ctx.remember("challenger", v || ""); load(); }));
  }

  function params(version, minPosition) {
    return { bucket: state.bucket, version_id: version, dataset_split: ctx.view.split, min_position: minPosition, ...sliceParams(ctx.view.slice) };
  }

  async function load(minPosition) {
    drawControls();
    const promoted = ctx.promoted?.version_id;
    if (!promoted) {
      fill(body, empty("No version is trained yet, so there is nothing to chart."));
      return;
    }
    const first = pending && !minPosition && pending.split === ctx.view.split && pending.slice === sliceText(ctx.view.slice) ? pending.answer : null;
    const mine = first || get(`${ctx.base}/performance/timeseries`, params(promoted, minPosition));
    pending = null;
    const challenger = state.challenger && state.challenger !== promoted
      ? get(`${ctx.base}/performance/timeseries`, params(state.challenger, minPosition)) : null;
    const alerts = get(`${ctx.base}/alerts`, { limit: 1000, min_position: minPosition }).catch(() => ({ data: [] }));
    const monitors = get(`${ctx.base}/monitors`, { min_position: minPosition }).catch(() => ({ data: [] }));
    let series;
    try {
      series = (await mine).data;
    } catch (error) {
      fill(body, failure(error));
      return;
    }
    draw(series, null, [], []);
    performance.mark("perfledger:first-chart");
    const [other, { data: alertList }, { data: monitorList }] = await Promise.all([
      challenger ? challenger.then((a) => a.data, () => null) : null, alerts, monitors]);
    draw(series, other, alertList, monitorList);
  }

  function draw(series, other, alerts, monitors) {
    for (const chart of charts) chart.destroy();
    charts = [];
    const metric = state.metric;
    // Without a chosen start, the chart begins where the data does, not 30 empty buckets back.
    const firstWithRows = ctx.query.has("start") ? 0 : series.points.findIndex((p) => p.sample_count > 0);
    const points = firstWithRows > 0 ? series.points.slice(firstWithRows) : series.points;
    const x = points.map((p) => Date.parse(p.start) / 1000);
    const values = points.map((p) => (p.metrics ? p.metrics[metric] ?? null : null));
    const byStart = new Map((other?.points || []).map((p) => [p.start, p.metrics ? p.metrics[metric] ?? null : null]));
    const otherValues = points.map((p) => (byStart.has(p.start) ? byStart.get(p.start) : null));
    const fmt = (v) => formatMetric(metric, v);
    const watching = monitors.filter((m) => m.metric === metric && m.bucket === state.bucket && watchesSlice(m, ctx.view.slice)
      && (m.dataset_split ?? "production") === ctx.view.split);
    const watchingIds = new Set(watching.map((m) => m.monitor_id));
    const shownAlerts = alerts.filter((a) => watchingIds.has(a.monitor_id));
    const thresholds = watching
      .filter((m) => m.compare_to?.type === "value")
      .flatMap((m) => [["warning", m.warning], ["critical", m.critical]].filter(([, v]) => v !== null && v !== undefined)
        .map(([severity, value]) => ({ severity, value, title: `${m.name}: ${severity} ${m.condition} ${fmt(value)}` })));
    const seriesList = [{ label: `${series.version_id} (promoted)`, values, color: SERIES.promoted, format: fmt }];
    const fewLabeled = points.map((p, i) => (values[i] !== null && p.labeled_count < FEW_LABELED_ROWS ? values[i] : null));
    const fewCount = fewLabeled.filter((v) => v !== null).length;
    if (fewCount) seriesList.push({ label: `fewer than ${FEW_LABELED_ROWS} labeled rows`, values: fewLabeled, color: SERIES.promoted, ring: true, format: fmt });
    if (other) seriesList.push({ label: `${other.version_id} (challenger)`, values: otherValues, color: SERIES.challenger, dash: [6, 4], format: fmt });
    const lastIndex = values.map((v) => v !== null).lastIndexOf(true);
    const summary = lastIndex < 0
      ? `No ${metricNoun(metric)} in this range: no labeled rows yet.`
      : `Latest ${metricNoun(metric)}: ${fmt(values[lastIndex])} for ${formatBucket(points[lastIndex].start, state.bucket)}, on ${formatCount(points[lastIndex].labeled_count)} labeled rows.`;
    const lastLine = h("p", {
      class: "chart-summary", id: "over-time-latest",
      "data-start": lastIndex < 0 ? "" : points[lastIndex].start, "data-value": lastIndex < 0 ? "" : values[lastIndex],
      "data-metric": metric, "data-version": series.version_id, "data-few-labeled": fewCount,
      "data-split": series.dataset_split, "data-slice": sliceText(ctx.view.slice),
    }, summary);
    const main = h("div", { class: "chart-holder" });
    const coverage = h("div", { class: "chart-holder" });
    const alertCount = shownAlerts.length;
    fill(body,
      lastLine,
      main,
      h("h3", { class: "chart-subtitle" }, "Label coverage"),
      coverage,
      chartKey([
        { swatch: swatch("line", SERIES.promoted), text: `${series.version_id}, promoted` },
        other ? { swatch: swatch("dash", SERIES.challenger), text: `${other.version_id}, challenger` } : null,
        { swatch: swatch("bar", SERIES.coverage), text: "share of rows with a label" },
        { swatch: swatch("triangle", SEVERITY.critical), text: "critical alert" },
        { swatch: swatch("triangle", SEVERITY.warning), text: "warning alert" },
        thresholds.length ? { swatch: swatch("dots", SEVERITY.critical), text: "monitor thresholds" } : null,
        fewCount ? { swatch: swatch("ring", SERIES.promoted), text: `measured on fewer than ${FEW_LABELED_ROWS} labeled rows` } : null,
      ].filter(Boolean)),
      alertCount ? h("p", { class: "chart-note" }, `${formatCount(alertCount)} alert${alertCount === 1 ? "" : "s"} of the monitors watching ${metricNoun(metric)} per ${state.bucket} on ${sliceText(ctx.view.slice)} ${alertCount === 1 ? "is" : "are"} marked along the top.`) : null,
      dataTable(`${metricLabel(metric)} per ${state.bucket}`, ["Bucket", `${series.version_id}`, ...(other ? [other.version_id] : []), "Rows", "Labeled", "Coverage"],
        points.map((p, i) => [formatBucket(p.start, state.bucket), `${fmt(values[i])}${fewLabeled[i] !== null ? " (few labels)" : ""}`, ...(other ? [fmt(otherValues[i])] : []),
          formatCount(p.sample_count), formatCount(p.labeled_count), formatPercent(p.label_coverage)])));
    const syncKey = `over-time-${ctx.model.id}`;
    charts.push(timeChart(main, {
      x, series: seriesList, height: 260, yFormat: fmt, syncKey,
      markers: shownAlerts.map((a) => ({ x: Date.parse(a.bucket_start) / 1000, severity: a.severity || "warning", title: a.monitor_name })),
      thresholds,
      description: `${metricLabel(metric)} per ${state.bucket} of ${series.version_id}${other ? ` and ${other.version_id}` : ""} on ${series.dataset_split} rows of ${sliceText(ctx.view.slice)}. ${summary}`,
    }));
    charts.push(timeChart(coverage, {
      x, height: 110, yFormat: (v) => formatPercent(v), yRange: [0, 1], syncKey,
      series: [{ label: "Label coverage", values: points.map((p) => p.label_coverage), color: SERIES.coverage, bars: true, format: (v) => formatPercent(v) }],
      description: `Share of rows with a label per ${state.bucket}.`,
    }));
  }

  return { element, load };
}
