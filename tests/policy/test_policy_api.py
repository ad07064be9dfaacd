from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from safeguarding.api.deps import Principal
from safeguarding.api.problems import install_problem_handlers
from safeguarding.api.routes import policy as routes


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(routes.router)
    app.dependency_overrides[routes.reader] = lambda: Principal("t1", "k1", ("read",))
    return TestClient(app)


def test_can_contact_refuses_unconnected_adult_to_child(client: TestClient) -> None:
    body = {"sender": {"age": 34}, "recipient": {"age": 12}, "connected": False}
    res = client.post("/v1/safety/can-contact", json=body)
    assert res.status_code == 200
    out = res.json()
    assert out["allowed"] is False and out["code"] == "not_connected_to_minor"
    assert out["bands"] == {"sender": "adult", "recipient": "child"}
    assert "Ofcom" in out["reason"]


def test_can_contact_with_bands_and_flags(client: TestClient) -> None:
    ok = client.post(
        "/v1/safety/can-contact",
        json={"sender": {"age_band": "teen"}, "recipient": {"age_band": "teen"}, "connected": True},
    )
    assert ok.json()["allowed"] is True
    restricted = client.post(
        "/v1/safety/can-contact",
        json={
            "sender": {"age": 40, "restricted_from_minors": True},
            "recipient": {},
            "connected": True,
        },
    )
    assert restricted.json()["code"] == "sender_restricted_from_minors"


def test_can_suggest(client: TestClient) -> None:
    res = client.post("/v1/safety/can-suggest", json={"a": {"age": 30}, "b": {"age": 13}})
    assert res.json()["allowed"] is False and res.json()["code"] == "adult_and_possible_minor"
    adults = client.post("/v1/safety/can-suggest", json={"a": {"age": 30}, "b": {"age": 33}})
    assert adults.json()["allowed"] is True
    peers = client.post(
        "/v1/safety/can-suggest",
        json={"a": {"age": 14}, "b": {"age": 15}, "peer_suggestions_between_minors": True},
    )
    assert peers.json()["code"] == "peer_minors_allowed"


def test_visibility(client: TestClient) -> None:
    out = client.post("/v1/safety/visibility", json={"account": {"age": 9}}).json()
    assert out["location_visible"] is False and out["band"] == "child"


def test_bad_requests_are_refused(client: TestClient) -> None:
    inconsistent = {"sender": {"age": 34, "age_band": "child"}, "recipient": {}, "connected": False}
    assert client.post("/v1/safety/can-contact", json=inconsistent).status_code == 422
    assert client.post("/v1/safety/can-contact", json={"sender": {}}).status_code == 422
    unknown = {"sender": {"agee": 3}, "recipient": {}, "connected": False}
    assert client.post("/v1/safety/can-contact", json=unknown).status_code == 422


def test_requires_an_api_key_without_override() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(routes.router)
    app.state.services = SimpleNamespace(repo=SimpleNamespace(authenticate=lambda key: None))
    body = {"sender": {}, "recipient": {}, "connected": False}
    anonymous = TestClient(app).post("/v1/safety/can-contact", json=body)
    assert anonymous.status_code == 401
    wrong = TestClient(app).post(
        "/v1/safety/can-contact", json=body, headers={"Authorization": "Bearer sg_nope"}
    )
    assert wrong.status_code == 401 and "allowed" not in wrong.json()
