"""A synchronous HTTP client for a node's API, with verified reads."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.block import SignedHeader
from originledger.core.codec import CodecError, decode, from_json, to_builtins, to_json
from originledger.core.crypto import sha256
from originledger.core.state_proof import StateProof
from originledger.modules.accounts.keys import account_key
from originledger.modules.accounts.types import AccountRecord
from originledger.modules.assets.keys import (
    asset_key,
    balance_key,
    balance_prefix,
    split_balance_key,
)
from originledger.modules.assets.types import AssetRecord, Balance
from originledger.modules.validators.keys import VALIDATOR_SET_KEY
from originledger.modules.validators.types import ValidatorPowerChanged
from originledger.sdk.builder import DEFAULT_TTL_MS, SignedTransaction, TxBuilder, local_clock_ms
from originledger.sdk.verify import (
    COMETBFT_SET_DELAY,
    EMBEDDED_SET_DELAY,
    TrustedValidators,
    VerificationError,
    VerifiedReceipt,
    decode_validator_set,
    verify_proven_value,
    verify_proven_value_cometbft,
    verify_receipt,
)

__all__ = ["Client", "ClientError", "SubmitResult", "VerifiedAccount", "VerifiedBalance"]


class ClientError(Exception):
    """The node answered with an error (``status``, ``code``, ``message``) or not at all."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message


class SubmitResult(msgspec.Struct, frozen=True):
    hash: str | None
    status: str
    codespace: str
    code: int
    message: str
    message_index: int = -1
    height: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "rejected" and self.code == 0


class VerifiedAccount(msgspec.Struct, frozen=True):
    """An account as proven at ``height``. Balances are those the node listed, each proven;
    that the list is complete is not proven (the tree hashes its keys)."""

    address: Address
    height: int
    record: AccountRecord | None
    balances: dict[str, Amount]


class VerifiedBalance(msgspec.Struct, frozen=True):
    """An account's line in an asset and the asset's record, proven at ``height``."""

    account: Address
    symbol: str
    height: int
    line: Balance
    asset: AssetRecord


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        genesis: bytes | None = None,
        genesis_hash: bytes | None = None,
    ) -> None:
        """``genesis`` (the genesis file's bytes) or ``genesis_hash`` (its SHA-256) pins the
        chain the verified reads trust; without either, they refuse (see ``trust``)."""
        if "://" not in base_url:
            base_url = "http://" + base_url
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)
        self._trusted: TrustedValidators | None = None
        self._genesis = genesis
        self._genesis_hash = genesis_hash

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ClientError(0, "unreachable", f"{self.base_url}{path}: {error}") from error
        if response.status_code >= 400:
            try:
                body = response.json()["error"]
                raise ClientError(response.status_code, body["code"], body["message"])
            except (ValueError, KeyError, TypeError):
                raise ClientError(response.status_code, "http_error", response.text[:200]) from None
        return response.json()

    # -- reads ----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health")  # type: ignore[no-any-return]

    def status(self) -> dict[str, Any]:
        return self._request("GET", "/v1/status")  # type: ignore[no-any-return]

    def tx_builder(self, *, ttl_ms: int = DEFAULT_TTL_MS) -> TxBuilder:
        """A ``TxBuilder`` for the node's chain, on the node's clock: this machine's clock
        corrected by how far it is from the node's (``now_ms`` of ``/v1/status``, taken
        as of the middle of the request). A client whose clock is minutes off would
        otherwise build transactions the node refuses as expired or too far ahead."""
        sent = local_clock_ms()
        status = self.status()
        received = local_clock_ms()
        offset = int(status["now_ms"]) - (sent + received) // 2
        return TxBuilder(status["chain_id"], ttl_ms=ttl_ms, clock=lambda: local_clock_ms() + offset)

    def genesis(self) -> bytes:
        try:
            return self._http.get("/v1/genesis").raise_for_status().content
        except httpx.HTTPError as error:
            raise ClientError(0, "unreachable", str(error)) from error

    def block(self, height: int | str = "latest") -> dict[str, Any]:
        return self._request("GET", f"/v1/blocks/{height}")  # type: ignore[no-any-return]

    def receipt(self, tx_hash: str | bytes) -> dict[str, Any]:
        text = tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash
        return self._request("GET", f"/v1/txs/{text}")  # type: ignore[no-any-return]

    def account(self, address: Address | str, *, prove: bool = False) -> dict[str, Any]:
        params = {"prove": "true"} if prove else {}
        return self._request("GET", f"/v1/accounts/{address}", params=params)  # type: ignore[no-any-return]

    def query(
        self, module: str, name: str, *, prove: bool = False, **params: str
    ) -> dict[str, Any]:
        if prove:
            params["prove"] = "true"
        return self._request("GET", f"/v1/query/{module}/{name}", params=params)  # type: ignore[no-any-return]

    def compliance_trace(
        self,
        account: Address | str,
        symbol: str,
        *,
        after_height: int = 0,
        hops: int = 4,
        fanout: int = 32,
    ) -> dict[str, Any]:
        """Follow ``symbol`` money sent by ``account`` after ``after_height`` (fund tracing)."""
        params = {
            "account": str(account),
            "symbol": symbol,
            "after_height": str(after_height),
            "hops": str(hops),
            "fanout": str(fanout),
        }
        return self._request("GET", "/v1/compliance/trace", params=params)  # type: ignore[no-any-return]

    def state(self, key: bytes, *, prove: bool = False) -> dict[str, Any]:
        params = {"prove": "true"} if prove else {}
        return self._request("GET", f"/v1/state/{key.hex()}", params=params)  # type: ignore[no-any-return]

    def events(self, after: str | None = None, limit: int = 100) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        return self._request("GET", "/v1/events", params=params)  # type: ignore[no-any-return]

    def stream_events(self, after: str | None = None) -> Iterator[dict[str, Any]]:
        """Follow events live (server-sent events) from a durable cursor ``HEIGHT:INDEX``."""
        params = {"after": after} if after else {}
        with self._http.stream("GET", "/v1/events/stream", params=params, timeout=None) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    yield json.loads(line[5:].strip())

    # -- submission -----------------------------------------------------------------------

    def submit_raw(self, raws: Sequence[bytes], *, wait_ms: int = 0) -> list[SubmitResult]:
        """Submit signed transactions in one request (msgpack), optionally waiting for commit."""
        params = {"wait_ms": str(wait_ms)} if wait_ms else {}
        answer = self._request(
            "POST",
            "/v1/txs",
            params=params,
            content=msgspec.msgpack.encode(list(raws)),
            headers={"content-type": "application/msgpack"},
            timeout=max(30.0, wait_ms / 1000 + 10),
        )
        return [
            SubmitResult(
                item["hash"],
                item["status"],
                item["result"]["codespace"],
                item["result"]["code"],
                item["result"]["message"],
                item["result"].get("message_index", -1),
                item.get("height"),
            )
            for item in answer["answers"]
        ]

    def submit(self, tx: SignedTransaction, *, wait_ms: int = 10_000) -> SubmitResult:
        return self.submit_raw([tx.raw], wait_ms=wait_ms)[0]

    # -- verified reads -------------------------------------------------------------------

    def trust(
        self,
        genesis_raw: bytes | None = None,
        *,
        genesis_hash: bytes | None = None,
        trust_node_genesis: bool = False,
    ) -> TrustedValidators:
        """The light client's trust, started from a genesis the caller pins: ``genesis_raw``
        (a genesis file you hold), or ``genesis_hash`` (then the node's genesis is fetched
        and must hash to it). Taking the node's own genesis unchecked needs
        ``trust_node_genesis=True`` (a node you run yourself). Raises ``VerificationError``
        when nothing is pinned or the node's genesis differs from the pin."""
        raw = genesis_raw if genesis_raw is not None else self._genesis
        pinned = genesis_hash if genesis_hash is not None else self._genesis_hash
        if genesis_raw is None and genesis_hash is None and self._trusted is not None:
            return self._trusted
        if raw is None:
            if pinned is None and not trust_node_genesis:
                raise VerificationError(
                    "no genesis is pinned: give the genesis file you trust (or its hash); "
                    "the node being checked cannot vouch for itself"
                )
            raw = self.genesis()
            if pinned is not None and sha256(raw) != pinned:
                raise VerificationError(
                    f"the node serves a genesis with hash {sha256(raw).hex()}, not the pinned "
                    f"{pinned.hex()}: it is not the chain you trust"
                )
        self._trusted = TrustedValidators.from_genesis(raw, expected_hash=pinned)
        return self._trusted

    def check_genesis(self) -> None:
        """The node's genesis is the pinned one (refuses a node of another chain early)."""
        trusted = self.trust()
        served = sha256(self.genesis())
        if trusted.genesis_hash is not None and served != trusted.genesis_hash:
            raise VerificationError(
                f"the node serves a genesis with hash {served.hex()}, not the pinned "
                f"{trusted.genesis_hash.hex()}: it is not the chain you trust"
            )

    def update_trust(self) -> TrustedValidators:
        """Follow the validator set to the node's latest state.

        First by skipping: the set the client knows signs the latest header (within the
        trusting period) and the ``validators/set`` proven there becomes the trusted set.
        Else sequentially: every receipt holding a ``validators/power_changed`` event since
        the last proven set is verified in block order (each header against the set the
        earlier changes made) and applied; then the set proven at the latest state must
        equal the one the changes made (a node that hid a change is refused).
        """
        trusted = self.trust()
        try:
            self._learn_validator_set(check_against_changes=False)
        except VerificationError:
            trusted.sequential = True
            try:
                self._follow_validator_changes()
                self._learn_validator_set(check_against_changes=True)
            finally:
                trusted.sequential = False
        return trusted

    def _learn_validator_set(self, *, check_against_changes: bool) -> None:
        trusted = self.trust()
        answer = self.state(VALIDATOR_SET_KEY, prove=True)
        item = {"proof": answer.get("proof")}
        proven = self._proven_values(
            {**answer, "proofs": [item]}, {VALIDATOR_SET_KEY}, follow=False
        )
        if VALIDATOR_SET_KEY not in proven:
            raise VerificationError("the node sent no proof of the validator set")
        powers = decode_validator_set(proven[VALIDATOR_SET_KEY])
        height = int(answer["height"])
        comet = answer.get("cometbft_signed_header")
        if comet is not None:
            time_ms, delay = trusted.check_comet(comet).time_ms, COMETBFT_SET_DELAY
        else:
            time_ms, delay = _signed_header(answer).header.time_ms, EMBEDDED_SET_DELAY
        if check_against_changes and trusted.powers_at(height + delay, delay) != powers:
            raise VerificationError(
                f"the validator set proven at height {height} differs from the one its "
                "proven changes make: the node hid a change of the validator set"
            )
        trusted.learn_set(height, powers, time_ms, delay)

    def _follow_validator_changes(self) -> None:
        """Verify each receipt holding a ``validators/power_changed`` event after the
        client's anchor, in block order, and apply its changes."""
        trusted = self.trust()
        after = f"{trusted.anchor_height}:{2**63 - 1}" if trusted.anchor_height > 0 else None
        seen: set[tuple[int, int]] = set()
        tag = ValidatorPowerChanged.__struct_config__.tag
        while True:
            page = self.events(after=after, limit=500)
            for event in page["events"]:
                if event["type"] != tag:
                    continue
                place = (int(event["height"]), int(event["tx_index"]))
                if place in seen:
                    continue
                seen.add(place)
                receipt = self.receipt(self.block(place[0])["txs"][place[1]])
                verified = verify_receipt(trusted, receipt)
                network = receipt.get("cometbft_proof") is not None
                delay = COMETBFT_SET_DELAY if network else EMBEDDED_SET_DELAY
                trusted.apply_changes(verified, delay)
            if not page["events"] or page["next_cursor"] == after:
                return
            after = page["next_cursor"]

    def verified_receipt(self, tx_hash: str | bytes) -> tuple[dict[str, Any], VerifiedReceipt]:
        """A committed transaction's receipt, verified (after following the validator set
        to the node's latest state): the node's answer and what it proves. Show only the
        proven fields."""
        wanted = tx_hash if isinstance(tx_hash, bytes) else bytes.fromhex(tx_hash)
        receipt = self.receipt(tx_hash)
        trusted = self.trust()
        height = receipt.get("height")
        if isinstance(height, int) and height > trusted.anchor_height:
            self.update_trust()
        verified = verify_receipt(trusted, receipt)
        if verified.hash != wanted:
            # Another transaction's receipt verifies on its own: it must be the one asked for.
            raise VerificationError(
                f"the node answered with the receipt of {verified.hash.hex()}, "
                f"not of {wanted.hex()}"
            )
        return receipt, verified

    def verified_account(self, address: Address | str) -> VerifiedAccount:
        """An account's record (roles, key) and balances, every one of them proven against a
        validator-signed header; absence of the record is proven too."""
        parsed = address if isinstance(address, Address) else Address.from_text(address)
        answer = self.account(parsed, prove=True)
        height = int(answer["height"])
        record_key = account_key(parsed)
        try:
            listed = {balance_key(parsed, str(item["symbol"])) for item in answer["balances"]}
        except (KeyError, TypeError, ValueError) as error:
            raise VerificationError(f"malformed balances: {error}") from error
        proven = self._proven_values(answer, {record_key, *listed})
        if record_key not in proven:
            raise VerificationError("the node sent no proof for the account record")
        raw_record = proven.pop(record_key)
        record = None if raw_record is None else decode(raw_record, AccountRecord)
        if to_builtins(record) != answer["account"]:
            raise VerificationError("the node's account record differs from the proven one")
        balances: dict[str, Amount] = {}
        for key, value in proven.items():
            if value is None or not key.startswith(balance_prefix(parsed)):
                raise VerificationError(f"unexpected proof for key {key!r}")
            balances[split_balance_key(key)[1]] = decode(value, Balance).amount
        shown = {item["symbol"]: item["amount"] for item in answer["balances"]}
        if {symbol: str(amount) for symbol, amount in balances.items()} != shown:
            raise VerificationError("the node's balances differ from the proven ones")
        return VerifiedAccount(parsed, height, record, balances)

    def verified_balance(self, address: Address | str, symbol: str) -> tuple[Amount, int]:
        """An account's balance, proven against a validator-signed header: (amount, height)."""
        line = self.verified_balance_line(address, symbol)
        return line.line.amount, line.height

    def verified_balance_line(self, address: Address | str, symbol: str) -> VerifiedBalance:
        """An account's line in an asset (amount, holds, freezes, authorization) and the
        asset's record, proven against one validator-signed header; the node's answer must
        show exactly the proven values."""
        parsed = address if isinstance(address, Address) else Address.from_text(address)
        answer = self.query("assets", "balance", prove=True, account=str(parsed), symbol=symbol)
        wanted, asset_wanted = balance_key(parsed, symbol), asset_key(symbol)
        proven = self._proven_values(answer)  # the balance, and what the query also read
        if wanted not in proven or proven.get(asset_wanted) is None:
            raise VerificationError("the node sent no proof for the balance")
        value, asset_value = proven[wanted], proven[asset_wanted]
        line = Balance(Amount(0)) if value is None else decode(value, Balance)
        asset = decode(asset_value or b"", AssetRecord)
        shown = {
            "amount": str(line.amount),
            "held": str(line.held),
            "amount_frozen": str(line.amount_frozen),
            "available": str(line.available),
            "frozen": line.frozen,
            "deep": line.deep,
            "authorized": line.authorized,
            "asset_paused": asset.paused,
            "asset_frozen": asset.global_freeze,
        }
        result = answer.get("result") or {}
        if {name: result.get(name) for name in shown} != shown:
            raise VerificationError("the node's answer differs from the proven balance")
        return VerifiedBalance(parsed, symbol, int(answer["height"]), line, asset)

    def verified_asset(self, symbol: str) -> tuple[AssetRecord, int]:
        """An asset's record (decimals, supply, issuer, controls), proven: (record, height)."""
        answer = self.query("assets", "asset", prove=True, symbol=symbol)
        key = asset_key(symbol)
        proven = self._proven_values(answer, {key})
        if proven.get(key) is None:
            raise VerificationError(f"the node sent no proof of asset {symbol!r}")
        record = decode(proven[key] or b"", AssetRecord)
        shown = (answer.get("result") or {}).get("asset")
        if shown != to_builtins(record):
            raise VerificationError("the node's asset record differs from the proven one")
        return record, int(answer["height"])

    def _proven_values(
        self, answer: dict[str, Any], wanted: set[bytes] | None = None, *, follow: bool = True
    ) -> dict[bytes, bytes | None]:
        """Every value an answer with ``?prove=true`` carries, each checked against the
        answer's signed header; keyed by state key. With ``wanted``, every proof must be of
        one of those keys."""
        height = int(answer["height"])
        comet = answer.get("cometbft_signed_header")
        signed = None if comet is not None else _signed_header(answer)
        trusted = self.trust()
        if follow and height > trusted.anchor_height:
            self.update_trust()
        proven: dict[bytes, bytes | None] = {}
        for item in answer.get("proofs") or []:
            try:
                proof = from_json(to_json(item["proof"]), StateProof)
            except (CodecError, KeyError, TypeError) as error:
                raise VerificationError(f"malformed proof: {error}") from error
            if wanted is not None and proof.key not in wanted:
                raise VerificationError(f"the node sent a proof of a key not asked: {proof.key!r}")
            if signed is not None:
                value = verify_proven_value(trusted, proof, height, signed, key=proof.key)
            elif comet is not None:  # network mode: CometBFT's signed header of the next block
                value = verify_proven_value_cometbft(trusted, proof, height, comet, key=proof.key)
            proven[proof.key] = value
        return proven


def _signed_header(answer: dict[str, Any]) -> SignedHeader:
    if answer.get("signed_header") is None:
        raise VerificationError(
            f"no signed header at height {answer.get('height')}: proofs need a committed block"
        )
    try:
        return from_json(to_json(answer["signed_header"]), SignedHeader)
    except CodecError as error:
        raise VerificationError(f"malformed signed header: {error}") from error
