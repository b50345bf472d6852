"""The input metrics a monitor can watch (drift, data integrity, traffic), and what a rule on
one must name: a column of the model (or `__ANY__`, the worst) and, for drift, a baseline."""

from __future__ import annotations

from dataclasses import dataclass

from perfledger.domain.inputs.columns import ColumnSpec

DRIFT_METRICS = ("jsd", "psi")
# Counted per column; their percentage is the count over the bucket's rows.
COLUMN_COUNTS = ("missing", "type_violation", "range_violation")
# Counted per bucket, not per column.
ROW_METRICS = ("traffic", "any_violation_count", "any_violation_percentage")
INTEGRITY_METRICS = tuple(f"{kind}_{unit}" for kind in COLUMN_COUNTS
                          for unit in ("count", "percentage"))
INPUT_METRICS = (*DRIFT_METRICS, *INTEGRITY_METRICS, *ROW_METRICS)
ANY_COLUMN = "__ANY__"
MAX_COLUMN_REF_CHARS = 200
MAX_BASELINE_REF_CHARS = 200


@dataclass(frozen=True)
class InputsOfModel:
    """What a rule on an input metric is checked against: the model's columns (empty when it
    declares none, so its inputs are not measured) and its baselines (id -> name)."""

    columns: tuple[ColumnSpec, ...]
    declares_columns: bool
    baselines: dict[str, str]


def input_rule_problems(metric: str, column: str | None, baseline: str | None,
                        tagged: bool, inputs: InputsOfModel | None) -> dict[str, str]:
    """Each field at fault, with what to give instead."""
    problems: dict[str, str] = {}
    if inputs is None or not inputs.declares_columns:
        problems["metric"] = (f"'{metric}' is measured on a model's declared columns, and this"
                              " model declares none: declare them (`columns`) first")
        return problems
    if tagged:
        problems["tags"] = f"input metrics are watched over all rows; '{metric}' takes no tags"
    if metric in ROW_METRICS:
        if column is not None:
            problems["column"] = f"'{metric}' counts rows, not a column's values: leave it out"
    else:
        problems.update(_column_problems(metric, column, inputs.columns))
    if metric in DRIFT_METRICS:
        problems.update(_baseline_problems(baseline, inputs.baselines))
    elif baseline is not None:
        problems["baseline"] = f"only drift ({', '.join(DRIFT_METRICS)}) takes a baseline"
    return problems


def _column_problems(metric: str, column: str | None, columns: tuple[ColumnSpec, ...]
                     ) -> dict[str, str]:
    valid = [c.name for c in columns if c.binned or metric not in DRIFT_METRICS]
    shown = ", ".join(valid[:100]) or "none"
    if column is None:
        return {"column": f"name the column '{metric}' watches, or '{ANY_COLUMN}' for the"
                          f" worst of them; the columns: {shown}"}
    if column != ANY_COLUMN and column not in valid:
        binned = any(c.name == column for c in columns)
        why = ("has no bins: declare its type with min and max, or categories" if binned
               else "is not one of the model's columns")
        return {"column": f"{column[:200]!r} {why}; the columns: {shown}"}
    if column == ANY_COLUMN and not valid:
        return {"column": "the model has no column this metric can be measured on"}
    return {}


def _baseline_problems(baseline: str | None, baselines: dict[str, str]) -> dict[str, str]:
    names = ", ".join(list(baselines.values())[:50]) or "none"
    if baseline is None:
        return {} if baselines else {
            "baseline": "the model has no baseline to measure drift against: create one"}
    if baseline not in baselines and baseline not in baselines.values():
        return {"baseline": f"the model has no baseline {baseline[:200]!r}; its baselines: {names}"}
    return {}
