"""State keys of the validators module (all under ``validators/``)."""

from __future__ import annotations

__all__ = ["VALIDATOR_SET_KEY"]

# ``validators/set`` -> ``ValidatorSet``: the whole set in one record (at most
# VALIDATORS_MAX entries), so that a change reads it with one lookup.
VALIDATOR_SET_KEY = b"validators/set"
