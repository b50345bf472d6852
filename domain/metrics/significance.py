"""Whether two versions differ on the same labeled rows by more than chance: McNemar's exact
test on which rows each classified right, the Wilcoxon signed-rank test on regression's
absolute errors (scipy's two-sided tests with their defaults)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from perfledger.domain.metrics.inputs import ScoredRows, Shape, classifies


def paired_tests(shape: Shape, base: ScoredRows, cand: ScoredRows) -> dict[str, dict[str, Any]]:
    """The test of each compared quantity, by its name."""
    if classifies(shape):
        return {"accuracy": mcnemar_exact(base, cand)}
    return {"absolute_error": wilcoxon_absolute_errors(base, cand)}


def mcnemar_exact(base: ScoredRows, cand: ScoredRows) -> dict[str, Any]:
    from scipy import stats  # half a second to import: only when a comparison runs

    base_right, cand_right = base.predicted == base.truth, cand.predicted == cand.truth
    only_base = int(np.count_nonzero(base_right & ~cand_right))
    only_cand = int(np.count_nonzero(~base_right & cand_right))
    discordant = only_base + only_cand
    p_value = (1.0 if discordant == 0
               else float(stats.binomtest(min(only_base, only_cand), discordant, 0.5).pvalue))
    return {"method": "mcnemar_exact", "p_value": p_value,
            "baseline_only_right": only_base, "candidate_only_right": only_cand}


def wilcoxon_absolute_errors(base: ScoredRows, cand: ScoredRows) -> dict[str, Any]:
    """Null when every row's absolute error is the same for both versions (zero
    differences are dropped)."""
    from scipy import stats

    base_errors = np.abs(base.truth - base.predicted)
    cand_errors = np.abs(cand.truth - cand.predicted)
    p_value: float | None = None
    if np.any(base_errors != cand_errors):
        p = float(stats.wilcoxon(base_errors, cand_errors).pvalue)
        p_value = None if math.isnan(p) else p
    return {"method": "wilcoxon_signed_rank", "p_value": p_value}
