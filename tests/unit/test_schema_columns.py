"""A v3 schema's typed inputs become the model's declared columns: numeric ones binned from
their min and max (whatever distinct values Fiddler lists as categories), categorical ones
from their categories; what cannot be binned keeps its type, what is not measured is left."""

from __future__ import annotations

from perfledger.domain.inputs.columns import ColumnSpec, columns_of_schema

SCHEMA = [
    {"name": "age", "data_type": "int", "min": 18, "max": 57, "categories": [18, 19, 57]},
    {"name": "plan", "data_type": "category", "categories": ["free", "pro"], "min": None},
    {"name": "income", "data_type": "float", "min": 9.0, "max": 1.0},  # bounds reversed
    {"name": "seen", "data_type": "timestamp"},
    {"name": "churned", "data_type": "category", "categories": ["no", "yes"]},  # a target
    {"name": "active", "data_type": "bool", "nullable": False},
]


def test_each_typed_input_is_declared_with_the_bins_its_schema_gives() -> None:
    found = {c.name: c for c in columns_of_schema(SCHEMA, ["age", "plan", "income", "seen",
                                                           "active"])}
    assert list(found) == ["age", "plan", "income", "active"]
    assert found["age"] == ColumnSpec("age", "int", 18.0, 57.0, None, True)
    assert found["age"].binned and found["age"].bin_count == 10
    assert found["plan"].categories == ("free", "pro") and found["plan"].bin_count == 3
    assert found["income"] == ColumnSpec("income", "float") and not found["income"].binned
    assert found["active"].categories == (False, True) and not found["active"].nullable
