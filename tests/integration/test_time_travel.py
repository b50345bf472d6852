"""Summaries and confusion matrices as_of a past moment, replayed from the log, on both backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

from perfledger.projections.performance import time_travel
from tests.closeness import assert_close
from tests.closeness import binary_expected as binary_expected_on
from tests.scenario import Scenario

LABELS = ["stay", "churn"]  # binary; "churn" (code 1) is the positive label
Row = tuple[str, float, str | None]  # predicted label, score, true label (None: unknown)


def last_event_at(scenario: Scenario) -> str:
    """The timestamp of the model's latest event, from its audit trail."""
    scenario.catch_up()
    history = scenario.get("/history")
    assert history.status_code == 200, history.text
    return str(history.json()[-1]["at"])


def as_of(scenario: Scenario, moment: str, path: str = "summary", **params: Any) -> Any:
    scenario.catch_up()
    return scenario.get(f"/performance/{path}", as_of=moment, **params)


def binary_expected(rows: dict[str, Row]) -> dict[str, float | None]:
    """scikit-learn's metrics on the rows that have ground truth."""
    labeled = sorted((k, r) for k, r in rows.items() if r[2] is not None)
    truth = np.array([LABELS.index(str(r[2])) for _, r in labeled])
    predicted = np.array([LABELS.index(r[0]) for _, r in labeled])
    scores = np.array([r[1] for _, r in labeled])
    return binary_expected_on(truth, predicted, scores)


def records(rows: dict[str, Row], hidden: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Prediction records; rows in `hidden` are sent without their truth."""
    return [
        {"row_id": k, "predicted_label": p, "score": s}
        | ({"true_label": t} if t is not None and k not in hidden else {})
        for k, (p, s, t) in rows.items()
    ]


def random_rows(seed: int, prefix: str, n: int) -> dict[str, Row]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    scores = np.clip(truth * 0.35 + rng.random(n) * 0.65, 0, 1).round(3)  # ties on purpose
    return {
        f"{prefix}{i}": (LABELS[int(scores[i] >= 0.5)], float(scores[i]), LABELS[truth[i]])
        for i in range(n)
    }


def ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_as_of_answers_with_the_metrics_of_that_moment_before_and_after_each_step(
    scenario: Scenario,
) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    v1 = random_rows(1, "a", 300)
    hidden = frozenset(list(v1)[::3])  # their truth comes later, in a label batch
    scenario.send_predictions("v1", records(v1, hidden))
    v1_sent = last_event_at(scenario)
    scenario.trained_version("v2")  # the latest trained version, until v1 is promoted
    v2 = random_rows(2, "b", 200)
    scenario.send_predictions("v2", records(v2))
    before_promotion = last_event_at(scenario)

    assert scenario.post("/versions/v1/promote", {}).status_code == 200
    promoted = last_event_at(scenario)

    later = random_rows(3, "c", 150)  # labelled first, predicted afterwards
    scenario.send_labels(
        "v1",
        [{"row_id": k, "true_label": v1[k][2]} for k in sorted(hidden)]
        + [{"row_id": k, "true_label": r[2]} for k, r in later.items()],
    )
    labeled = last_event_at(scenario)

    resent = next(k for k in v1 if k not in hidden)  # re-sent without truth: keeps its truth
    scenario.send_predictions(
        "v1",
        [
            *records(later, frozenset(later)),
            {"row_id": resent, "predicted_label": "churn", "score": 0.99},
        ],
    )
    more = last_event_at(scenario)

    steps = [
        (before_promotion, "v2", v2),
        (promoted, "v1", {k: (p, s, None if k in hidden else t) for k, (p, s, t) in v1.items()}),
        (labeled, "v1", v1),
        (more, "v1", v1 | later | {resent: ("churn", 0.99, v1[resent][2])}),
    ]
    for moment, version, rows in steps:
        body = ok(as_of(scenario, moment))
        assert body["version_id"] == version, moment
        assert body["sample_count"] == len(rows), moment
        assert body["labeled_count"] == sum(r[2] is not None for r in rows.values()), moment
        assert_close(body["metrics"], binary_expected(rows))
    assert ok(as_of(scenario, promoted))["evaluated_at"] == v1_sent
    assert ok(as_of(scenario, labeled))["evaluated_at"] == labeled
    now, cached = ok(as_of(scenario, more)), scenario.summary()
    assert_close(now.pop("metrics"), cached.pop("metrics"))
    assert now == cached


def test_as_of_before_the_model_had_a_trained_version_is_422(scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    registered = last_event_at(scenario)
    assert scenario.post("/versions", {"version_id": "v1"}).status_code == 201
    draft = last_event_at(scenario)
    scenario.trained_version("v2")
    scenario.send_predictions("v2", records(random_rows(5, "r", 20)))

    for moment in ("2001-01-01", registered, draft):
        answer = as_of(scenario, moment)
        assert answer.status_code == 422, answer.text
        assert "no trained version" in answer.json()["detail"]
    assert as_of(scenario, last_event_at(scenario)).status_code == 200


def test_as_of_before_a_version_existed_with_its_version_id_is_404(scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    scenario.send_predictions("v1", records(random_rows(6, "r", 20)))
    before = last_event_at(scenario)
    assert scenario.post("/versions", {"version_id": "v2"}).status_code == 201
    draft = last_event_at(scenario)
    for status in ("training", "trained"):
        changed = scenario.client.patch(
            f"/api/v1/models/{scenario.model_id}/versions/v2",
            json={"status": status},
            headers=scenario.headers,
        )
        assert changed.status_code == 200, changed.text
    scenario.send_predictions("v2", records(random_rows(7, "r", 20)))

    assert as_of(scenario, before, version_id="v2").status_code == 404
    drafted = as_of(scenario, draft, version_id="v2")
    assert drafted.status_code == 422, drafted.text
    assert "'draft'" in drafted.json()["detail"]
    assert as_of(scenario, before, "confusion-matrix", version_id="v2").status_code == 404
    assert as_of(scenario, last_event_at(scenario), version_id="v2").status_code == 200


@pytest.mark.parametrize("path", ["summary", "confusion-matrix"])
@pytest.mark.parametrize("moment", ["yesterday", "2026-13-01", "2026-03-13T25:00:00Z"])
def test_a_malformed_as_of_is_400_naming_as_of(
    scenario: Scenario, path: str, moment: str
) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    scenario.send_predictions("v1", records(random_rows(8, "r", 10)))

    answer = as_of(scenario, moment, path)

    assert answer.status_code == 400, answer.text
    assert "as_of" in answer.json()["detail"]
    assert answer.json()["extra"][0]["key"] == "as_of"


def test_a_row_re_sent_after_as_of_does_not_change_the_past_answer(scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    rows = random_rows(9, "r", 100)
    scenario.send_predictions("v1", records(rows))
    before = scenario.summary()
    sent = last_event_at(scenario)

    flipped = {k: ("churn" if p == "stay" else "stay", 1 - s, t) for k, (p, s, t) in rows.items()}
    scenario.send_predictions("v1", records(dict(list(flipped.items())[:40])))

    assert scenario.summary()["metrics"] != before["metrics"]  # the present did change
    past = ok(as_of(scenario, sent))
    assert_close(past["metrics"], binary_expected(rows))
    assert past["evaluated_at"] == before["evaluated_at"] == sent


def test_the_confusion_matrix_as_of_counts_the_rows_known_then(scenario: Scenario) -> None:
    labels = ["cat", "dog", "eel"]
    scenario.create_model(name="pets", task="multiclass_classification", labels=labels)
    scenario.trained_version("v1")
    rng = np.random.default_rng(10)
    truth, predicted = rng.integers(0, 3, 400), rng.integers(0, 3, 400)
    sent = [{"row_id": f"r{i}", "predicted_label": labels[predicted[i]]} for i in range(400)]
    scenario.send_predictions("v1", sent)
    scenario.send_labels(
        "v1", [{"row_id": f"r{i}", "true_label": labels[truth[i]]} for i in range(250)]
    )
    first = last_event_at(scenario)
    scenario.send_labels(
        "v1", [{"row_id": f"r{i}", "true_label": labels[truth[i]]} for i in range(250, 400)]
    )

    for moment, n in ((first, 250), (last_event_at(scenario), 400)):
        matrix = ok(as_of(scenario, moment, "confusion-matrix"))
        assert matrix["labels"] == labels
        expected = sk.confusion_matrix(truth[:n], predicted[:n], labels=[0, 1, 2])
        assert matrix["matrix"] == expected.tolist()
        assert matrix["evaluated_at"] == moment


def test_a_regression_model_has_no_confusion_matrix_as_of(scenario: Scenario) -> None:
    scenario.create_model(name="price", task="regression")
    scenario.trained_version("v1")
    scenario.send_predictions("v1", [{"row_id": "x", "prediction": 1.0, "target": 2.0}])
    moment = last_event_at(scenario)

    assert ok(as_of(scenario, moment))["labeled_count"] == 1
    answer = as_of(scenario, moment, "confusion-matrix")
    assert answer.status_code == 422, answer.text
    assert "regression" in answer.json()["detail"]


def test_undeclared_labels_keep_the_model_wide_first_seen_order_as_of(
    scenario: Scenario,
) -> None:
    scenario.create_model(name="open-set", task="multiclass_classification")
    scenario.trained_version("v1")
    validation = {"split": "validation"}
    # another split sees "zebra" first; then each batch brings one new label
    scenario.send_predictions("v1", [{"row_id": "v", "predicted_label": "zebra"}], **validation)
    scenario.send_predictions("v1", [
        {"row_id": "t1", "predicted_label": "ant", "true_label": "zebra",
         "probabilities": {"ant": 0.7, "zebra": 0.3}},
        {"row_id": "t2", "predicted_label": "zebra", "true_label": "ant",
         "probabilities": {"ant": 0.2, "zebra": 0.8}},
    ])
    test_sent = last_event_at(scenario)
    scenario.send_predictions("v1", [{"row_id": "w", "predicted_label": "zebra"}], **validation)
    scenario.send_labels("v1", [{"row_id": "w", "true_label": "zebra"}], **validation)
    then = last_event_at(scenario)
    scenario.send_predictions("v1", [  # probabilities of the older rows lack "bee": 0 there
        {"row_id": "t3", "predicted_label": "bee", "true_label": "bee",
         "probabilities": {"bee": 0.5, "ant": 0.25, "zebra": 0.25}},
        {"row_id": "t4", "predicted_label": "ant", "true_label": "ant",
         "probabilities": {"bee": 0.1, "ant": 0.6, "zebra": 0.3}},
    ])

    past = ok(as_of(scenario, then, "confusion-matrix"))
    assert past["labels"] == ["zebra", "ant"]
    assert past["matrix"] == [[0, 1], [1, 0]]
    assert past["evaluated_at"] == test_sent  # the series' last event, not the model's
    now = ok(as_of(scenario, last_event_at(scenario), "confusion-matrix"))
    assert now["labels"] == ["zebra", "ant", "bee"]
    assert now == ok(scenario.get("/performance/confusion-matrix"))
    replayed, cached = ok(as_of(scenario, last_event_at(scenario))), scenario.summary()
    assert replayed["metrics"]["log_loss"] is not None
    assert_close(replayed.pop("metrics"), cached.pop("metrics"))
    assert replayed == cached


def test_regression_as_of_counts_only_the_targets_known_then(scenario: Scenario) -> None:
    scenario.create_model(name="price", task="regression")
    scenario.trained_version("v1")
    rng = np.random.default_rng(11)
    target = rng.normal(50, 20, 200)
    prediction = target + rng.normal(0, 5, 200)
    scenario.send_predictions("v1", [
        {"row_id": f"r{i}", "prediction": float(prediction[i])}
        | ({"target": float(target[i])} if i < 120 else {})
        for i in range(200)
    ])
    first = last_event_at(scenario)
    scenario.send_labels("v1", [{"row_id": f"r{i}", "target": float(target[i])}
                                for i in range(120, 200)])

    for moment, n in ((first, 120), (last_event_at(scenario), 200)):
        body = ok(as_of(scenario, moment))
        assert body["sample_count"] == 200 and body["labeled_count"] == n
        assert_close(body["metrics"], {
            "mse": sk.mean_squared_error(target[:n], prediction[:n]),
            "rmse": float(np.sqrt(sk.mean_squared_error(target[:n], prediction[:n]))),
            "mae": sk.mean_absolute_error(target[:n], prediction[:n]),
            "mape": sk.mean_absolute_percentage_error(target[:n], prediction[:n]),
            "r_squared": sk.r2_score(target[:n], prediction[:n]),
        })


def test_no_labeled_rows_as_of_then_is_422(scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    trained = last_event_at(scenario)
    rows = random_rows(12, "r", 30)
    scenario.send_predictions("v1", records(rows, frozenset(rows)))
    unlabeled = last_event_at(scenario)
    scenario.send_labels("v1", [{"row_id": k, "true_label": r[2]} for k, r in rows.items()])

    for moment in (trained, unlabeled):
        answer = as_of(scenario, moment)
        assert answer.status_code == 422, answer.text
        assert "no labeled rows" in answer.json()["detail"]
    assert ok(as_of(scenario, last_event_at(scenario)))["labeled_count"] == 30


def test_replaying_more_rows_than_the_limit_is_422(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version("v1")
    scenario.send_predictions("v1", records(random_rows(13, "r", 30)))
    scenario.send_predictions("v1", records(random_rows(14, "s", 30)))
    scenario.send_predictions("v1", records(random_rows(15, "t", 40)), split="train")
    moment = last_event_at(scenario)

    monkeypatch.setattr(time_travel, "MAX_TIME_TRAVEL_ROWS", 59)
    refused = as_of(scenario, moment)
    assert refused.status_code == 422, refused.text
    assert "59" in refused.json()["detail"] and "as_of" in refused.json()["detail"]
    assert refused.json()["extra"] == {"rows": 60, "limit": 59}
    assert as_of(scenario, moment, "confusion-matrix").status_code == 422

    monkeypatch.setattr(time_travel, "MAX_TIME_TRAVEL_ROWS", 60)  # other splits do not count
    assert ok(as_of(scenario, moment))["sample_count"] == 60
