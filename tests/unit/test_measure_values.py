"""Each value of a column is classified as the contract says, whether the column's values
are all plain (converted by numpy at once) or mixed with values of other kinds (one by one):
missing, wrong type, out of range, its bin."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics import columns
from perfledger.domain.metrics.columns import measure

EDGE_NUMBERS: list[Any] = [0, -0.0, 3.0, 3.5, -7, 2**53 - 1, float("nan"), float("inf"),
                           1e-320, None]
# beside ints, magnitudes from 2**53 on are decided one by one
LARGE_NUMBERS: list[Any] = [2**53, -(2**53), 2**53 + 1, 10**400, 1e300]
ODD_VALUES: list[Any] = ["12", True, False, [1], {"a": 1}]


def expected_numeric(spec: ColumnSpec, value: Any) -> tuple[bool, bool, bool, int]:
    """(missing, wrong type, out of range, bin) of one value, by the contract's words."""
    if value is None:
        return True, False, False, -1
    number = type(value) in (int, float) and (
        abs(value) <= 2**53 if type(value) is int
        else math.isfinite(value) and (spec.type == "float" or float(value).is_integer()))
    if not number:
        return False, True, False, -1
    assert spec.min is not None and spec.max is not None
    edges = np.linspace(spec.min, spec.max, 11)[1:-1]
    return (False, False, not spec.min <= value <= spec.max,
            int(np.searchsorted(edges, float(value), side="right")))


def expected_category(spec: ColumnSpec, value: Any) -> tuple[bool, bool, bool, int]:
    if value is None:
        return True, False, False, -1
    if type(value) is not str:
        return False, True, False, -1
    categories = list(spec.categories or ())
    known = value in categories
    return False, False, not known, categories.index(value) if known else len(categories)


def classified(spec: ColumnSpec, values: list[Any]) -> list[tuple[bool, bool, bool, int]]:
    measured, _ = measure(spec, values)
    return list(zip(measured.missing.tolist(), measured.type_violation.tolist(),
                    measured.range_violation.tolist(), measured.bins.tolist(), strict=True))


@pytest.mark.parametrize("kind", ["float", "int"])
@pytest.mark.parametrize("extra", ["none", "large numbers", "odd values"])
def test_numeric_values_are_classified_alike_plain_or_mixed(
        kind: str, extra: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    spec = ColumnSpec("x", kind, -10.0, 10.0)
    values: list[Any] = [float(v) for v in rng.normal(0, 8, 300).round(1)]
    values += [int(v) for v in rng.integers(-20, 20, 100)] + EDGE_NUMBERS
    values += {"none": [], "large numbers": LARGE_NUMBERS, "odd values": ODD_VALUES}[extra]
    rng.shuffle(values)
    if extra == "none":  # plain values: numpy converts them all at once
        monkeypatch.setattr(columns, "_numbers_one_by_one", _not_expected)
    assert classified(spec, values) == [expected_numeric(spec, v) for v in values]


def _not_expected(*_: Any) -> Any:
    raise AssertionError("plain values were converted one by one")


@pytest.mark.parametrize("mixed", [False, True])
def test_category_values_are_classified_alike_plain_or_mixed(mixed: bool) -> None:
    rng = np.random.default_rng(12)
    spec = ColumnSpec("plan", "category", categories=("free", "pro", "team"))
    values: list[Any] = [str(v) for v in rng.choice(["free", "pro", "team", "gold"], 300)]
    values += [None] * 20
    if mixed:
        values += [3, True, ["free"], {"a": 1}, 1.5]
    rng.shuffle(values)
    assert classified(spec, values) == [expected_category(spec, v) for v in values]
