"""Consecutive prediction batches applied as one change leave each row as upserting them one
after the other would: the later prediction, the earlier truth unless it brings its own."""

from __future__ import annotations

from typing import Any

from perfledger.projections.performance.projection import (
    LABELED_AT,
    PRED_CODE,
    ROW_COLUMNS,
    SAMPLE_KEY,
    TRUE_CODE,
    merged_rows,
)


def row(row_id: str, predicted: int, truth: int | None, key: int, position: int,
        labeled_at: int | None = None) -> list[Any]:
    values: list[Any] = [None] * len(ROW_COLUMNS)
    values[0], values[1] = 1, row_id
    values[PRED_CODE], values[TRUE_CODE], values[SAMPLE_KEY] = predicted, truth, key
    values[ROW_COLUMNS.index("position")], values[LABELED_AT] = position, labeled_at
    return values


def test_a_later_prediction_keeps_the_earlier_truth_its_label_time_and_sampling_key() -> None:
    first = [row("a", 0, 1, key=11, position=1, labeled_at=5), row("b", 0, None, 12, 1)]
    second = [row("a", 1, None, key=21, position=2), row("b", 1, 0, 22, 2),
              row("c", 1, None, 23, 2)]
    merged = {r[1]: r for r in merged_rows([first, second])}
    assert [merged["a"][i] for i in (PRED_CODE, TRUE_CODE, SAMPLE_KEY, LABELED_AT)] == [
        1, 1, 11, 5]
    assert merged["a"][ROW_COLUMNS.index("position")] == 2
    assert [merged["b"][i] for i in (PRED_CODE, TRUE_CODE, SAMPLE_KEY)] == [1, 0, 12]
    assert list(merged) == ["a", "b", "c"]
    assert first[0][PRED_CODE] == 0  # the batches' own rows are left as they were
