"""Served metrics against scikit-learn's: equal within the contract's 1e-9."""

from __future__ import annotations

from typing import Any

import pytest

TOLERANCE = 1e-9


def assert_close(served: dict[str, Any] | None, expected: dict[str, float | None]) -> None:
    assert served is not None
    assert set(served) == set(expected)
    for name, value in expected.items():
        if value is None:
            assert served[name] is None, name
        else:
            assert served[name] == pytest.approx(value, abs=TOLERANCE), name
