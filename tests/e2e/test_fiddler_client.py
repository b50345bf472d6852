"""The real fiddler-client, unchanged, against a live perfledger on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fiddler as fdl
import httpx
import numpy as np
import pandas as pd
import pytest
from fiddler.exceptions import Conflict, NotFound
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

from perfledger.api.settings import Settings
from tests.e2e.conftest import LiveServer, Tenant, started_server, tenant_of

# The client warns that publish() is deprecated and calls pydantic's deprecated dict().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def shared_server(module_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[LiveServer]:
    """One live server per module and backend: every test here is an organization of its own
    on it (what one organization does, another never sees)."""
    with started_server(module_settings, tmp_path_factory.mktemp("fiddler")) as server:
        yield server


@pytest.fixture
def server(shared_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tenant]:
    """A new organization on the live server, with fiddler-client initialised against it as
    that organization's admin (retrying for 2 s at most)."""
    monkeypatch.setenv("FIDDLER_CLIENT_RETRY_MAX_DURATION_SECONDS", "2")
    tenant = tenant_of(shared_server)
    fdl.init(url=tenant.url, token=tenant.token)
    yield tenant


def frame(rows: int, seed: int, labeled: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scores = rng.random(rows)
    data = pd.DataFrame({
        "id": [f"e{seed}-{i}" for i in range(rows)],
        "age": rng.integers(18, 90, rows),
        "income": rng.normal(50_000, 10_000, rows).round(2),
        "score": scores,
    })
    if labeled:
        data["churned"] = (rng.random(rows) < scores).astype(int)
    return data


def onboard(project: Any, name: str = "churn", version: str | None = None) -> Any:
    spec = fdl.ModelSpec(inputs=["age", "income"], outputs=["score"], targets=["churned"])
    model = fdl.Model.from_data(
        source=frame(300, seed=0), name=name, project_id=project.id, spec=spec,
        task=fdl.ModelTask.BINARY_CLASSIFICATION, event_id_col="id", version=version,
    )
    return model.create()


def summary(server: Tenant, model_id: Any, split: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server.url}/api/v1/models/{model_id}/performance/summary",
        params={"dataset_split": split},
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def sklearn_metrics(published: pd.DataFrame) -> dict[str, float]:
    truth = published["churned"].to_numpy() == 1
    predicted = published["score"].to_numpy() >= 0.5
    return {
        "accuracy": accuracy_score(truth, predicted),
        "f1_score": f1_score(truth, predicted, zero_division=0),
        "roc_auc": roc_auc_score(truth, published["score"]),
        "log_loss": log_loss(truth, published["score"]),
    }


def assert_summary_matches(got: dict[str, Any], published: pd.DataFrame) -> None:
    assert got["labeled_count"] == len(published)
    for name, value in sklearn_metrics(published).items():
        assert got["metrics"][name] == pytest.approx(value, abs=1e-9), name


def test_projects_are_created_found_and_listed_through_the_client(server: Tenant) -> None:
    created = fdl.Project(name="fraud").create()
    assert fdl.Project.from_name(name="fraud").id == created.id
    assert fdl.Project.get_or_create(name="fraud").id == created.id
    other = fdl.Project.get_or_create(name="churn")
    assert other.id != created.id
    names = sorted(project.name for project in fdl.Project.list())
    assert names == ["churn", "fraud"]
    with pytest.raises(NotFound):
        fdl.Project.from_name(name="absent")
    with pytest.raises(Conflict):
        fdl.Project(name="fraud").create()
    with pytest.raises(NotFound):
        fdl.Project.get(id_="00000000-0000-4000-8000-000000000000")


def test_a_model_from_data_is_created_found_and_listed(server: Tenant) -> None:
    project = fdl.Project.get_or_create(name="churn")
    model = onboard(project)
    assert model.id is not None and model.version == "v1"
    assert model.schema["churned"].categories == [0, 1]
    assert model.schema["age"].data_type == fdl.DataType.INTEGER
    assert all(column.replace_with_nulls == [] for column in model.schema.columns)
    assert model.schema["score"].categories == sorted(set(frame(300, seed=0)["score"]))
    fetched = fdl.Model.get(id_=model.id)
    assert fetched.name == "churn" and fetched.spec.outputs == ["score"]
    second = model.duplicate(version="v2").create()
    assert second.id != model.id and second.version == "v2"
    assert fdl.Model.from_name(name="churn", project_id=project.id).id == model.id
    latest = fdl.Model.from_name(name="churn", project_id=project.id, latest=True)
    assert latest.id == second.id
    assert fdl.Model.from_name(name="churn", project_id=project.id, version="v2").id == second.id
    onboard(project, name="other")
    everything = list(fdl.Model.list(project_id=project.id))
    assert sorted((m.name, m.version) for m in everything) == [
        ("churn", "v1"), ("churn", "v2"), ("other", "v1")]
    versions = list(fdl.Model.list(project_id=project.id, name="churn"))
    assert sorted(m.version for m in versions) == ["v1", "v2"]
    with pytest.raises(Conflict):
        model.duplicate(version="v2").create()
    with pytest.raises(NotFound):
        fdl.Model.from_name(name="absent", project_id=project.id)


def test_a_property_update_through_the_client_is_kept(server: Tenant) -> None:
    model = onboard(fdl.Project.get_or_create(name="churn"))
    model.description = "retrained on November data"
    model.update()
    assert model.description == "retrained on November data"
    assert fdl.Model.get(id_=model.id).description == "retrained on November data"


def test_a_deleted_model_is_gone_once_its_job_is_awaited(server: Tenant) -> None:
    project = fdl.Project.get_or_create(name="churn")
    model = onboard(project)
    job = model.delete()
    job.wait()
    assert job.status == "SUCCESS"
    with pytest.raises(NotFound):
        fdl.Model.get(id_=model.id)
    assert list(fdl.Model.list(project_id=project.id)) == []
    project.delete()
    with pytest.raises(NotFound):
        fdl.Project.from_name(name="churn")


def test_published_rows_give_v1_summaries_equal_to_sklearn(server: Tenant) -> None:
    model = onboard(fdl.Project.get_or_create(name="churn"))
    test_rows = frame(400, seed=1)
    job = model.publish(test_rows, environment=fdl.EnvType.PRE_PRODUCTION, dataset_name="test")
    job.wait()
    assert job.status == "SUCCESS"
    production = frame(250, seed=2)
    event_ids = model.publish(production.to_dict(orient="records"))
    assert [str(event_id) for event_id in event_ids] == list(production["id"])
    assert_summary_matches(summary(server, model.id, "test"), test_rows)
    assert_summary_matches(summary(server, model.id, "production"), production)


def test_a_late_label_update_changes_the_summary(server: Tenant) -> None:
    model = onboard(fdl.Project.get_or_create(name="churn"))
    production = frame(300, seed=3)
    first = production.iloc[:100]
    model.publish(first.to_dict(orient="records"))
    later = production.iloc[100:]
    model.publish(later.drop(columns=["churned"]).to_dict(orient="records"))
    assert_summary_matches(summary(server, model.id, "production"), first)
    labels = later[["id", "churned"]].to_dict(orient="records")
    model.publish(labels, update=True)
    assert_summary_matches(summary(server, model.id, "production"), production)


def test_an_artifact_and_a_surrogate_are_recorded_through_the_client(
    server: Tenant, tmp_path: Any
) -> None:
    model = onboard(fdl.Project.get_or_create(name="churn"))
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "package.py").write_text("class Model: ...\n")
    (artifact / "weights.bin").write_bytes(b"\x01" * 64)
    model.add_artifact(model_dir=artifact).wait()
    recorded = fdl.Model.get(id_=model.id)
    assert recorded.artifact_status == "user_uploaded"
    assert sorted(f["name"] for f in recorded.artifact_files) == ["package.py", "weights.bin"]
    job = model.add_surrogate(dataset_id="00000000-0000-4000-8000-000000000001",
                              deployment_params=fdl.DeploymentParams(cpu=250))
    job.wait()
    assert fdl.Model.get(id_=model.id).artifact_status == "surrogate"
