"""v3 uploads and the model factory: stored by content, size-limited, and typed as pandas would."""

from __future__ import annotations

import io
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from litestar.testing import TestClient

from api.bootstrap import Container, build_container
from api.settings import Settings
from domain.files import BlobStore
from domain.values import Caller


def upload(client: TestClient[Any], headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post("/v3/files/upload", files={"file": (name, content)}, headers=headers)


def sample_frame(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "income": rng.normal(50_000, 15_000, rows).round(2),
        "active": rng.choice([True, False], rows),
        "comment": [f"free text {i}" for i in range(rows)],
        "plan": rng.choice(["basic", "plus", "pro"], rows),
        "signed_up": pd.date_range("2024-01-01", periods=rows, freq="h").astype(str),
    })


def generate(client: TestClient[Any], headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/v3/model-factory", json=body, headers=headers)


def test_an_upload_is_stored_by_content_and_survives_a_restart(
    client: TestClient[Any], admin: dict[str, str], settings: Settings, org: str
) -> None:
    content = sample_frame().to_csv(index=False).encode()
    first = upload(client, admin, "train.csv", content)
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert data["filename"] == "train.csv" and data["type"] == "CSV"
    assert data["status"] == "SUCCESSFUL" and data["size"] == len(content)
    second = upload(client, admin, "again.csv", content).json()["data"]
    assert second["id"] != data["id"]
    store = BlobStore(settings.storage.data_dir / "files")
    stored = list(store.root.rglob("*"))
    assert len([path for path in stored if path.is_file()]) == 1
    restarted = build_container(settings)
    try:
        record = restarted.ledger.get_file(Caller(org, "tester"), uuid.UUID(data["id"]))
        assert store.existing(record.digest).read_bytes() == content
    finally:
        restarted.close()


def test_an_upload_over_the_body_limit_is_413_in_the_v3_envelope(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    head = container.engine.log.head()
    answer = upload(client, admin, "big.csv", b"a\n" + b"1\n" * 1_100_000)
    assert answer.status_code == 413
    assert answer.json()["error"]["errors"][0]["reason"] == "PayloadTooLarge"
    assert container.engine.log.head() == head


def test_an_upload_without_a_file_part_or_of_binary_junk_is_400(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    answer = client.post("/v3/files/upload", files={"other": ("x.csv", b"a\n1\n")},
                         headers=admin)
    assert answer.status_code == 400
    assert upload(client, admin, "x.bin", bytes(range(256)) * 8).status_code == 400


def test_the_factory_types_a_csv_as_pandas_reads_it(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    frame = sample_frame()
    csv_text = frame.to_csv(index=False)
    file_id = upload(client, admin, "train.csv", csv_text.encode()).json()["data"]["id"]
    answer = generate(client, admin, {"file_id": file_id, "max_cardinality": 10})
    assert answer.status_code == 200, answer.text
    columns = {c["name"]: c for c in answer.json()["data"]["schema"]["columns"]}
    pandas_view = pd.read_csv(io.StringIO(csv_text), parse_dates=["signed_up"])
    expected_types = {"age": "int", "income": "float", "active": "bool", "comment": "str",
                      "plan": "category", "signed_up": "timestamp"}
    assert {name: c["data_type"] for name, c in columns.items()} == expected_types
    assert str(pandas_view["signed_up"].dtype).startswith("datetime64")
    for name in ("age", "income"):
        assert columns[name]["min"] == pandas_view[name].min()
        assert columns[name]["max"] == pandas_view[name].max()
    assert columns["plan"]["categories"] == sorted(pandas_view["plan"].unique())
    assert columns["active"]["categories"] == sorted(pandas_view["active"].unique())
    assert columns["comment"]["categories"] is None
    assert columns["age"]["categories"] is None  # 72 distinct values > max_cardinality 10


def test_the_factory_reads_parquet_cast_to_text_and_completes_the_spec(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    frame = sample_frame().assign(label=lambda f: (f["age"] > 50).astype(int))
    sink = io.BytesIO()
    frame.astype("str").to_parquet(sink, index=False)
    file_id = upload(client, admin, "data.parquet", sink.getvalue()).json()["data"]["id"]
    spec = {"targets": ["label"], "metadata": ["comment"]}
    answer = generate(client, admin, {"file_id": file_id, "spec": spec})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    columns = {c["name"]: c for c in data["schema"]["columns"]}
    assert columns["label"]["data_type"] == "int" and columns["label"]["categories"] == [0, 1]
    assert columns["income"]["min"] == frame["income"].min()
    assert columns["signed_up"]["data_type"] == "timestamp"
    assert data["spec"]["targets"] == ["label"] and data["spec"]["metadata"] == ["comment"]
    assert data["spec"]["inputs"] == ["age", "income", "active", "plan", "signed_up"]


@pytest.mark.parametrize(
    "bounds", [{"max_cardinality": 0}, {"max_cardinality": 100_001},
               {"sample_size": 9_999}, {"sample_size": 100_001}],
)
def test_factory_bounds_outside_their_ranges_are_400(
    client: TestClient[Any], admin: dict[str, str], bounds: dict[str, int]
) -> None:
    file_id = upload(client, admin, "t.csv", b"a,b\n1,x\n").json()["data"]["id"]
    answer = generate(client, admin, {"file_id": file_id, **bounds})
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["reason"] == "BadRequest"


def test_the_factory_on_an_unknown_file_is_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    answer = generate(client, admin, {"file_id": "00000000-0000-4000-8000-000000000000"})
    assert answer.status_code == 404
