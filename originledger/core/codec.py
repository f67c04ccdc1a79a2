"""The one canonical encoding: msgspec structs as MessagePack.

Everything hashed or signed is encoded here. Decoding validates types and limits, rejects
unknown fields and trailing bytes, and (``decode_canonical``) rejects any input that does
not re-encode to exactly the same bytes, so that one value has one encoding and one hash.

Amounts travel as 16 big-endian bytes, addresses as their 20 raw bytes. The JSON form (for
the HTTP API) writes amounts as decimal strings, addresses as bech32m text and other bytes
as base64; hashes meant for people are hex strings in the API's own records.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

from originledger.core.address import ADDRESS_BYTES, Address, AddressError
from originledger.core.amounts import AMOUNT_BYTES, Amount

__all__ = [
    "CodecError",
    "TypedDecoder",
    "decode",
    "decode_canonical",
    "encode",
    "from_json",
    "json_decoder",
    "to_builtins",
    "to_json",
]

T = TypeVar("T")


class CodecError(ValueError):
    """The bytes are not a valid (canonical) encoding of the expected type."""


_new_int = int.__new__
_new_bytes = bytes.__new__
_to_bytes = int.to_bytes


def _encode_hook(value: Any) -> Any:
    # On every amount and address encoded: ``Amount.to_bytes16`` and ``bytes``, inlined.
    if type(value) is Amount:
        return _to_bytes(value, AMOUNT_BYTES, "big")
    if type(value) is Address:
        return bytes(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _decode_hook(kind: type, value: Any) -> Any:
    # On every amount and address decoded (several per transaction and state record), so
    # the checks are inlined: 16 big-endian bytes always make an amount in range, and 20
    # bytes an address, so the constructors' own checks are skipped.
    if kind is Amount:
        if type(value) is not bytes or len(value) != AMOUNT_BYTES:
            raise ValueError("an amount is 16 bytes")
        return _new_int(Amount, int.from_bytes(value, "big"))
    if kind is Address:
        if type(value) is not bytes or len(value) != ADDRESS_BYTES:
            raise ValueError("an address is 20 bytes")
        return _new_bytes(Address, value)
    raise NotImplementedError(f"cannot decode {kind.__name__}")


def _json_encode_hook(value: Any) -> Any:
    if type(value) is Amount:
        return str(int(value))
    if type(value) is Address:
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _json_decode_hook(kind: type, value: Any) -> Any:
    if kind is Amount:
        if type(value) is str:
            return Amount.from_decimal_string(value)
        if type(value) is int:
            return Amount(value)
        raise ValueError("an amount is a string of decimal digits")
    if kind is Address:
        if type(value) is not str:
            raise ValueError("an address is bech32m text")
        try:
            return Address.from_text(value)
        except AddressError as error:
            raise ValueError(f"invalid address: {error}") from None
    raise NotImplementedError(f"cannot decode {kind.__name__}")


_encoder = msgspec.msgpack.Encoder(enc_hook=_encode_hook)
_encode = _encoder.encode
_json_encoder = msgspec.json.Encoder(enc_hook=_json_encode_hook)
_decoders: dict[Any, TypedDecoder[Any]] = {}
_json_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def encode(value: Any) -> bytes:
    """The canonical bytes of ``value``."""
    return _encoder.encode(value)


# What msgspec and the hooks raise on bad input. RecursionError: msgspec's answer to input
# nested deeper than it will follow, which fits easily in a transaction's bytes; it is bad
# input like any other.
_DECODE_ERRORS = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    ValueError,
    TypeError,
    RecursionError,
)


class TypedDecoder(Generic[T]):
    """Decodes one type. Hold one where a type is decoded often, above all a ``Union`` of
    many message or event types: hashing one to find its cached decoder costs more than
    decoding a transaction."""

    __slots__ = ("_decoder",)

    def __init__(self, kind: Any) -> None:
        self._decoder: msgspec.msgpack.Decoder[T] = msgspec.msgpack.Decoder(
            kind, dec_hook=_decode_hook
        )

    def decode(self, data: bytes) -> T:
        """Decode ``data``, validating types and limits; trailing bytes are an error."""
        try:
            return self._decoder.decode(data)
        except _DECODE_ERRORS as error:
            raise CodecError(str(error)) from error

    def decode_canonical(self, data: bytes) -> T:
        """Like ``decode``, and the bytes must be exactly what ``encode`` would write."""
        try:
            value = self._decoder.decode(data)
        except _DECODE_ERRORS as error:
            raise CodecError(str(error)) from error
        if _encode(value) != data:
            raise CodecError("encoding is not canonical")
        return value


def _decoder(kind: Any) -> TypedDecoder[Any]:
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = TypedDecoder(kind)
        _decoders[kind] = decoder
    return decoder


def decode(data: bytes, kind: type[T]) -> T:
    """Decode ``data`` as ``kind``, validating types and limits; trailing bytes are an error."""
    return _decoder(kind).decode(data)  # type: ignore[no-any-return]


def decode_canonical(data: bytes, kind: type[T]) -> T:
    """Like ``decode``, and the bytes must be exactly what ``encode`` would write."""
    return _decoder(kind).decode_canonical(data)  # type: ignore[no-any-return]


def json_decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    decoder = _json_decoders.get(kind)
    if decoder is None:
        decoder = msgspec.json.Decoder(kind, dec_hook=_json_decode_hook)
        _json_decoders[kind] = decoder
    return decoder


def to_json(value: Any) -> bytes:
    """JSON for people and web clients: amounts as strings, addresses as text, bytes base64."""
    return _json_encoder.encode(value)


def from_json(data: bytes | str | msgspec.Raw, kind: type[T]) -> T:
    try:
        return json_decoder(kind).decode(data)  # type: ignore[no-any-return]
    except _DECODE_ERRORS as error:
        raise CodecError(str(error)) from error


def to_builtins(value: Any) -> Any:
    """Plain Python data (for JSON): amounts as strings, addresses as text, bytes base64."""
    return msgspec.to_builtins(value, enc_hook=_json_encode_hook)
