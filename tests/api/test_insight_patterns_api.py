"""GET /v1/insight/patterns: the caller's tenant only, pseudonymised, no text, no 500s."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pattern_world import OPENERS, SECRET_TEXTS, build_tenant_a, build_tenant_b
from service_helpers import Harness

from safeguarding.insight.pseudonyms import Pseudonymiser

KEY = bytes(range(32))
ROUTE = "/v1/insight/patterns"
PARAMS = {"window_hours": 6, "max_sharing": 3}


@pytest.fixture
def world(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> tuple[Harness, dict, dict, str, str]:
    monkeypatch.setenv("SAFEGUARDING_PSEUDONYM_KEY", base64.b64encode(KEY).decode())
    a, headers_a = harness.tenant("tenant-a")
    b, headers_b = harness.tenant("tenant-b")
    build_tenant_a(harness.repo, a)
    build_tenant_b(harness.repo, b)
    return harness, headers_a, headers_b, a, b


def test_the_callers_patterns_pseudonymised(world: tuple[Harness, dict, dict, str, str]) -> None:
    h, headers_a, _, a, _ = world
    response = h.client.get(ROUTE, params=PARAMS, headers=headers_a)
    assert response.status_code == 200, response.text
    body = response.json()
    name = Pseudonymiser(KEY, a)
    assert [(c["accounts"], c["children_reached"]) for c in body["clusters"]] == [
        (sorted(name(x) for x in ("fox1", "fox2", "fox3")), 12),
        (sorted(name(x) for x in ("wolf", "wolf2")), 3),
    ]
    assert [(x["account"], x["children"]) for x in body["bursts"]] == [(name("fox1"), 6)]
    assert body["counts"] == {
        "bursts": 1,
        "repeated_openers": 3,
        "links": 4,
        "repeat_offenders": 2,
    }
    for secret in ["fox1", "wolf2", "k01", "900555", "foxy_k", *OPENERS, *SECRET_TEXTS]:
        assert secret not in response.text, secret


def test_a_second_tenant_sees_only_its_own(world: tuple[Harness, dict, dict, str, str]) -> None:
    h, headers_a, headers_b, a, b = world
    body = h.client.get(ROUTE, params=PARAMS, headers=headers_b).json()
    name_b, name_a = Pseudonymiser(KEY, b), Pseudonymiser(KEY, a)
    assert [c["accounts"] for c in body["clusters"]] == [sorted([name_b("fox1"), name_b("otter")])]
    assert body["repeat_offenders"] == [] and body["bursts"] == []
    text_b = h.client.get(ROUTE, params=PARAMS, headers=headers_b).text
    for account in ("fox1", "fox2", "wolf", "wolf2"):
        assert name_a(account) not in text_b


def test_needs_a_read_key(world: tuple[Harness, dict, dict, str, str]) -> None:
    h, *_ = world
    assert h.client.get(ROUTE).status_code == 401
    _, write_only = h.tenant("tenant-a", scopes=("events:write",))
    assert h.client.get(ROUTE, headers=write_only).status_code == 403


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["window_hours", "min_children", "opener_min_children", "max_sharing", "top", "x"]
        ),
        st.one_of(
            st.integers(-(10**12), 10**12),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=20),
        ),
        max_size=5,
    )
)
def test_fuzzed_parameters_never_500(
    world: tuple[Harness, dict, dict, str, str], params: dict[str, object]
) -> None:
    h, headers_a, *_ = world
    response = h.client.get(ROUTE, params=params, headers=headers_a)
    assert response.status_code in (200, 422), (params, response.text)
