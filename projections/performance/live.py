"""Keeps a series' summary, its hour, day and week buckets and its tag segments current batch
by batch: the rows a batch changes leave every scope they were in as they were stored and
enter every scope they are in now, so a batch costs O(k log n) for its k rows and never
rereads the series.

Counts and exact sums (`domain.metrics.statistics`) are stored with each scope. ROC AUC
needs the scores: the worker holds them in memory (`ranks`: 8 bytes per labeled score per
binary problem) for
the series as a whole, for each hour and for each tag value; a day's or a week's U is kept
by counting changed scores against the hours it spans, so days and weeks hold no scores of
their own. Label delays are held per hour (8 bytes per late-labeled row) and a bucket's
percentiles are taken again when its delays change.

A token stored with the series names the state the held scores belong to: a rolled-back
transaction, another process that projected meanwhile, a recompute, or an eviction leaves a
different token, and everything is read again from the rows before the next change.
"""

from __future__ import annotations

import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.metrics.inputs import problem_count
from perfledger.domain.metrics.measure import contribution, empty_statistics, finish
from perfledger.domain.metrics.ranks import RankedPairs, SortedScores, pairs_within
from perfledger.domain.metrics.statistics import Ranked, Statistics
from perfledger.projections.database import Tx
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.segments import MAX_VALUES
from perfledger.projections.performance.windows import (
    DAY,
    HOUR,
    WEEK,
    SeriesKind,
    WindowRows,
    bucket_start,
    bucket_starts,
    delay_percentiles,
    label_delay_seconds,
    read_series,
)
from perfledger.projections.projection import Tables

# Scores held in memory at most, over every series (8 bytes each): past it, the series used
# longest ago are let go and read again when they next change.
MAX_HELD_SCORES = 40_000_000
# A batch whose rows span more hours than this (a backfill spread over weeks) does not keep
# buckets one by one: they are rebuilt from the series' rows when it next settles, once for
# all such batches of a catch-up run.
MAX_HOURS_PER_BATCH = 48
# Scores one series may hold (a multiclass model holds one per label per labeled row): a
# series past it is not kept batch by batch; its batches leave it to a rebuild from its
# rows when it settles, so no tenant's series can take the worker's memory.
MAX_SCORES_PER_SERIES = MAX_HELD_SCORES // 2
WIDTH_NAMES = {HOUR: "hour", DAY: "day", WEEK: "week"}
FloatArray = npt.NDArray[np.float64]
Problems = list[tuple[FloatArray, FloatArray]]


@dataclass
class _Hour:
    pairs: list[RankedPairs]
    delays: SortedScores = field(default_factory=SortedScores)


@dataclass
class _Segment:
    rows: int
    pairs: list[RankedPairs]


@dataclass
class _Held:
    token: str
    summary: list[RankedPairs]
    hours: dict[int, _Hour]
    segments: dict[str, dict[str, _Segment]]  # tag name -> value -> its rows and scores
    # the buckets (and segments) wait for a rebuild at settle
    buckets_stale: bool = False
    ranked: bool = True  # False: too many scores to hold; everything waits for the settle
    # tag names with more values than segments are kept for: a query reads their rows, so a
    # tenant sending a new value with every row costs neither memory nor a row per value
    unkept_tags: set[str] = field(default_factory=set)

    @property
    def scores(self) -> int:
        pairs = [*self.summary, *(p for h in self.hours.values() for p in h.pairs),
                 *(p for values in self.segments.values() for s in values.values()
                   for p in s.pairs)]
        return (sum(p.positives.size + p.negatives.size for p in pairs)
                + sum(h.delays.size for h in self.hours.values()))

    def hours_of(self, start: int, width: int) -> list[_Hour]:
        """The held hours of the bucket of `width` starting at `start`."""
        return [held for _, held in self.hours_in(start, width)]

    def hours_in(self, start: int, width: int) -> list[tuple[int, _Hour]]:
        """The same, each with its start."""
        found = ((hour, self.hours.get(hour)) for hour in range(start, start + width, HOUR))
        return [(hour, held) for hour, held in found if held is not None]


@dataclass
class _Side:
    """One side of a change (the rows as stored, or as they are now) split by scope."""

    rows: WindowRows
    hours: npt.NDArray[np.int64]
    tag_values: dict[str, list[str]]

    @classmethod
    def of(cls, rows: WindowRows, tag_names: list[str]) -> _Side:
        texts = rows.texts or []
        by_text: dict[str | None, list[str]] = {}  # rows mostly repeat a few tag sets
        for text in texts:
            if text not in by_text:
                tags = None if text is None else loads(text)
                by_text[text] = [dumps(None if tags is None else tags.get(name))
                                 for name in tag_names]
        values = {name: [by_text[text][i] for text in texts]
                  for i, name in enumerate(tag_names)}
        return cls(rows, bucket_starts(rows.ts, HOUR), values)

    def in_hour(self, hour: int) -> WindowRows:
        return self.rows.take(self.hours == hour)

    def by_value(self, name: str) -> dict[str, WindowRows]:
        """The rows of each value of the tag `name`, in one pass however many values."""
        index: dict[str, list[int]] = defaultdict(list)
        for i, value in enumerate(self.tag_values[name]):
            index[value].append(i)
        return {value: self.rows.take(np.array(rows, dtype=np.int64))
                for value, rows in index.items()}


class LiveSummaries:
    """The held scores of recently changed series, for one projection worker."""

    def __init__(self, max_scores: int = MAX_HELD_SCORES) -> None:
        # each held series with the scores it held when last stored, and their total
        self._held: OrderedDict[tuple[str, int], tuple[_Held, int]] = OrderedDict()
        self._total = 0
        self._max_scores = max_scores

    def change(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int, tag_names: list[str],
               before: WindowRows, after: WindowRows) -> None:
        """The series' rows `before` (as stored, read with their tags) become `after`: call
        it before storing them."""
        stats, held = self._current(tx, t, kind, series_id, tag_names)
        if not held.ranked:
            held.buckets_stale = True
            self._store(tx, t, kind, series_id, tag_names, stats, held)
            return
        old, new = _Side.of(before, tag_names), _Side.of(after, tag_names)
        hours = sorted(set(old.hours.tolist()) | set(new.hours.tolist()))
        # each row is in one hour: the series' change is the sum of its hours'
        gone = {hour: contribution(kind, old.in_hour(hour)) for hour in hours}
        came = {hour: contribution(kind, new.in_hour(hour)) for hour in hours}
        for hour in hours:
            stats.add(gone[hour][0], -1)
            stats.add(came[hour][0])
        if hours:
            _move(held.summary, _joined(gone.values()), _joined(came.values()))
        if held.buckets_stale or len(hours) > MAX_HOURS_PER_BATCH:
            held.buckets_stale, held.hours = True, {}
        else:
            _change_buckets(tx, t, kind, series_id, held, old, new, hours, gone, came)
        _change_segments(tx, t, kind, series_id, held, old, new, tag_names)
        self._store(tx, t, kind, series_id, tag_names, stats, held)

    def recompute(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                  tag_names: list[str]) -> None:
        """The summary, buckets and segments again from every row of the series."""
        stats, held = _rebuild(tx, t, kind, series_id, tag_names)
        self._store(tx, t, kind, series_id, tag_names, stats, held)

    def _current(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                 tag_names: list[str]) -> tuple[Statistics, _Held]:
        stored = loads(tx.value(f"SELECT statistics FROM {t.perf_series} WHERE series_id = ?",
                                (series_id,)))
        held = self._let_go((t.perf_series, series_id))
        if is_current(stored, kind, tag_names) and stored.get("unranked"):
            # kept from its rows at settle: nothing to read for the batch
            return Statistics.from_json(stored["statistics"]), _Held(
                "", [], {}, {}, buckets_stale=bool(stored.get("buckets_stale")), ranked=False)
        if held is None or not is_current(stored, kind, tag_names) or held.token != stored["token"]:
            return _rebuild(tx, t, kind, series_id, tag_names)
        return Statistics.from_json(stored["statistics"]), held

    def _store(self, tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
               tag_names: list[str], stats: Statistics, held: _Held) -> None:
        if held.ranked:
            stats.twice_u = [pairs.twice_u for pairs in held.summary]
            if held.scores > MAX_SCORES_PER_SERIES:  # exact now; its next batch waits
                held.summary, held.hours, held.segments, held.ranked = [], {}, {}, False
        held.token = uuid.uuid4().hex
        tx.execute(
            f"UPDATE {t.perf_series} SET statistics = ?, row_count = ?, labeled_count = ?"
            " WHERE series_id = ?",
            (dumps({"token": held.token, "statistics": stats.to_json(), "tags": tag_names,
                    "buckets_stale": held.buckets_stale, "unranked": not held.ranked}),
             stats.totals["rows"], stats.totals["labeled"], series_id))
        if held.ranked or not held.buckets_stale:  # else the settle writes them
            write_summary(tx, t, kind, series_id, stats, finish(kind, stats))
        self._hold((t.perf_series, series_id), held)

    def _hold(self, key: tuple[str, int], held: _Held) -> None:
        scores = held.scores
        self._held[key] = (held, scores)
        self._total += scores
        while self._total > self._max_scores and len(self._held) > 1:
            _, (_, evicted) = self._held.popitem(last=False)
            self._total -= evicted

    def _let_go(self, key: tuple[str, int]) -> _Held | None:
        held, scores = self._held.pop(key, (None, 0))
        self._total -= scores
        return held


def needs_rebuild(stored: Any, kind: SeriesKind, tag_names: list[str]) -> bool:
    """Whether a settle must rebuild the series from its rows: its statistics miss a label or
    a tag name of the model, or its buckets wait since a batch spread over many hours."""
    return not is_current(stored, kind, tag_names) or bool(stored.get("buckets_stale"))


def is_current(stored: Any, kind: SeriesKind, tag_names: list[str]) -> bool:
    """Whether stored statistics count the model's labels and slice by its tag names (a new
    label widens every confusion matrix; a new tag name slices rows stored without it)."""
    return (stored is not None and int(stored["statistics"]["n_labels"]) == kind.n_labels
            and stored.get("tags") == tag_names)


def _move(pairs: list[RankedPairs], gone: Problems, came: Problems) -> None:
    for held, (positives, negatives), (new_positives, new_negatives) in zip(
            pairs, gone, came, strict=True):
        held.remove(positives, negatives)
        held.add(new_positives, new_negatives)


def _joined(parts: Iterable[tuple[Statistics, Ranked]]) -> Problems:
    """Each binary problem's positives and negatives over several parts."""
    ranked = [part[1].problems for part in parts]
    if not ranked:
        return []
    return [(np.concatenate([problems[i][0] for problems in ranked]),
             np.concatenate([problems[i][1] for problems in ranked]))
            for i in range(len(ranked[0]))]


def _pairs_of(ranked: Ranked) -> list[RankedPairs]:
    return [RankedPairs(positives, negatives) for positives, negatives in ranked.problems]


# Buckets ---------------------------------------------------------------------------------

def _change_buckets(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, held: _Held,
                    old: _Side, new: _Side, hours: list[int],
                    gone: dict[int, tuple[Statistics, Ranked]],
                    came: dict[int, tuple[Statistics, Ranked]]) -> None:
    if not hours:
        return
    delays = {hour: (label_delay_seconds(old.in_hour(hour)),
                     label_delay_seconds(new.in_hour(hour))) for hour in hours}
    delays_changed = {hour for hour, (out, came_in) in delays.items()
                      if out.size or came_in.size}
    stored = _stored_buckets(tx, t, kind, series_id, hours)
    groups = _buckets_of(hours)
    for (width, start), mine in groups.items():
        stats = stored[(width, start)][0]
        for hour in mine:
            stats.add(gone[hour][0], -1)
            stats.add(came[hour][0])
    for problem in range(len(held.summary)):
        for parts, removing in ((gone, True), (came, False)):  # out first, then in
            changed = {hour: parts[hour][1].problems[problem] for hour in hours}
            _count_u(held, stored, groups, problem, changed, removing)
            for hour, (positives, negatives) in changed.items():
                pairs = held.hours.setdefault(hour, _empty_hour(kind)).pairs[problem]
                (pairs.let_go if removing else pairs.hold)(positives, negatives)
    for hour in delays_changed:
        held_delays = held.hours.setdefault(hour, _empty_hour(kind)).delays
        held_delays.remove(delays[hour][0])
        held_delays.add(delays[hour][1])
    for (width, start), (stats, _) in stored.items():
        if delays_changed.intersection(groups[(width, start)]):
            stored[(width, start)] = (stats, delay_percentiles(np.concatenate(
                [h.delays.values() for h in held.hours_of(start, width)] or [np.empty(0)])))
    _write_buckets(tx, t, kind, series_id, stored)
    for hour in hours:  # an hour left without scores holds nothing
        kept = held.hours.get(hour)
        if kept is not None and kept.delays.size == 0 and not any(
                p.positives.size or p.negatives.size for p in kept.pairs):
            del held.hours[hour]


def _buckets_of(hours: list[int]) -> dict[tuple[int, int], list[int]]:
    """The hours changed in each hour, day and week bucket."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for width in (HOUR, DAY, WEEK):
        for hour in hours:
            groups[(width, bucket_start(hour, width))].append(hour)
    return groups


def _count_u(held: _Held, stored: dict[tuple[int, int], tuple[Statistics, Any]],
             groups: dict[tuple[int, int], list[int]], problem: int,
             changed: dict[int, tuple[FloatArray, FloatArray]], removing: bool) -> None:
    """Adds (or, removing, takes back) the U the changed scores count against the held ones
    in every bucket holding them: an hour against its own scores, a day or a week against
    the scores of each hour it spans; pairs among the changed scores themselves are counted
    twice that way when removing, and not at all when adding."""
    sign = -1 if removing else 1
    # What the scores of some changed hours count against one held hour: live traffic
    # changes one hour, whose hour, day and week buckets all count it against the same hours.
    counts: dict[tuple[tuple[int, ...], int], int] = {}
    for (width, start), mine in groups.items():
        positives = np.concatenate([changed[hour][0] for hour in mine])
        negatives = np.concatenate([changed[hour][1] for hour in mine])
        if not positives.size and not negatives.size:
            continue
        counted = 0
        for hour, kept in held.hours_in(start, width):
            key = (tuple(mine), hour)
            if key not in counts:
                counts[key] = kept.pairs[problem].against(positives, negatives)
            counted += counts[key]
        stored[(width, start)][0].twice_u[problem] += sign * counted + pairs_within(
            positives, negatives)


def _empty_hour(kind: SeriesKind) -> _Hour:
    return _Hour(_no_pairs(kind))


def _no_pairs(kind: SeriesKind) -> list[RankedPairs]:
    return [RankedPairs(np.empty(0), np.empty(0)) for _ in range(problem_count(kind))]


def _stored_buckets(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, hours: list[int]
                    ) -> dict[tuple[int, int], tuple[Statistics, Any]]:
    """The statistics and label delays of the buckets holding these hours (empty ones for
    buckets not stored yet)."""
    wanted = {(width, bucket_start(hour, width)) for width in WIDTH_NAMES for hour in hours}
    widths = {name: width for width, name in WIDTH_NAMES.items()}
    found: dict[tuple[int, int], tuple[Statistics, Any]] = {}
    for name, start, statistics, label_delays in tx.rows_in(
            f"SELECT width, start, statistics, label_delays FROM {t.perf_buckets}"
            " WHERE series_id = ?", (series_id,), "start", sorted({s for _, s in wanted})):
        if (widths[name], int(start)) in wanted:  # a day's start is also an hour's
            found[(widths[name], int(start))] = (Statistics.from_json(loads(statistics)),
                                                 loads(label_delays))
    for key in wanted:
        found.setdefault(key, (empty_statistics(kind), None))
    return found


def _write_buckets(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                   buckets: dict[tuple[int, int], tuple[Statistics, Any]]) -> None:
    """Stores the buckets (width, start) -> (statistics, label delays); empty ones go."""
    tx.executemany(
        f"DELETE FROM {t.perf_buckets} WHERE series_id = ? AND width = ? AND start = ?",
        [(series_id, WIDTH_NAMES[width], start) for width, start in buckets])
    rows = []
    for (width, start), (stats, label_delays) in buckets.items():
        if stats.totals["rows"]:
            metrics = finish(kind, stats)
            rows.append((series_id, WIDTH_NAMES[width], start, stats.totals["rows"],
                         stats.totals["labeled"], None if metrics is None else dumps(metrics),
                         None if label_delays is None else dumps(label_delays),
                         dumps(stats.to_json())))
    tx.executemany(
        f"INSERT INTO {t.perf_buckets} (series_id, width, start, sample_count, labeled_count,"
        " metrics, label_delays, statistics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


# Segments --------------------------------------------------------------------------------

def _change_segments(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, held: _Held,
                     old: _Side, new: _Side, tag_names: list[str]) -> None:
    changes: dict[tuple[str, str], tuple[WindowRows | None, WindowRows | None]] = {}
    for name in tag_names:
        if name in held.unkept_tags:
            if _may_lose_a_value(old.tag_values[name], new.tag_values[name]):
                held.buckets_stale = True  # the settle counts its values again
            continue
        leaving, entering = old.by_value(name), new.by_value(name)
        for value in sorted(leaving.keys() | entering.keys()):
            changes[(name, value)] = (leaving.get(value), entering.get(value))
    if not changes:
        return
    stored = _stored_segments(tx, t, kind, series_id, list(changes))
    no_rows = new.rows.take(np.empty(0, dtype=np.int64))
    for (name, value), (gone_rows, came_rows) in changes.items():
        gone, gone_ranked = contribution(kind, no_rows if gone_rows is None else gone_rows)
        came, came_ranked = contribution(kind, no_rows if came_rows is None else came_rows)
        stats = stored[(name, value)]
        stats.add(gone, -1)
        stats.add(came)
        values = held.segments.setdefault(name, {})
        segment = values.setdefault(value, _Segment(0, _no_pairs(kind)))
        _move(segment.pairs, gone_ranked.problems, came_ranked.problems)
        stats.twice_u = [p.twice_u for p in segment.pairs]
        segment.rows = stats.totals["rows"]
        if not segment.rows:
            del values[value]
    for name in tag_names:
        if len(held.segments.get(name, {})) > MAX_VALUES:
            _stop_keeping(tx, t, series_id, held, name)
            stored = {key: stats for key, stats in stored.items() if key[0] != name}
    _write_segments(tx, t, kind, series_id, stored)


def _may_lose_a_value(before: list[str], after: list[str]) -> bool:
    """Whether some value has fewer rows after than before (so may have none left)."""
    return bool(Counter(before) - Counter(after))


def _stop_keeping(tx: Tx, t: Tables, series_id: int, held: _Held, name: str) -> None:
    """The tag name's segments are no longer kept: queries read its rows."""
    tx.execute(f"DELETE FROM {t.perf_segments} WHERE series_id = ? AND name = ?",
               (series_id, name))
    held.segments.pop(name, None)
    held.unkept_tags.add(name)


def _stored_segments(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                     wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Statistics]:
    """The statistics of these (tag name, value) segments (empty ones for new values)."""
    keys = set(wanted)
    found = {(name, value): Statistics.from_json(loads(statistics))
             for name, value, statistics in tx.rows_in(
                 f"SELECT name, value, statistics FROM {t.perf_segments} WHERE series_id = ?",
                 (series_id,), "value", sorted({value for _, value in keys}))
             if (name, value) in keys}  # the same value may be another name's too
    return {key: found.get(key) or empty_statistics(kind) for key in wanted}


def _write_segments(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                    segments: dict[tuple[str, str], Statistics]) -> None:
    """Stores the segments (name, value) -> statistics; empty ones go."""
    tx.executemany(
        f"DELETE FROM {t.perf_segments} WHERE series_id = ? AND name = ? AND value = ?",
        [(series_id, name, value) for name, value in segments])
    rows = []
    for (name, value), stats in segments.items():
        if stats.totals["rows"]:
            metrics = finish(kind, stats)
            rows.append((series_id, name, value, stats.totals["rows"], stats.totals["labeled"],
                         None if metrics is None else dumps(metrics), dumps(stats.to_json())))
    tx.executemany(
        f"INSERT INTO {t.perf_segments} (series_id, name, value, sample_count, labeled_count,"
        " metrics, statistics) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


# Reading everything again ----------------------------------------------------------------

def _rebuild(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, tag_names: list[str]
             ) -> tuple[Statistics, _Held]:
    """The series' statistics, buckets and segments from all its rows, written again; the
    scores are held for what follows unless there are more than a series may hold."""
    rows = read_series(tx, t, kind, series_id, "tags" if tag_names else None)
    if rows.texts is None:
        rows.texts = [None] * len(rows)
    stats, ranked = contribution(kind, rows)
    held = _Held("", [], {}, {}, ranked=problem_count(kind) * stats.totals["labeled"]
                 * (2 + len(tag_names)) <= MAX_SCORES_PER_SERIES)
    held.summary = _pairs_of(ranked) if held.ranked else []
    stats.twice_u = _twice_u(ranked, held.summary)
    tx.execute(f"DELETE FROM {t.perf_buckets} WHERE series_id = ?", (series_id,))
    buckets: dict[tuple[int, int], tuple[Statistics, Any]] = {}
    for width in (HOUR, DAY, WEEK):
        starts = bucket_starts(rows.ts, width)
        for start in np.unique(starts).tolist():
            part = rows.take(starts == start)
            part_stats, part_ranked = contribution(kind, part)
            delays = label_delay_seconds(part)
            pairs: list[RankedPairs] = []
            if width == HOUR and held.ranked:  # days and weeks count against their hours
                pairs = _pairs_of(part_ranked)
                held.hours[start] = _Hour(pairs)
                held.hours[start].delays.add(delays)
            part_stats.twice_u = _twice_u(part_ranked, pairs)
            buckets[(width, start)] = (part_stats, delay_percentiles(delays))
    _write_buckets(tx, t, kind, series_id, buckets)
    tx.execute(f"DELETE FROM {t.perf_segments} WHERE series_id = ?", (series_id,))
    side = _Side.of(rows, tag_names)
    segments: dict[tuple[str, str], Statistics] = {}
    for name in tag_names:
        parts = side.by_value(name)
        if len(parts) > MAX_VALUES:
            held.unkept_tags.add(name)
            continue
        for value, part in sorted(parts.items()):
            part_stats, part_ranked = contribution(kind, part)
            pairs = _pairs_of(part_ranked) if held.ranked else []
            if held.ranked:
                held.segments.setdefault(name, {})[value] = _Segment(len(part), pairs)
            part_stats.twice_u = _twice_u(part_ranked, pairs)
            segments[(name, value)] = part_stats
    _write_segments(tx, t, kind, series_id, segments)
    return stats, held


def _twice_u(ranked: Ranked, held: list[RankedPairs]) -> list[int]:
    """Each problem's U, from the held scores when there are some."""
    if held:
        return [pairs.twice_u for pairs in held]
    return [pairs_within(positives, negatives) for positives, negatives in ranked.problems]


def write_summary(tx: Tx, t: Tables, kind: SeriesKind, series_id: int, stats: Statistics,
                  metrics: Any) -> None:
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
