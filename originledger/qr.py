"""QR codes of short texts (payment-request URIs): SVG, PNG and terminal drawings.

A leaf of the shell (it imports nothing of Origin): the API serves a request's code
(``api/routes/payments.py``), the SDK and the CLI draw them (``sdk/payments.py``).
"""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg", "qr_terminal"]


def _qr(uri: str) -> segno.QRCode:
    # Error correction M (15 %): a phone reads it off a printed or screen-shown code.
    return segno.make(uri, error="m", micro=False)


def qr_svg(uri: str, *, scale: int = 4) -> str:
    """The QR code of ``uri`` as an SVG document."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="svg", scale=scale, xmldecl=True)
    return buffer.getvalue().decode()


def qr_png(uri: str, *, scale: int = 4) -> bytes:
    """The QR code of ``uri`` as a PNG image."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


def qr_terminal(uri: str) -> str:
    """The QR code of ``uri`` drawn with block characters, two modules per character."""
    buffer = io.StringIO()
    _qr(uri).terminal(out=buffer, compact=True)
    return buffer.getvalue()
