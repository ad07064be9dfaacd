"""Plant exact alerted conversations for the insight tests (through the bench's writer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from safeguarding.benchmarks.history import (
    HistoryWriter,
    action_row,
    alert_row,
    case_event_row,
    case_row,
    conversation_row,
    message_rows,
    report_rows,
)
from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportEvent,
    AuthorityReportRow,
    Conversation,
    StoredMessage,
)
from safeguarding.storage.models_cases import CaseEventRow, CaseRow
from safeguarding.storage.repository import Repository


def plant(
    repo: Repository,
    tenant: str,
    cid: str,
    start: datetime,
    *,
    first_risky: int = 0,
    alert_after: timedelta = timedelta(minutes=5),
    harm: str | None = "grooming",
    tactics: Sequence[str] = ("secrecy",),
    area: str = "direct_messages",
    locale: str = "en-GB",
    age_band: str = "13_15",
    offender: str | None = "off1",
    actions: Sequence[tuple[timedelta, str]] = (),
    decision: tuple[timedelta, str] | None = None,
    report: timedelta | None = None,
    messages: int = 5,
) -> datetime:
    """One alerted conversation whose messages are a minute apart from ``start``; times of
    the steps are counted from its first risky message. Returns that message's time."""
    w = HistoryWriter(repo)
    risky_at = start + timedelta(minutes=first_risky)
    w.insert(
        Conversation,
        [
            conversation_row(
                tenant,
                cid,
                start,
                area=area,
                locale=locale,
                harm=harm,
                tactics={t: [first_risky] for t in tactics},
                messages=messages,
                offender=offender,
            )
        ],
    )
    w.insert(
        StoredMessage,
        message_rows(tenant, cid, start, messages, timedelta(minutes=1), (offender or "x", "kid")),
    )
    alert_at = risky_at + alert_after
    w.insert(
        AlertRow,
        [
            alert_row(
                tenant,
                cid,
                alert_at,
                harm=harm,
                tactics=tactics,
                message_index=first_risky + 1,
                offender=offender,
            )
        ],
    )
    case_id = f"case-{tenant}-{cid}"
    w.insert(
        CaseRow,
        [case_row(tenant, case_id, cid, alert_at, area=area, locale=locale, age_band=age_band)],
    )
    events = [case_event_row(tenant, case_id, "opened", alert_at)]
    if decision is not None:
        events.append(
            case_event_row(tenant, case_id, "decision", risky_at + decision[0], decision[1])
        )
    w.insert(CaseEventRow, events)
    w.insert(ActionRow, [action_row(tenant, cid, risky_at + d, kind) for d, kind in actions])
    if report is not None:
        row, event = report_rows(tenant, f"rep-{tenant}-{cid}", cid, risky_at + report)
        w.insert(AuthorityReportRow, [row])
        w.insert(AuthorityReportEvent, [event])
    return risky_at
