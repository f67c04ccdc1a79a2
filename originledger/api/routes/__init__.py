"""The API's routes, one module per area; each module's ``ROUTES`` are Litestar handlers
that take an ``ApiContext`` (``api/context.py``) as their ``context`` dependency, so that
each can be mounted and tested alone. ``api/server.py`` composes them."""
