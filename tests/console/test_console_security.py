"""Every console route walked with every role and with another tenant's session: nothing is
shown or changed that the role may not see. CSRF, session fixation, cookies, headers and bad
input."""

from __future__ import annotations

import re

import pytest
from case_helpers import ROLES, World, csrf_of, login
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeguarding.storage.models_cases import AuditEntryRow, CaseRow

SEVERE_TEXT = "we could meet at the park saturday"
MILD_TEXT = "this is just between us, our secret"


def _client(w: World, name: str, tenant_name: str = "acme") -> TestClient:
    client = TestClient(w.app)
    assert login(client, name, organisation=tenant_name).status_code == 303
    return client


def _ids(w: World) -> dict[str, str]:
    lead = w.who("lead")
    cases = {c.subject: c for q in ("child_safety", "general") for c in w.cases.queue(lead, q)}
    # A reported case with a bundle, in the restricted queue.
    specialist = w.who("specialist")
    image = cases["c-image"]
    w.cases.claim(specialist, image.id)
    w.cases.decide(specialist, image.id, "report", "for the authorities")
    (bundle,) = w.repo.bundles(w.tenant, image.id)
    return {
        "severe": cases["c-severe"].id,
        "mild": cases["c-mild"].id,
        "image": image.id,
        "bundle": bundle.id,
    }


def _state(w: World) -> tuple:
    """Tenant acme's cases and the number of its audited changes."""
    with w.repo.engine.connect() as conn:
        cases = conn.execute(
            select(CaseRow.id, CaseRow.state, CaseRow.claimed_by, CaseRow.queue)
            .where(CaseRow.tenant_id == w.tenant)
            .order_by(CaseRow.id)
        ).all()
        changes = conn.execute(
            select(func.count()).where(
                AuditEntryRow.tenant_id == w.tenant,
                AuditEntryRow.action.in_(
                    [
                        "case_claimed",
                        "case_decided",
                        "legal_hold",
                        "bundle_exported",
                        "media_revealed",
                        "user_created",
                        "user_disabled",
                    ]
                ),
            )
        ).scalar()
    return tuple(cases), changes


# (method, path template, who may: set of roles; "-" = every signed-in person)
ROUTES = [
    ("GET", "/console/", "-"),
    ("GET", "/console/queues/general", {"moderator", "specialist", "lead"}),
    ("GET", "/console/queues/child_safety", {"specialist", "lead"}),
    ("GET", "/console/queues/appeals", {"moderator", "specialist", "lead"}),
    ("GET", "/console/cases/{severe}?proceed=1", {"specialist", "lead"}),
    ("GET", "/console/cases/{mild}", {"moderator", "specialist", "lead"}),
    ("GET", "/console/media/{severe}/0/0.svg", {"specialist", "lead"}),
    ("GET", "/console/users", {"admin"}),
    ("GET", "/console/audit", {"admin", "auditor"}),
    ("GET", "/console/team", {"lead"}),
    ("GET", "/console/preferences", "-"),
    ("POST", "/console/queues/child_safety/next", {"specialist", "lead"}),
    ("POST", "/console/queues/child_safety/bulk", {"lead"}),
    ("POST", "/console/cases/{severe}/claim", {"specialist", "lead"}),
    ("POST", "/console/cases/{severe}/release", {"specialist", "lead"}),
    ("POST", "/console/cases/{severe}/decide", {"specialist", "lead"}),
    ("POST", "/console/cases/{severe}/appeal", {"specialist", "lead"}),
    ("POST", "/console/cases/{severe}/close", {"specialist", "lead"}),
    ("POST", "/console/cases/{severe}/reveal", {"specialist", "lead"}),
    ("POST", "/console/cases/{image}/bundles/{bundle}/export", {"specialist", "lead"}),
    ("POST", "/console/cases/{image}/bundles/{bundle}/hold", {"specialist", "lead"}),
    ("POST", "/console/users", {"admin"}),
    ("POST", "/console/preferences", "-"),
    ("GET", "/console/insight/patterns", {"lead", "auditor"}),
    ("GET", "/console/insight/patterns/nodes.csv", {"lead", "auditor"}),
    ("POST", "/console/insight/patterns", {"lead"}),
]
FORMS = {
    "bulk": {"case[]": "{severe}", "decision": "no_violation", "note": "n", "confirm": "yes"},
    "decide": {"decision": "no_violation", "note": "n"},
    "appeal": {"outcome": "upheld", "note": "n"},
    "close": {"note": "n"},
    "reveal": {"item": "0-0"},
    "hold": {"hold": "on"},
    "users": {"action": "create", "username": "intruder", "role": "lead", "password": "x" * 16},
    "patterns": {"confirm": "yes", "file": "nodes.csv"},
}


def test_every_console_route_is_walked() -> None:
    from safeguarding.console.app import PREFIX

    world_routes = {
        (m, r.path)
        for r in __import__("safeguarding.console.pages_auth", fromlist=["router"]).router.routes
        for m in r.methods
    }
    assert world_routes == {("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}
    walked = {(m, re.sub(r"\{[a-z]+\}", "{x}", p.split("?")[0])) for m, p, _ in ROUTES}
    modules = ("pages_queue", "pages_case", "pages_admin", "pages_insight_patterns")
    declared = set()
    for name in modules:
        module = __import__(f"safeguarding.console.{name}", fromlist=["router"])
        for r in module.router.routes:
            for m in r.methods:
                declared.add((m, PREFIX + r.path))
    covered = {
        (m, p)
        for m, p in declared
        if any(
            w[0] == m
            and re.fullmatch(
                re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(p)), w[1].replace("{x}", "X")
            )
            for w in walked
        )
    }
    assert covered == declared, declared - covered


@pytest.mark.parametrize("who", [*ROLES, "other-lead", "other-admin", "other-auditor"])
def test_each_role_and_another_tenant_see_and_change_only_what_they_may(
    sqlite_world: World, who: str
) -> None:
    w = sqlite_world
    ids = _ids(w)
    outsider = who.startswith("other-")
    name = who.removeprefix("other-")
    client = _client(w, name, "globex" if outsider else "acme")
    role = "moderator" if name == "moderator2" else name
    csrf = csrf_of(client.get("/console/preferences").text)
    for method, template, allowed in ROUTES:
        path = template.format(**ids)
        may = allowed == "-" or (not outsider and role in allowed)
        before = _state(w)
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            action = path.rstrip("/").rsplit("/", 1)[-1]
            form = {k: v.format(**ids) for k, v in FORMS.get(action, {}).items()}
            response = client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)
        assert response.status_code < 500, (who, path, response.status_code)
        if may:
            assert response.status_code in (200, 303, 409), (who, path, response.status_code)
            continue
        # Another tenant's people may use their own queues and pages (same paths): they see
        # and change nothing of ours.
        if not outsider or "{" in template:
            assert response.status_code in (403, 404), (who, path, response.status_code)
        for secret in (SEVERE_TEXT, MILD_TEXT, *ids.values()):
            assert secret not in response.text, (who, path, secret)
        if method == "POST":
            assert _state(w) == before, (who, path)


def test_posts_without_the_csrf_token_change_nothing(sqlite_world: World) -> None:
    w = sqlite_world
    ids = _ids(w)
    client = _client(w, "lead")
    before = _state(w)
    for path in (f"/console/cases/{ids['severe']}/claim", "/console/queues/child_safety/next"):
        assert client.post(path, data={}).status_code == 400
        assert client.post(path, data={"csrf": "forged"}).status_code == 400
    assert _state(w) == before
    other = _client(w, "specialist")  # a token of another session is refused too
    stolen = csrf_of(other.get("/console/preferences").text)
    assert (
        client.post(f"/console/cases/{ids['severe']}/claim", data={"csrf": stolen}).status_code
        == 400
    )
    assert _state(w) == before
    # The login form has its own token (double-submit cookie).
    fresh = TestClient(w.app)
    response = fresh.post(
        "/console/login",
        data={
            "organisation": "acme",
            "username": "lead",
            "password": "correct horse battery staple",
            "csrf": "x",
        },
    )
    assert response.status_code == 400 and "sg_session" not in response.cookies


def test_login_makes_a_new_session_and_ends_a_planted_one(sqlite_world: World) -> None:
    w = sqlite_world
    planted = w.accounts.login(w.tenant, "moderator", "correct horse battery staple").token
    client = TestClient(w.app)
    client.cookies.set("sg_session", planted, path="/console")
    response = login(client, "lead")
    assert response.status_code == 303
    new = response.cookies.get("sg_session")
    assert new and new != planted
    assert w.accounts.session(planted) is None  # the fixed session no longer works
    cookie = response.headers["set-cookie"]
    assert (
        "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("Strict", "strict")
        and "Path=/console" in cookie
    )
    page = client.get("/console/queues/general")
    assert page.status_code == 200
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in page.headers
    assert page.headers["cache-control"] == "no-store"
    client.post("/console/logout", data={"csrf": csrf_of(page.text)})
    assert w.accounts.session(new) is None
    assert client.get("/console/queues/general", follow_redirects=False).status_code == 303


def test_secure_cookie_by_default(sqlite_world: World) -> None:
    from safeguarding.cases.settings import ConsoleSettings

    assert ConsoleSettings().secure_cookies is True
    w = sqlite_world
    w.app.state.console.settings = ConsoleSettings(
        secure_cookies=True, password_time_cost=1, password_memory_kib=8192
    )
    client = TestClient(w.app, base_url="https://testserver")
    response = login(client, "lead")
    assert "Secure" in response.headers["set-cookie"]


BAD = [
    "/console/queues/general?level=catastrophic",
    "/console/queues/general?tactic=%00",
    "/console/queues/general?since=yesterday",
    "/console/queues/general?page=-1",
    "/console/queues/general?page=abc",
    "/console/queues/general?age_band=" + "x" * 500,
    "/console/queues/nonexistent",
    "/console/cases/" + "a" * 300,
    "/console/cases/%27%20OR%201%3D1--",
    "/console/media/nope/1/1.svg",
    "/console/audit?before=-5",
    "/console/queues/general?platform=a%00b",
    "/console/queues/general?locale=%1b",
    "/console/cases/%00",
    "/console/cases/0123456789abcdef0123456789abcdef%00",
]


def test_bad_input_gets_a_4xx_page_and_writes_nothing(world: World) -> None:
    w = world
    _ids(w)
    client = _client(w, "lead")
    csrf = csrf_of(client.get("/console/preferences").text)
    before = _state(w)
    for path in BAD:
        response = client.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    case = w.cases.queue(w.who("lead"), "general")[0]
    w.cases.claim(w.who("lead"), case.id)
    for form in (
        {"decision": "obliterate", "note": "n"},
        {"decision": "confirm", "note": "n", "sanction[]": "delete_account"},
        {"decision": "no_violation", "note": ""},
        {"decision": "no_violation", "note": "n" * 5000},
        {"decision": "no_violation", "note": "a\x00b"},
    ):
        response = client.post(f"/console/cases/{case.id}/decide", data={"csrf": csrf, **form})
        assert response.status_code == 400, form
    for form in ({"item": "0-0\x00"}, {"item": "../../x"}):
        response = client.post(f"/console/cases/{case.id}/reveal", data={"csrf": csrf, **form})
        assert response.status_code == 400, form
    bundle = "0123456789abcdef0123456789abcdef%00"
    response = client.post(f"/console/cases/{case.id}/bundles/{bundle}/export", data={"csrf": csrf})
    assert response.status_code == 404
    for fields in (
        {"organisation": "acme\x00", "username": "lead", "password": "x" * 12},
        {"organisation": "acme", "username": "le\x00ad", "password": "x" * 12},
    ):
        fresh = TestClient(w.app)
        token = csrf_of(fresh.get("/console/login").text)
        assert fresh.post("/console/login", data={**fields, "csrf": token}).status_code == 400
    assert w.repo.get_case(w.tenant, case.id).state == "claimed"
    assert _state(w)[1] == before[1] + 1  # only the claim above


def test_the_case_view_shows_its_reports_to_the_authorities_and_no_other_tenants(
    sqlite_world: World,
) -> None:
    w = sqlite_world
    ids = _ids(w)
    record, _ = w.repo.create_authority_report(
        w.tenant,
        authority="ncmec",
        subject_kind="conversation",
        subject_id="c-image",
        conversation_id="c-image",
        status="submitted",
        sent={"files": []},
    )
    w.repo.update_authority_report(w.tenant, record.id, step="finish", external_id="CT-TEST-1")
    page = _client(w, "specialist").get(f"/console/cases/{ids['image']}?proceed=1").text
    assert record.id in page and "CT-TEST-1" in page and "NCMEC report" in page
    # The other tenant's case about its own "c-image" shows nothing of this report.
    lead = w.who("lead", w.other)
    theirs = {c.subject: c for q in ("child_safety", "general") for c in w.cases.queue(lead, q)}
    other_page = _client(w, "lead", "globex").get(
        f"/console/cases/{theirs['c-image'].id}?proceed=1"
    )
    assert other_page.status_code == 200
    assert record.id not in other_page.text and "CT-TEST-1" not in other_page.text
