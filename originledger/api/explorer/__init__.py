"""The web explorer (static files served at ``/``); its data comes from the index API
(``api/routes/index.py``)."""

from originledger.api.explorer.routes import STATIC_DIR, explorer_handlers

__all__ = ["STATIC_DIR", "explorer_handlers"]
