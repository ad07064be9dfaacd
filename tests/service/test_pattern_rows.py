"""Ingest writes the pattern rows (fingerprints, openers) in the batch, never the text."""

from __future__ import annotations

from pathlib import Path

from service_helpers import Harness, message, sqlite_url
from sqlalchemy import text

from safeguarding.signals.fingerprints import digest


def test_ingest_stores_fingerprints_and_the_opener(tmp_path: Path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p")
        image = [{"kind": "image", "ref": "img-9", "sha256": "cd" * 32}]
        events = [
            message("e0", "c1", 0, "hey how was school today then", "adult1", "kid1"),
            message("e1", "c1", 1, "add me on snap: sk8r_99", "adult1", "kid1", media=image),
            message("e2", "c1", 2, "ok my number is 07700 900777", "kid1", "adult1"),
        ]
        assert h.post(headers, events).status_code == 200
        # Posting the same events again (a retry) stores nothing twice.
        assert h.post(headers, events).status_code == 200
        with h.repo.engine.connect() as conn:
            ids = set(
                conn.execute(
                    text("SELECT tenant_id, account_id, kind, digest FROM account_identifiers")
                ).all()
            )
            openers = conn.execute(
                text(
                    "SELECT tenant_id, conversation_id, sender, recipient, band0 FROM "
                    "conversation_openers"
                )
            ).all()
        assert ids == {
            (tenant, "adult1", "handle", digest(tenant, "handle", "sk8r_99")),
            (tenant, "adult1", "media", digest(tenant, "media", "sha256:" + "cd" * 32)),
            (tenant, "kid1", "phone", digest(tenant, "phone", "700900777")),
        }
        assert [tuple(o[:4]) for o in openers] == [(tenant, "c1", "adult1", "kid1")]
        assert openers[0][4] is not None
    finally:
        h.close()
