"""Turns a prediction batch's columns into rows of the performance view."""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np

from perfledger.domain.timestamps import stored_micros
from perfledger.projections.json import dumps
from perfledger.projections.performance.codes import LabelCodes


def sample_keys(position: int, count: int) -> list[int]:
    """Stable pseudo-random keys (splitmix64 of position and index): uniform for sampling.

    A function of the event alone, so a rebuild gives every row the same key again.
    """
    with np.errstate(over="ignore"):
        z = np.arange(count, dtype=np.uint64) + np.uint64(position << 20)
        z = (z + np.uint64(0x9E3779B97F4A7C15)) ^ (
            (z + np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(30)
        )
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    keys: list[int] = (z >> np.uint64(1)).tolist()
    return keys


def prediction_rows(
    event: Any,
    codes: LabelCodes,
    task: str,
    positive_label: str | None,
    series_id: int,
    position: int,
    default_ts: int,
) -> list[tuple[Any, ...]]:
    model_id = str(event.model_id)
    pred_codes = codes.codes_of(model_id, event.predicted_labels)
    true_codes = codes.codes_of(model_id, event.true_labels)
    proba = _probability_matrix(event, codes, model_id)
    blobs: list[bytes | None] = [None] * len(pred_codes)
    if proba is not None:
        blobs = [
            None if p is None else proba[i].tobytes() for i, p in enumerate(event.probabilities)
        ]
    positive = _positive_code(task, codes.of_model(model_id), positive_label)
    scores = _positive_scores(event.scores, proba, positive)
    confidences = _confidences(pred_codes, proba, scores, positive)
    timestamps = stored_micros(event.timestamps, default_ts)
    tags = [None if t is None else dumps(t) for t in event.tags]
    count = len(pred_codes)
    return list(zip(  # tuples in the order of the rows table's columns, built in C
        repeat(series_id, count),
        event.row_ids,
        pred_codes,
        true_codes,
        scores,
        blobs,
        confidences,
        event.predictions,
        event.targets,
        event.features,
        timestamps,
        sample_keys(position, count),
        repeat(position, count),
        tags,
        repeat(None, count),  # labeled_at
        strict=True,
    ))


def _positive_code(
    task: str, label_codes: dict[str, int], positive_label: str | None
) -> int | None:
    if task != "binary_classification":
        return None
    return label_codes[positive_label] if positive_label is not None else 1


def _probability_matrix(event: Any, codes: LabelCodes, model_id: str) -> np.ndarray | None:
    """Rows aligned on label codes; a row without probabilities is NaN throughout."""
    if all(p is None for p in event.probabilities):
        return None
    columns = [codes.code_of(model_id, label) for label in event.probability_labels]
    width = len(codes.of_model(model_id))
    given = np.array(
        [p if p is not None else [np.nan] * len(columns) for p in event.probabilities],
        dtype=np.float64,
    ).reshape(len(event.probabilities), len(columns))
    matrix = np.zeros((given.shape[0], width))
    matrix[:, columns] = given
    matrix[np.isnan(given).any(axis=1)] = np.nan
    return matrix


def _positive_scores(
    scores: list[float | None], proba: np.ndarray | None, positive: int | None
) -> list[float | None]:
    if positive is None:
        return list(scores)
    from_proba = (
        [None] * len(scores)
        if proba is None
        else [None if np.isnan(p) else float(p) for p in proba[:, positive]]
    )
    return [s if s is not None else p for s, p in zip(scores, from_proba, strict=True)]


def _confidences(
    pred_codes: list[int | None],
    proba: np.ndarray | None,
    scores: list[float | None],
    positive: int | None,
) -> list[float | None]:
    """The probability the model gave its own predicted label, where it said one."""
    result: list[float | None] = []
    for i, pred in enumerate(pred_codes):
        if pred is None:
            result.append(None)
        elif proba is not None and not np.isnan(proba[i, 0]):
            result.append(float(proba[i, pred]))
        elif positive is not None and scores[i] is not None:
            score = float(scores[i])  # type: ignore[arg-type]
            result.append(score if pred == positive else 1.0 - score)
        else:
            result.append(None)
    return result
