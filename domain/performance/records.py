"""Prediction and label records, validated whole and turned into columns."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from perfledger.domain.limits import MAX_TAG_NAME_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS_PER_MODEL
from perfledger.domain.timestamps import latest_row_time, normalize_timestamp, row_time_problem
from perfledger.domain.transcoder import holds_nul
from perfledger.domain.validation import (
    Problems,
    as_label,
    check_batch_size,
    check_finite,
    check_key_value,
    check_label,
    check_probability,
    check_row_ids_unique,
    forbid,
    require,
)
from perfledger.domain.vocabulary import Task

PROBABILITY_SUM_TOLERANCE = 1e-6

Label = str | int


class PredictionRecord(msgspec.Struct, forbid_unknown_fields=True):
    row_id: str
    predicted_label: Label | None = None
    probabilities: dict[str, float] | None = None
    score: float | None = None
    prediction: float | None = None
    true_label: Label | None = None
    target: float | None = None
    features: dict[str, Any] | None = None
    timestamp: str | None = None
    tags: dict[str, str] | None = None


class LabelRecord(msgspec.Struct, forbid_unknown_fields=True):
    row_id: str
    true_label: Label | None = None
    target: float | None = None


@dataclass(frozen=True)
class ModelTraits:
    """What validation needs to know about the model a batch is for."""

    task: Task
    labels: list[str]
    inputs: list[str]


@dataclass
class PredictionColumns:
    """A validated prediction batch, column by column, as its event stores it."""

    row_ids: list[str]
    predicted_labels: list[str | None]
    true_labels: list[str | None]
    scores: list[float | None]
    probability_labels: list[str]
    probabilities: list[list[float] | None]
    predictions: list[float | None]
    targets: list[float | None]
    features: list[str | None]
    timestamps: list[str | None]
    tags: list[dict[str, str] | None]


@dataclass
class LabelColumns:
    row_ids: list[str]
    true_labels: list[str | None]
    targets: list[float | None]


_FEATURES = msgspec.json.Encoder()


def prediction_columns(
    traits: ModelTraits, records: Sequence[PredictionRecord]
) -> PredictionColumns:
    check_batch_size(len(records))
    problems = Problems()
    row_ids = [record.row_id for record in records]
    check_row_ids_unique(row_ids, problems)
    probability_labels = _probability_labels(traits, records)
    columns = PredictionColumns(row_ids, [], [], [], probability_labels, [], [], [], [], [], [])
    tag_sets: dict[tuple[tuple[str, str], ...], TagSet] = {}  # rows repeat a few tag sets
    latest = latest_row_time()
    for index, record in enumerate(records):
        predicted_label, true_label = as_label(record.predicted_label), as_label(record.true_label)
        _check_shape(traits, index, record, predicted_label, true_label, problems)
        _check_probabilities(traits, index, record.probabilities, problems)
        columns.predicted_labels.append(predicted_label)
        columns.true_labels.append(true_label)
        columns.scores.append(record.score)
        columns.probabilities.append(
            None
            if record.probabilities is None
            else [record.probabilities.get(label, 0.0) for label in probability_labels]
        )
        columns.predictions.append(record.prediction)
        columns.targets.append(record.target)
        columns.features.append(_features_json(index, record.features, problems))
        columns.timestamps.append(_timestamp(index, record.timestamp, latest, problems))
        columns.tags.append(_tags(index, record.tags, problems, tag_sets))
    problems.raise_if_any("Prediction batch rejected")
    return columns


def label_columns(traits: ModelTraits, records: Sequence[LabelRecord]) -> LabelColumns:
    check_batch_size(len(records))
    problems = Problems()
    row_ids = [record.row_id for record in records]
    check_row_ids_unique(row_ids, problems)
    for index, record in enumerate(records):
        if traits.task is Task.REGRESSION:
            require(index, "target", record.target, problems)
            forbid(index, "true_label", record.true_label, problems)
            check_finite(index, "target", record.target, problems)
        elif traits.task.is_classification:
            require(index, "true_label", record.true_label, problems)
            forbid(index, "target", record.target, problems)
            check_label(traits, index, "true_label", as_label(record.true_label), problems)
    problems.raise_if_any("Label batch rejected")
    return LabelColumns(
        row_ids,
        [as_label(record.true_label) for record in records],
        [record.target for record in records],
    )


def _probability_labels(traits: ModelTraits, records: Sequence[PredictionRecord]) -> list[str]:
    if traits.labels:
        return list(traits.labels)
    seen: dict[str, None] = {}
    for record in records:
        if record.probabilities:
            seen.update(dict.fromkeys(record.probabilities))
    return list(seen)


def _check_shape(traits: ModelTraits, index: int, record: PredictionRecord,
                 predicted_label: str | None, true_label: str | None, p: Problems) -> None:
    """The fields the model's task asks for and allows (the labels as `as_label` gives them)."""
    if traits.task is Task.REGRESSION:
        require(index, "prediction", record.prediction, p)
        forbid(index, "predicted_label", record.predicted_label, p)
        forbid(index, "probabilities", record.probabilities, p)
        forbid(index, "score", record.score, p)
        forbid(index, "true_label", record.true_label, p)
        check_finite(index, "prediction", record.prediction, p)
        check_finite(index, "target", record.target, p)
    elif traits.task.is_classification:
        require(index, "predicted_label", record.predicted_label, p)
        forbid(index, "prediction", record.prediction, p)
        forbid(index, "target", record.target, p)
        check_label(traits, index, "predicted_label", predicted_label, p)
        check_label(traits, index, "true_label", true_label, p)
        if record.score is not None:
            if traits.task is not Task.BINARY_CLASSIFICATION:
                p.add(index, "score", "score is only for binary classification models")
            check_probability(index, "score", record.score, p)


def _check_probabilities(
    traits: ModelTraits, index: int, probabilities: dict[str, float] | None, p: Problems
) -> None:
    if probabilities is None:
        return
    if not traits.task.is_classification:
        p.add(index, "probabilities", "probabilities are only for classification models")
        return
    for label, value in probabilities.items():
        check_key_value(index, "probabilities", label, p)
        check_probability(index, f"probabilities.{label[:100]}", value, p)
    if traits.labels and set(probabilities) != set(traits.labels):
        p.add(index, "probabilities", f"probabilities must name exactly the labels {traits.labels}")
    total = math.fsum(probabilities.values())
    if abs(total - 1.0) > PROBABILITY_SUM_TOLERANCE:
        p.add(index, "probabilities", f"probabilities sum to {total!r}, not 1")


def _features_json(index: int, features: dict[str, Any] | None, p: Problems) -> str | None:
    if features is None:
        return None
    for name, value in features.items():
        if isinstance(value, float) and not math.isfinite(value):
            p.add(index, f"features.{name}", "feature values must be finite numbers")
    encoded = _FEATURES.encode(features)
    if holds_nul(encoded):
        p.add(index, "features", "features contain the NUL character (\\u0000); remove it")
    return encoded.decode()


TAG_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


# A row's tags as stored (sorted by name), or None, with what is wrong with them
TagSet = tuple[dict[str, str] | None, list[tuple[str, str]]]


def _tags(index: int, tags: dict[str, str] | None, p: Problems,
          known: dict[tuple[tuple[str, str], ...], TagSet]) -> dict[str, str] | None:
    """The slices a row belongs to: at most MAX_TAGS_PER_MODEL names of letters, digits,
    `_`, `.` and `-`, each with a string value of at most MAX_TAG_VALUE_CHARS characters.
    A tag set met before in the batch (`known`) is not checked again."""
    if not tags:
        return None
    key = tuple(tags.items())
    found = known.get(key)
    if found is None:
        found = known[key] = _tag_set(tags)
    stored, problems = found
    for field_name, message in problems:
        p.add(index, field_name, message)
    return stored


def _tag_set(tags: dict[str, str]) -> TagSet:
    if len(tags) > MAX_TAGS_PER_MODEL:
        return None, [("tags", f"a row carries at most {MAX_TAGS_PER_MODEL} tags,"
                               f" not {len(tags)}")]
    problems = []
    for name, value in tags.items():
        field_name = f"tags.{name[:MAX_TAG_NAME_CHARS]}"
        if not is_tag_name(name):
            problems.append((field_name, TAG_NAME_RULE))
        if len(value) > MAX_TAG_VALUE_CHARS:
            problems.append((field_name, f"a tag value is at most {MAX_TAG_VALUE_CHARS}"
                                         f" characters, not {len(value)}"))
        elif "\x00" in value:
            problems.append((field_name,
                             "tag values contain the NUL character (\\u0000); remove it"))
    return dict(sorted(tags.items())), problems


TAG_NAME_RULE = (f"a tag name is 1 to {MAX_TAG_NAME_CHARS} letters, digits, '_', '.' or '-'"
                 " (not '.' or '-' first)")


def is_tag_name(name: str) -> bool:
    return len(name) <= MAX_TAG_NAME_CHARS and _tag_name_pattern(name)


@functools.lru_cache(maxsize=4096)
def _tag_name_pattern(name: str) -> bool:
    """Remembered: the rows of a batch, and of the next ones, name the same few tags. Only
    names within the length bound come here, so the cache holds at most 4,096 short ones."""
    return TAG_NAME.fullmatch(name) is not None


def _timestamp(index: int, text: str | None, latest: str, p: Problems) -> str | None:
    if text is None:
        return None
    try:
        stored = normalize_timestamp(text)
    except ValueError as error:
        p.add(index, "timestamp", str(error))
        return None
    problem = row_time_problem(stored, latest)
    if problem is not None:
        p.add(index, "timestamp", problem)
        return None
    return stored
