"""A v1 query parameter the endpoint does not take is refused naming it (prefix parameters
are taken where declared), and an invalid enum value's error lists the valid ones."""

from __future__ import annotations

from tests.scenario import Scenario


def test_a_misspelt_parameter_is_refused_naming_it_and_what_the_endpoint_takes(
        scenario: Scenario) -> None:
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"])

    refused = scenario.get("/performance/summary", segmnt="x", dataset_split="test")

    assert refused.status_code == 400
    assert refused.json()["detail"] == ("Unknown query parameter 'segmnt'; this endpoint takes "
                                        "as_of, dataset_split, min_position, version_id, "
                                        "tag.<name>")
    assert refused.json()["extra"] == [
        {"key": "segmnt", "source": "query", "message": "Unknown query parameter"}]
    # prefix parameters where the endpoint reads them: tag filters, gate thresholds
    assert scenario.get("/performance/timeseries", **{"tag.region": "eu"}).status_code != 400
    assert scenario.get("/performance/gate", **{"min.accuracy": "0.5"}).status_code != 400
    assert scenario.get("/performance/gate", **{"tag.region": "eu"}).status_code == 400


def test_an_invalid_enum_value_lists_the_valid_ones(scenario: Scenario) -> None:
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"])

    bucket = scenario.get("/performance/timeseries", bucket="weeek")
    task = scenario.client.post("/api/v1/models", headers=scenario.headers, json={
        "name": "n", "task": "binary_classificatio"})

    assert bucket.status_code == 400
    assert bucket.json()["extra"][0]["message"] == (
        "Invalid enum value 'weeek'; expected one of: day, hour, week")
    assert task.status_code == 400
    assert task.json()["extra"][0]["message"].startswith(
        "Invalid enum value 'binary_classificatio'; expected one of: binary_classification, ")
