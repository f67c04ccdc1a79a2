"""The framing of CometBFT's length-delimited protobuf messages.

On an ABCI socket, each ``Request`` and ``Response`` is prefixed by its length as an
unsigned varint; the bytes a validator signs (``comet/headers.py``) are length-delimited
the same way. These functions work on bytes only: which message a frame holds is the
caller's to decode.
"""

from __future__ import annotations

__all__ = [
    "FRAME_BYTES_MAX",
    "decode_uvarint",
    "encode_uvarint",
    "length_prefixed",
    "take_frames",
]

FRAME_BYTES_MAX = 256 * 1024 * 1024  # a request larger than this closes the connection


def encode_uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_uvarint(buffer: bytes | bytearray, start: int) -> tuple[int, int] | None:
    """The varint at ``start`` and the offset after it; None when it is incomplete."""
    value = 0
    shift = 0
    position = start
    while position < len(buffer):
        byte = buffer[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 64 bits")
    return None


def length_prefixed(body: bytes) -> bytes:
    """``body`` as one frame: its length as an unsigned varint, then the body."""
    return encode_uvarint(len(body)) + body


def take_frames(buffer: bytearray, limit: int = FRAME_BYTES_MAX) -> list[bytes]:
    """The bodies of the complete frames at the front of ``buffer``, in order, removed from
    it (an incomplete last frame stays for more bytes). A frame announcing more than
    ``limit`` bytes raises ``ValueError``, as does a length longer than 64 bits."""
    bodies: list[bytes] = []
    start = 0
    while True:
        header = decode_uvarint(buffer, start)
        if header is None:
            break
        length, body = header
        if length > limit:
            raise ValueError(f"a request of {length} bytes is over the limit")
        if len(buffer) < body + length:
            break
        bodies.append(bytes(buffer[body : body + length]))
        start = body + length
    if start:
        del buffer[:start]
    return bodies
