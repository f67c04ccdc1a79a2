"""A typed builder of ``genesis.json``: the chain's identity, its validators and each
module's opening state, from the modules' own typed genesis records.

    raw = (
        GenesisBuilder("origin-local", genesis_time_ms=1_000)
        .validator(validator_key.public_key)
        .account(admin, roles=["admin", "issuer"])
        .asset("USDT", name="Test Dollar", decimals=2, asset_class="payment",
               issuer=admin, max_supply=10**8)
        .balance(alice, "USDT", 100_000)
        .build()
    )

What it writes is exactly what was given, and nothing more: a module's section appears
once something is put in it; in a section, a list appears once it is named (adding an
entry names it; ``accounts()``, ``assets()`` ... with no entries name an empty list); in
a record, a field appears when it differs from the field's default; ``power`` and ``name``
of a validator, ``initial_height`` and ``consensus_versions`` appear when they are given.
Keys follow the order of the typed structs (``Genesis``, each module's genesis type and
record types), so the same inputs give the same bytes.

``document()`` and ``build()`` check the result as a node would read it: the document
passes ``parse_genesis`` and every section decodes into its module's genesis type; a
bad input is refused with a ``GenesisError`` naming what is wrong.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from typing import Any, Self

import msgspec

from originledger.app import DEFAULT_MODULES, parse_genesis
from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount
from originledger.core.codec import CodecError, from_json, to_builtins
from originledger.core.consensus import ConsensusVersions
from originledger.modules.accounts.types import GenesisAccount, GenesisMultisig
from originledger.modules.assets.types import (
    AssetsParams,
    FeeSchedule,
    GenesisAsset,
    GenesisBalance,
)
from originledger.modules.attest.types import GenesisSchema, GenesisTrust
from originledger.modules.compliance.types import (
    GenesisEntity,
    GenesisLicense,
    GenesisRegulator,
    PolicyPack,
)

__all__ = ["RECORD_TYPES", "GenesisBuilder", "GenesisError", "check_document", "dumps"]

AddressLike = Address | str


class GenesisError(ValueError):
    """An input to the genesis builder, or the document it would write, is not valid."""


def _address(value: AddressLike, what: str) -> Address:
    if isinstance(value, Address):
        return value
    if isinstance(value, str):
        try:
            return Address.from_text(value)
        except AddressError as error:
            raise GenesisError(f"genesis: {what} {value!r} is not an address: {error}") from None
    raise GenesisError(f"genesis: {what} must be an address, got {type(value).__name__}")


def _amount(value: int, what: str) -> Amount:
    try:
        return value if isinstance(value, Amount) else Amount(value)
    except (TypeError, ValueError) as error:
        raise GenesisError(f"genesis: {what}: {error}") from None


def _field_defaults(kind: type[msgspec.Struct]) -> list[tuple[str, Any]]:
    """Each field of ``kind`` in order, with its default (``NODEFAULT`` if it has none)."""
    fields = []
    for info in msgspec.structs.fields(kind):
        if info.default is not msgspec.NODEFAULT:
            default = info.default
        elif info.default_factory is not msgspec.NODEFAULT:
            default = info.default_factory()
        else:
            default = msgspec.NODEFAULT
        fields.append((info.encode_name, default))
    return fields


_DEFAULTS: dict[type[msgspec.Struct], list[tuple[str, Any]]] = {}


def _fields_of(kind: type[msgspec.Struct]) -> list[tuple[str, Any]]:
    fields = _DEFAULTS.get(kind)
    if fields is None:
        fields = _DEFAULTS[kind] = _field_defaults(kind)
    return fields


def record_document(record: msgspec.Struct) -> dict[str, Any]:
    """A genesis record as JSON-ready data: its fields in order, those equal to their
    default left out (nested structs are written whole)."""
    fields = _fields_of(type(record))
    whole: dict[str, Any] = to_builtins(record)
    return {
        name: whole[name]
        for name, default in fields
        if default is msgspec.NODEFAULT or getattr(record, name) != default
    }


# Each module that takes a genesis section: its typed section, in the composition's order.
_SECTION_TYPES: dict[str, type[msgspec.Struct]] = {
    module.name: module.genesis_type
    for module in DEFAULT_MODULES
    if module.genesis_type is not None
}
_SECTION_ORDER = [module.name for module in DEFAULT_MODULES]

# The record type of each list in a module's section (a test checks that every list of
# every genesis type is here: a new module's section is taught to the builder).
RECORD_TYPES: dict[tuple[str, str], type[msgspec.Struct]] = {
    ("accounts", "accounts"): GenesisAccount,
    ("assets", "assets"): GenesisAsset,
    ("assets", "balances"): GenesisBalance,
    ("attest", "schemas"): GenesisSchema,
    ("attest", "trusted"): GenesisTrust,
    ("compliance", "packs"): PolicyPack,
    ("compliance", "regulators"): GenesisRegulator,
    ("compliance", "entities"): GenesisEntity,
    ("compliance", "licenses"): GenesisLicense,
}


class GenesisBuilder:
    """Builds a genesis document from typed, checked inputs (see the module's docstring)."""

    def __init__(
        self,
        chain_id: str,
        *,
        genesis_time_ms: int,
        initial_height: int | None = None,
        consensus_versions: ConsensusVersions | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.genesis_time_ms = genesis_time_ms
        self.initial_height = initial_height
        self.consensus_versions = consensus_versions
        self._validators: list[dict[str, Any]] = []
        # module name -> field name -> its list of records (or one record: params, fees)
        self._sections: dict[str, dict[str, Any]] = {}
        self._account_index: dict[Address, int] = {}

    # -- validators ---------------------------------------------------------------------

    def validator(
        self, public_key: bytes, *, power: int | None = None, name: str | None = None
    ) -> Self:
        """A genesis validator: its Ed25519 public key, and its voting power and name when
        given (a node reads power 1 and no name otherwise)."""
        if not isinstance(public_key, bytes):
            raise GenesisError("genesis: a validator's public key is bytes")
        entry: dict[str, Any] = {"public_key": base64.b64encode(public_key).decode()}
        if power is not None:
            entry["power"] = power
        if name is not None:
            entry["name"] = name
        self._validators.append(entry)
        return self

    # -- sections -------------------------------------------------------------------------

    def _section(self, module: str) -> dict[str, Any]:
        if module not in _SECTION_TYPES:
            raise GenesisError(f"genesis: no module {module!r} takes a genesis section")
        return self._sections.setdefault(module, {})

    def _extend(self, module: str, field: str, records: Iterable[msgspec.Struct]) -> Self:
        entries: list[msgspec.Struct] = self._section(module).setdefault(field, [])
        kind = RECORD_TYPES[(module, field)]
        for record in records:
            if not isinstance(record, kind):
                raise GenesisError(
                    f"genesis: {module}.{field} takes {kind.__name__} records, "
                    f"got {type(record).__name__}"
                )
            entries.append(record)
        return self

    def _set(self, module: str, field: str, record: msgspec.Struct) -> Self:
        self._section(module)[field] = record
        return self

    # accounts

    def accounts(self, *records: GenesisAccount) -> Self:
        """Genesis accounts (with no records: an empty ``accounts`` list is written)."""
        section = self._section("accounts").setdefault("accounts", [])
        for record in records:
            if not isinstance(record, GenesisAccount):
                raise GenesisError(
                    f"genesis: accounts.accounts takes GenesisAccount records, "
                    f"got {type(record).__name__}"
                )
            if record.address in self._account_index:
                raise GenesisError(f"genesis: account {record.address} is listed twice")
            self._extend("accounts", "accounts", [record])
            self._account_index[record.address] = len(section) - 1
        return self

    def account(
        self,
        address: AddressLike,
        *,
        roles: Sequence[str] = (),
        public_key: bytes | None = None,
        multisig: GenesisMultisig | None = None,
    ) -> Self:
        """An account with ``roles``, its public key registered, or a multisig account."""
        account = _address(address, "account")
        return self.accounts(
            GenesisAccount(
                address=account, roles=list(roles), public_key=public_key, multisig=multisig
            )
        )

    def grant_role(self, address: AddressLike, *roles: str) -> Self:
        """Give ``roles`` to an account (listing it if it is not listed yet)."""
        account = _address(address, "account")
        index = self._account_index.get(account)
        if index is None:
            return self.account(account, roles=roles)
        entries = self._sections["accounts"]["accounts"]
        record: GenesisAccount = entries[index]
        added = [role for role in roles if role not in record.roles]
        entries[index] = msgspec.structs.replace(record, roles=[*record.roles, *added])
        return self

    # assets

    def assets(self, *records: GenesisAsset) -> Self:
        """Genesis assets (with no records: an empty ``assets`` list is written)."""
        return self._extend("assets", "assets", records)

    def asset(
        self,
        symbol: str,
        *,
        name: str,
        decimals: int,
        asset_class: str,
        issuer: AddressLike,
        max_supply: int,
        **options: Any,
    ) -> Self:
        """An asset; ``options`` are the other fields of ``GenesisAsset`` (``custodian``,
        ``peg``, ``auth_required`` ...)."""
        for key in ("agent", "custodian"):
            if options.get(key) is not None:
                options[key] = _address(options[key], key)
        if options.get("balance_max") is not None:
            options["balance_max"] = _amount(options["balance_max"], "balance_max")
        try:
            record = GenesisAsset(
                symbol=symbol,
                name=name,
                decimals=decimals,
                asset_class=asset_class,
                issuer=_address(issuer, "issuer"),
                max_supply=_amount(max_supply, f"max_supply of {symbol}"),
                **options,
            )
        except TypeError as error:
            raise GenesisError(f"genesis: asset {symbol}: {error}") from None
        return self.assets(record)

    def balances(self, *records: GenesisBalance) -> Self:
        """Genesis balances (with no records: an empty ``balances`` list is written)."""
        return self._extend("assets", "balances", records)

    def balance(
        self, account: AddressLike, symbol: str, amount: int, *, authorized: bool = False
    ) -> Self:
        """``amount`` minor units of ``symbol`` held by ``account``."""
        return self.balances(
            GenesisBalance(
                account=_address(account, "balance account"),
                symbol=symbol,
                amount=_amount(amount, f"balance of {symbol}"),
                authorized=authorized,
            )
        )

    def fees(self, symbol: str, *, per_tx: int = 0, per_message: int = 0) -> Self:
        """The chain's fee schedule (fixed for the chain's life)."""
        schedule = FeeSchedule(
            symbol=symbol,
            per_tx=_amount(per_tx, "per_tx"),
            per_message=_amount(per_message, "per_message"),
        )
        return self._set("assets", "fees", schedule)

    def assets_params(self, params: AssetsParams) -> Self:
        return self._set("assets", "params", params)

    # compliance

    def policy_packs(self, *packs: PolicyPack) -> Self:
        return self._extend("compliance", "packs", packs)

    def regulators(self, *records: GenesisRegulator) -> Self:
        return self._extend("compliance", "regulators", records)

    def regulator(self, jurisdiction: str, account: AddressLike) -> Self:
        return self.regulators(
            GenesisRegulator(jurisdiction=jurisdiction, account=_address(account, "regulator"))
        )

    def entities(self, *records: GenesisEntity) -> Self:
        return self._extend("compliance", "entities", records)

    def licenses(self, *records: GenesisLicense) -> Self:
        return self._extend("compliance", "licenses", records)

    # attest

    def schemas(self, *records: GenesisSchema) -> Self:
        return self._extend("attest", "schemas", records)

    def trusted(self, *records: GenesisTrust) -> Self:
        return self._extend("attest", "trusted", records)

    # -- output ---------------------------------------------------------------------------

    def app_state(self) -> dict[str, Any]:
        """Each module's section as JSON-ready data, in the composition's order (unchecked:
        ``document()`` checks)."""
        state: dict[str, Any] = {}
        for module in _SECTION_ORDER:
            fields = self._sections.get(module)
            if fields is None:
                continue
            section: dict[str, Any] = {}
            for name, _ in _fields_of(_SECTION_TYPES[module]):
                if name not in fields:
                    continue
                value = fields[name]
                if isinstance(value, list):
                    section[name] = [record_document(record) for record in value]
                else:
                    section[name] = record_document(value)
            state[module] = section
        return state

    def document(self) -> dict[str, Any]:
        """The genesis document as JSON-ready data, checked as a node reads it."""
        document: dict[str, Any] = {
            "chain_id": self.chain_id,
            "genesis_time_ms": self.genesis_time_ms,
            "validators": [dict(entry) for entry in self._validators],
            "app_state": self.app_state(),
        }
        if self.initial_height is not None:
            document["initial_height"] = self.initial_height
        if self.consensus_versions is not None:
            document["consensus_versions"] = to_builtins(self.consensus_versions)
        check_document(document)
        return document

    def build(self, *, indent: int | None = None, sort_keys: bool = False) -> bytes:
        """The genesis file's bytes: compact JSON, or indented (with a final newline)."""
        return dumps(self.document(), indent=indent, sort_keys=sort_keys)


def dumps(document: dict[str, Any], *, indent: int | None = None, sort_keys: bool = False) -> bytes:
    """A genesis document's bytes as Origin writes them: ``json.dumps``, and a final newline
    when indented (as ``origin init`` writes ``genesis.json``)."""
    text = json.dumps(document, indent=indent, sort_keys=sort_keys)
    return (text + "\n" if indent is not None else text).encode()


def check_document(document: dict[str, Any]) -> None:
    """Raise ``GenesisError`` unless ``document`` passes ``parse_genesis`` and each module
    section decodes into its module's genesis type."""
    try:
        raw = json.dumps(document).encode()
    except (TypeError, ValueError) as error:
        raise GenesisError(f"genesis: not JSON data: {error}") from None
    try:
        genesis = parse_genesis(raw)
    except ValueError as error:
        raise GenesisError(str(error)) from None
    for module, section in genesis.app_state.items():
        kind = _SECTION_TYPES.get(module)
        if kind is None:
            raise GenesisError(f"genesis: no module {module!r} takes a genesis section")
        try:
            from_json(bytes(section), kind)
        except CodecError as error:
            raise GenesisError(f"genesis: the {module} section is not valid: {error}") from None
