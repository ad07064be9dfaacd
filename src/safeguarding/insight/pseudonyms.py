"""Pseudonymised account ids for exports: a keyed HMAC per tenant.

The same account gets the same pseudonym in every export of a tenant (analysts can join
exports), another tenant's pseudonym of the same id differs, and without the key nobody can
go from a pseudonym back to the account (HMAC-SHA-256; guessing needs the key). The key is
``SAFEGUARDING_PSEUDONYM_KEY`` (base64 of 32 bytes) or, when that is empty, a key file
created once with mode 0600 (``SAFEGUARDING_PSEUDONYM_KEY_FILE``, ``./var/pseudonym-key``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

DEFAULT_KEY_FILE = "./var/pseudonym-key"
PREFIX = "p-"
LENGTH = 20  # hex characters: 80 bits, no collisions among a tenant's accounts in practice


def load_key(spec: str | None = None, key_file: str | None = None) -> bytes:
    """The service's pseudonym key: from ``spec`` / the environment, else from the key file."""
    spec = spec if spec is not None else os.environ.get("SAFEGUARDING_PSEUDONYM_KEY", "")
    if spec:
        key = base64.b64decode(spec)
        if len(key) < 32:
            raise ValueError("the pseudonym key must be at least 32 bytes (base64)")
        return key
    path = Path(
        key_file or os.environ.get("SAFEGUARDING_PSEUDONYM_KEY_FILE", "") or DEFAULT_KEY_FILE
    )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return base64.b64decode(path.read_text().strip())


class Pseudonymiser:
    """Maps a tenant's account ids to stable pseudonyms (``p-`` and 20 hex characters)."""

    def __init__(self, key: bytes, tenant_id: str) -> None:
        # One key per tenant, derived from the service key, so pseudonyms never join across
        # tenants even for the same account id.
        self._key = hmac.new(key, b"pseudonym\x1f" + tenant_id.encode(), hashlib.sha256).digest()

    def __call__(self, account_id: str) -> str:
        mac = hmac.new(self._key, account_id.encode(), hashlib.sha256).hexdigest()
        return PREFIX + mac[:LENGTH]
