"""Recomputes one job model's metrics from the read model, for a recompute request."""

from __future__ import annotations

from typing import Any

from perfledger.domain.metrics.decisions import decision_scores
from perfledger.domain.recompute import Scope
from perfledger.projections.database import Database
from perfledger.projections.json import loads


def recompute_job_model(db: Database, scope: Scope) -> dict[str, Any]:
    """The model's scores over the job's events it decided, read from the hourly counts."""
    with db.read() as tx:
        decisions = loads(tx.value("SELECT decisions FROM job_jobs WHERE job_key = ?",
                                   (scope["job_key"],)))
        cells = tx.rows("SELECT decision, consensus, SUM(n) FROM job_counts"
                        " WHERE job_key = ? AND model_id = ? GROUP BY decision, consensus",
                        (scope["job_key"], scope["model_id"]))
    scores = decision_scores(decisions, [(int(d), int(c), int(n)) for d, c, n in cells])
    del scores["correct"]
    return {**scores, "events": sum(int(n) for _, _, n in cells)}
