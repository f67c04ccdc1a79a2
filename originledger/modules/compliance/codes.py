"""Result codes of the compliance module (codespace ``compliance``).

Numbers are stable and ordered by precedence: stateless checks (1-9), authority and
records (10-19), issuance rules in the order the ``assets/issue`` guard checks them
(20-29), then the holder checks that guard every movement to a receiver (30-39), in the
style of ERC-1404 / ERC-3643 transfer restriction codes.
"""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["ComplianceCode"]


class ComplianceCode(ResultCode, codespace="compliance"):
    OK = 0, "ok"
    INVALID_JURISDICTION = 1, "a jurisdiction is two capital letters (ISO 3166-1 alpha-2)"
    INVALID_PACK = 2, "the policy pack is malformed"
    INVALID_ENTITY_NAME = 3, "an entity name is 1 to 128 bytes of printable text"
    INVALID_LICENSE_KIND = 4, "a licence kind is 1 to 32 characters of a-z, 0-9 and '_'"
    INVALID_SYMBOL = 5, "a symbol is 1 to 12 characters of A-Z, 0-9, '.' and '-'"
    NOTE_TOO_LONG = 6, "a note is at most 256 bytes of printable text"
    AMOUNT_ZERO = 7, "the amount must be greater than zero"
    NOT_ADMIN = 10, "only an account with the admin role may appoint or remove regulators"
    NOT_REGULATOR = (
        11,
        "only an appointed regulator of the jurisdiction, holding the regulator role, may do this",
    )
    FI_NEEDS_REGULATOR = (
        12,
        "only the jurisdiction's regulator may set or clear an entity's status as a "
        "regulated financial institution",
    )
    UNCHANGED = 13, "the record is already in the requested state"
    VERSION_NOT_NEWER = 14, "a replacement pack must have a higher version than the active one"
    ASSET_NOT_FOUND = 15, "no asset has this symbol"
    OUT_OF_JURISDICTION = 16, "the asset is neither at home in the jurisdiction nor approved by it"
    CLAWBACK_NOT_POSSIBLE = 17, "the asset's policy does not allow clawback"
    RESTRICTED_NAME = 20, "the name contains a term the jurisdiction restricts"
    APPROVAL_MISSING = 21, "this asset needs the regulator's approval, which it does not have"
    APPROVAL_DENIED = 22, "the regulator denied this asset"
    LICENSE_MISSING = 23, "the issuer lacks a licence the jurisdiction requires"
    RESERVE_CUSTODIAN_REQUIRED = (
        24,
        ("an asset pegged to this currency must name a custodian other than its issuer"),
    )
    CUSTODY_NOT_APPROVED = (
        25,
        (
            "a regulated financial institution may not custody or settle an asset its regulator "
            "has not approved"
        ),
    )
    UNPAUSE_NOT_APPROVED = 26, "a security asset that needs approval cannot open without it"
    RECEIVER_NOT_VERIFIED = (
        30,
        ("the receiver lacks a valid claim the asset requires, from an attester trusted for it"),
    )
    COUNTRY_RESTRICTED = (
        31,
        "the receiver's residence is not in the asset's jurisdiction allow-list",
    )
    CLASS_RESTRICTED = 32, "residents of the receiver's jurisdiction may not receive this asset"
    HOLDER_LIMIT = 33, "the asset has reached its maximum number of holders"
    BALANCE_LIMIT = 34, "the receiver's balance would exceed the asset's maximum per holder"
