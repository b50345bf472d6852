"""The dashboard's routes: its pages, its static files, and `/` sending a browser to them.

Nothing here reads tenant data, so none of it asks for a credential: the pages sign in in
the browser and send the credential with each API request they make.
"""

from __future__ import annotations

import functools
from pathlib import Path

from litestar import MediaType, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

STATIC = Path(__file__).resolve().parent / "static"
PUBLIC = {"exclude_from_auth": True}
# Everything a page loads comes from this origin; charts draw on canvas and inline SVG.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@functools.cache
def _index() -> bytes:
    return (STATIC / "index.html").read_bytes()


@get(["/ui", "/ui/models/{model_id:str}", "/ui/jobs/{job_id:str}"], include_in_schema=False,
     opt=PUBLIC, media_type=MediaType.HTML, sync_to_thread=False)
def page() -> Response[bytes]:
    """Every page is the same document; its script reads the path and draws the page."""
    return Response(_index(), media_type=MediaType.HTML, headers=PAGE_HEADERS)


@get("/", include_in_schema=False, opt=PUBLIC, sync_to_thread=False)
def root() -> Redirect:
    return Redirect("/ui/")


ui_router = Router(path="/", route_handlers=[
    page,
    root,
    create_static_files_router(path="/ui/static", directories=[STATIC], opt=PUBLIC,
                               cache_control=CacheControlHeader(no_cache=True),
                               name="ui-static"),
])
