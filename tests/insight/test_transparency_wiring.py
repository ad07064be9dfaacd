"""What the transparency report counts is recorded by the service: each action's harm and
whether a person decided it, and whether a report came from a trusted flagger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service_helpers import GROOMING_LIKE, Harness, account_events, conversation_events, sqlite_url
from sqlalchemy import select

from safeguarding.insight.transparency import Period, build_report
from safeguarding.storage.models import ActionRow, UserReport
from safeguarding.storage.repository.base import table_of


def test_the_service_records_harm_source_and_flagger(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant_id, headers = h.tenant("p")
        flagged = {
            "type": "report",
            "id": "rep-1",
            "reporter_id": "flagger-org",
            "reported_id": "adult1",
            "conversation_id": "c2",
            "reason": "asked_for_images",
            "reporter_type": "trusted_flagger",
            "ts": "2020-01-01T00:00:00+00:00",
        }
        c2 = conversation_events("p", "c2", GROOMING_LIKE)
        # the notice comes after c2's first message (a report names a known conversation)
        # and before the messages that lead to actions
        events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
        events += [c2[0], flagged, *c2[1:]]
        answer = h.post(headers, events)
        assert answer.status_code == 200, answer.text
        with h.repo.engine.connect() as conn:
            a = table_of(ActionRow).c
            rows = conn.execute(
                select(a.action_type, a.harm, a.automated).where(a.tenant_id == tenant_id)
            ).all()
            r = table_of(UserReport).c
            types = conn.execute(select(r.reporter_type).where(r.tenant_id == tenant_id)).all()
        assert rows and all(row.automated for row in rows)
        assert {row.harm for row in rows if row.action_type != "account_alert"} == {"grooming"}
        assert [t.reporter_type for t in types] == ["trusted_flagger"]
        day = datetime.now(UTC).date()
        report = build_report(
            h.repo,
            tenant_id,
            Period(day - timedelta(days=3650), day + timedelta(days=1)),
            provider="p",
            threshold=1,
        )
        sources = {t.source for t in report.figures.actions if t.harm == "grooming"}
        # c1 was found by the engine; c2 had a trusted flagger's notice before its actions
        assert sources == {"proactive", "trusted_flagger"}
        assert report.figures.notices == {"trusted_flagger": 1}
    finally:
        h.close()
