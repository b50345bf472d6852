"""Refuses query parameters a v1 route does not take: a misspelt `segmnt=` or `buckt=`
would otherwise be ignored, and the answer would look valid while it answered another
question. A route that reads parameters by prefix (`tag.<name>` filters, `min.<metric>`
thresholds) names the prefixes: `opt={"query_prefixes": ("tag.",)}`.

The names a route takes are Litestar's own (its parameters and its dependencies'), read
once per route from the app's routes."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.exceptions import ValidationException
from litestar.routes import HTTPRoute

PREFIXES_OPTION = "query_prefixes"
STATE_KEY = "query_parameters_of_handler"


def refuse_unknown_query_parameters(request: Request[Any, Any, Any]) -> None:
    """A before-request hook: 400 naming each unknown parameter and the ones it takes."""
    if not request.scope.get("query_string"):
        return
    handler = request.route_handler
    known = _known_of(request.app).get(id(handler))
    if known is None:
        return
    prefixes = tuple(handler.opt.get(PREFIXES_OPTION, ()))
    unknown = sorted({name for name in request.query_params
                      if name not in known and not (prefixes and name.startswith(prefixes))})
    if not unknown:
        return
    accepted = sorted(known) + [f"{prefix}<name>" for prefix in prefixes]
    names = ", ".join(f"'{name[:64]}'" for name in unknown[:10])
    raise ValidationException(
        f"Unknown query parameter{'s' if len(unknown) > 1 else ''} {names}; this endpoint "
        f"takes {', '.join(accepted) if accepted else 'none'}",
        extra=[{"key": name[:64], "source": "query", "message": "Unknown query parameter"}
               for name in unknown[:10]],
    )


def _known_of(app: Litestar) -> dict[int, frozenset[str]]:
    known: dict[int, frozenset[str]] | None = app.state.get(STATE_KEY)
    if known is None:
        known = {}
        for route in app.routes:
            if isinstance(route, HTTPRoute):
                for handler, kwargs_model in route.route_handler_map.values():
                    known[id(handler)] = frozenset(
                        parameter.field_alias
                        for parameter in kwargs_model.expected_query_params)
        app.state[STATE_KEY] = known
    return known
