"""The depth counted on JSON text equals the depth of what it decodes to, whatever brackets,
quotes and backslashes its strings hold."""

from __future__ import annotations

import json
import random
from typing import Any

from perfledger.domain.bounded_json import json_depth

TRICKY = ['[', ']', '{', '}', '"', '\\', '\\"', '"[', '\\\\', 'a', 'é', ' ']


def random_value(rng: random.Random, levels: int) -> Any:
    kind = rng.randrange(4) if levels > 0 else rng.randrange(2)
    if kind == 0:
        return "".join(rng.choice(TRICKY) for _ in range(rng.randrange(6)))
    if kind == 1:
        return rng.choice([1, 2.5, None, True])
    if kind == 2:
        return [random_value(rng, levels - 1) for _ in range(rng.randrange(4))]
    return {random_value(rng, 0) if rng.random() < 0.5 else f"k{i}": random_value(rng, levels - 1)
            for i in range(rng.randrange(4))}


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    return 0


def test_depth_counted_on_text_equals_the_decoded_depth():
    rng = random.Random(7)
    for _ in range(2_000):
        value = random_value(rng, rng.randrange(8))
        for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
            assert json_depth(text.encode()) == depth_of(value), text
