"""The validators module: the genesis set, changes by the admin, and the updates a block
hands to the consensus engine."""

from __future__ import annotations

from originledger.app import BlockOutcome
from originledger.modules.validators import ValidatorsCode, load_validators
from originledger.modules.validators.types import POWER_MAX, SetValidatorPower
from tests.conftest import ADMIN, ALICE, VALIDATOR, Chain, assert_failed, key_for

NEWCOMER = key_for("newcomer-validator").public_key


def _powers(chain: Chain) -> dict[bytes, int]:
    return {record.public_key: record.power for record in load_validators(chain.store)}


def test_genesis_records_the_validator_set(chain: Chain) -> None:
    assert _powers(chain) == {VALIDATOR.key.public_key: 1}
    assert chain.app.query("validators", "validators", {})[0].since_height == 0


def test_set_power_adds_reweights_and_removes(chain: Chain) -> None:
    added = chain.block([chain.tx(SetValidatorPower(ADMIN.address, NEWCOMER, 5), ADMIN)])
    assert added.txs[0].result.ok
    assert added.validator_updates == [(NEWCOMER, 5)]
    assert _powers(chain) == {VALIDATOR.key.public_key: 1, NEWCOMER: 5}
    reweighted = chain.run(SetValidatorPower(ADMIN.address, VALIDATOR.key.public_key, 3), ADMIN)
    assert [(e.power, e.previous_power) for e in reweighted.events] == [(3, 1)]
    removed = chain.block([chain.tx(SetValidatorPower(ADMIN.address, NEWCOMER, 0), ADMIN)])
    assert removed.validator_updates == [(NEWCOMER, 0)]
    assert _powers(chain) == {VALIDATOR.key.public_key: 3}


def test_set_power_twice_in_a_block_is_one_update(chain: Chain) -> None:
    outcome: BlockOutcome = chain.block(
        [
            chain.tx(SetValidatorPower(ADMIN.address, NEWCOMER, 5), ADMIN),
            chain.tx(SetValidatorPower(ADMIN.address, VALIDATOR.key.public_key, 2), ADMIN),
            chain.tx(SetValidatorPower(ADMIN.address, NEWCOMER, 7), ADMIN),
        ]
    )
    assert outcome.validator_updates == [(NEWCOMER, 7), (VALIDATOR.key.public_key, 2)]


def test_invalid_set_power_not_admin(chain: Chain) -> None:
    outcome = chain.run(SetValidatorPower(ALICE.address, NEWCOMER, 5), ALICE)
    assert_failed(outcome, ValidatorsCode.NOT_ADMIN)
    assert chain.finalize([]).validator_updates == []


def test_invalid_set_power_too_high(chain: Chain) -> None:
    outcome = chain.run(SetValidatorPower(ADMIN.address, NEWCOMER, POWER_MAX + 1), ADMIN)
    assert_failed(outcome, ValidatorsCode.POWER_TOO_HIGH)


def test_invalid_set_power_remove_unknown(chain: Chain) -> None:
    outcome = chain.run(SetValidatorPower(ADMIN.address, NEWCOMER, 0), ADMIN)
    assert_failed(outcome, ValidatorsCode.UNKNOWN_VALIDATOR)


def test_invalid_set_power_remove_last(chain: Chain) -> None:
    outcome = chain.run(SetValidatorPower(ADMIN.address, VALIDATOR.key.public_key, 0), ADMIN)
    assert_failed(outcome, ValidatorsCode.LAST_VALIDATOR)
    assert _powers(chain) == {VALIDATOR.key.public_key: 1}
