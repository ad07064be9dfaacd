"""A key revoked with the CLI (another process's view of the database) stops working on a
running service within the documented bound, 1 s."""

from __future__ import annotations

import time

import httpx
from service_helpers import Harness, live_server, sqlite_url
from typer.testing import CliRunner

from safeguarding.cli import app

BOUND_S = 1.0


def test_a_revoked_key_is_refused_by_the_running_service_within_1_s(tmp_path) -> None:
    db = sqlite_url(tmp_path)
    h = Harness(db, webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p", scopes=("read",))
        key_id = h.repo.list_api_keys(tenant)[0].id
        with live_server(h) as base, httpx.Client(base_url=base, headers=headers) as client:
            assert client.get("/v1/alerts").status_code == 200  # verified and cached
            result = CliRunner().invoke(app, ["keys", "revoke", key_id, "--db", db])
            revoked_at = time.monotonic()
            assert result.exit_code == 0, result.output
            assert "within 1 s" in result.output
            codes = []
            while (elapsed := time.monotonic() - revoked_at) < BOUND_S + 0.5:
                codes.append((elapsed, client.get("/v1/alerts").status_code))
                time.sleep(0.05)
        late = [code for at, code in codes if at > BOUND_S]
        assert late and set(late) == {401}, codes
        # once refused, never accepted again
        first_refusal = next(i for i, (_, code) in enumerate(codes) if code == 401)
        assert {code for _, code in codes[first_refusal:]} == {401}
    finally:
        h.close()
