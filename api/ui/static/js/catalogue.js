// The metrics the service computes, read once from GET /api/v1/metrics: their names, display
// names, tasks, directions and formats. The dashboard lists no metric of its own.

import { get } from "./api.js";
import { useCatalogue } from "./format.js";

let loaded = null;

/** Resolves once the catalogue is known; a failed read is tried again next time. */
export function loadCatalogue() {
  loaded ??= get("/api/v1/metrics").then(
    ({ data }) => useCatalogue(data.metrics),
    (error) => { loaded = null; throw error; });
  return loaded;
}
