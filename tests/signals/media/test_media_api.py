from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from safeguarding.api.problems import install_problem_handlers
from safeguarding.api.routes.media import get_matcher, require_media_access, router
from safeguarding.signals.media import HashType, MediaMatcher


@pytest.fixture
def client(matcher: MediaMatcher) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_matcher] = lambda: matcher
    app.dependency_overrides[require_media_access] = lambda: None
    with TestClient(app) as test_client:
        yield test_client


def test_media_endpoints_need_an_api_key(matcher: MediaMatcher) -> None:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.services = object()  # never reached: the missing key is refused first
    app.include_router(router)
    app.dependency_overrides[get_matcher] = lambda: matcher
    with TestClient(app) as unauthenticated:
        response = unauthenticated.get("/v1/media/banks")
    assert response.status_code == 401


def test_hash_import_match_and_list(
    client: TestClient, matcher: MediaMatcher, base_jpeg: bytes
) -> None:
    hashed = client.post("/v1/media/hash", files={"file": ("a.jpg", base_jpeg, "image/jpeg")})
    assert hashed.status_code == 200
    pdq = next(h for h in hashed.json()["hashes"] if h["hash_type"] == "pdq")
    assert pdq["quality"] == 100

    bank_file = f"signal_type,signal\npdq,{pdq['value']}\npdq,broken\n".encode()
    imported = client.post(
        "/v1/media/banks/known/import",
        params={"format": "hma-csv", "threshold": 25},
        files={"file": ("bank.csv", bank_file, "text/csv")},
    )
    assert imported.status_code == 200
    assert imported.json()["added"] == 1 and imported.json()["errors"][0]["line"] == 3

    by_file = client.post(
        "/v1/media/match",
        files={"file": ("b.jpg", base_jpeg, "image/jpeg")},
        data={"content_ref": "msg-1/att-0"},
    ).json()
    assert by_file["matched"] and by_file["matches"][0]["bank"] == "known"
    by_hash = client.post(
        "/v1/media/match",
        json={"hashes": [{"hash_type": "pdq", "value": pdq["value"]}], "content_ref": "r2"},
    ).json()
    assert by_hash["matches"][0]["distance"] == 0

    banks = client.get("/v1/media/banks").json()
    assert [(b["name"], b["threshold"], b["entries"]) for b in banks] == [("known", 25, 1)]
    matches = client.get("/v1/media/matches", params={"limit": 10}).json()
    assert [m["content_ref"] for m in matches] == ["r2", "msg-1/att-0"]
    assert client.patch("/v1/media/banks/known", json={"enabled": False}).json()["enabled"] is False
    assert not client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq['value']}"]}
    ).json()["matched"]
    assert matcher.store.list_matches(limit=1)[0].hash_type == HashType.PDQ.value


def test_url_matching_in_text(client: TestClient, matcher: MediaMatcher) -> None:
    matcher.import_bank("iwf", ["bad.example.com/p/1"], fmt="urls")
    result = client.post(
        "/v1/media/match", json={"text": "try bad[.]example[.]com/p/1 lol", "urls": []}
    ).json()
    assert [u["bank"] for u in result["urls"]] == ["iwf"]


def test_bad_input_is_a_clear_422(client: TestClient) -> None:
    response = client.post("/v1/media/hash", files={"file": ("x.bin", b"garbage", "image/jpeg")})
    assert response.status_code == 422 and "unknown or unsupported" in response.json()["detail"]
    response = client.post("/v1/media/match", json={"hash_literals": ["xyz"]})
    assert response.status_code == 422 and "not a hash" in response.json()["detail"]
    assert client.patch("/v1/media/banks/none", json={"enabled": True}).status_code == 404
