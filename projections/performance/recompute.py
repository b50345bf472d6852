"""Recomputes a model's cached summaries from its rows and reports any that had drifted."""

from __future__ import annotations

from typing import Any

from perfledger.projections.engine import Engine
from perfledger.projections.performance.live import LiveSummaries
from perfledger.projections.performance.schema import TABLES
from perfledger.projections.performance.segments import tag_names_of
from perfledger.projections.performance.summaries import metrics_close
from perfledger.projections.performance.windows import kind_of_model
from perfledger.projections.projection import Tables

PROJECTION = "performance"


def recompute_cached(engine: Engine, model_id: str, version_id: str | None,
                     split: str | None) -> dict[str, Any]:
    """Holds the projection's lock, so catch-up cannot interleave with the comparison."""
    with engine.database.transaction() as tx:
        generation = engine.live_generation(tx, PROJECTION)
        engine.lock_position(tx, PROJECTION, generation)
        t = Tables(TABLES, generation)
        sql = f"SELECT series_id, version_id, dataset_split FROM {t.perf_series} WHERE model_id = ?"
        params: list[Any] = [model_id]
        for column, value in (("version_id", version_id), ("dataset_split", split)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        results = []
        for series_id, series_version, series_split in tx.rows(sql + " ORDER BY series_id",
                                                                params):
            select = (f"SELECT metrics, confusion, sample_count, labeled_count"
                      f" FROM {t.perf_summaries} WHERE series_id = ?")
            before = tx.row(select, (series_id,))
            # A throwaway worker state: the projection's own sees a new token, reads again.
            LiveSummaries().recompute(tx, t, kind_of_model(tx, t, model_id), int(series_id),
                                      tag_names_of(tx, t, model_id))
            after = tx.row(select, (series_id,))
            results.append({
                "version_id": series_version, "dataset_split": series_split,
                "matched": _same(before, after),
                "labeled_count": 0 if after is None else int(after[3]),
            })
    return {"series": results, "drifted": sum(not r["matched"] for r in results)}


def _same(before: Any, after: Any) -> bool:
    if before is None or after is None:
        return before is None and after is None
    return tuple(before[1:]) == tuple(after[1:]) and metrics_close(before[0], after[0])
