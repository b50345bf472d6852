"""What a model's rows can be sliced by: its declared inputs and the tag names rows carried."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.json import loads


def segment_dimensions(db: Database, model_id: str) -> tuple[list[str], list[str]]:
    """The model's declared inputs and its tag names in first-seen order (both empty before
    the performance projection has seen the model)."""
    with db.read() as tx:
        found = tx.row("SELECT inputs, tag_names FROM perf_models WHERE model_id = ?",
                       (model_id,))
    if found is None:
        return [], []
    inputs, tag_names = found
    return list(loads(inputs)), list(loads(tag_names or "[]"))
