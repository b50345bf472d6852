"""The closed vocabularies of the domain: tasks, dataset splits, version states."""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    BINARY_CLASSIFICATION = "binary_classification"
    MULTICLASS_CLASSIFICATION = "multiclass_classification"
    REGRESSION = "regression"
    RANKING = "ranking"
    LLM = "llm"
    NOT_SET = "not_set"

    @property
    def is_classification(self) -> bool:
        return self in (Task.BINARY_CLASSIFICATION, Task.MULTICLASS_CLASSIFICATION)

    @property
    def has_performance(self) -> bool:
        return self.is_classification or self is Task.REGRESSION



class DatasetSplit(StrEnum):
    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"
    PRODUCTION = "production"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    TRAINING = "training"
    TRAINED = "trained"
    FAILED = "failed"
    ARCHIVED = "archived"


ALLOWED_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.TRAINING}),
    VersionStatus.TRAINING: frozenset({VersionStatus.TRAINED, VersionStatus.FAILED}),
    VersionStatus.TRAINED: frozenset({VersionStatus.ARCHIVED}),
    VersionStatus.FAILED: frozenset(),
    VersionStatus.ARCHIVED: frozenset(),
}
