// Live pages: poll a model's history for events newer than what the page shows, and when
// some arrive, have every panel read again at least at their position (`min_position`).

import { get } from "./api.js";
import { formatClock } from "./format.js";
import { h } from "./dom.js";

const DEFAULT_SECONDS = 5;

/** How often to look for new events: `?refresh=<seconds>` (1 to 300), else 5 s. */
export function refreshSeconds() {
  const asked = Number(new URLSearchParams(window.location.search).get("refresh"));
  return Number.isFinite(asked) && asked >= 1 ? Math.min(asked, 300) : DEFAULT_SECONDS;
}

/**
 * Watches the model's history after the last entry the page has shown (`start(after)`);
 * calls `onEvents(entries, position)` with the new entries and the last one's position.
 * Positions are the organization's own tokens: equal or not, never larger or smaller, so
 * the page follows the history's order, not the numbers. Returns {element, start, stop}:
 * the element says when the page last looked and whether it is following.
 */
export function followModel(modelId, onEvents) {
  const status = h("span", { class: "live", role: "status", "aria-live": "polite", id: "live-status" },
    h("span", { class: "live-dot", "aria-hidden": "true" }), "Live");
  let since = 0;
  let timer = null;
  let stopped = false;
  async function look() {
    if (stopped) return;
    if (!document.hidden) {
      try {
        const { data } = await get(`/api/v1/models/${modelId}/history`, { after: since, limit: 1000 });
        if (data.length) {
          since = data.at(-1).position;
          status.lastChild.textContent = `Live · updated ${formatClock()}`;
          status.dataset.position = since;
          await onEvents(data, since);
        }
        status.classList.remove("live-paused");
      } catch (error) {
        if (error.status === 401) return;
        status.classList.add("live-paused");
        status.lastChild.textContent = "Live updates paused: the service did not answer";
      }
    }
    if (!stopped) timer = setTimeout(look, refreshSeconds() * 1000);
  }
  return {
    element: status,
    start(after = 0) {
      since = after;
      status.dataset.position = since;
      timer = setTimeout(look, refreshSeconds() * 1000);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
