"""The API's outer layer: security headers on every answer (a ``before_send`` hook), and
the limit on open event streams (a middleware on the stream's route).

Headers: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
``X-Frame-Options: DENY`` and a Content-Security-Policy. The explorer's policy allows only
its own origin: ES modules from ``/explorer/js``, its stylesheet, ``fetch`` and the event
stream to the API, inline SVG (built through the DOM) and ``data:`` images; no inline
script, no eval, no framing. The OpenAPI pages under ``/schema`` load their viewer from
its CDN, so their policy allows that too (still no framing).

Event streams (``GET /v1/events/stream``): at most ``STREAMS_PER_CLIENT_MAX`` open from one
client address and ``STREAMS_MAX`` in all; one more is answered 429 before the route runs.
A stream's slot is given back when its connection ends, however it ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from originledger.api.limits import STREAMS_MAX, STREAMS_PER_CLIENT_MAX
from originledger.core.codec import to_json

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECURITY_HEADERS",
    "StreamSlots",
    "add_security_headers",
    "stream_limits",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SCHEMA_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    "https://unpkg.com; style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:; "
    "font-src 'self' https:; worker-src 'self' blob:; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_STREAM_PATH = "/v1/events/stream"


class StreamSlots:
    """Open event streams, per client address and in all."""

    def __init__(self, per_client_max: int = STREAMS_PER_CLIENT_MAX, total_max: int = STREAMS_MAX):
        self.per_client_max = per_client_max
        self.total_max = total_max
        self.per_client: dict[str, int] = {}
        self.total = 0

    def take(self, client: str) -> str | None:
        """Take a slot for ``client``; None when taken, else why not."""
        if self.total >= self.total_max:
            return f"the node serves at most {self.total_max} event streams at once"
        count = self.per_client.get(client, 0)
        if count >= self.per_client_max:
            return f"at most {self.per_client_max} open event streams per client"
        self.per_client[client] = count + 1
        self.total += 1
        return None

    def give_back(self, client: str) -> None:
        self.total -= 1
        remaining = self.per_client[client] - 1
        if remaining:
            self.per_client[client] = remaining
        else:
            del self.per_client[client]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar's ``before_send`` hook: runs for every answer, 404s and 405s included."""
    if message["type"] != "http.response.start":
        return
    schema_page = str(scope.get("path", "")).startswith("/schema")
    csp = (_SCHEMA_POLICY if schema_page else CONTENT_SECURITY_POLICY).encode()
    headers = list(message.get("headers", ()))
    present = {bytes(name).lower() for name, _ in headers}
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", csp))
    message["headers"] = headers


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = to_json({"error": {"code": code, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"5"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def stream_limits(slots: StreamSlots) -> Callable[[Asgi], Asgi]:
    """A Litestar middleware factory that holds event streams to ``slots``."""

    def factory(app: Asgi) -> Asgi:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope.get("path") != _STREAM_PATH:
                await app(scope, receive, send)
                return
            client_info = scope.get("client")
            client = str(client_info[0]) if client_info else "unknown"
            refusal = slots.take(client)
            if refusal is not None:
                await _refuse(send, 429, "too_many_streams", refusal)
                return
            try:
                await app(scope, receive, send)
            finally:
                slots.give_back(client)

        return middleware

    return factory
