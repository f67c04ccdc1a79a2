"""The HTTP API (Litestar, ASGI): REST, OpenAPI, and an event stream."""

from originledger.api.server import create_app

__all__ = ["create_app"]
