"""DSA statements of reasons from the demo data's actions: the fields, the published field
rules, batches, a refused batch recorded and sent again, tenants apart, no message text."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from report_fakes import TransparencyState, serve, transparency_app
from report_helpers import tenant_config

from safeguarding.reports.dsa import (
    REPORTED_ACTIONS,
    TransparencyClient,
    pending_actions,
    submit_statements,
    validate_statement,
)


def _config(url: str, batch_size: int = 100):  # type: ignore[no-untyped-def]
    config = tenant_config()
    return replace(config, dsa=replace(config.dsa, endpoint=url + "/api/v1", batch_size=batch_size))


def test_statements_for_actions_against_content_or_accounts(demo) -> None:
    h, tenant, _ = demo
    pending = pending_actions(h.repo, tenant)
    assert pending and {a.action_type for a in pending} <= set(REPORTED_ACTIONS)
    assert all(not a.shadow for a in pending)
    run = submit_statements(h.repo, tenant, tenant_config(), actor="ops", dry_run=True)
    assert run.errors == [] and len(run.statements) == len(pending)
    texts = [m["text"] for c in ("ex-01", "ex-04", "ex-06") for m in h.repo.messages(tenant, c)]
    dumped = json.dumps(run.statements)
    assert not [t for t in texts if t and len(t) > 12 and t in dumped]  # no message text
    for statement in run.statements:
        assert statement["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
        assert "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS" in statement["category_specification"]
        assert statement["automated_detection"] == "Yes"
        assert statement["source_type"] == "SOURCE_VOLUNTARY"
        kind = statement["puid"].split("-", 1)[0]  # "<action>-<public id>"
        decision = {
            "hold_message": "decision_visibility",
            "restrict_contact_with_minors": "decision_provision",
            "suspend": "decision_account",
        }[kind]
        assert statement[decision]
    assert h.repo.authority_reports(tenant) == []  # a dry run records nothing


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"decision_ground": "DECISION_GROUND_BORED"}, "decision_ground"),
        ({"decision_visibility": None}, "at least one"),
        ({"category_specification": ["KEYWORD_HATE_SPEECH"]}, "Protection of minors"),
        ({"territorial_scope": ["US"]}, "EEA"),
        ({"decision_facts": "x" * 5001}, "5000"),
        ({"content_date": "2026-13-45"}, "content_date"),
        ({"content_date": "2027-01-01", "application_date": "2026-01-01"}, "not after"),
        ({"automated_detection": True}, "automated_detection"),
        ({"puid": ""}, "puid"),
    ],
)
def test_field_rules(demo, change: dict, problem: str) -> None:  # type: ignore[type-arg]
    h, tenant, _ = demo
    (statement, *_) = submit_statements(
        h.repo, tenant, tenant_config(), actor="o", dry_run=True
    ).statements
    assert validate_statement(statement) == []
    broken = {**statement, **change}
    assert any(problem in p for p in validate_statement(broken)), validate_statement(broken)


def test_batches_a_refused_batch_and_the_retry(demo) -> None:
    h, tenant, _ = demo
    state = TransparencyState(fail=[503, 503, 503, 503])
    total = len(pending_actions(h.repo, tenant))
    with serve(transparency_app(state)) as url:
        config = _config(url, batch_size=2)
        client = TransparencyClient(
            config.dsa.endpoint, config.dsa.token, attempts=4, sleep=lambda s: None
        )
        first = submit_statements(h.repo, tenant, config, actor="ops", client=client)
        assert first.failed == min(2, total) and first.submitted == total - first.failed
        failed = h.repo.authority_reports(tenant, authority="dsa", status="failed")
        assert failed and failed[0].error_code == "http_503"
        second = submit_statements(h.repo, tenant, config, actor="ops", client=client)
    assert second.submitted == first.failed and second.failed == 0
    assert all(len(b) <= 2 for b in state.batches) and len(state.puids) == total
    assert pending_actions(h.repo, tenant) == []
    records = h.repo.authority_reports(tenant, authority="dsa")
    assert all(r.status == "submitted" and r.external_id for r in records)
    assert "decision_facts" not in records[0].sent  # kept as a length, not the text


def test_an_authority_refusal_shows_its_message(demo) -> None:
    h, tenant, _ = demo
    state = TransparencyState(token="another-token")
    with serve(transparency_app(state)) as url:
        run = submit_statements(h.repo, tenant, _config(url), actor="ops")
    assert run.submitted == 0 and run.failed and "http_401" in run.errors[0][1]


def test_other_tenants_actions_are_not_reported(demo) -> None:
    h, tenant, _ = demo
    other, _ = h.tenant("other")
    assert pending_actions(h.repo, other) == []
    assert (
        submit_statements(h.repo, other, tenant_config(), actor="o", dry_run=True).statements == []
    )


def test_a_batch_accepted_but_unanswered_is_confirmed_not_sent_twice(demo) -> None:
    h, tenant, _ = demo
    state = TransparencyState(lose_answers=1)
    total = len(pending_actions(h.repo, tenant))
    with serve(transparency_app(state)) as url:
        config = _config(url, batch_size=100)
        client = TransparencyClient(
            config.dsa.endpoint, config.dsa.token, attempts=2, sleep=lambda s: None
        )
        first = submit_statements(h.repo, tenant, config, actor="ops", client=client)
        # accepted, answer lost, the retry refused for its puids: in doubt, recorded failed
        assert first.submitted == 0 and first.failed == total
        second = submit_statements(h.repo, tenant, config, actor="ops", client=client)
    assert second.submitted == total and second.failed == 0
    assert len(state.batches) == 1 and len(state.puids) == total  # stored once
    records = h.repo.authority_reports(tenant, authority="dsa")
    assert all(r.status == "submitted" for r in records)


def test_a_users_notice_before_the_action_is_article_16(demo) -> None:
    from datetime import UTC, datetime, timedelta

    from safeguarding.reports.dsa import content_facts, statement_for

    h, tenant, headers = demo
    (action, *_) = pending_actions(h.repo, tenant)
    assert (
        statement_for(action, tenant_config(), content_facts(h.repo, tenant, action))["source_type"]
        == "SOURCE_VOLUNTARY"
    )
    report = {
        "type": "report",
        "id": "notice-1",
        "reporter_id": "someone",
        "reported_id": "kai",
        "conversation_id": action.conversation_id,
        "reason": "uncomfortable",
        "ts": datetime.now(UTC).isoformat(),
    }
    assert h.post(headers, [report]).status_code == 200
    later = replace(action, created_at=datetime.now(UTC) + timedelta(minutes=1))
    facts = content_facts(h.repo, tenant, later)
    assert (
        facts.notified
        and statement_for(later, tenant_config(), facts)["source_type"] == "SOURCE_ARTICLE_16"
    )
    assert not content_facts(h.repo, tenant, action).notified  # the notice came after it
