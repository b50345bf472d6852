"""Keeps each series' summary current batch by batch: the rows a batch changes leave the
series' statistics as they were and enter as they are now, so a batch costs O(k log n) for
its k rows and never rereads the series.

The statistics are stored with the series (`perf_series.statistics`) with a token naming
their state; the scores behind ROC AUC are held in memory (8 bytes per labeled score per
binary problem), tagged with the token they belong to. A rolled-back transaction, another
process that projected meanwhile, a recompute, or an eviction leaves a different token, and
the scores are read again from the rows before the next change (a full read, once).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass

from perfledger.projections.database import Tx
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.metrics import Metrics
from perfledger.projections.performance.ranks import RankedPairs
from perfledger.projections.performance.sufficient import (
    Ranked,
    Statistics,
    contribution,
    metrics_from,
)
from perfledger.projections.performance.windows import SeriesKind, WindowRows, read_series
from perfledger.projections.projection import Tables

# Scores held in memory at most, over every series (8 bytes each): past it, the series used
# longest ago are let go and read again when they next change.
MAX_HELD_SCORES = 40_000_000


@dataclass
class _Held:
    token: str
    pairs: list[RankedPairs]

    @property
    def scores(self) -> int:
        return sum(p.positives.size + p.negatives.size for p in self.pairs)


class LiveSummaries:
    """The scores of recently changed series, for one projection worker."""

    def __init__(self, max_scores: int = MAX_HELD_SCORES) -> None:
        self._held: OrderedDict[tuple[str, int], _Held] = OrderedDict()
        self._max_scores = max_scores

    def change(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
               before: WindowRows, after: WindowRows) -> None:
        """The series' rows `before` (as stored) become `after`: call it before storing."""
        stats, held = self._current(tx, t, kind, series_id)
        gone, gone_ranked = contribution(kind, before)
        came, came_ranked = contribution(kind, after)
        stats.add(gone, -1)
        stats.add(came)
        for pairs, (positives, negatives), (new_positives, new_negatives) in zip(
                held.pairs, gone_ranked.problems, came_ranked.problems, strict=True):
            pairs.remove(positives, negatives)
            pairs.add(new_positives, new_negatives)
        self._store(tx, t, kind, series_id, stats, held)

    def recompute(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                  rows: WindowRows | None = None) -> None:
        """The statistics and summary again from every row of the series (read here unless
        given)."""
        if rows is None:
            rows = read_series(tx, t, kind, series_id)
        stats, ranked = contribution(kind, rows)
        self._store(tx, t, kind, series_id, stats, _Held("", _pairs_of(ranked)))

    def _current(self, tx: Tx, t: Tables, kind: SeriesKind,
                 series_id: int) -> tuple[Statistics, _Held]:
        key = (t.perf_series, series_id)
        stored = loads(tx.value(f"SELECT statistics FROM {t.perf_series} WHERE series_id = ?",
                                (series_id,)))
        held = self._held.pop(key, None)
        if (stored is None or held is None or held.token != stored["token"]
                or int(stored["statistics"]["n_labels"]) != kind.n_labels):
            stats, ranked = contribution(kind, read_series(tx, t, kind, series_id))
            return stats, _Held("", _pairs_of(ranked))
        return Statistics.from_json(stored["statistics"]), held

    def _store(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int, stats: Statistics,
               held: _Held) -> None:
        stats.twice_u = [pairs.twice_u for pairs in held.pairs]
        held.token = uuid.uuid4().hex
        tx.execute(
            f"UPDATE {t.perf_series} SET statistics = ?, row_count = ?, labeled_count = ?"
            " WHERE series_id = ?",
            (dumps({"token": held.token, "statistics": stats.to_json()}),
             stats.totals["rows"], stats.totals["labeled"], series_id))
        write_summary(tx, t, kind, series_id, stats, metrics_from(kind, stats))
        self._hold((t.perf_series, series_id), held)

    def _hold(self, key: tuple[str, int], held: _Held) -> None:
        self._held[key] = held
        total = sum(entry.scores for entry in self._held.values())
        while total > self._max_scores and len(self._held) > 1:
            _, evicted = self._held.popitem(last=False)
            total -= evicted.scores


def _pairs_of(ranked: Ranked) -> list[RankedPairs]:
    return [RankedPairs(positives, negatives) for positives, negatives in ranked.problems]


def write_summary(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, stats: Statistics,
                  metrics: Metrics | None) -> None:
    """The summary row queries read: none while no row is labeled."""
    tx.execute(f"DELETE FROM {t.perf_summaries} WHERE series_id = ?", (series_id,))
    if metrics is None:
        return
    confusion = ({"labels": list(kind.labels), "matrix": stats.confusion.tolist()}
                 if kind.is_classification else None)
    tx.execute(
        f"INSERT INTO {t.perf_summaries} (series_id, task_type, metrics, confusion, sample_count,"
        " labeled_count, evaluated_at) SELECT series_id, ?, ?, ?, ?, ?, last_event_at"
        f" FROM {t.perf_series} WHERE series_id = ?",
        (kind.task_type, dumps(metrics), None if confusion is None else dumps(confusion),
         stats.totals["rows"], stats.totals["labeled"], series_id))
