"""GETs asked before, answered from their still-valid cached body before any routing.

A dashboard asks the same few questions many times a second. Once the full path has answered
a question (`CachedAnswers.serve`, which remembers it), the same path and query from the same
organization is the same question: while the projections it read have not moved, its answer
is sent here, after the credential and scope checks of the full path, without Litestar's
routing, parameter parsing and response building. Anything else (no bearer token, a token that
fails, a missing scope, a moved projection, a new question) goes the long way, and gets the
answer or the error the full path gives.
"""

from __future__ import annotations

import math

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.types import (
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from perfledger.api.auth import Principal, bearer_token, principal_from_token
from perfledger.api.consistency import answer_headers
from perfledger.api.services.answers import CachedAnswers, Question


def answering_again(app: Litestar) -> Litestar:
    """Serves repeated questions of `app`'s cached queries ahead of its router."""
    inner = app.asgi_handler
    state = app.state

    async def hot(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] == "GET":
            principal = _bearer_principal(scope, state.jwt_secret, state.max_token_seconds)
            if principal is not None:
                answers: CachedAnswers = state.container.services.answers
                found = answers.answer_again(principal.organization_id, principal.has,
                                             scope["path"], scope["query_string"])
                if found is not None:
                    scope["path_template"] = found.route  # as the router would name it
                    start: HTTPResponseStartEvent = {
                        "type": "http.response.start", "status": 200,
                        "headers": answer_headers(found.body, state.container.positions.seen(
                            principal.organization_id, found.read_at))}
                    body: HTTPResponseBodyEvent = {
                        "type": "http.response.body", "body": found.body, "more_body": False}
                    await send(start)
                    await send(body)
                    return
        await inner(scope, receive, send)

    app.asgi_handler = hot
    return app


def question_of(request_scope: Scope, principal: Principal, required_scope: str,
                fresh_until: float = math.inf) -> Question:
    """The question a request asks, as `answering_again` will recognize it."""
    return Question(principal.organization_id, request_scope["path"],
                    request_scope["query_string"], request_scope["path_template"],
                    required_scope, fresh_until)


def _bearer_principal(scope: Scope, secret: str, max_lifetime: int) -> Principal | None:
    """The principal of the request's bearer token, as `CredentialMiddleware` finds it; None
    when there is none, or it fails (the full path then answers with the right 401)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            try:
                return principal_from_token(secret, bearer_token(value.decode("latin-1")),
                                            max_lifetime)
            except NotAuthorizedException:
                return None
    return None
