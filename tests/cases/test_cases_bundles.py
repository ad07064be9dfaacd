"""Evidence bundles: AES-GCM at rest, bound to tenant and id, key rotation, signed export,
legal hold respected by the purge."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from case_helpers import World
from cryptography.exceptions import InvalidSignature, InvalidTag

from safeguarding.cases.bundles import (
    KeyRing,
    export_archive,
    open_bundle,
    rewrap,
    verify_archive,
)
from safeguarding.storage.repository.audit import AuditEntry


def _reported(w: World):
    specialist = w.who("specialist")
    case = next(c for c in w.cases.queue(specialist, "child_safety") if c.kind == "conversation")
    w.cases.claim(specialist, case.id)
    w.cases.decide(specialist, case.id, "report", "for the authorities")
    (bundle,) = w.repo.bundles(w.tenant, case.id)
    return case, bundle


def test_bundles_are_bound_to_their_tenant_and_id(sqlite_world: World) -> None:
    _, bundle = _reported(sqlite_world)
    assert open_bundle(sqlite_world.keys, bundle)["case"]["id"] == bundle.case_id
    moved = bundle.__class__(
        **{**{s: getattr(bundle, s) for s in bundle.__slots__}, "tenant_id": sqlite_world.other}
    )
    with pytest.raises(InvalidTag):
        open_bundle(sqlite_world.keys, moved)
    with pytest.raises(InvalidTag):
        open_bundle(KeyRing.parse(KeyRing.new_key_spec("k1")), bundle)  # wrong key, same id


def test_rotation_re_encrypts_under_the_new_key(sqlite_world: World) -> None:
    w = sqlite_world
    _, bundle = _reported(w)
    old = w.settings.bundle_keys
    ring = KeyRing.parse(KeyRing.new_key_spec("k2") + "," + old)
    kid, nonce, ciphertext = rewrap(ring, bundle)
    assert kid == "k2" and ciphertext != bundle.ciphertext
    assert w.repo.rewrap_bundle(w.tenant, bundle.id, "k1", kid, nonce, ciphertext)
    (rotated,) = w.repo.bundles(w.tenant, bundle.case_id)
    new_only = KeyRing.parse(
        ring.keys[0][0] + ":" + __import__("base64").b64encode(ring.keys[0][1]).decode()
    )
    assert open_bundle(new_only, rotated) == open_bundle(w.keys, bundle)


def test_export_is_a_signed_archive_and_tampering_is_found(sqlite_world: World) -> None:
    _, bundle = _reported(sqlite_world)
    data = export_archive(sqlite_world.keys, bundle, "specialist")
    manifest = verify_archive(data)
    assert manifest["bundle_id"] == bundle.id and manifest["exported_by"] == "specialist"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as zf:
        for name, body in files.items():
            zf.writestr(
                name,
                body.replace(b"for the authorities", b"nothing to see")
                if name == "bundle.json"
                else body,
            )
    with pytest.raises(ValueError):
        verify_archive(changed.getvalue())
    resigned = io.BytesIO()
    with zipfile.ZipFile(resigned, "w") as zf:
        for name, body in files.items():
            zf.writestr(
                name,
                body.replace(b'"exported_by":"specialist"', b'"exported_by":"someone"')
                if name == "manifest.json"
                else body,
            )
    with pytest.raises(InvalidSignature):
        verify_archive(resigned.getvalue())


def test_legal_hold_survives_the_purge(sqlite_world: World) -> None:
    w = sqlite_world
    _, bundle = _reported(w)
    assert w.repo.set_legal_hold(w.tenant, bundle.id, True, audit=AuditEntry("legal_hold", "lead"))
    future = datetime.now(UTC) + timedelta(days=1)
    assert w.repo.purge_bundles(future, dry_run=True) == (0, 1)
    assert w.repo.purge_bundles(future) == (0, 1)
    assert w.repo.set_legal_hold(w.tenant, bundle.id, False, audit=AuditEntry("legal_hold", "lead"))
    assert w.repo.purge_bundles(future) == (1, 0)
    assert w.repo.bundles(w.tenant) == []
    # The conversation's own text stays on evidence hold for the message purge.
    report = w.repo.purge_text(future, dry_run=True)
    assert report.messages_kept_as_evidence > 0
