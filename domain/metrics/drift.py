"""How far a window's distribution of a column is from a baseline's, from their bin counts:
Jensen-Shannon distance and the population stability index, many windows at once.

- `jsd` is `scipy.spatial.distance.jensenshannon(p, q)`: natural log, the distance (the square
  root of the divergence), no smoothing; computed the way scipy computes it.
- `psi` is `sum((a - e) * ln(a / e))` with `a = (window count + 1) / (window rows + B)` and
  `e = (baseline count + 1) / (baseline rows + B)`, `B` the number of bins.

Either is None for a window or a baseline without a binned value.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import rel_entr

DRIFT_METRICS = ("jsd", "psi")
Counts = npt.NDArray[np.int64]


def jensen_shannon(windows: Counts, baseline: Counts) -> list[float | None]:
    """Each window's (rows of `windows`) distance from the baseline's counts (one row for
    all, or one per window)."""
    p, q = _proportions(windows), _proportions(np.broadcast_to(baseline, windows.shape))
    m = (p + q) / 2.0
    divergence = (np.sum(rel_entr(p, m), axis=1) + np.sum(rel_entr(q, m), axis=1)) / 2.0
    distances = np.sqrt(divergence)
    return _defined(distances, windows, np.broadcast_to(baseline, windows.shape))


def stability_index(windows: Counts, baseline: Counts) -> list[float | None]:
    """Each window's PSI against the baseline's counts (one row for all, or one per window)."""
    expected_counts = np.broadcast_to(baseline, windows.shape)
    width = windows.shape[1]
    actual = (windows + 1.0) / (windows.sum(axis=1, keepdims=True) + width)
    expected = (expected_counts + 1.0) / (expected_counts.sum(axis=1, keepdims=True) + width)
    index = np.sum((actual - expected) * np.log(actual / expected), axis=1)
    return _defined(index, windows, expected_counts)


def _proportions(counts: Counts) -> npt.NDArray[np.float64]:
    totals = counts.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(counts / totals, dtype=np.float64)


def _defined(values: npt.NDArray[np.float64], windows: Counts, baseline: Counts
             ) -> list[float | None]:
    present = (windows.sum(axis=1) > 0) & (baseline.sum(axis=1) > 0)
    return [float(v) if ok else None for v, ok in zip(values.tolist(), present.tolist(),
                                                     strict=True)]
