"""Result codes of the assets module. Never renumber; new codes are appended.

Codes 1-16 came first and keep their numbers. Each message's README section lists the
codes it can answer in the order its checks run (stateless checks first), which is the
precedence that decides which failure is reported.
"""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["AssetsCode"]


class AssetsCode(ResultCode, codespace="assets"):
    OK = 0, "ok"
    # Stateless checks.
    INVALID_SYMBOL = (
        1,
        "a symbol is 1 to 12 characters of A-Z, 0-9, '.' and '-', starting with a letter",
    )
    INVALID_NAME = 2, "a name is 1 to 64 bytes of printable text"
    INVALID_DECIMALS = 3, "decimals must be between 0 and 18"
    INVALID_CLASS = 4, "the asset class is not one of the six classes"
    AMOUNT_ZERO = 5, "the amount must be greater than zero"
    SELF_TRANSFER = 6, "sender and recipient are the same account"
    # Stateful checks.
    ASSET_NOT_FOUND = 10, "no asset has this symbol"
    SYMBOL_TAKEN = 11, "an asset with this symbol already exists"
    ISSUER_ROLE_REQUIRED = 12, "issuing an asset of this class needs the issuer role"
    NOT_ISSUER = 13, "only the asset's issuer may do this"
    MAX_SUPPLY_EXCEEDED = 14, "minting would take the supply above the asset's maximum supply"
    INSUFFICIENT_BALANCE = 15, "the balance is lower than the amount"
    BALANCE_OVERFLOW = 16, "the recipient's balance would exceed 2**128 - 1"
    # Issue #3: class policies, controls, reserves and holds. Stateless first.
    POLICY_NOT_ALLOWED = (
        17,
        "the asset class does not let its issuer loosen this policy",
    )
    INVALID_CREDIT_TERMS = (
        18,
        "a credit asset needs a maturity time and a coupon of 0 to 100000 basis points; "
        "other classes take neither",
    )
    INVALID_POLICY_FIELD = (
        19,
        "a policy field is malformed or does not apply to this asset class",
    )
    INVALID_FREEZE = 20, "a deep freeze must also be a freeze"
    INVALID_HOLD_ID = 21, "a hold id is 32 bytes"
    TIME_OUT_OF_RANGE = 22, "a time is later than the end of the year 9999 (TIME_MS_MAX)"
    # Stateful.
    PAUSED = 30, "the asset is paused"
    ASSET_FROZEN = 31, "the asset is frozen for every account"
    SENDER_FROZEN = 32, "the sending account is frozen in this asset"
    RECIPIENT_FROZEN = 33, "the receiving account is deep-frozen in this asset"
    NOT_AUTHORIZED = 34, "the account is not authorized to hold this asset"
    INSUFFICIENT_AVAILABLE = (
        35,
        "the available balance (balance less held and frozen amounts) is lower than the amount",
    )
    NOT_AUTHORITY = 36, "only the asset's issuer or an account with the regulator role may do this"
    NOT_FREEZABLE = 37, "the asset's policy does not allow freezes or revoking authorization"
    FREEZE_EXCEEDS_BALANCE = (
        38,
        "the frozen amount would exceed the balance less the held amount",
    )
    CLAWBACK_DISABLED = (
        39,
        "the asset's policy does not allow clawback, forced transfers or recovery",
    )
    ALREADY_MINTED = 40, "clawback can only be enabled before the asset's first mint"
    NOT_AGENT = 41, "only the asset's agent may do this"
    HOLDS_OPEN = 42, "the account has open holds in this asset"
    NOT_CUSTODIAN = 43, "only the asset's designated custodian may attest its reserves"
    CUSTODIAN_ROLE_REQUIRED = 44, "attesting reserves needs the custodian role"
    INVALID_ATTESTATION_TIME = (
        45,
        "a reserve attestation must be newer than the last one and not in the future",
    )
    RESERVES_STALE = 46, "no reserve attestation is recent enough to mint against"
    RESERVES_EXCEEDED = 47, "minting would take the supply above the attested reserves"
    AUTHORIZATION_NOT_REQUIRED = 48, "the asset does not require authorization"
    UNCHANGED = 49, "the control is already in the requested state"
    HOLD_EXPIRY_INVALID = (
        50,
        "a hold must expire after the block time and within 30 days of it",
    )
    HOLD_EXISTS = 51, "a hold with this id already exists"
    HOLD_NOT_FOUND = 52, "no open hold has this id"
    NOT_PAYEE = 53, "only the hold's payee may post or void it"
    HOLD_EXPIRED = 54, "the hold has expired"
    POST_EXCEEDS_HOLD = 55, "the amount to post is larger than the hold"
    ISSUER_ROLE_REVOKED = (
        56,
        "the asset's issuer no longer holds the issuer role its class requires: "
        "its powers over the asset are suspended",
    )
