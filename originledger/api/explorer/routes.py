"""Routes of the explorer (mounted by ``api/server.py``): ``GET /`` the explorer page and
``GET /explorer/{path}`` its scripts and styles. The data it shows comes from the index
API (``api/routes/index.py``) and the rest of the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import MediaType, Response, get
from litestar.static_files import create_static_files_router

__all__ = ["STATIC_DIR", "explorer_handlers"]

STATIC_DIR = Path(__file__).parent / "static"


@get("/", sync_to_thread=False, include_in_schema=False)
def home() -> Response[bytes]:
    return Response((STATIC_DIR / "index.html").read_bytes(), media_type=MediaType.HTML)


def explorer_handlers() -> list[Any]:
    """The explorer page and a router of its static files."""
    static = create_static_files_router(
        path="/explorer", directories=[STATIC_DIR], include_in_schema=False
    )
    return [home, static]
