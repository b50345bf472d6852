"""`tag.<name>=<value>` query parameters: the slice of rows a performance question asks about."""

from __future__ import annotations

from typing import Any

from litestar import Request

from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import MAX_TAG_NAME_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS_PER_MODEL
from perfledger.domain.performance.records import TAG_NAME_RULE, is_tag_name

# Routes taking tag filters declare the prefix, so the strict parameter check lets it pass.
TAG_PREFIX = {"query_prefixes": ("tag.",)}


def tag_filters(request: Request[Any, Any, Any]) -> dict[str, str]:
    """`tag.<name>=<value>` parameters: a name as a row's tags have it, once each (a row
    carries one value per name), a value of at most MAX_TAG_VALUE_CHARS characters."""
    given = [(key[4:], value) for key, value in request.query_params.multi_items()
             if key.startswith("tag.")]
    if len(given) > MAX_TAGS_PER_MODEL:
        raise InvalidInput(f"At most {MAX_TAGS_PER_MODEL} tag filters, not {len(given)}",
                           {"field": "tag."})
    tags: dict[str, str] = {}
    for name, value in given:
        field = f"tag.{name[:MAX_TAG_NAME_CHARS]}"
        if not is_tag_name(name):
            raise InvalidInput(f"Tag filter '{field}': {TAG_NAME_RULE}", {"field": field})
        if len(value) > MAX_TAG_VALUE_CHARS:
            raise InvalidInput(f"Tag filter '{field}' takes a value of at most"
                               f" {MAX_TAG_VALUE_CHARS} characters", {"field": field})
        if name in tags:
            raise InvalidInput(f"Tag filter '{field}' is given twice; a row carries one value"
                               " per tag name", {"field": field})
        tags[name] = value
    return tags
