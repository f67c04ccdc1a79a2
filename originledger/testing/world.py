"""The simulator's world: its parties (with keys), the genesis, and what committed events
revealed (ids, asset symbols and issuers). Implements ``core.simulation.SimWorld``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from originledger.core.address import Address, account_address, module_address
from originledger.core.context import Event
from originledger.core.crypto import SigningKey
from originledger.core.simulation import ACCOUNT_KINDS
from originledger.genesis import GenesisBuilder
from originledger.modules.assets import FEE_COLLECTOR

__all__ = ["CHAIN_ID", "GENESIS_TIME_MS", "Party", "World", "party"]

CHAIN_ID = "origin-sim"
GENESIS_TIME_MS = 1_700_000_000_000
_IDS_KEPT = 256  # the most recent values kept per id name


@dataclass(frozen=True)
class Party:
    name: str
    kind: str
    key: SigningKey
    address: Address


def party(name: str, kind: str) -> Party:
    key = SigningKey(hashlib.sha256(b"origin/sim/party/" + name.encode()).digest())
    return Party(name, kind, key, account_address(key.public_key))


VALIDATOR = party("validator", "validator")
REVOKED_ROLES = ("issuer", "custodian", "attester")  # given in genesis, revoked in block 1

# The fee schedule of a world with fees (``--fees``): in USD, small against the balances.
FEE_SCHEDULE = {"symbol": "USD", "per_tx": "7", "per_message": "3"}

# The genesis assets: several classes, every user holding some of each.
_GENESIS_ASSETS = (
    ("USD", "payment", "issuer-0"),
    ("GLD", "reserve", "user-0"),
    ("PTS", "utility", "user-1"),
    ("MEME", "entertainment", "user-2"),
    ("RUSD", "payment", "revoked-0"),  # an issuer whose role block 1 revokes
)


@dataclass
class World:
    """Everything the generators may know, and the parties that sign."""

    parties: list[Party]
    module_names: Sequence[str]
    chain_id: str = CHAIN_ID
    time_ms: int = GENESIS_TIME_MS
    _by_kind: dict[str, list[Address]] = field(default_factory=dict)
    _by_address: dict[Address, Party] = field(default_factory=dict)
    _symbols: list[str] = field(default_factory=list)
    _issuers: dict[str, Address] = field(default_factory=dict)
    _ids: dict[str, dict[object, Mapping[str, object]]] = field(default_factory=dict)
    _unknown: list[Address] = field(default_factory=list)
    fees: bool = False  # the chain charges fees (FEE_SCHEDULE); every party holds USD

    @classmethod
    def build(cls, users: int, module_names: Sequence[str], *, fees: bool = False) -> World:
        parties = [party("admin", "admin")]
        parties += [party(f"user-{i}", "user") for i in range(users)]
        parties += [party(f"issuer-{i}", "issuer") for i in range(2)]
        parties += [party(f"custodian-{i}", "custodian") for i in range(2)]
        parties += [party(f"regulator-{j}", "regulator") for j in ("US", "HK", "CN")]
        parties += [party(f"attester-{i}", "attester") for i in range(2)]
        parties += [party(f"revoked-{i}", "revoked") for i in range(2)]
        world = cls(parties, tuple(module_names), fees=fees)
        for member in parties:
            world._by_kind.setdefault(member.kind, []).append(member.address)
            world._by_address[member.address] = member
        world._by_kind["module"] = [module_address(name) for name in module_names]
        if fees:  # the fee collector, a module account of assets (only then: seeds stay)
            world._by_kind["module"].append(FEE_COLLECTOR)
        world._unknown = [
            Address(hashlib.sha256(b"origin/sim/unknown/" + bytes([i])).digest()[:20])
            for i in range(3)
        ]
        world._by_kind["unknown"] = world._unknown
        for symbol, _, issuer in _GENESIS_ASSETS:
            world._note_asset(symbol, world.named(issuer).address)
        return world

    # -- the SimWorld protocol ------------------------------------------------------------

    def accounts(self, kind: str) -> Sequence[Address]:
        return self._by_kind.get(kind, ())

    def symbols(self) -> Sequence[str]:
        return self._symbols

    def issuer_of(self, symbol: str) -> Address | None:
        return self._issuers.get(symbol)

    def ids(self, name: str) -> Sequence[object]:
        return list(self._ids.get(name, {}))

    def about(self, name: str, value: object) -> Mapping[str, object]:
        try:
            return self._ids.get(name, {}).get(value, {})
        except TypeError:  # an unhashable value
            return {}

    def secret(self, index: int) -> bytes:
        return hashlib.sha256(b"origin/sim/secret/" + str(index).encode()).digest()

    # -- the simulator's side -------------------------------------------------------------

    def named(self, name: str) -> Party:
        for member in self.parties:
            if member.name == name:
                return member
        raise KeyError(name)

    def party_of(self, address: Address) -> Party | None:
        return self._by_address.get(address)

    def _note_asset(self, symbol: str, issuer: Address) -> None:
        if symbol not in self._issuers:
            self._symbols.append(symbol)
            self._issuers[symbol] = issuer

    def learn(self, event: Event) -> None:
        """Remember what a committed event names: ids (any field ending in ``_id``) with
        the event's fields, and issued assets."""
        fields = {name: getattr(event, name) for name in event.__struct_fields__}
        tag = type(event).__struct_config__.tag
        if tag == "assets/issued" and isinstance(fields.get("symbol"), str):
            issuer = fields.get("issuer")
            if isinstance(issuer, Address):
                self._note_asset(fields["symbol"], issuer)
        for name, value in fields.items():
            if not name.endswith("_id") or not isinstance(value, bytes | int):
                continue
            known = self._ids.setdefault(name, {})
            if value not in known:
                known[value] = fields
                if len(known) > _IDS_KEPT:
                    del known[next(iter(known))]

    def genesis(self) -> bytes:
        """The genesis document: roles for the admin, issuers, custodians, attesters and
        the accounts whose roles the first block revokes (``Generation.revocations``);
        regulators of three jurisdictions; four assets with balances for every user."""
        roles = {
            "admin": ["admin"],
            "issuer": ["issuer"],
            "custodian": ["custodian"],
            "attester": ["attester"],
            "revoked": list(REVOKED_ROLES),
            "regulator": ["regulator"],
        }
        genesis = GenesisBuilder(self.chain_id, genesis_time_ms=GENESIS_TIME_MS).validator(
            VALIDATOR.key.public_key, power=1
        )
        genesis.accounts()
        for member in self.parties:
            if member.kind in roles:
                genesis.account(member.address, roles=roles[member.kind])
        genesis.assets()
        for symbol, asset_class, issuer in _GENESIS_ASSETS:
            payment: dict[str, Any] = {}
            if asset_class == "payment":
                payment = {"custodian": self.named("custodian-0").address, "peg": "USD"}
            genesis.asset(
                symbol,
                name=f"{symbol} token",
                decimals=2,
                asset_class=asset_class,
                issuer=self.named(issuer).address,
                max_supply=10**18,
                **payment,
            )
        genesis.balances()
        for member in self.parties:
            if member.kind in ("user", "issuer", "revoked"):
                for symbol, _, _ in _GENESIS_ASSETS:
                    genesis.balance(member.address, symbol, 10**9)
        if self.fees:  # the parties without balances get the fee asset's, to pay with
            for member in self.parties:
                if member.kind not in ("user", "issuer", "revoked"):
                    genesis.balance(member.address, FEE_SCHEDULE["symbol"], 10_000)
            genesis.fees(
                FEE_SCHEDULE["symbol"],
                per_tx=int(FEE_SCHEDULE["per_tx"]),
                per_message=int(FEE_SCHEDULE["per_message"]),
            )
        genesis.regulators()
        for member in self.parties:
            if member.kind == "regulator":
                genesis.regulator(member.name.split("-")[1], member.address)
        return genesis.build(sort_keys=True)


__all__ += ["ACCOUNT_KINDS", "REVOKED_ROLES", "VALIDATOR"]
