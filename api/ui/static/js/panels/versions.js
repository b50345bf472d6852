// The versions as a timeline from the model's history: who created, trained and promoted
// what, when and why, with the promotion gate's evidence.

import { get } from "../api.js";
import { empty, failure, fill, h, loading, panel } from "../dom.js";
import { formatAgo, formatCount, formatDateTime, formatMetric, metricLabel } from "../format.js";

const SHOWN = new Set(["ModelRegistered", "VersionCreated", "VersionStatusChanged", "VersionPromoted"]);
const PAGES = 20; // of 1,000 entries: a model's life story, not its every batch

export function versionsPanel(ctx) {
  const { element, body } = panel("Versions", { id: "versions" });
  body.append(loading("the versions"));
  const entries = [];
  let after = 0;

  async function load(minPosition) {
    for (let page = 0; page < PAGES; page += 1) {
      const { data } = await get(`${ctx.base}/history`, { after, limit: 1000, min_position: minPosition });
      entries.push(...data.filter((e) => SHOWN.has(e.type)));
      if (data.length) after = data.at(-1).position;
      if (data.length < 1000) break;
    }
    ctx.historySeen = after;  // where the page's live updates start
    const chips = h("ul", { class: "version-chips" }, ctx.versions.map((v) => h("li", { class: ["version-chip", v.promoted && "version-chip-promoted"] },
      h("strong", {}, v.version_id), ` ${v.promoted ? "promoted" : v.status}`,
      h("span", { class: "muted" }, ` · ${formatCount(Object.values(v.row_counts).reduce((a, b) => a + b, 0))} rows`))));
    if (entries.length === 0) {
      fill(body, chips, empty("No history yet."));
      return;
    }
    fill(body, chips, h("ol", { class: "timeline", id: "timeline" }, [...entries].reverse().map(item)));
  }
  return { element, load: (p) => load(p).catch((error) => fill(body, failure(error))) };
}

function item(entry) {
  const d = entry.data;
  let text;
  let detail = null;
  switch (entry.type) {
    case "ModelRegistered":
      text = `registered the model “${d.name}”`;
      break;
    case "VersionCreated":
      text = `created version ${d.version_id}`;
      if (d.description) detail = h("p", { class: "timeline-reason" }, d.description);
      break;
    case "VersionStatusChanged":
      text = `marked ${d.version_id} ${d.status}`;
      break;
    default:
      text = `promoted ${d.version_id}${d.previous_version_id ? ` over ${d.previous_version_id}` : ""}`;
      detail = [d.reason ? h("p", { class: "timeline-reason" }, `“${d.reason}”`) : null, evidence(d.evidence)];
  }
  return h("li", { class: ["timeline-item", entry.type === "VersionPromoted" && "timeline-promotion"], "data-type": entry.type, "data-position": entry.position },
    h("span", { class: "timeline-dot", "aria-hidden": "true" }),
    h("p", { class: "timeline-line" }, h("strong", {}, entry.actor), ` ${text}`),
    h("p", { class: "timeline-when" }, h("time", { datetime: entry.at, title: formatDateTime(entry.at) }, formatAgo(entry.at)), ` · ${formatDateTime(entry.at)}`),
    detail);
}

function evidence(found) {
  if (!found) return h("p", { class: "timeline-evidence muted" }, "Promoted without a gate.");
  const checks = found.checks || [];
  return h("div", { class: "timeline-evidence" },
    h("p", {}, `Gate on ${found.gate?.dataset_split ?? "a split"}: ${formatCount(found.labeled_count)} labeled of ${formatCount(found.sample_count)} rows.`),
    h("table", { class: "data data-compact" },
      h("thead", {}, h("tr", {}, ["Metric", "Needed", "Was", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, checks.map((c) => {
        const passed = c.bound === "min" ? c.value >= c.threshold : c.value <= c.threshold;
        return h("tr", {}, h("th", { scope: "row" }, metricLabel(c.metric)),
          h("td", {}, `${c.bound === "min" ? "at least" : "at most"} ${formatMetric(c.metric, c.threshold)}`),
          h("td", { class: "num" }, formatMetric(c.metric, c.value)),
          h("td", {}, h("span", { class: `badge badge-${passed ? "ok" : "critical"}` }, passed ? "met" : "not met")));
      }))));
}
