"""Webhook signatures: ``Safeguarding-Signature: t=<unix>,v1=<hex hmac>``.

The HMAC-SHA256 covers ``f"{t}.{body}"``, so a captured request cannot be replayed later
(the timestamp is checked) nor altered (the body is covered). The service signs with
:func:`sign`; receivers call :func:`verify_signature`. Pure standard library on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Safeguarding-Signature"


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body``, signed now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={compute(secret, t, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance_s: int = 300,
    now: float | None = None,
) -> int:
    """Check a webhook; returns its timestamp or raises :class:`SignatureError`.

    Accepts several ``v1=`` values (sent during secret rotation): any match is enough.
    """
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise SignatureError("timestamp is not an integer") from exc
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("header must have t=<unix seconds> and v1=<hex>")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError(f"timestamp is more than {tolerance_s} s away from now")
    expected = compute(secret, timestamp, raw)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match the body")
    return timestamp
