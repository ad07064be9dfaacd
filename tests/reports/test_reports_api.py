"""``/v1/authority-reports``: file and read report records through the API; another
tenant's records and conversations stay invisible; bad input is a problem and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_fakes import CyberTipState, cybertipline_app, serve
from report_helpers import ENV, load_demo, tenant_section
from service_helpers import Harness, sqlite_url


@pytest.fixture
def api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Harness, CyberTipState, dict[str, str]]]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    state = CyberTipState()
    with serve(cybertipline_app(state)) as url:
        config = tmp_path / "reports.yaml"
        section = tenant_section(url)
        section["nca"] = {"sender": "file", "options": {"directory": str(tmp_path / "nca")}}
        config.write_text(yaml.safe_dump({"tenants": {"demo": section}}), encoding="utf-8")
        h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, reports_config=str(config))
        _, headers = load_demo(h)
        yield h, state, headers
        h.close()


def _file(h: Harness, headers: dict[str, str], **body: Any) -> Any:
    payload = {"authority": "ncmec", "conversation_id": "ex-01", "approved_by": "mod-1", **body}
    return h.client.post("/v1/authority-reports", json=payload, headers=headers)


def test_file_read_and_refile(api) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    dry = _file(h, headers, dry_run=True)
    assert dry.status_code == 201 and dry.json()["document_xml"].startswith("<?xml")
    assert h.client.get("/v1/authority-reports", headers=headers).json()["items"] == []
    filed = _file(
        h,
        headers,
        identities={"kai": {"screen_name": "kai_builds", "ip_events": [{"ip": "192.0.2.7"}]}},
    )
    assert filed.status_code == 201, filed.text
    record = filed.json()["record"]
    assert record["status"] == "submitted" and record["external_id"] in state.reports
    assert record["sent"]["identity_fields"] == {"kai": ["screen_name", "ip_events"]}
    assert "192.0.2.7" not in str(record)  # the record keeps which fields, not their values
    one = h.client.get(f"/v1/authority-reports/{record['id']}", headers=headers).json()
    assert [e["step"] for e in one["events"]][-1] == "finished"
    again = _file(h, headers)
    assert again.status_code == 409 and again.headers["content-type"].startswith(
        "application/problem+json"
    )
    nca = _file(h, headers, authority="nca", approved_by="lead")
    assert nca.status_code == 201 and nca.json()["document"]["content"]["already_reported_to_ncmec"]
    listed = h.client.get("/v1/authority-reports?authority=ncmec", headers=headers).json()["items"]
    assert [r["id"] for r in listed] == [record["id"]]


def test_an_authority_error_is_shown_with_its_code(api) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    state.fail = {"submit": ["4100"]}
    answer = _file(h, headers, conversation_id="ex-04")
    assert answer.status_code == 502 and answer.json()["code"] == "4100"
    (record,) = h.client.get("/v1/authority-reports", headers=headers).json()["items"]
    assert record["status"] == "failed" and record["error"]["code"] == "4100"


def test_missing_fields_are_listed_and_nothing_is_written(api) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    answer = _file(h, headers, conversation_id="ex-02")  # a benign chat: no offender, no alert
    assert answer.status_code == 422
    assert any("alert level" in m for m in answer.json()["missing"])
    assert (
        state.calls == []
        and h.client.get("/v1/authority-reports", headers=headers).json()["items"] == []
    )


def test_second_tenant_sees_nothing_and_cannot_report_others(api) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    filed = _file(h, headers).json()["record"]
    _, other = h.tenant("other", scopes=("admin",))
    assert h.client.get("/v1/authority-reports", headers=other).json()["items"] == []
    assert h.client.get(f"/v1/authority-reports/{filed['id']}", headers=other).status_code == 404
    answer = _file(h, other, conversation_id="ex-01")
    assert answer.status_code == 404  # the demo tenant's conversation is not the other's
    assert len(state.reports) == 1


def test_scopes(api) -> None:  # type: ignore[no-untyped-def]
    h, _, _ = api
    _, reader = h.tenant("demo", scopes=("read",))
    assert _file(h, reader).status_code == 403
    assert h.client.get("/v1/authority-reports", headers=reader).status_code == 200
    assert h.client.get("/v1/authority-reports").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"authority": "fbi"},
        {"conversation_id": ""},
        {"approved_by": "x" * 201},
        {"unknown": 1},
        {"identities": {"kai": {"ip_events": [{"ip": "not an ip"}]}}},
        {"identities": {"kai": {"profile_url": "javascript:alert(1)"}}},
        {"identities": {"kai": {"prior_cybertips": ["abc"]}}},
        {"dry_run": "maybe"},
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(api, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    answer = _file(h, headers, **body)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert state.calls == [] and h.repo.authority_reports(h.repo.find_tenant("demo").id) == []


def test_bad_query_parameters(api) -> None:  # type: ignore[no-untyped-def]
    h, _, headers = api
    for query in ("authority=fbi", "limit=0", "limit=9999", "offset=-1", "status=DROP%20TABLE"):
        assert h.client.get(f"/v1/authority-reports?{query}", headers=headers).status_code == 422
    assert h.client.get("/v1/authority-reports/" + "x" * 41, headers=headers).status_code == 422


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["authority", "conversation_id", "approved_by", "dry_run", "identities", "x"]
        ),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=30), st.lists(st.integers(), max_size=3)
        ),
    )
)
def test_fuzzed_bodies_never_file_anything(api, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    h, state, headers = api
    answer = h.client.post("/v1/authority-reports", json=body, headers=headers)
    assert answer.status_code in (201, 404, 409, 422), answer.text
    assert answer.status_code != 500
    assert len(state.finished()) <= 1
