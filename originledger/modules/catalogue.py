"""The default composition of modules, in composition order, and its catalogue of message
and event types: what the sdk decodes transactions and receipts with, without the
application. ``app.py`` composes and wires these modules (the order is explained there);
the catalogue only reads their declarations."""

from __future__ import annotations

import functools

from originledger.core.catalogue import Catalogue
from originledger.core.module import Module
from originledger.modules import (
    accounts,
    assets,
    attest,
    clearing,
    compliance,
    payments,
    validators,
)

__all__ = ["DEFAULT_MODULES", "default_catalogue"]

DEFAULT_MODULES: tuple[Module, ...] = (
    accounts.MODULE,
    assets.MODULE,
    attest.MODULE,
    compliance.MODULE,  # after attest: its guards read claims; see app.py
    payments.MODULE,  # after assets and compliance: moves units, checks receivers
    clearing.MODULE,  # after assets and compliance, like payments
    validators.MODULE,  # the consensus validator set; reads accounts' admin role
)


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue of ``DEFAULT_MODULES`` (built once)."""
    return Catalogue(DEFAULT_MODULES)
