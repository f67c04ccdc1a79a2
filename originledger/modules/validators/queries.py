"""Read-only queries of the validators module."""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.context import StateReader
from originledger.modules.validators.logic import load_validators
from originledger.modules.validators.types import ValidatorRecord

__all__ = ["query_validators"]


def query_validators(state: StateReader, params: Mapping[str, str]) -> list[ValidatorRecord]:
    return load_validators(state)
