"""The web explorer (static files served at ``/``) and the index API routes."""

from originledger.api.explorer.routes import STATIC_DIR, explorer_handlers

__all__ = ["STATIC_DIR", "explorer_handlers"]
