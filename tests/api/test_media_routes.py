"""Media routes: per-tenant banks and matches, the media scope, uploads and bad input."""

from __future__ import annotations

import io
import json
import tempfile
from typing import Any

import numpy as np
import pytest
from PIL import Image
from service_helpers import Harness
from sqlalchemy import func, select

from safeguarding.signals.media.synthetic import encode, synthetic_image
from safeguarding.storage.models import MediaBankRow, MediaEntryRow, MediaMatchRow

MEDIA = ("media",)


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return encode(synthetic_image(101))


def _pdq(h: Harness, headers: dict[str, str], data: bytes) -> str:
    hashed = h.client.post(
        "/v1/media/hash", content=data, headers=headers | {"Content-Type": "image/jpeg"}
    )
    assert hashed.status_code == 200, hashed.text
    return str(next(x["value"] for x in hashed.json()["hashes"] if x["hash_type"] == "pdq"))


def _import(h: Harness, headers: dict[str, str], bank: str, body: str, **params: Any) -> Any:
    return h.client.post(
        f"/v1/media/banks/{bank}/import",
        params=params,
        files={"file": ("bank.txt", body.encode(), "text/plain")},
        headers=headers,
    )


def _rows(h: Harness) -> tuple[int, int, int]:
    with h.repo.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (MediaBankRow, MediaEntryRow, MediaMatchRow)
        )


def test_media_routes_need_a_key_with_the_media_scope(harness: Harness) -> None:
    assert harness.client.get("/v1/media/banks").status_code == 401
    _, read_only = harness.tenant("reader")
    refused = harness.client.get("/v1/media/banks", headers=read_only)
    assert refused.status_code == 403 and "media" in refused.json()["detail"]
    _, media = harness.tenant("media-user", scopes=MEDIA)
    assert harness.client.get("/v1/media/banks", headers=media).json() == []


def test_hash_import_match_and_list(harness: Harness, jpeg: bytes) -> None:
    _, key = harness.tenant("a", scopes=MEDIA)
    pdq = _pdq(harness, key, jpeg)
    imported = _import(
        harness,
        key,
        "known",
        f"signal_type,signal\npdq,{pdq}\npdq,broken\n",
        format="hma-csv",
        threshold=25,
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["added"] == 1 and imported.json()["errors"][0]["line"] == 3
    by_file = harness.client.post(
        "/v1/media/match",
        files={"file": ("b.jpg", jpeg, "image/jpeg")},
        data={"content_ref": "msg-1/att-0"},
        headers=key,
    ).json()
    assert by_file["matched"] and by_file["matches"][0]["bank"] == "known"
    by_hash = harness.client.post(
        "/v1/media/match",
        json={"hashes": [{"hash_type": "HASH_PDQ", "value": pdq}], "content_ref": "r2"},
        headers=key,
    ).json()
    assert by_hash["matches"][0]["distance"] == 0
    banks = harness.client.get("/v1/media/banks", headers=key).json()
    assert [(b["name"], b["threshold"], b["entries"]) for b in banks] == [("known", 25, 1)]
    matches = harness.client.get("/v1/media/matches", params={"limit": 10}, headers=key).json()
    assert [m["content_ref"] for m in matches] == ["r2", "msg-1/att-0"]
    disabled = harness.client.patch("/v1/media/banks/known", json={"enabled": False}, headers=key)
    assert disabled.json()["enabled"] is False
    again = harness.client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"]}, headers=key
    ).json()
    assert not again["matched"] and "bank is disabled" in again["skipped"][0]


def test_a_second_tenant_cannot_see_or_touch_the_first_tenants_banks(
    harness: Harness, jpeg: bytes
) -> None:
    _, a = harness.tenant("a", scopes=MEDIA)
    _, b = harness.tenant("b", scopes=MEDIA)
    pdq = _pdq(harness, a, jpeg)
    assert _import(harness, a, "known", f"{pdq} 100\n", format="pdq").status_code == 200
    client = harness.client
    # list
    assert client.get("/v1/media/banks", headers=b).json() == []
    # disable (by a's bank name)
    assert (
        client.patch("/v1/media/banks/known", json={"enabled": False}, headers=b).status_code == 404
    )
    assert client.get("/v1/media/banks", headers=a).json()[0]["enabled"] is True
    # match: b's media is not matched against a's bank, by upload or by hash
    assert not client.post(
        "/v1/media/match", content=jpeg, headers=b | {"Content-Type": "image/jpeg"}
    ).json()["matched"]
    assert not client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"], "content_ref": "b-1"}, headers=b
    ).json()["matched"]
    # matches: a's list holds a's matches only, b's holds b's only
    client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"], "content_ref": "a-1"}, headers=a
    )
    assert _import(harness, b, "known", f"{pdq} 100\n", format="pdq").status_code == 200
    client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"], "content_ref": "b-2"}, headers=b
    )
    assert [m["content_ref"] for m in client.get("/v1/media/matches", headers=a).json()] == ["a-1"]
    assert [m["content_ref"] for m in client.get("/v1/media/matches", headers=b).json()] == ["b-2"]
    # disabling b's own bank of the same name leaves a's alone
    client.patch("/v1/media/banks/known", json={"enabled": False}, headers=b)
    assert client.post("/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"]}, headers=a).json()[
        "matched"
    ]


def test_quarantine_is_per_tenant(harness: Harness, jpeg: bytes) -> None:
    a_id, a = harness.tenant("a", scopes=MEDIA)
    _, b = harness.tenant("b", scopes=MEDIA)
    pdq = _pdq(harness, a, jpeg)
    for key in (a, b):
        _import(harness, key, "known", f"{pdq} 100\n", format="pdq")
    matcher = harness.app.state.services.media.for_tenant(a_id)
    entry = matcher.find_entries(f"pdq:{pdq}")[0]
    matcher.store.set_quarantined([entry.id], True, "flooding")
    assert [
        q["entry_id"] for q in harness.client.get("/v1/media/quarantined", headers=a).json()
    ] == [entry.id]
    assert harness.client.get("/v1/media/quarantined", headers=b).json() == []
    a_result = harness.client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"]}, headers=a
    ).json()
    assert not a_result["matched"] and "quarantined (flooding)" in a_result["skipped"][0]
    assert harness.client.post(
        "/v1/media/match", json={"hash_literals": [f"pdq:{pdq}"]}, headers=b
    ).json()["matched"]


def test_url_matching_in_text(harness: Harness) -> None:
    _, key = harness.tenant("a", scopes=MEDIA)
    _import(harness, key, "iwf", "bad.example.com/p/1\n", format="urls")
    result = harness.client.post(
        "/v1/media/match", json={"text": "try bad[.]example[.]com/p/1 lol", "urls": []}, headers=key
    ).json()
    assert [u["bank"] for u in result["urls"]] == ["iwf"]


DEEP = b'{"hashes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
SECRET = "dont tell your parents about this chat"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (DEEP, "application/json", 400),
        (b'{"text": "' + SECRET.encode() + b'", ', "application/json", 400),
        (
            json.dumps({"text": SECRET, "colour": 1, "hashes": "x"}).encode(),
            "application/json",
            422,
        ),
        (b"[1, 2]", "application/json", 422),
        (b"hello", "text/plain", 415),
        (
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
            422,
        ),
        (b"garbage", "image/jpeg", 422),
        (json.dumps({"hash_literals": ["xyz"]}).encode(), "application/json", 422),
    ],
)
def test_bad_input_is_a_clean_4xx_problem_without_echo(
    harness: Harness, body: bytes, content_type: str, status: int
) -> None:
    _, key = harness.tenant("a", scopes=MEDIA)
    before = _rows(harness)
    response = harness.client.post(
        "/v1/media/match", content=body, headers=key | {"Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert SECRET not in response.text and "dont tell" not in response.text
    assert _rows(harness) == before


def test_bad_bank_input_writes_nothing(harness: Harness) -> None:
    _, key = harness.tenant("a", scopes=MEDIA)
    assert _import(harness, key, "new", "zzz\nyyy\n", format="md5").status_code == 422
    assert _import(harness, key, "bad name!", "0" * 32 + "\n").status_code == 422
    assert _import(harness, key, "x", "0" * 32, threshold=999).status_code == 422
    assert (
        harness.client.patch(
            "/v1/media/banks/none", json={"enabled": True}, headers=key
        ).status_code
        == 404
    )
    assert (
        harness.client.patch(
            "/v1/media/banks/none", json={"threshold": "high"}, headers=key
        ).status_code
        == 422
    )
    assert _rows(harness) == (0, 0, 0)


def test_large_uploads_are_hashed_in_memory(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = harness.tenant("a", scopes=MEDIA)
    noise = np.random.default_rng(5).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    png = buffer.getvalue()
    assert len(png) > 1024 * 1024  # over Starlette's 1 MiB spool size

    def no_temporary_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_temporary_files)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_temporary_files)
    multipart = harness.client.post(
        "/v1/media/hash", files={"file": ("n.png", png, "image/png")}, headers=key
    )
    assert multipart.status_code == 200, multipart.text
    raw = harness.client.post(
        "/v1/media/hash", content=png, headers=key | {"Content-Type": "application/octet-stream"}
    )
    assert raw.json()["hashes"] == multipart.json()["hashes"]


@pytest.mark.slow
def test_fuzzed_media_requests_get_problems_never_500(harness: Harness) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    _, key = harness.tenant("fuzzer", scopes=MEDIA)
    schema = schemathesis.openapi.from_asgi("/openapi.json", harness.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/v1/media/")]
    assert len(operations) == 7
    for operation in operations:

        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=key)
            label = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{label}: {response.text[:300]}"
            if response.status_code >= 400:
                content_type = response.headers["content-type"]
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/problem+json"), label

        check()
