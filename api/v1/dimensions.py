"""v1 dimensions: what a model's rows can be sliced by (`segments?by=`)."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get

from perfledger.api.auth import Principal, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.projections.database import Database
from perfledger.projections.performance.dimensions import segment_dimensions
from perfledger.projections.registry.queries import find_model

READ = [requires_any("model:read")]


class Dimensions(msgspec.Struct):
    model_id: str
    inputs: list[str]
    tags: list[str]


class DimensionsController(Controller):
    path = "/models/{model_id:str}/performance/dimensions"
    tags = ["v1 performance over time"]

    @get("/", guards=READ, operation_id="v1SegmentDimensions", sync_to_thread=True,
         dependencies={"position": reading("registry", "performance")})
    def dimensions(self, model_id: str, principal: Principal, position: int,
                   database: Database) -> Response[Dimensions]:
        """What `segments?by=` accepts: the declared inputs and the tag names rows carried."""
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        inputs, tag_names = segment_dimensions(database, model.model_id)
        return answer(Dimensions(model.model_id, inputs or model.inputs, tag_names), position)
