"""Value objects the commands take and return: who asks, what model, what was recorded."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from perfledger.domain.errors import InvalidInput
from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.limits import (
    MAX_COLUMNS_PER_MODEL,
    MAX_LABELS_PER_MODEL,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    key_problem,
)
from perfledger.domain.vocabulary import Task


@dataclass(frozen=True)
class Caller:
    """Whose organization a command acts in (who acts is set where the command enters: see
    `domain.aggregate.acting`)."""

    organization_id: str


@dataclass(frozen=True)
class ModelDefinition:
    name: str
    task: Task
    project_id: str | None = None
    labels: tuple[str, ...] = ()
    positive_label: str | None = None
    inputs: tuple[str, ...] = ()
    description: str = ""
    columns: tuple[ColumnSpec, ...] = ()  # declared types and bins (domain.inputs.columns)


@dataclass(frozen=True)
class BatchReceipt:
    batch_id: str
    batch_key: UUID
    accepted: int
    position: int | None  # None when the batch had been recorded before


def default_project_id(organization_id: str) -> str:
    return str(uuid5(UUID(int=0), f"perfledger/default-project/{organization_id}"))


def check_model_definition(definition: ModelDefinition) -> None:
    problems: list[str] = []
    if not definition.name.strip():
        problems.append("name must not be empty")
    if len(definition.name) > MAX_NAME_CHARS:
        problems.append(f"name is longer than {MAX_NAME_CHARS} characters")
    if len(definition.description) > MAX_TEXT_CHARS:
        problems.append(f"description is longer than {MAX_TEXT_CHARS} characters")
    if len(definition.labels) > MAX_LABELS_PER_MODEL:
        problems.append(f"a model has at most {MAX_LABELS_PER_MODEL} labels, "
                        f"not {len(definition.labels)}")
    if len(definition.inputs) > MAX_COLUMNS_PER_MODEL:
        problems.append(f"a model has at most {MAX_COLUMNS_PER_MODEL} inputs, "
                        f"not {len(definition.inputs)}")
    for role, values in (("labels", definition.labels), ("inputs", definition.inputs)):
        problems += [f"{role}[{index}] {too_long}" for index, value in enumerate(values)
                     if (too_long := key_problem(value)) is not None]
    if len(set(definition.labels)) != len(definition.labels):
        problems.append("labels must be distinct")
    if definition.task is Task.BINARY_CLASSIFICATION and len(definition.labels) != 2:
        problems.append("a binary_classification model declares exactly two labels")
    if definition.labels and not definition.task.is_classification:
        problems.append(f"a {definition.task} model has no labels")
    if definition.positive_label is not None and definition.positive_label not in definition.labels:
        shown = definition.positive_label[:100]
        problems.append(f"positive_label '{shown}' is not one of the labels")
    if problems:
        raise InvalidInput("Invalid model: " + "; ".join(problems), {"problems": problems})
