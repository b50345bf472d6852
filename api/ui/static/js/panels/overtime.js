// Performance over time: the promoted version and a challenger per hour, day or week, label
// coverage under it, alert markers along the top and the monitors' thresholds across.

import { get } from "../api.js";
import { chartKey, dataTable, swatch, timeChart } from "../charts.js";
import { empty, failure, fill, h, loading, panel, segmented, select } from "../dom.js";
import { formatBucket, formatCount, formatMetric, formatPercent, metricLabel, metricNoun, metricsOf } from "../format.js";
import { SERIES, SEVERITY } from "../palette.js";

const BUCKETS = [["hour", "Hour"], ["day", "Day"], ["week", "Week"]];

export function overTimePanel(ctx, firstSeries) {
  const metrics = metricsOf(ctx.model.task);
  const state = {
    metric: metrics.includes(ctx.query.get("metric")) ? ctx.query.get("metric") : ctx.headline,
    bucket: BUCKETS.some(([b]) => b === ctx.query.get("bucket")) ? ctx.query.get("bucket") : "day",
    slice: [...ctx.query].filter(([name]) => name.startsWith("tag.")).map(([n, v]) => `${n}=${v}`)[0] || "",
    challenger: ctx.query.has("challenger") ? ctx.query.get("challenger") : ctx.challengers.at(-1)?.version_id || "",
  };
  let pending = firstSeries;
  const sliceHolder = h("span", {});
  const challengerHolder = h("span", {});
  const { element, body } = panel("Performance over time", {
    id: "over-time", wide: true,
    controls: [
      select("Metric", metrics.map((m) => [m, metricLabel(m)]), state.metric, (v) => { state.metric = v; ctx.remember("metric", v); load(); }),
      segmented("Bucket", BUCKETS, state.bucket, (v) => { state.bucket = v; ctx.remember("bucket", v === "day" ? null : v); load(); }),
      sliceHolder, challengerHolder,
    ],
  });
  body.append(loading("performance over time"));
  let charts = [];
  let slicesOffered = false;

  let shownChallengers = null;
  function drawControls() {
    const ids = ctx.challengers.map((v) => v.version_id).join();
    if (ids === shownChallengers) return;
    shownChallengers = ids;
    fill(challengerHolder, select("Challenger", [["", "None"], ...ctx.challengers.map((v) => [v.version_id, v.version_id])], state.challenger,
      (v) => { state.challenger = v; ctx.remember("challenger", v || ""); load(); }));
  }

  async function offerSlices() {
    if (slicesOffered) return;
    slicesOffered = true;
    const options = [["", "All traffic"]];
    try {
      const { data } = await get(`${ctx.base}/performance/dimensions`);
      for (const tag of data.tags.slice(0, 5)) {
        const { data: found } = await get(`${ctx.base}/performance/segments`, { by: tag, limit: 30 });
        for (const segment of found.segments) {
          if (segment.value !== null && segment.value !== undefined && segment.value !== "__other__") {
            options.push([`tag.${tag}=${segment.value}`, `${tag} = ${segment.value}`]);
          }
        }
      }
    } catch {
      // Slices are an offer: without them the chart shows all traffic.
    }
    if (state.slice && !options.some(([v]) => v === state.slice)) options.push([state.slice, state.slice.slice(4).replace("=", " = ")]);
    fill(sliceHolder, select("Slice", options, state.slice, (v) => {
      for (const name of [...ctx.query.keys()]) if (name.startsWith("tag.")) ctx.query.delete(name);
      state.slice = v;
      if (v) { const [name, value] = splitSlice(v); ctx.remember(name, value); } else ctx.remember("tag.", null);
      load();
    }));
  }

  function params(version, minPosition) {
    const p = { bucket: state.bucket, version_id: version, min_position: minPosition };
    if (state.slice) { const [name, value] = splitSlice(state.slice); p[name] = value; }
    return p;
  }

  async function load(minPosition) {
    drawControls();
    const promoted = ctx.promoted?.version_id;
    if (!promoted) {
      fill(body, empty("No version is trained yet, so there is nothing to chart."));
      return;
    }
    const mine = pending && !minPosition ? pending : get(`${ctx.base}/performance/timeseries`, params(promoted, minPosition));
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
    offerSlices();
  }

  function draw(series, other, alerts, monitors) {
    for (const chart of charts) chart.destroy();
    charts = [];
    const metric = state.metric;
    const points = series.points;
    const x = points.map((p) => Date.parse(p.start) / 1000);
    const values = points.map((p) => (p.metrics ? p.metrics[metric] ?? null : null));
    const byStart = new Map((other?.points || []).map((p) => [p.start, p.metrics ? p.metrics[metric] ?? null : null]));
    const otherValues = points.map((p) => (byStart.has(p.start) ? byStart.get(p.start) : null));
    const fmt = (v) => formatMetric(metric, v);
    const sliceTags = state.slice ? Object.fromEntries([splitSlice(state.slice)].map(([n, v]) => [n.slice(4), v])) : {};
    const shownAlerts = alerts.filter((a) => a.metric === metric && a.bucket === state.bucket);
    const thresholds = monitors
      .filter((m) => m.metric === metric && m.bucket === state.bucket && m.compare_to?.type === "value" && sameTags(m.tags, sliceTags))
      .flatMap((m) => [["warning", m.warning], ["critical", m.critical]].filter(([, v]) => v !== null && v !== undefined)
        .map(([severity, value]) => ({ severity, value, title: `${m.name}: ${severity} ${m.condition} ${fmt(value)}` })));
    const seriesList = [{ label: `${series.version_id} (promoted)`, values, color: SERIES.promoted, format: fmt }];
    if (other) seriesList.push({ label: `${other.version_id} (challenger)`, values: otherValues, color: SERIES.challenger, dash: [6, 4], format: fmt });
    const lastIndex = values.map((v) => v !== null).lastIndexOf(true);
    const summary = lastIndex < 0
      ? `No ${metricNoun(metric)} in this range: no labeled rows yet.`
      : `Latest ${metricNoun(metric)}: ${fmt(values[lastIndex])} for ${formatBucket(points[lastIndex].start, state.bucket)}, on ${formatCount(points[lastIndex].labeled_count)} labeled rows.`;
    const lastLine = h("p", {
      class: "chart-summary", id: "over-time-latest",
      "data-start": lastIndex < 0 ? "" : points[lastIndex].start, "data-value": lastIndex < 0 ? "" : values[lastIndex],
      "data-metric": metric, "data-version": series.version_id,
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
      ].filter(Boolean)),
      alertCount ? h("p", { class: "chart-note" }, `${formatCount(alertCount)} alert${alertCount === 1 ? "" : "s"} on ${metricNoun(metric)} per ${state.bucket} (any slice) ${alertCount === 1 ? "is" : "are"} marked along the top.`) : null,
      dataTable(`${metricLabel(metric)} per ${state.bucket}`, ["Bucket", `${series.version_id}`, ...(other ? [other.version_id] : []), "Rows", "Labeled", "Coverage"],
        points.map((p, i) => [formatBucket(p.start, state.bucket), fmt(values[i]), ...(other ? [fmt(otherValues[i])] : []),
          formatCount(p.sample_count), formatCount(p.labeled_count), formatPercent(p.label_coverage)])));
    const syncKey = `over-time-${ctx.model.id}`;
    charts.push(timeChart(main, {
      x, series: seriesList, height: 260, yFormat: fmt, syncKey,
      markers: shownAlerts.map((a) => ({ x: Date.parse(a.bucket_start) / 1000, severity: a.severity || "warning", title: a.monitor_name })),
      thresholds,
      description: `${metricLabel(metric)} per ${state.bucket} of ${series.version_id}${other ? ` and ${other.version_id}` : ""}. ${summary}`,
    }));
    charts.push(timeChart(coverage, {
      x, height: 110, yFormat: (v) => formatPercent(v), yRange: [0, 1], syncKey,
      series: [{ label: "Label coverage", values: points.map((p) => p.label_coverage), color: SERIES.coverage, bars: true, format: (v) => formatPercent(v) }],
      description: `Share of rows with a label per ${state.bucket}.`,
    }));
  }

  return { element, load };
}

function splitSlice(slice) {
  const at = slice.indexOf("=");
  return [slice.slice(0, at), slice.slice(at + 1)];
}

function sameTags(tags, wanted) {
  const a = Object.entries(tags || {}).sort().join("|");
  const b = Object.entries(wanted).sort().join("|");
  return a === b;
}
