"""Record validation and schema inference, on values alone: no database, no HTTP."""

from __future__ import annotations

import pandas as pd
import pytest

from perfledger.domain.catalog.entry import check_entry, labels_of
from perfledger.domain.catalog.inference import complete_spec, infer_schema
from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import MAX_TAG_NAME_CHARS, MAX_TAGS_PER_MODEL
from perfledger.domain.performance.records import (
    LabelRecord,
    ModelTraits,
    PredictionRecord,
    _tag_name_pattern,
    label_columns,
    prediction_columns,
)
from perfledger.domain.vocabulary import Task

BINARY = ModelTraits(Task.BINARY_CLASSIFICATION, ["no", "yes"], [])
REGRESSION = ModelTraits(Task.REGRESSION, [], [])


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[int, str]]:
    return [(p["index"], p["field"]) for p in error.value.details["invalid_records"]]


def test_a_batch_is_refused_whole_naming_every_bad_record() -> None:
    records = [
        PredictionRecord(row_id="a", predicted_label="yes", score=0.9),
        PredictionRecord(row_id="a", predicted_label="maybe"),
        PredictionRecord(row_id="c", predicted_label="no", score=1.5, prediction=3.0),
    ]
    with pytest.raises(InvalidInput) as refused:
        prediction_columns(BINARY, records)
    assert problems_of(refused) == [(1, "row_id"), (1, "predicted_label"), (2, "prediction"),
                                    (2, "score")]


def test_probabilities_name_every_declared_label_and_sum_to_one() -> None:
    traits = ModelTraits(Task.MULTICLASS_CLASSIFICATION, ["a", "b", "c"], [])
    good = PredictionRecord(row_id="r", predicted_label="a",
                            probabilities={"a": 0.5, "b": 0.25, "c": 0.25})
    columns = prediction_columns(traits, [good])
    assert columns.probability_labels == ["a", "b", "c"]
    assert columns.probabilities == [[0.5, 0.25, 0.25]]
    with pytest.raises(InvalidInput) as refused:
        prediction_columns(traits, [PredictionRecord(row_id="r", predicted_label="a",
                                                     probabilities={"a": 0.5, "b": 0.4})])
    assert problems_of(refused) == [(0, "probabilities"), (0, "probabilities")]


def test_labels_are_text_whatever_their_json_type_and_timestamps_are_normalised() -> None:
    columns = prediction_columns(
        BINARY, [PredictionRecord(row_id="r", predicted_label="yes", true_label="no",
                                  timestamp="2026-03-13T15:22:10+01:00")])
    assert columns.timestamps == ["2026-03-13T14:22:10.000000Z"]
    numbers = ModelTraits(Task.BINARY_CLASSIFICATION, ["0", "1"], [])
    assert prediction_columns(numbers, [PredictionRecord(row_id="r", predicted_label=1)]
                              ).predicted_labels == ["1"]


def test_a_label_batch_carries_the_truth_the_task_expects() -> None:
    assert label_columns(REGRESSION, [LabelRecord("r", target=2.5)]).targets == [2.5]
    with pytest.raises(InvalidInput) as refused:
        label_columns(REGRESSION, [LabelRecord("r", true_label="yes"),
                                   LabelRecord("s", target=float("inf"))])
    assert problems_of(refused) == [(0, "target"), (0, "true_label"), (1, "target")]


def test_inference_reads_values_as_text_the_way_pandas_would_type_them() -> None:
    frame = pd.DataFrame({
        "age": ["30", "41", "007"], "rate": ["0.5", "1e3", "2"], "flag": ["true", "False", None],
        "day": ["2026-01-02", "2026-01-01", "2026-01-02"], "plan": ["pro", "free", "pro"],
        "huge": [str(2**64), "1", "2"],
    })
    columns = {c["name"]: c for c in infer_schema(frame, max_cardinality=2)["columns"]}
    assert (columns["age"]["data_type"], columns["age"]["min"], columns["age"]["max"]) == (
        "int", 7, 41)
    assert columns["age"]["categories"] is None  # three distinct values, cardinality two
    assert (columns["rate"]["data_type"], columns["rate"]["max"]) == ("float", 1000.0)
    assert columns["flag"]["data_type"] == "bool" and columns["flag"]["categories"] == [
        False, True]
    assert columns["day"]["categories"] == ["2026-01-01", "2026-01-02"]
    assert columns["plan"]["data_type"] == "category"
    assert columns["huge"]["data_type"] == "str"  # past 64 bits: text, and too many values
    assert all(c["replace_with_nulls"] == [] for c in columns.values())


def test_a_spec_without_inputs_takes_every_column_it_leaves_unnamed() -> None:
    spec = complete_spec({"outputs": ["score"], "targets": ["label"]}, ["a", "score", "label"])
    assert spec["inputs"] == ["a"] and spec["decisions"] == []


def test_an_entry_names_only_its_schemas_columns_and_a_classifier_has_classes() -> None:
    entry = {"schema": {"columns": [{"name": "x"}, {"name": "label", "categories": [0, 1]}]},
             "spec": {"inputs": ["x", "missing"], "targets": ["label"]}, "task_params": {}}
    with pytest.raises(InvalidInput, match=r"'missing', which is not in schema\.columns"):
        check_entry(Task.BINARY_CLASSIFICATION, entry)
    entry["spec"]["inputs"] = ["x"]
    check_entry(Task.BINARY_CLASSIFICATION, entry)
    assert labels_of(Task.BINARY_CLASSIFICATION, entry) == ["0", "1"]
    ordered = {**entry, "task_params": {"target_class_order": [1, 0]}}
    assert labels_of(Task.BINARY_CLASSIFICATION, ordered) == ["1", "0"]


def test_tags_are_named_slices_with_bounded_string_values() -> None:
    fine = PredictionRecord(row_id="a", predicted_label="yes", tags={"region": "eu", "plan": "x"})
    columns = prediction_columns(BINARY, [fine, PredictionRecord(row_id="b", predicted_label="no")])
    assert columns.tags == [{"plan": "x", "region": "eu"}, None]

    records = [
        PredictionRecord(row_id="c", predicted_label="no", tags={"bad name": "x"}),
        PredictionRecord(row_id="d", predicted_label="no", tags={"region": "x" * 257}),
        PredictionRecord(row_id="e", predicted_label="no",
                         tags={f"t{i}": "v" for i in range(MAX_TAGS_PER_MODEL + 1)}),
    ]
    with pytest.raises(InvalidInput) as refused:
        prediction_columns(BINARY, records)
    assert problems_of(refused) == [(0, "tags.bad name"), (1, "tags.region"), (2, "tags")]

    # Step: rows repeating a tag set (checked once a batch) are each named, each kept.
    repeated = [PredictionRecord(row_id=f"r{i}", predicted_label="no",
                                 tags={"plan": "x", "bad name": "y"} if i % 2 else
                                 {"region": "eu", "plan": "x"}) for i in range(4)]
    with pytest.raises(InvalidInput) as refused:
        prediction_columns(BINARY, repeated)
    assert problems_of(refused) == [(1, "tags.bad name"), (3, "tags.bad name")]
    kept = prediction_columns(BINARY, repeated[::2])
    assert kept.tags == [{"plan": "x", "region": "eu"}] * 2


def test_a_long_tag_name_is_refused_and_not_remembered() -> None:
    """Valid tag names are remembered across batches (at most 4,096 of them); names a caller
    makes as long as the body allows are refused without being remembered, so they do not
    stay in this process's memory."""
    prediction_columns(BINARY, [PredictionRecord(row_id="a", predicted_label="no",
                                                 tags={"region": "eu"})])
    remembered = _tag_name_pattern.cache_info().currsize
    assert remembered >= 1
    for i in range(3):
        long_name = f"{i}" * 1_000_000
        with pytest.raises(InvalidInput) as refused:
            prediction_columns(BINARY, [PredictionRecord(row_id="b", predicted_label="no",
                                                         tags={long_name: "x"})])
        assert problems_of(refused) == [(0, f"tags.{long_name[:MAX_TAG_NAME_CHARS]}")]
    assert _tag_name_pattern.cache_info().currsize == remembered
    assert _tag_name_pattern.cache_info().maxsize == 4_096
