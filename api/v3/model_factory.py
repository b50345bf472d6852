"""v3 model factory: a schema inferred from a sample of an uploaded file, and the spec completed."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post

from perfledger.api.auth import Principal, requires
from perfledger.api.ids import parse_id
from perfledger.api.services.catalog import Catalog
from perfledger.api.v3.envelope import Normal, normal
from perfledger.api.v3.model_shapes import Spec, plain


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
        self, data: ModelFactoryRequest, principal: Principal, catalog: Catalog
    ) -> Normal[GeneratedModel]:
        schema, spec = await catalog.infer_model(
            principal.caller, parse_id(data.file_id, "File"),
            plain(data.spec) if data.spec else {}, data.max_cardinality, data.sample_size)
        return normal(GeneratedModel(schema, spec))
