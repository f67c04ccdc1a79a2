"""Database URLs without their secrets, for everything the indexer shows or logs.

An index database URL may carry a password (``postgresql://user:secret@host/db``, or
``?password=secret``); no error message, log line, status answer or CLI output shows it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus, unquote

__all__ = ["MASK", "redact_text", "redact_url", "url_secrets"]

MASK = "***"
_SECRET_PARAMETERS = frozenset({"password", "passwd", "pwd", "sslpassword", "passfile"})
_USERINFO_SECRET = re.compile(r"[^\s:/@]*:([^\s/@]+)@")
_QUERY_SECRET = re.compile(r"(?i)[?&](?:" + "|".join(_SECRET_PARAMETERS) + r")=([^&\s]+)")


def url_secrets(url: str) -> list[str]:
    """The secrets written in ``url`` (its password, secret query values), as written and
    decoded, longest first; empty when it has none or cannot be parsed."""
    from sqlalchemy.engine import make_url

    found: set[str] = set()
    try:
        parsed = make_url(url)
    except Exception:  # not a URL SQLAlchemy reads: whatever sits in "user:secret@"
        found.update(match.group(1) for match in _USERINFO_SECRET.finditer(url))
        found.update(match.group(1) for match in _QUERY_SECRET.finditer(url))
    else:
        if parsed.password:
            found.add(str(parsed.password))
        for name, value in parsed.query.items():
            if name.lower() in _SECRET_PARAMETERS:
                found.update([value] if isinstance(value, str) else value)
    forms = set()
    for secret in found:
        if secret:
            forms.update({secret, unquote(secret), quote(secret, safe=""), quote_plus(secret)})
    return sorted(forms, key=len, reverse=True)


def redact_url(url: str) -> str:
    """``url`` with its password and secret query values replaced by ``***``."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return redact_text(url, url)
    token = "0redacted0"  # survives URL quoting, then becomes the mask
    query = {
        name: (token if name.lower() in _SECRET_PARAMETERS else value)
        for name, value in parsed.query.items()
    }
    if parsed.password is not None:
        parsed = parsed.set(password=token)
    rendered = parsed.set(query=query).render_as_string(hide_password=False)
    return rendered.replace(token, MASK)


def redact_text(text: str, *urls: str) -> str:
    """``text`` with every secret of ``urls`` replaced by ``***``."""
    for url in urls:
        for secret in url_secrets(url):
            text = text.replace(secret, MASK)
    return text
