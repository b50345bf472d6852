"""v3 uploads and the model factory: stored by content, size-limited, and typed as pandas would."""

from __future__ import annotations

import io
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fiddler.schemas.model_schema import ModelSchema
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.api.uploads.blobs import BlobStore
from perfledger.domain.values import Caller


def upload(client: TestClient[Any], headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post("/v3/files/upload", files={"file": (name, content)}, headers=headers)


def sample_frame(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """Each kind of column twice over: many distinct values, and few (at most 5)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "children": rng.integers(0, 4, rows),
        "income": rng.normal(50_000, 15_000, rows).round(2),
        "rate": rng.choice([0.5, 1.25, 2.0], rows),
        "active": rng.choice([True, False], rows),
        "comment": [f"free text {i}" for i in range(rows)],
        "plan": rng.choice(["basic", "plus", "pro"], rows),
        "signed_up": pd.date_range("2024-01-01", periods=rows, freq="h"),
        "renewal": rng.choice(pd.date_range("2024-03-01", periods=5, freq="D"), rows),
    })


def pandas_column(values: pd.Series, max_cardinality: int) -> dict[str, Any]:
    """What pandas says about a column, in the factory's terms: its dtype as a `data_type`,
    min and max for numbers, and its distinct values when there are few enough of them."""
    if pd.api.types.is_bool_dtype(values):
        data_type = "bool"
    elif pd.api.types.is_integer_dtype(values):
        data_type = "int"
    elif pd.api.types.is_float_dtype(values):
        data_type = "float"
    elif pd.api.types.is_datetime64_any_dtype(values) or pd.to_datetime(
        values, format="ISO8601", errors="coerce"
    ).notna().all():
        data_type = "timestamp"
    else:
        data_type = "category" if values.nunique() <= max_cardinality else "str"
    numeric = data_type in ("int", "float")
    distinct = values.unique()
    if data_type == "timestamp":
        distinct = pd.to_datetime(distinct, format="ISO8601")
    few = len(distinct) <= max_cardinality
    return {
        "data_type": data_type,
        "min": values.min() if numeric else None,
        "max": values.max() if numeric else None,
        "categories": sorted(distinct) if few and data_type != "str" else None,
    }


def assert_matches_pandas(
    columns: list[dict[str, Any]], pandas_view: pd.DataFrame, max_cardinality: int
) -> None:
    ModelSchema.model_validate({"schema_version": 1, "columns": columns})  # the client parses it
    assert [column["name"] for column in columns] == list(pandas_view.columns)
    for column in columns:
        expected = pandas_column(pandas_view[column["name"]], max_cardinality)
        name = column["name"]
        assert column["data_type"] == expected["data_type"], name
        assert column["replace_with_nulls"] == [] and column["bins"] is None, name
        for bound in ("min", "max"):
            wanted = expected[bound]
            assert column[bound] == (wanted if wanted is None else pytest.approx(
                wanted, rel=1e-12)), (name, bound)
        got = column["categories"]
        if expected["data_type"] == "timestamp" and got is not None:
            got = list(pd.to_datetime(got, format="ISO8601"))
        if expected["data_type"] == "float" and got is not None:
            got = pytest.approx(got, rel=1e-12)
        assert got == expected["categories"], name


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
        record = restarted.ledger.get_file(Caller(org), uuid.UUID(data["id"]))
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


@pytest.mark.parametrize("max_cardinality", [4, 10, 1000])
def test_the_factory_types_a_csv_as_pandas_reads_it(
    client: TestClient[Any], admin: dict[str, str], max_cardinality: int
) -> None:
    csv_text = sample_frame().to_csv(index=False)
    file_id = upload(client, admin, "train.csv", csv_text.encode()).json()["data"]["id"]
    answer = generate(client, admin, {"file_id": file_id, "max_cardinality": max_cardinality})
    assert answer.status_code == 200, answer.text
    columns = answer.json()["data"]["schema"]["columns"]
    assert_matches_pandas(columns, pd.read_csv(io.StringIO(csv_text)), max_cardinality)


def test_integers_past_64_bits_are_not_an_int_column_as_for_pandas(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    frame = pd.DataFrame({
        "edges": [-(2**63), 2**63 - 1, 0],
        "unsigned": [2**64 - 1, 2**63, 0],
        "padded": ["0" * 25 + "7", "-00012", "3"],
        "huge": ["1" + "0" * 5000, "2", "3"],  # past Python's int-parsing limit, too
    })
    wide = [str(2**64), "1", "0"]  # pandas keeps Python ints here; the factory, their text
    csv_text = frame.assign(wide=wide).to_csv(index=False)
    file_id = upload(client, admin, "edges.csv", csv_text.encode()).json()["data"]["id"]
    answer = generate(client, admin, {"file_id": file_id})
    assert answer.status_code == 200, answer.text
    columns = answer.json()["data"]["schema"]["columns"]
    assert_matches_pandas(columns[:-1], pd.read_csv(io.StringIO(csv_text)).drop(columns="wide"),
                          100)
    assert columns[-1]["data_type"] == "category" and columns[-1]["categories"] == sorted(wide)


@pytest.mark.parametrize("max_cardinality", [4, 1000])
def test_the_factory_types_a_parquet_file_as_pandas_reads_it(
    client: TestClient[Any], admin: dict[str, str], max_cardinality: int
) -> None:
    sink = io.BytesIO()
    sample_frame().to_parquet(sink, index=False)
    file_id = upload(client, admin, "data.parquet", sink.getvalue()).json()["data"]["id"]
    answer = generate(client, admin, {"file_id": file_id, "max_cardinality": max_cardinality})
    assert answer.status_code == 200, answer.text
    columns = answer.json()["data"]["schema"]["columns"]
    pandas_view = pd.read_parquet(io.BytesIO(sink.getvalue()))
    assert_matches_pandas(columns, pandas_view, max_cardinality)


def test_the_factory_reads_parquet_cast_to_text_and_completes_the_spec(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    frame = sample_frame().assign(label=lambda f: (f["age"] > 50).astype(int))
    sink = io.BytesIO()
    frame.astype("str").to_parquet(sink, index=False)  # what fiddler-client's from_data sends
    file_id = upload(client, admin, "data.parquet", sink.getvalue()).json()["data"]["id"]
    spec = {"targets": ["label"], "metadata": ["comment"]}
    answer = generate(client, admin, {"file_id": file_id, "spec": spec})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    # pandas reading the same values as text: the types its CSV reader infers for them.
    as_text = pd.read_csv(io.StringIO(frame.astype("str").to_csv(index=False)))
    assert_matches_pandas(data["schema"]["columns"], as_text, 1000)
    columns = {c["name"]: c for c in data["schema"]["columns"]}
    assert columns["label"]["data_type"] == "int" and columns["label"]["categories"] == [0, 1]
    assert data["spec"]["targets"] == ["label"] and data["spec"]["metadata"] == ["comment"]
    assert data["spec"]["inputs"] == [
        "age", "children", "income", "rate", "active", "plan", "signed_up", "renewal"]


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
