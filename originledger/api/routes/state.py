"""Routes of the committed state: accounts, raw values and module queries, each with
proofs on request (``?prove=true``) and the signed header they lead to.

- ``GET /v1/accounts/{address}``: roles and balances.
- ``GET /v1/state/{key_hex}``: one raw state value.
- ``GET /v1/query/{module}/{name}?...``: a module's query (its README names its
  parameters); with ``prove`` it proves the keys the query read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, get
from litestar.params import FromPath

from originledger.api.context import Context, proven
from originledger.api.errors import ApiError, query_error
from originledger.api.models import AccountAnswer, ProvenState, QueryAnswer
from originledger.api.params import json_response, parse_bool
from originledger.core.address import Address, AddressError
from originledger.core.codec import to_builtins
from originledger.core.context import StateReader
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.modules.accounts import load_account
from originledger.modules.assets.queries import query_balances

__all__ = ["ROUTES"]


@get("/v1/accounts/{address:str}", sync_to_thread=True)
def account(
    context: Context, address: FromPath[str], request: Request[Any, Any, Any]
) -> AccountAnswer:
    try:
        parsed = Address.from_text(address)
    except AddressError as error:
        raise ApiError(400, "invalid_address", f"not an address: {error}") from None
    prove = parse_bool(request.query_params.get("prove"))

    def read(state: StateReader) -> tuple[Any, Any]:
        record = load_account(state, parsed)
        balances = query_balances(state, {"account": address})
        return record, balances

    (record, balances), height, proofs = context.chain.read(read, prove)
    answer = AccountAnswer(
        address=str(parsed),
        height=height,
        account=None if record is None else to_builtins(record),
        balances=to_builtins(balances),
        proofs=proven(proofs) if prove else None,
        signed_header=context.signed_header_at(height) if prove else None,
        cometbft_signed_header=context.consensus_header_after(height) if prove else None,
    )
    return json_response(answer)  # type: ignore[return-value]


@get("/v1/state/{key_hex:str}", sync_to_thread=True)
def state_value(
    context: Context, key_hex: FromPath[str], request: Request[Any, Any, Any]
) -> ProvenState:
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        raise ApiError(400, "invalid_key", "a state key is given in hex") from None
    if not key or len(key) > 256:
        raise ApiError(400, "invalid_key", "a state key is 1 to 256 bytes")
    prove = parse_bool(request.query_params.get("prove"))
    value, height, proofs = context.chain.read(lambda state: state.get(key), prove)
    if not prove:
        return json_response({"key": key, "value": value, "height": height})  # type: ignore[return-value]
    answer = proven(proofs)[0]
    return json_response(
        {
            **to_builtins(answer),  # type: ignore[return-value]
            "signed_header": to_builtins(context.signed_header_at(height)),
            "cometbft_signed_header": context.consensus_header_after(height),
        }
    )


@get("/v1/query/{module_name:str}/{query_name:str}", sync_to_thread=True)
def module_query(
    context: Context,
    module_name: FromPath[str],
    query_name: FromPath[str],
    request: Request[Any, Any, Any],
) -> QueryAnswer:
    params = {k: v for k, v in request.query_params.items() if k != "prove"}
    prove = parse_bool(request.query_params.get("prove"))
    module = context.chain.registry.by_name.get(module_name)
    query: Callable[..., Any] | None = module.queries.get(query_name) if module else None
    if query is None:
        raise ApiError(404, "query_not_found", f"no query {module_name}/{query_name}")
    try:
        result, height, proofs = context.chain.read(
            lambda state: query(
                state, {**params, BLOCK_TIME_PARAMETER: str(context.block_time_ms())}
            ),
            prove,
        )
    except QueryError as error:
        raise query_error(error) from None
    answer = QueryAnswer(
        height,
        to_builtins(result),
        proven(proofs) if prove else None,
        context.signed_header_at(height) if prove else None,
        context.consensus_header_after(height) if prove else None,
    )
    return json_response(answer)  # type: ignore[return-value]


ROUTES = [account, state_value, module_query]
