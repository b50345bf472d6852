"""v3 artifacts and surrogates: archives listed on the model, size-limited, each with a job."""

from __future__ import annotations

import io
import tarfile
import zipfile
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.api.uploads.blobs import BlobStore
from tests.v3 import create_model, create_project, model_body

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def model(client: TestClient[Any], admin: dict[str, str]) -> dict[str, Any]:
    return dict(create_model(client, admin, model_body(create_project(client, admin))))


def tarball(files: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"./{name}")
            info.size, info.mtime = len(content), 1_700_000_000
            archive.addfile(info, io.BytesIO(content))
    return sink.getvalue()


def job_status(client: TestClient[Any], headers: dict[str, str], answer: Any) -> str:
    job_id = answer.json()["data"]["job"]["id"]
    return str(client.get(f"/v3/jobs/{job_id}", headers=headers).json()["data"]["status"])


def test_a_multipart_archive_is_recorded_with_its_files_and_survives_a_restart(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], settings: Settings
) -> None:
    content = tarball({"package.py": b"print('hi')\n", "model.pkl": b"\x00" * 100})
    answer = client.post(f"/v3/models/{model['id']}/deploy-artifact",
                         files={"file": ("files.tar.gz", content)}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert job_status(client, admin, answer) == "SUCCESS"
    got = client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"]
    assert got["artifact_status"] == "user_uploaded"
    assert [(f["name"], f["size"]) for f in got["artifact_files"]] == [
        ("package.py", 12), ("model.pkl", 100)]
    assert got["artifact_files"][0]["modified"] == "2023-11-14T22:13:20.000000Z"
    restarted = build_container(settings)
    try:
        restarted.engine.catch_up_all(budget_seconds=30)
        blobs = [p for p in BlobStore(settings.storage.data_dir / "files").root.rglob("*")
                 if p.is_file()]
        assert [blob.read_bytes() for blob in blobs] == [content]
    finally:
        restarted.close()


def test_an_uploaded_zip_named_by_file_id_is_recorded_like_the_client_sends_it(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("package.py", "x = 1\n")
    file_id = client.post("/v3/files/upload", files={"file": ("a.zip", sink.getvalue())},
                          headers=admin).json()["data"]["id"]
    answer = client.put(f"/v3/models/{model['id']}/deploy-artifact",
                        json={"file_id": file_id, "deployment_params": {"cpu": 500}},
                        headers=admin)
    assert answer.status_code == 200, answer.text
    got = client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"]
    assert [f["name"] for f in got["artifact_files"]] == ["package.py"]


def test_an_artifact_that_is_no_archive_or_too_large_is_rejected_without_a_trace(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    url = f"/v3/models/{model['id']}/deploy-artifact"
    head = container.engine.log.head()
    too_big = client.post(url, files={"file": ("f.tar.gz", b"\x1f\x8b" + b"0" * 2_100_000)},
                          headers=admin)
    assert too_big.status_code == 413
    assert too_big.json()["error"]["errors"][0]["reason"] == "PayloadTooLarge"
    assert client.post(url, json={"nonsense": 1}, headers=admin).status_code == 400
    assert container.engine.log.head() == head
    broken = client.post(url, files={"file": ("f.tar.gz", b"\x1f\x8b" + b"0" * 100)},
                         headers=admin)
    assert broken.status_code == 400
    assert container.engine.log.head() == head
    junk = client.post(url, files={"file": ("f.zip", b"PK\x03\x04" + b"0" * 100)},
                       headers=admin)
    assert junk.status_code == 400
    assert container.engine.log.head() == head
    got = client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"]
    assert got["artifact_status"] == "no_model"


def test_an_archive_for_an_unknown_model_is_404_and_records_no_file(
    client: TestClient[Any], admin: dict[str, str], container: Container, settings: Settings
) -> None:
    head = container.engine.log.head()
    answer = client.post(f"/v3/models/{UNKNOWN}/deploy-artifact",
                         files={"file": ("files.tar.gz", tarball({"a.py": b"x = 1\n"}))},
                         headers=admin)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["errors"][0]["reason"] == "ObjectNotFound"
    assert container.engine.log.head() == head
    assert not any(path.is_file() for path in (settings.storage.data_dir / "files").rglob("*"))


def test_an_uploaded_file_that_is_no_archive_or_names_an_unknown_model_adds_nothing(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    csv_id = client.post("/v3/files/upload", files={"file": ("a.csv", b"a,b\n1,2\n")},
                         headers=admin).json()["data"]["id"]
    tar_id = client.post("/v3/files/upload",
                         files={"file": ("a.tar.gz", tarball({"a.py": b"x = 1\n"}))},
                         headers=admin).json()["data"]["id"]
    head = container.engine.log.head()
    not_archive = client.put(f"/v3/models/{model['id']}/deploy-artifact",
                             json={"file_id": csv_id}, headers=admin)
    assert not_archive.status_code == 400, not_archive.text
    unknown = client.put(f"/v3/models/{UNKNOWN}/deploy-artifact", json={"file_id": tar_id},
                         headers=admin)
    assert unknown.status_code == 404, unknown.text
    assert container.engine.log.head() == head


def test_a_surrogate_deployment_is_recorded_with_its_parameters(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    params = {"artifact_type": "SURROGATE", "replicas": 2, "cpu": 500, "memory": 512}
    answer = client.post(f"/v3/models/{model['id']}/deploy-surrogate",
                         json={"env_id": None, "deployment_params": params}, headers=admin)
    assert answer.status_code == 202, answer.text
    assert job_status(client, admin, answer) == "SUCCESS"
    assert client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"][
        "artifact_status"] == "surrogate"
    missing = client.put(f"/v3/models/{UNKNOWN}/deploy-surrogate",
                         json={"deployment_params": {}}, headers=admin)
    assert missing.status_code == 404
