"""Misclassified rows: the filtered pool's size and a uniform random sample of it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from perfledger.domain.errors import InvalidInput
from perfledger.projections.database import Database, Tx
from perfledger.projections.json import loads
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.performance.schema import VIEWS
from perfledger.projections.performance.windows import bounded_row_count

# Pools up to this size are sampled exactly (ORDER BY random() over the whole pool).
EXACT_POOL_LIMIT = 5_000
# Larger pools: a window of this many rows that follow a random key, sampled uniformly.
WINDOW_ROWS = 1_000


@dataclass(frozen=True)
class ErrorFilter:
    true_label: str | None = None
    predicted_label: str | None = None
    min_confidence: float | None = None
    tags: tuple[tuple[str, str], ...] = ()  # a slice: only rows carrying these tags


@dataclass(frozen=True)
class MisclassifiedRow:
    row_id: str
    features: dict[str, Any]
    true_label: str
    predicted_label: str
    confidence: float | None


def misclassified_sample(
    db: Database, model_id: str, version_id: str, split: str, limit: int,
    wanted: ErrorFilter, inputs: list[str],
) -> tuple[int, list[MisclassifiedRow]]:
    with db.read() as tx:
        labels = _labels(tx, model_id)
        where, params = _pool(labels, wanted, tx.dialect)
        series_id = series_id_of(tx, model_id, version_id, split)
        if series_id is None:
            return 0, []
        params = [series_id, *params]
        if wanted.tags:  # matched in each row's JSON: as many rows as a sliced read may take
            bounded_row_count(tx, VIEWS, series_id, " FROM perf_rows WHERE series_id = ?",
                              (series_id,), 1)
        total = _pool_size(tx, series_id, labels, wanted, where, params)
        picked = _sample(tx, where, params, total, limit) if total else []
        rows = _details(tx, series_id, picked) if picked else []
    names = {code: label for label, code in labels.items()}
    return total, [
        MisclassifiedRow(row_id, _sanitized(loads(features) or {}, inputs), names[true_code],
                         names[pred_code], confidence)
        for row_id, true_code, pred_code, confidence, features in rows
    ]


def _pool_size(tx: Tx, series_id: int, labels: dict[str, int], wanted: ErrorFilter,
               where: str, params: list[Any]) -> int:
    """From the cached confusion matrix when only labels filter; else counted in SQL."""
    if wanted.min_confidence is not None or wanted.tags:
        return int(tx.value(f"SELECT COUNT(*) FROM perf_rows WHERE {where}", params))
    confusion = loads(tx.value("SELECT confusion FROM perf_summaries WHERE series_id = ?",
                               (series_id,)))
    if confusion is None:
        return 0
    true_code = labels.get(wanted.true_label) if wanted.true_label is not None else None
    pred_code = labels.get(wanted.predicted_label) if wanted.predicted_label else None
    return sum(
        count
        for t, row in enumerate(confusion["matrix"]) for p, count in enumerate(row)
        if t != p and true_code in (None, t) and pred_code in (None, p))


def _sample(tx: Tx, where: str, params: list[Any], total: int, limit: int) -> list[str]:
    """Exactly uniform for pools up to EXACT_POOL_LIMIT rows; nearly uniform beyond.

    A large pool is sampled within the WINDOW_ROWS rows that follow a random key (wrapping
    around). Keys are uniform, so a row's chance of being sampled is proportional to the
    span of keys that window covers, which varies by about 1/sqrt(WINDOW_ROWS), some 3%.
    """
    pool = f"SELECT row_id, sample_key FROM perf_rows WHERE {where}"
    if total <= EXACT_POOL_LIMIT or total <= WINDOW_ROWS:
        rows = tx.rows(f"SELECT row_id FROM ({pool}) p ORDER BY random() LIMIT ?",
                       (*params, limit))
        return [str(row_id) for (row_id,) in rows]
    start = random.getrandbits(63)
    window = tx.rows(f"{pool} AND sample_key >= ? ORDER BY sample_key LIMIT ?",
                     (*params, start, WINDOW_ROWS))
    if len(window) < WINDOW_ROWS:
        window += tx.rows(f"{pool} AND sample_key < ? ORDER BY sample_key LIMIT ?",
                          (*params, start, WINDOW_ROWS - len(window)))
    return [str(row_id) for row_id, _ in random.sample(window, min(limit, len(window)))]


def _labels(tx: Tx, model_id: str) -> dict[str, int]:
    return {label: int(code) for label, code in tx.rows(
        "SELECT label, code FROM perf_labels WHERE model_id = ?", (model_id,))}


def _pool(labels: dict[str, int], wanted: ErrorFilter, dialect: str
          ) -> tuple[str, list[Any]]:
    where = "series_id = ? AND true_code IS NOT NULL AND true_code <> pred_code"
    params: list[Any] = []
    for column, label in (("true_code", wanted.true_label),
                          ("pred_code", wanted.predicted_label)):
        if label is not None:
            if label not in labels:
                raise InvalidInput(
                    f"Label '{label}' is not one of the model's labels {sorted(labels)}")
            where += f" AND {column} = ?"
            params.append(labels[label])
    if wanted.min_confidence is not None:
        where += " AND confidence >= ?"
        params.append(wanted.min_confidence)
    for name, value in wanted.tags:
        if dialect == "postgresql":
            where += " AND (tags::jsonb ->> ?) = ?"
            params += [name, value]
        else:
            where += " AND json_extract(tags, ?) = ?"
            params += [f'$."{name}"', value]
    return where, params


def _details(tx: Tx, series_id: int, row_ids: list[str]) -> list[Any]:
    marks = ",".join("?" * len(row_ids))
    found = {row[0]: row for row in tx.rows(
        "SELECT row_id, true_code, pred_code, confidence, features FROM perf_rows"
        f" WHERE series_id = ? AND row_id IN ({marks})", (series_id, *row_ids))}
    return [found[row_id] for row_id in row_ids if row_id in found]


def _sanitized(features: dict[str, Any], inputs: list[str]) -> dict[str, Any]:
    """Only the model's declared inputs leave the service, when it declares any."""
    if not inputs:
        return features
    return {name: features[name] for name in inputs if name in features}
