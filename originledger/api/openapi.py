"""The query parameters of every route, declared in the OpenAPI document.

The handlers read their query parameters themselves (each number through the one strict
parser, ``core.numbers.parse_decimal``), so the framework does not see them; this table
declares them, so that clients and schema-driven fuzzers reach every one. Each is a string
on the wire: what a handler accepts is in its description. A test checks that every
parameter a handler reads is declared here.

``GET /openapi.json`` (``openapi``) answers Litestar's document with these declared, and
one operation per module query.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get

from originledger.api.context import Context

__all__ = [
    "MODULE_QUERY_PARAMETERS",
    "QUERY_PARAMETERS",
    "declare_query_parameters",
    "openapi",
]

_CURSOR = "an event cursor HEIGHT:INDEX (each -1 to 2**63 - 1)"
_LIMIT = "a whole number of items, 1 to 500"
_PROVE = "true or false: attach proofs and the signed header"
_INDEX_CURSOR = "the next_cursor a previous page gave"

QUERY_PARAMETERS: dict[tuple[str, str], dict[str, str]] = {
    ("post", "/v1/txs"): {"wait_ms": "how long to wait for a commit, 0 to 30000 ms"},
    ("get", "/v1/accounts/{address}"): {"prove": _PROVE},
    ("get", "/v1/state/{key_hex}"): {"prove": _PROVE},
    ("get", "/v1/query/{module_name}/{query_name}"): {
        "prove": _PROVE + " (the query's own parameters are in its module's README)"
    },
    ("get", "/v1/events"): {"after": _CURSOR, "limit": _LIMIT},
    ("get", "/v1/events/stream"): {"after": _CURSOR + ", at most 1,000 blocks back"},
    ("get", "/v1/compliance/trace"): {
        "account": "the address whose money is traced",
        "symbol": "the asset symbol",
        "after_height": "trace movements after this height, 0 to 2**62",
        "hops": "hops to follow, 1 to 8",
        "fanout": "outflows followed per account, 1 to 100",
    },
    ("get", "/v1/search"): {"q": "a height, a hash, an address or an asset symbol"},
    ("get", "/v1/index/blocks"): {"before": "a block height (newest first)", "limit": _LIMIT},
    ("get", "/v1/index/txs"): {
        "before": _INDEX_CURSOR,
        "limit": _LIMIT,
        "height": "one block's transactions",
        "address": "one account's transactions",
    },
    ("get", "/v1/index/txs/failed"): {"before": _INDEX_CURSOR, "limit": _LIMIT},
    ("get", "/v1/index/accounts/{address}/history"): {"cursor": _INDEX_CURSOR, "limit": _LIMIT},
    ("get", "/v1/index/assets"): {"limit": _LIMIT},
    ("get", "/v1/index/assets/{symbol}/holders"): {"limit": _LIMIT},
    ("get", "/v1/index/assets/{symbol}/volume"): {"days": "days back, 1 to 366"},
    ("get", "/v1/index/assets/{symbol}/supply"): {"limit": _LIMIT},
    ("get", "/v1/index/payments"): {
        "account": "one account's payments",
        "kind": "one kind of payment",
        "status": "one status",
        "cursor": _INDEX_CURSOR,
        "limit": _LIMIT,
    },
    ("get", "/v1/payments/requests/{request_id}/qr.svg"): {"scale": "pixels per module, 1-16"},
    ("get", "/v1/payments/requests/{request_id}/qr.png"): {"scale": "pixels per module, 1-16"},
}


# The parameters each module's queries read (``GET /v1/query/{module}/{name}?...``; each
# module's README says which query takes which). Every query of a module is declared with
# all of its module's names: a query ignores the ones it does not read.
MODULE_QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "accounts": ("address",),
    "assets": ("account", "after", "id", "limit", "symbol"),
    "attest": (
        "after",
        "at_ms",
        "attester",
        "id",
        "limit",
        "recipient",
        "schema",
        "scope",
        "topic",
    ),
    "clearing": ("after", "id", "limit"),
    "compliance": (
        "account",
        "after",
        "amount",
        "id",
        "jurisdiction",
        "limit",
        "recipient",
        "sender",
        "symbol",
    ),
    "payments": ("id", "symbol"),
    "validators": (),
}
_QUERY_ROUTE = "/v1/query/{module_name}/{query_name}"


def _parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def declare_query_parameters(
    document: dict[str, Any], module_queries: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """``document`` (an OpenAPI document as built-ins) with every query parameter of
    ``QUERY_PARAMETERS`` declared on its operation, and with one operation per module
    query (``module_queries``: query names by module) declaring its module's parameters."""
    paths = document.get("paths", {})
    generic = paths.get(_QUERY_ROUTE, {}).get("get")
    for module, names in sorted((module_queries or {}).items()):
        for query in sorted(names):
            operation = {
                "summary": f"{module}/{query}",
                "operationId": f"Query_{module}_{query}",
                "description": f"The {module} module's {query} query (see its README).",
                "parameters": [_parameter("prove", _PROVE)]
                + [
                    _parameter(name, f"a parameter of the {module} module's queries")
                    for name in MODULE_QUERY_PARAMETERS.get(module, ())
                ],
                "responses": (generic or {}).get("responses", {"200": {"description": "ok"}}),
            }
            paths[f"/v1/query/{module}/{query}"] = {"get": operation}
    for (method, path), parameters in QUERY_PARAMETERS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        declared = operation.setdefault("parameters", [])
        present = {(p.get("in"), p.get("name")) for p in declared}
        for name, description in parameters.items():
            if ("query", name) not in present:
                declared.append(_parameter(name, description))
    return document


@get("/openapi.json", sync_to_thread=False, include_in_schema=False)
def openapi(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    registry = context.chain.registry
    queries = {module.name: list(module.queries) for module in registry.modules}
    schema = declare_query_parameters(request.app.openapi_schema.to_schema(), queries)
    return Response(msgspec.json.encode(schema), media_type=MediaType.JSON)
