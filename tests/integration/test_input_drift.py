"""Drift, distributions and data integrity of a model's columns equal scipy's and numpy's on
the same rows and bins, with late and replaced rows, static and rolling baselines, on both
backends; bad questions get a 4xx naming what is wrong."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from tests.integration.drifting import (
    COLUMNS,
    DAYS,
    START,
    bins_of,
    day_of,
    drifting_model,
    in_region,
    iso,
    numeric_bins,
    psi,
    random_rows,
    violates,
)
from tests.scenario import Scenario


@pytest.fixture
def model(scenario: Scenario) -> tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]:
    train, production = drifting_model(scenario)
    return scenario, train, production


def drift(s: Scenario, **params: Any) -> dict[str, Any]:
    answer = s.get("/inputs/drift", start=iso(START), end=iso(START + timedelta(days=DAYS)),
                   **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_drift_against_a_static_baseline_equals_scipy_per_bucket_and_over_the_range(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, train, production = model
    created = s.post("/baselines", {"name": "training", "type": "static",
                                    "dataset_split": "train"})
    assert created.status_code == 201, created.text
    s.catch_up()
    served = drift(s)
    assert served["baseline"]["name"] == "training" and len(served["points"]) == DAYS
    for column in ("age", "plan", "visits"):
        reference = bins_of(train, column)
        for day, point in enumerate(served["points"]):
            mine = [row for row in production if day_of(row) == day]
            window = bins_of(mine, column)
            assert point["sample_count"] == len(mine)
            measured = point["columns"][column]
            assert measured["jsd"] == pytest.approx(jensenshannon(window, reference), abs=1e-9)
            assert measured["psi"] == pytest.approx(psi(window, reference), abs=1e-9)
            missing = sum(row["features"][column] is None for row in mine)
            assert measured["missing_count"] == missing
    ranked = [entry["column"] for entry in served["ranking"]]
    assert set(ranked) == {"predicted_label", "score", "age", "plan", "visits"}  # outputs too
    whole = {c: jensenshannon(bins_of(production, c), bins_of(train, c))
             for c in ("age", "plan", "visits")}
    assert [c for c in ranked if c in whole] == sorted(whole, key=lambda c: -whole[c])
    for entry in served["ranking"]:
        if entry["column"] in whole:
            assert entry["jsd"] == pytest.approx(whole[entry["column"]], abs=1e-9)
    assert "note" not in served["points"][0]["columns"]  # a str column has no bins


def test_drift_against_a_rolling_baseline_compares_each_day_with_the_day_before(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, production = model
    assert s.post("/baselines", {"name": "day before", "type": "rolling", "window": "day",
                                 "offset": 1}).status_code == 201
    s.catch_up()
    served = drift(s, baseline="day before", columns="age", metrics="jsd")
    for day, point in enumerate(served["points"]):
        window = bins_of([r for r in production if day_of(r) == day], "age")
        before = bins_of([r for r in production if day_of(r) == day - 1], "age")
        expected = jensenshannon(window, before) if before.sum() and window.sum() else None
        got = point["columns"]["age"]
        assert set(got) == {"jsd", "missing_count"}
        assert got["jsd"] == (None if expected is None else pytest.approx(expected, abs=1e-9))


def test_a_distribution_has_both_histograms_and_the_exact_moments(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, train, production = model
    s.post("/baselines", {"name": "training", "type": "static", "dataset_split": "train"})
    s.catch_up()
    answer = s.get("/inputs/distribution", column="age")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["bins"][0] == [None, 10.0] and found["bins"][-1] == [90.0, None]
    assert found["window"]["counts"] == bins_of(production, "age").tolist()
    assert found["baseline"]["counts"] == bins_of(train, "age").tolist()
    ages = np.array([r["features"]["age"] for r in production
                     if type(r["features"]["age"]) is float], dtype=float)
    window = found["window"]
    assert window["count"] == ages.size
    assert window["mean"] == pytest.approx(float(np.mean(ages)), abs=1e-9)
    assert window["std"] == pytest.approx(float(np.std(ages)), abs=1e-9)
    assert (window["min"], window["max"]) == (float(ages.min()), float(ages.max()))
    assert window["missing_count"] == sum(r["features"]["age"] is None for r in production)


def test_integrity_counts_missing_values_and_violations_per_bucket(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, production = model
    answer = s.get("/inputs/integrity", start=iso(START), end=iso(START + timedelta(days=DAYS)))
    assert answer.status_code == 200, answer.text
    for day, point in enumerate(answer.json()["points"]):
        mine = [r["features"] for r in production if day_of({"timestamp": r["timestamp"]}) == day]
        assert point["sample_count"] == len(mine)
        age, plan, visits, note = (point["columns"][c] for c in ("age", "plan", "visits", "note"))
        assert age["type_violation_count"] == sum(f["age"] == "old" for f in mine)
        out_of_range = sum(type(f["age"]) is float and not 0 <= f["age"] <= 100 for f in mine)
        assert age["range_violation_count"] == out_of_range
        assert plan["range_violation_count"] == sum(f["plan"] == "vip" for f in mine)
        assert plan["missing_count"] == sum(f["plan"] is None for f in mine)
        assert visits["type_violation_count"] == sum(f["visits"] == 2.5 for f in mine)
        assert note["type_violation_count"] == sum(f["note"] == 7 for f in mine)
        violating = sum(violates(f) for f in mine)
        assert point["any_violation_count"] == violating
        if mine:
            assert point["any_violation_percentage"] == pytest.approx(violating / len(mine))


def test_bad_questions_are_refused_naming_what_is_wrong(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, _ = model
    no_baseline = s.get("/inputs/drift")
    assert no_baseline.status_code == 422 and no_baseline.json()["extra"] == {"field": "baseline"}
    assert s.post("/baselines", {"name": "training", "type": "static",
                                 "dataset_split": "train"}).status_code == 201
    again = s.post("/baselines", {"name": "training", "type": "static",
                                  "dataset_split": "test"})
    assert again.status_code == 409
    empty = s.post("/baselines", {"name": "empty", "type": "static", "dataset_split": "test"})
    assert empty.status_code == 201
    s.catch_up()
    unknown = s.get("/inputs/drift", columns="age,height")
    assert unknown.status_code == 422 and "'height'" in unknown.json()["detail"]
    assert "age" in unknown.json()["detail"]
    unbinned = s.get("/inputs/drift", columns="note")
    assert unbinned.status_code == 422 and "has no bins" in unbinned.json()["detail"]
    nothing = s.get("/inputs/drift", baseline="empty")
    assert nothing.status_code == 422 and "holds no rows" in nothing.json()["detail"]
    wrong = s.get("/inputs/drift", baseline="nope")
    assert wrong.status_code == 422 and "training" in wrong.json()["detail"]
    assert s.get("/inputs/drift", metrics="kl").status_code == 400
    for body, field in [({"name": "x", "type": "static", "dataset_split": "moon"},
                         "dataset_split"),
                        ({"name": "x", "type": "rolling", "window": "day", "offset": 0},
                         "offset"),
                        ({"name": "x", "type": "rolling", "window": "year", "offset": 1},
                         "window"),
                        ({"name": "", "type": "static", "dataset_split": "train"}, "name"),
                        ({"name": "x", "type": "static", "dataset_split": "train",
                          "start": "2026-10-09", "end": "2026-10-08"}, "end")]:
        refused = s.post("/baselines", body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["extra"] == {"field": field}


def test_declared_columns_are_checked_and_listed_with_their_bins(scenario: Scenario) -> None:
    for columns, field in [([{"name": "a", "type": "float", "min": 5, "max": 1}],
                            "columns[0].max"),
                           ([{"name": "a", "type": "decimal"}], "columns[0].type"),
                           ([{"name": "a", "type": "category", "categories": ["x", "x"]}],
                            "columns[0].categories"),
                           ([{"name": "a", "type": "float"}, {"name": "a", "type": "str"}],
                            "columns")]:
        refused = scenario.client.post("/api/v1/models", headers=scenario.headers, json={
            "name": "m", "task": "regression", "columns": columns})
        assert refused.status_code == 400, refused.text
        assert refused.json()["extra"] == {"field": field}
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"],
                          inputs=["age", "city"], columns=[
                              {"name": "age", "type": "int", "min": 0, "max": 100}])
    scenario.catch_up()
    listed = scenario.get("/columns").json()
    assert [c["name"] for c in listed] == ["predicted_label", "score", "age", "city"]
    assert listed[1]["bins"][0] == [None, 0.1] and listed[0]["bins"] == ["no", "yes",
                                                                          "__other__"]
    assert listed[3]["type"] is None and listed[3]["binned"] is False


def test_a_model_declaring_no_columns_is_not_measured_and_says_how_to_be(
        scenario: Scenario) -> None:
    scenario.create_model(name="plain", task="binary_classification", labels=["no", "yes"],
                          inputs=["age"])
    scenario.trained_version()
    scenario.send_predictions("v1", random_rows(3, 50, "q"), split="production")
    scenario.post("/baselines", {"name": "all", "type": "static", "dataset_split": "production"})
    scenario.catch_up()
    refused = scenario.get("/inputs/drift")
    assert refused.status_code == 422 and refused.json()["extra"] == {"field": "columns"}
    assert "declares no columns" in refused.json()["detail"]
    with scenario.container.database.read() as tx:
        kept = tx.value("SELECT COUNT(*) FROM input_rows r JOIN input_series s"
                        " ON r.series_id = s.series_id WHERE s.model_id = ?",
                        (scenario.model_id,))
    assert kept == 0  # nothing kept for it


def test_as_of_answers_from_the_rows_and_baselines_recorded_by_then(scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"],
                          inputs=["age", "plan", "visits", "note"], columns=COLUMNS)
    scenario.trained_version()
    train = random_rows(1, 300, "t")
    scenario.send_predictions("v1", train, split="train")
    assert scenario.post("/baselines", {"name": "training", "type": "static",
                                        "dataset_split": "train"}).status_code == 201
    before = random_rows(2, 400, "p", shift=12.0)
    scenario.send_predictions("v1", before, split="production")
    time.sleep(0.01)
    then = datetime.now(UTC)
    time.sleep(0.01)
    # afterwards: 60 rows replaced, 200 more, and a second baseline
    replaced = [{**row, "features": {**row["features"], "age": 5.0, "plan": "free"}}
                for row in before[:60]]
    later = random_rows(3, 200, "q", shift=-10.0)
    scenario.send_predictions("v1", replaced + later, split="production")
    assert scenario.post("/baselines", {"name": "day before", "type": "rolling",
                                        "window": "day", "offset": 1}).status_code == 201
    scenario.catch_up()
    now_rows = replaced + before[60:] + later
    moment = then.isoformat()
    window = {"start": iso(START), "end": iso(START + timedelta(days=DAYS))}

    for rows, asked in ((before, {"as_of": moment}), (now_rows, {})):
        served = scenario.get("/inputs/drift", baseline="training", **window, **asked)
        assert served.status_code == 200, served.text
        for day, point in enumerate(served.json()["points"]):
            mine = [row for row in rows if day_of(row) == day]
            assert point["sample_count"] == len(mine)
            for column in ("age", "plan"):
                expected = jensenshannon(bins_of(mine, column), bins_of(train, column))
                assert point["columns"][column]["jsd"] == pytest.approx(expected, abs=1e-9)
        spread = scenario.get("/inputs/distribution", column="age", **asked)
        assert spread.status_code == 200, spread.text
        assert spread.json()["window"]["counts"] == bins_of(rows, "age").tolist()
        integrity = scenario.get("/inputs/integrity", **window, **asked)
        assert integrity.status_code == 200, integrity.text
        assert [p["any_violation_count"] for p in integrity.json()["points"]] == [
            sum(violates(r["features"]) for r in rows if day_of(r) == day)
            for day in range(DAYS)]

    unknown_then = scenario.get("/inputs/drift", baseline="day before", as_of=moment)
    assert unknown_then.status_code == 422 and "training" in unknown_then.json()["detail"]
    early = scenario.get("/inputs/drift", as_of="2020-01-01")
    assert early.status_code == 422, early.text
    malformed = scenario.get("/inputs/drift", as_of="yesterday")
    assert malformed.status_code == 400 and "as_of" in malformed.text


def test_extremes_stay_exact_when_the_rows_holding_them_are_replaced(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, production = model
    numeric = [row for row in production if type(row["features"]["age"]) is float]
    lowest = min(numeric, key=lambda row: row["features"]["age"])
    highest = max(numeric, key=lambda row: row["features"]["age"])
    # the rows holding the minimum and the maximum get middle values; another row's age
    # becomes the old minimum, so one value equal to it remains
    twin = next(row for row in numeric if row not in (lowest, highest))
    changed = {lowest["row_id"]: 50.0, highest["row_id"]: 51.0,
               twin["row_id"]: lowest["features"]["age"]}
    replaced = [{**row, "features": {**row["features"], "age": changed[row["row_id"]]}}
                for row in (lowest, highest, twin)]
    s.send_predictions("v1", replaced, split="production")
    s.catch_up()
    now = [next((r for r in replaced if r["row_id"] == row["row_id"]), row)
           for row in production]
    for day in (None, day_of(lowest), day_of(highest)):
        rows = [row for row in now if day is None or day_of(row) == day]
        ages = np.array([r["features"]["age"] for r in rows
                         if type(r["features"]["age"]) is float], dtype=float)
        window = {} if day is None else {
            "start": iso(START + timedelta(days=day)),
            "end": iso(START + timedelta(days=day + 1))}
        found = s.get("/inputs/distribution", column="age", **window).json()["window"]
        assert (found["min"], found["max"]) == (float(ages.min()), float(ages.max())), day
        assert found["count"] == ages.size


def test_tag_filters_measure_the_rows_carrying_them_in_the_window_and_the_baseline(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, train, production = model
    for body in ({"name": "training", "type": "static", "dataset_split": "train"},
                 {"name": "day before", "type": "rolling", "window": "day", "offset": 1}):
        assert s.post("/baselines", body).status_code == 201
    s.catch_up()
    eu, eu_train = in_region(production, "eu"), in_region(train, "eu")
    static = drift(s, **{"tag.region": "eu"})
    rolling = drift(s, baseline="day before", columns="age", **{"tag.region": "eu"})
    for day, (point, shifted) in enumerate(zip(static["points"], rolling["points"],
                                               strict=True)):
        mine = [row for row in eu if day_of(row) == day]
        before = bins_of([row for row in eu if day_of(row) == day - 1], "age")
        assert point["sample_count"] == len(mine)
        for column in ("age", "plan", "visits"):
            expected = jensenshannon(bins_of(mine, column), bins_of(eu_train, column))
            assert point["columns"][column]["jsd"] == pytest.approx(expected, abs=1e-9)
            assert point["columns"][column]["psi"] == pytest.approx(
                psi(bins_of(mine, column), bins_of(eu_train, column)), abs=1e-9)
        window = bins_of(mine, "age")
        expected = jensenshannon(window, before) if before.sum() and window.sum() else None
        assert shifted["columns"]["age"]["jsd"] == (
            None if expected is None else pytest.approx(expected, abs=1e-9))
    found = s.get("/inputs/distribution", column="age", **{"tag.region": "eu"}).json()
    ages = np.array([r["features"]["age"] for r in eu if type(r["features"]["age"]) is float])
    assert found["window"]["counts"] == bins_of(eu, "age").tolist()
    assert found["baseline"]["counts"] == bins_of(eu_train, "age").tolist()
    assert found["window"]["mean"] == pytest.approx(float(np.mean(ages)), abs=1e-9)
    assert (found["window"]["min"], found["window"]["max"]) == (ages.min(), ages.max())
    integrity = s.get("/inputs/integrity", start=iso(START),
                      end=iso(START + timedelta(days=DAYS)), **{"tag.region": "apac"}).json()
    for day, point in enumerate(integrity["points"]):
        mine = [r["features"] for r in in_region(production, "apac") if day_of(r) == day]
        assert point["sample_count"] == len(mine)
        assert point["any_violation_count"] == sum(violates(f) for f in mine)
        assert point["columns"]["age"]["missing_count"] == sum(f["age"] is None for f in mine)
    nobody = s.get("/inputs/integrity", **{"tag.region": "mars"}).json()
    assert nobody["points"] and all(p["sample_count"] == 0 for p in nobody["points"])
    unmeasured = s.get("/inputs/drift", **{"tag.region": "mars"})
    assert unmeasured.status_code == 422
    assert "holds no rows" in unmeasured.json()["detail"]
    assert "tag.region=mars" in unmeasured.json()["detail"]
    assert s.get("/inputs/drift", **{"tag.bad name": "x"}).status_code == 400


def test_changing_a_columns_bins_counts_every_row_kept_again(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, train, production = model
    s.post("/baselines", {"name": "training", "type": "static", "dataset_split": "train"})
    changed = s.put("/columns/age", {"type": "float", "min": 20, "max": 60, "nullable": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["column"]["bins"][1] == [24.0, 28.0]
    s.catch_up()
    edges = np.linspace(20, 60, 11)[1:-1]
    found = s.get("/inputs/distribution", column="age").json()
    ages = [row["features"]["age"] for row in production]
    assert found["window"]["counts"] == numeric_bins(ages, edges).tolist()
    assert found["baseline"]["counts"] == numeric_bins(
        [row["features"]["age"] for row in train], edges).tolist()
    served = drift(s, columns="age")
    for day, point in enumerate(served["points"]):
        mine = [row["features"]["age"] for row in production if day_of(row) == day]
        expected = jensenshannon(numeric_bins(mine, edges), numeric_bins(
            [row["features"]["age"] for row in train], edges))
        assert point["columns"]["age"]["jsd"] == pytest.approx(expected, abs=1e-9)
    integrity = s.get("/inputs/integrity", start=iso(START),
                      end=iso(START + timedelta(days=DAYS))).json()
    for day, point in enumerate(integrity["points"]):
        mine = [row["features"] for row in production if day_of(row) == day]
        outside = sum(type(f["age"]) is float and not 20 <= f["age"] <= 60 for f in mine)
        assert point["columns"]["age"]["range_violation_count"] == outside
        # age may no longer be missing: a row without it violates
        assert point["any_violation_count"] == sum(
            violates(f) or f["age"] is None or (type(f["age"]) is float
                                               and not 20 <= f["age"] <= 60) for f in mine)
    columns = {c["name"]: c for c in s.get("/columns").json()}
    assert (columns["age"]["min"], columns["age"]["max"]) == (20.0, 60.0)
    for body, field in [({"type": "decimal"}, "type"), ({"type": "float", "min": 5, "max": 1},
                                                        "max"),
                        ({"type": "float", "name": "other", "min": 0, "max": 1}, "name"),
                        ({"type": "str", "categories": ["a"]}, "categories")]:
        refused = s.put("/columns/age", body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["extra"] == {"field": field}
