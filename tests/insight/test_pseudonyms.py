"""Pseudonymised ids: stable per tenant and key, different across tenants, not reversible."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from safeguarding.insight.pseudonyms import Pseudonymiser, load_key

KEY = bytes(range(32))


def test_stable_for_one_tenant_and_key() -> None:
    assert Pseudonymiser(KEY, "t1")("fox1") == Pseudonymiser(KEY, "t1")("fox1")
    name = Pseudonymiser(KEY, "t1")("fox1")
    assert name.startswith("p-") and len(name) == 22 and "fox1" not in name


def test_differs_across_tenants_accounts_and_keys() -> None:
    names = {
        Pseudonymiser(KEY, "t1")("fox1"),
        Pseudonymiser(KEY, "t2")("fox1"),
        Pseudonymiser(KEY, "t1")("fox2"),
        Pseudonymiser(bytes(32), "t1")("fox1"),
    }
    assert len(names) == 4


def test_not_reversible_without_the_key() -> None:
    """Without the key, hashing every candidate id (the dictionary attack a plain hash
    would fall to) finds nothing: the pseudonym is an HMAC under the tenant's key."""
    import hashlib

    target = Pseudonymiser(KEY, "t1")("fox1")[2:]
    candidates = [f"fox{i}" for i in range(1000)]
    for c in candidates:
        for h in (hashlib.sha256, hashlib.sha1, hashlib.md5):
            assert h(c.encode()).hexdigest()[:20] != target
            assert h(("t1" + c).encode()).hexdigest()[:20] != target


def test_key_file_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "pseudonym-key"
    first = load_key("", str(path))
    assert len(first) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key("", str(path)) == first
    given = base64.b64encode(KEY).decode()
    assert load_key(given, str(path)) == KEY
    with pytest.raises(ValueError):
        load_key(base64.b64encode(b"short").decode(), str(path))
