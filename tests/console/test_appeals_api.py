"""``POST /v1/cases/{case_id}/appeals``: the platform appeals a decided case; another tenant's
key and bad input get problems and write nothing."""

from __future__ import annotations

from case_helpers import World
from sqlalchemy import func, select

from safeguarding.storage.models_cases import AppealRow


def _decided(w: World) -> str:
    moderator = w.who("moderator")
    case = w.cases.queue(moderator, "general")[0]
    w.cases.claim(moderator, case.id)
    w.cases.decide(moderator, case.id, "confirm", "secrecy", ["warn"])
    return case.id


def _appeals(w: World) -> int:
    with w.repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AppealRow)).scalar_one())


def test_an_appeal_lands_in_the_appeals_queue(sqlite_world: World) -> None:
    w = sqlite_world
    case_id = _decided(w)
    client = w.harness.client
    body = {"appeal_id": "ap-7", "reason": "I was only joking"}
    response = client.post(f"/v1/cases/{case_id}/appeals", json=body, headers=w.headers)
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "open" and response.json()["case_id"] == case_id
    again = client.post(f"/v1/cases/{case_id}/appeals", json=body, headers=w.headers)
    assert again.status_code == 202 and _appeals(w) == 1
    assert [c.id for c in w.cases.queue(w.who("moderator2"), "appeals")] == [case_id]


def test_another_tenant_and_bad_input_write_nothing(world: World) -> None:
    w = world
    case_id = _decided(w)
    client = w.harness.client
    ok = {"appeal_id": "ap-1"}
    cases = [
        (f"/v1/cases/{case_id}/appeals", ok, w.other_headers, 404),
        (f"/v1/cases/{case_id}/appeals", ok, {}, 401),
        (f"/v1/cases/{case_id}/appeals", {"appeal_id": ""}, w.headers, 422),
        (f"/v1/cases/{case_id}/appeals", {"appeal_id": "a", "extra": 1}, w.headers, 422),
        (f"/v1/cases/{case_id}/appeals", {"appeal_id": "a", "reason": "x" * 3000}, w.headers, 422),
        ("/v1/cases/" + "z" * 41 + "/appeals", ok, w.headers, 422),
        ("/v1/cases/nope/appeals", ok, w.headers, 404),
        ("/v1/cases/%00/appeals", ok, w.headers, 404),
        (f"/v1/cases/{case_id}/appeals", {"appeal_id": "a\x00"}, w.headers, 400),
        (f"/v1/cases/{case_id}/appeals", {"appeal_id": "a", "reason": "\x00"}, w.headers, 400),
    ]
    for path, body, headers, status in cases:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "joking" not in response.text
    undecided = w.cases.queue(w.who("lead"), "child_safety")[0].id
    assert (
        client.post(f"/v1/cases/{undecided}/appeals", json=ok, headers=w.headers).status_code == 404
    )
    assert _appeals(w) == 0
