"""People and sessions (argon2, lock-out, disable, reset) and the labels export."""

from __future__ import annotations

import pytest
from case_helpers import PASSWORD, World

from safeguarding.cases.auth import AuthError
from safeguarding.cases.export import decided_lines


def test_passwords_are_argon2_and_repeated_failures_lock_the_account(sqlite_world: World) -> None:
    w = sqlite_world
    user = w.repo.find_user(w.tenant, "moderator")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    login = w.accounts.login(w.tenant, "moderator", PASSWORD)
    assert w.accounts.session(login.token)[1].id == user.id
    assert w.repo.get_session(login.token) is None  # only a hash of the token is stored
    for _ in range(w.settings.lockout_failures):
        with pytest.raises(AuthError):
            w.accounts.login(w.tenant, "moderator", "wrong password!!")
    with pytest.raises(AuthError, match="locked"):
        w.accounts.login(w.tenant, "moderator", PASSWORD)
    with pytest.raises(AuthError):  # another tenant's user of the same name is someone else
        w.accounts.login(w.tenant, "nobody", PASSWORD)
    assert w.accounts.login(w.other, "moderator", PASSWORD).user.tenant_id == w.other
    w.accounts.reset(w.tenant, "moderator", "a brand new passphrase", "admin")
    assert w.accounts.session(login.token) is None  # reset ends sessions
    assert w.accounts.login(w.tenant, "moderator", "a brand new passphrase")
    actions = [e.action for e in w.repo.audit_entries(w.tenant)]
    assert actions.count("login_failed") == 5 and "user_reset" in actions and "login" in actions


def test_disabled_people_cannot_sign_in_and_lose_their_sessions(sqlite_world: World) -> None:
    w = sqlite_world
    login = w.accounts.login(w.tenant, "lead", PASSWORD)
    assert w.accounts.disable(w.tenant, "lead", "admin")
    assert w.accounts.session(login.token) is None
    with pytest.raises(AuthError):
        w.accounts.login(w.tenant, "lead", PASSWORD)
    with pytest.raises(ValueError):
        w.accounts.create(w.tenant, "short", "moderator", "tooshort", "admin")
    with pytest.raises(ValueError):
        w.accounts.create(w.tenant, "x", "superuser", PASSWORD, "admin")


def test_decided_cases_export_as_dataspec_without_text_unless_asked(sqlite_world: World) -> None:
    w = sqlite_world
    moderator = w.who("moderator")
    case = w.cases.queue(moderator, "general")[0]
    w.cases.claim(moderator, case.id)
    w.cases.decide(moderator, case.id, "confirm", "secrecy", ["warn"])
    (line,) = decided_lines(w.repo, w.tenant)
    assert line["id"] == "c-mild" and line["label"] == "grooming" and line["offender"] == "adult1"
    assert line["tactics"] and all("text" not in m for m in line["messages"])
    assert {p["id"] for p in line["participants"]} == {"adult1", "kid1"}
    (with_text,) = decided_lines(w.repo, w.tenant, include_text=True)
    assert with_text["messages"][0]["text"] == "hey ur really good at this game"
    assert list(decided_lines(w.repo, w.other)) == []
