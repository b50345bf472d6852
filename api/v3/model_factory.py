"""v3 model factory: a schema inferred from a sample of an uploaded file, and the spec completed."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.ids import parse_id
from perfledger.api.storage.tables import read_table
from perfledger.api.v3.envelope import Normal, normal
from perfledger.api.v3.files import blob_store
from perfledger.api.v3.model_shapes import Spec, plain
from perfledger.domain.catalog.inference import complete_spec, infer_schema


class ModelFactoryRequest(msgspec.Struct, forbid_unknown_fields=True):
    file_id: str
    spec: Spec | None = None
    max_cardinality: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1000
    sample_size: Annotated[int, msgspec.Meta(ge=10_000, le=100_000)] = 10_000


class GeneratedModel(msgspec.Struct):
    schema: dict[str, Any]
    spec: dict[str, Any]


class ModelFactoryController(Controller):
    path = "/model-factory"
    tags = ["v3 models"]

    @post("/", guards=[requires("model:write")], operation_id="v3GenerateModel",
          status_code=200)
    async def generate_model(
        self, data: ModelFactoryRequest, principal: Principal, container: Container
    ) -> Normal[GeneratedModel]:
        return normal(await container.heavy.run(generated_model, container, principal, data))


def generated_model(
    container: Container, principal: Principal, data: ModelFactoryRequest
) -> GeneratedModel:
    """The schema inferred from a uniform sample of the file, and the spec completed."""
    stored = container.ledger.get_file(principal.caller, parse_id(data.file_id, "File"))
    path = blob_store(container).existing(stored.digest)
    frame = read_table(path, stored.file_type, as_text=True, sample=data.sample_size)
    schema = infer_schema(frame, data.max_cardinality)
    spec = complete_spec(plain(data.spec) if data.spec else {}, list(frame.columns))
    return GeneratedModel(schema, spec)
