"""Two service instances on one database: a bank change made through one (an entry added, a
bank disabled or re-enabled, a hash disabled, a bank deleted) is matched by the other at its
next request, without a restart; another tenant's matcher never moves."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from service_helpers import Harness, postgres_database, sqlite_url

from safeguarding.signals.media.synthetic import encode, synthetic_image

MEDIA = ("media",)
BOUND_S = 2.0  # each match reads the tenant's bank version first: at once in practice


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Harness, Harness]]:
    if request.param == "sqlite":
        urls: Iterator[str] = iter([sqlite_url(tmp_path)])
    else:
        request.getfixturevalue("require_service")("PostgreSQL", "127.0.0.1", 5432)
        urls = postgres_database(prefix="sg_media_")
    url = next(urls)
    a = Harness(url, webhooks_enabled=False)
    b = Harness(url, webhooks_enabled=False)
    yield a, b
    b.close()
    a.close()
    for _ in urls:  # drops the PostgreSQL database
        pass


def _match(h: Harness, key: dict[str, str], data: bytes) -> dict:
    answer = h.client.post(
        "/v1/media/match", files={"file": ("x.jpg", data, "image/jpeg")}, headers=key
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _within(h: Harness, key: dict[str, str], data: bytes, matched: bool) -> float:
    """Seconds until instance ``h`` answers ``matched`` for ``data``."""
    start = time.monotonic()
    while _match(h, key, data)["matched"] is not matched:
        assert time.monotonic() - start < BOUND_S, f"not {matched} within {BOUND_S} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_bank_change_through_one_instance_is_matched_by_the_other(two) -> None:
    a, b = two
    jpeg = encode(synthetic_image(7))
    tenant, key = a.tenant("media-a", scopes=MEDIA)
    other, other_key = a.tenant("media-b", scopes=MEDIA)
    assert _match(b, key, jpeg)["matched"] is False  # b builds its index now
    assert _match(b, other_key, jpeg)["matched"] is False
    other_version = b.app.state.services.media.for_tenant(other).store.version()

    hashed = a.client.post(
        "/v1/media/hash", content=jpeg, headers=key | {"Content-Type": "image/jpeg"}
    ).json()
    pdq = next(x["value"] for x in hashed["hashes"] if x["hash_type"] == "pdq")
    imported = a.client.post(
        "/v1/media/banks/known/import",
        params={"format": "hma-csv"},
        files={"file": ("bank.txt", f"signal_type,signal\npdq,{pdq}\n".encode(), "text/plain")},
        headers=key,
    )
    assert imported.status_code == 200 and imported.json()["added"] == 1
    assert _within(b, key, jpeg, matched=True) < BOUND_S

    off = a.client.patch("/v1/media/banks/known", json={"enabled": False}, headers=key)
    assert off.status_code == 200
    _within(b, key, jpeg, matched=False)
    assert a.client.patch("/v1/media/banks/known", json={"enabled": True}, headers=key).is_success
    _within(b, key, jpeg, matched=True)

    matcher_a = a.app.state.services.media.for_tenant(tenant)
    matcher_a.set_hash_disabled(f"pdq:{pdq}", True, reason="reviewed: benign")
    _within(b, key, jpeg, matched=False)
    matcher_a.set_hash_disabled(f"pdq:{pdq}", False, reason=None)
    _within(b, key, jpeg, matched=True)
    matcher_a.store.delete_bank("known")
    _within(b, key, jpeg, matched=False)

    # The other tenant never saw the bank, and its index was never rebuilt for it.
    assert _match(b, other_key, jpeg)["matched"] is False
    assert b.app.state.services.media.for_tenant(other).store.version() == other_version
    assert b.client.get("/v1/media/banks", headers=other_key).json() == []
