"""An API worker process (``server/ingress.py``): accepts HTTP on the node's listening
socket, serves ``POST /v1/txs`` (decode, verify signatures, hand the node the good ones)
and forwards every other request to the node's own API.

``python -m originledger.server.ingress_worker --fd N --hub PATH --api PATH --parent PID``
(started by the node, never by hand)."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import msgspec
import uvicorn
from litestar import Litestar
from litestar.config.cors import CORSConfig

from originledger.api.context import ApiContext, provide
from originledger.api.errors import EXCEPTION_HANDLERS
from originledger.api.headers import add_security_headers
from originledger.api.limits import CONNECTIONS_MAX, REQUEST_BODY_BYTES_MAX
from originledger.api.routes import tx
from originledger.app import default_registry
from originledger.core.codes import TxCode, TxResult
from originledger.core.crypto import verify_signature
from originledger.core.tx import Tx, TxDecoder
from originledger.driver.answers import SubmitAnswer
from originledger.server.ingress import Handshake, HubAnswer, Submission, read_frame, write_frame

__all__ = ["WorkerNode", "create_worker_app", "main"]

_PR_SET_PDEATHSIG = 1
_HOP_HEADERS = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
    }
)
_REQUEST_DROPPED = _HOP_HEADERS | {b"x-forwarded-for", b"x-forwarded-proto"}
_RESPONSE_DROPPED = _HOP_HEADERS | {b"date", b"server"}  # this worker's server adds its own
_CONNECT_TIMEOUT_S = 60.0
_CHUNK_RECORDS_MIN = 64


def _verify_records(records: list[bytes]) -> list[bool]:
    return [verify_signature(r[:32], r[32:64], r[64:]) for r in records]


class WorkerNode:
    """What the submit route needs of a node, in a worker: ``submit`` checks and verifies
    here and hands the node the transactions that passed."""

    chain: Any = None  # the worker reads no chain: reads are forwarded to the node

    def __init__(self, hub: socket.socket, decoder: TxDecoder, chain_id: str) -> None:
        self._hub = hub
        self._decoder = decoder
        self._chain_id = chain_id
        self._lock = threading.Lock()
        self._encode = msgspec.msgpack.Encoder().encode
        self._decode = msgspec.msgpack.Decoder(HubAnswer).decode
        # libsodium verifies without the interpreter lock: one busy worker uses every core.
        self._threads = os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="verify")

    def _verify(self, records: list[bytes]) -> list[bool]:
        size = max(_CHUNK_RECORDS_MIN, -(-len(records) // self._threads))
        chunks = [records[start : start + size] for start in range(0, len(records), size)]
        if len(chunks) == 1:
            return _verify_records(records)
        return [verdict for part in self._pool.map(_verify_records, chunks) for verdict in part]

    def add_listener(self, listener: object) -> None:
        """No commits reach a worker (a submission with ``wait_ms`` is forwarded)."""

    def submit(self, raws: Sequence[bytes]) -> list[SubmitAnswer]:
        answers: list[SubmitAnswer | None] = []
        decoded: list[tuple[int, Tx, list[bytes]]] = []
        for raw in raws:
            item = self._decoder.decode(raw, self._chain_id)
            if not isinstance(item, Tx):
                answers.append(SubmitAnswer(None, "rejected", item))
                continue
            digest = item.signing_digest()
            records = [
                key + digest + signature
                for key, signature in zip(item.signers, item.signatures, strict=True)
            ]
            decoded.append((len(answers), item, records))
            answers.append(None)
        verdicts = iter(self._verify([record for _, _, records in decoded for record in records]))
        passed: list[bytes] = []
        for position, item, records in decoded:
            each = [next(verdicts) for _ in records]  # every verdict of this one, in order
            if all(each):
                passed.append(item.raw)
            else:
                failure = TxResult.failure(TxCode.SIGNATURE_INVALID)
                answers[position] = SubmitAnswer(item.hash, "rejected", failure)
        if not passed:
            return [answer for answer in answers if answer is not None]
        payload = self._encode(Submission(passed))
        with self._lock:
            try:
                write_frame(self._hub, payload)
                reply = self._decode(read_frame(self._hub))
            except (OSError, EOFError):
                os._exit(3)  # the node is gone: so is its worker
        if reply.error is not None:
            raise RuntimeError(reply.error)
        from_node = iter(reply.answers)
        return [answer if answer is not None else next(from_node) for answer in answers]


def create_worker_app(node: WorkerNode, cors_origins: Sequence[str]) -> Litestar:
    """The submit route alone, configured as the node's API configures it."""
    context = ApiContext(node)  # type: ignore[arg-type]
    return Litestar(
        route_handlers=[tx.submit],
        dependencies=provide(context),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=None,
        request_max_body_size=REQUEST_BODY_BYTES_MAX,
        cors_config=(
            CORSConfig(allow_origins=list(cors_origins), allow_methods=["GET", "POST"])
            if cors_origins
            else None
        ),
        before_send=[add_security_headers],  # type: ignore[list-item]
        debug=False,
        logging_config=None,
    )


class _ClientGone(Exception):
    pass


class Dispatcher:
    """The worker's ASGI application: submissions here, everything else to the node."""

    def __init__(self, submit_app: Litestar, api_path: str) -> None:
        self.submit_app = submit_app
        self.client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=api_path),
            timeout=httpx.Timeout(None, connect=10.0),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.submit_app(scope, receive, send)  # type: ignore[arg-type]
        elif kind != "http":
            return
        elif (
            scope["method"] == "POST"
            and scope["path"] == "/v1/txs"
            and b"wait_ms" not in scope["query_string"]
        ):
            await self.submit_app(scope, receive, send)  # type: ignore[arg-type]
        else:
            await self.forward(scope, receive, send)

    async def forward(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k not in _REQUEST_DROPPED]
        client = scope.get("client")
        if client:
            host, port = client[0], client[1]
            address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            headers.append((b"x-forwarded-for", address.encode()))
        headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
        has_body = any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])

        async def body() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return

        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target = target + b"?" + scope["query_string"]
        request = self.client.build_request(
            scope["method"],
            "http://node" + target.decode("latin-1"),
            headers=headers,
            content=body() if has_body else None,
        )
        try:
            response = await self.client.send(request, stream=True)
        except _ClientGone:
            return
        except httpx.TransportError:
            payload = msgspec.json.encode(
                {"error": {"code": "unavailable", "message": "the node is not serving yet"}}
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (name, value)
                        for name, value in response.headers.raw
                        if name.lower() not in _RESPONSE_DROPPED
                    ],
                }
            )

            async def pump() -> None:
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass

            pumping = asyncio.ensure_future(pump())
            watching = asyncio.ensure_future(watch())
            await asyncio.wait((pumping, watching), return_when=asyncio.FIRST_COMPLETED)
            for task in (pumping, watching):
                task.cancel()
            if pumping.done() and not pumping.cancelled() and pumping.exception() is not None:
                raise pumping.exception()  # type: ignore[misc]
        finally:
            await response.aclose()


def _die_with(parent: int) -> None:
    """Be killed when the node's process ends, however it ends (Linux); elsewhere a
    thread watches for the parent's end."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the node ended before the line above
        os._exit(3)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _connect(path: str) -> socket.socket:
    deadline = time.monotonic() + _CONNECT_TIMEOUT_S
    while True:
        hub = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            hub.connect(path)
            return hub
        except OSError:
            hub.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m originledger.server.ingress_worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--hub", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--cors", action="append", default=[])
    arguments = parser.parse_args(argv)
    _die_with(arguments.parent)
    listener = socket.socket(fileno=arguments.fd)
    hub = _connect(arguments.hub)
    handshake = msgspec.msgpack.decode(read_frame(hub), type=Handshake)
    node = WorkerNode(hub, default_registry().tx_decoder, handshake.chain_id)
    app = Dispatcher(create_worker_app(node, arguments.cors), arguments.api)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        limit_concurrency=CONNECTIONS_MAX,
        timeout_graceful_shutdown=5,
    )
    from originledger.server.serve import tune_interpreter

    tune_interpreter()
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
