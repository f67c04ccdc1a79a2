"""CometBFT's length-delimited frames (``comet/framing.py``), without a socket."""

from __future__ import annotations

import pytest

from originledger.comet.framing import encode_uvarint, length_prefixed, take_frames


def test_length_prefixed_puts_the_varint_length_first() -> None:
    assert length_prefixed(b"") == b"\x00"
    assert length_prefixed(b"abc") == b"\x03abc"
    body = bytes(300)
    assert length_prefixed(body) == b"\xac\x02" + body


def test_take_frames_takes_complete_frames_and_keeps_the_rest() -> None:
    buffer = bytearray(length_prefixed(b"one") + length_prefixed(b"") + length_prefixed(b"three"))
    partial = length_prefixed(b"four")
    buffer += partial[:3]
    assert take_frames(buffer) == [b"one", b"", b"three"]
    assert buffer == partial[:3]  # waits for the rest
    assert take_frames(buffer) == []
    buffer += partial[3:]
    assert take_frames(buffer) == [b"four"]
    assert buffer == bytearray()


def test_take_frames_keeps_an_incomplete_length() -> None:
    buffer = bytearray(encode_uvarint(300)[:1])
    assert take_frames(buffer) == []
    assert buffer == bytearray(b"\xac")


def test_invalid_frame_over_the_limit() -> None:
    buffer = bytearray(length_prefixed(b"ok") + encode_uvarint(11) + b"x")
    with pytest.raises(ValueError, match="over the limit"):
        take_frames(buffer, limit=10)


def test_invalid_length_longer_than_64_bits() -> None:
    with pytest.raises(ValueError, match="64 bits"):
        take_frames(bytearray(b"\xff" * 10 + b"\x01"))
