"""assets: tokens of six classes with class policies; mint, burn, transfer; reserve
attestations; authorization, pause, freezes, clawback, forced transfer, recovery; holds."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.assets import expected, types
from originledger.modules.assets.block_invariants import supply_moves_with_balances
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.fees import (
    FEE_COLLECTOR,
    charge_fee,
    fee_for,
    fee_refusal,
    fee_schedule,
    fees_collected,
)
from originledger.modules.assets.genesis import GENESIS_STREAM, AssetsGenesis, genesis_init
from originledger.modules.assets.index import INDEX
from originledger.modules.assets.invariants import (
    available_is_never_negative,
    balance_lines_are_well_formed,
    fee_collector_matches_fees,
    held_equals_open_holds,
    holder_counts_match,
    supply_equals_sum_of_balances,
)
from originledger.modules.assets.keys import transfer_keys
from originledger.modules.assets.logic import (
    agent_of,
    attest_reserves,
    authorize,
    available_of,
    balance_of,
    burn,
    clawback,
    client_hold_id,
    derive_hold_id,
    enable_clawback,
    expire_holds,
    force_transfer,
    freeze,
    freeze_asset,
    hold,
    issue,
    issuer_in_good_standing,
    load_asset,
    load_hold,
    load_line,
    mint,
    move,
    move_asset,
    pause,
    place_hold,
    post,
    post_hold,
    recover,
    transfer,
    void,
    void_hold,
)
from originledger.modules.assets.queries import (
    query_asset,
    query_assets,
    query_balance,
    query_balances,
    query_fees,
    query_hold,
    query_holds,
)
from originledger.modules.assets.types import AssetClass, FeeSchedule

__all__ = [
    "FEE_COLLECTOR",
    "MODULE",
    "AssetClass",
    "AssetsCode",
    "FeeSchedule",
    "agent_of",
    "available_of",
    "balance_of",
    "charge_fee",
    "client_hold_id",
    "derive_hold_id",
    "fee_for",
    "fee_refusal",
    "fee_schedule",
    "fees_collected",
    "issuer_in_good_standing",
    "load_asset",
    "load_hold",
    "load_line",
    "move",
    "move_asset",
    "place_hold",
    "post_hold",
    "void_hold",
    "wire",
]

MODULE = Module(
    name="assets",
    version=3,  # 3: amounts in result messages in the asset's units (issue #13)
    codes=AssetsCode,
    summary=(
        "tokens of six classes with class policies; mint, burn, transfer; reserves; "
        "authorization, pause, freezes, clawback, forced transfer, recovery; holds"
    ),
    prefetch={types.Transfer: transfer_keys},
    handlers={
        types.Issue: issue,
        types.Mint: mint,
        types.Burn: burn,
        types.Transfer: transfer,
        types.AttestReserves: attest_reserves,
        types.EnableClawback: enable_clawback,
        types.Authorize: authorize,
        types.Pause: pause,
        types.Freeze: freeze,
        types.FreezeAsset: freeze_asset,
        types.Clawback: clawback,
        types.ForceTransfer: force_transfer,
        types.Recover: recover,
        types.PlaceHold: hold,
        types.PostHold: post,
        types.VoidHold: void,
    },
    events=(
        types.AssetIssued,
        types.Minted,
        types.Burned,
        types.Transferred,
        types.ReservesAttested,
        types.ClawbackEnabled,
        types.HolderAuthorizationSet,
        types.AssetPaused,
        types.FreezeSet,
        types.AssetFrozenSet,
        types.ClawedBack,
        types.ForcedTransfer,
        types.Recovered,
        types.HoldPlaced,
        types.HoldPosted,
        types.HoldVoided,
        types.HoldExpired,
    ),
    queries={
        "asset": query_asset,
        "assets": query_assets,
        "balance": query_balance,
        "balances": query_balances,
        "fees": query_fees,
        "hold": query_hold,
        "holds": query_holds,
    },
    invariants={
        "supply_equals_sum_of_balances": supply_equals_sum_of_balances,
        "balance_lines_are_well_formed": balance_lines_are_well_formed,
        "available_is_never_negative": available_is_never_negative,
        "held_equals_open_holds": held_equals_open_holds,
        "holder_counts_match": holder_counts_match,
        "fee_collector_matches_fees": fee_collector_matches_fees,
    },
    accounts=(FEE_COLLECTOR,),  # receives fees (chains with fees); no message names it
    block_invariants={"supply_moves_with_balances": supply_moves_with_balances},
    genesis_type=AssetsGenesis,
    genesis_init=genesis_init,
    genesis_stream=GENESIS_STREAM,
    end_block=expire_holds,
    index=INDEX,
)


def wire(*, accounts: expected.AccountsKeeper) -> None:
    """Hand assets the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.accounts_keeper, accounts)
