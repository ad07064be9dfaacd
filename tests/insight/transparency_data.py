"""Planted history for the transparency report tests, with every answer worked out by hand
in the comments (tests/ is not a package: imported through conftest's sys.path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.storage import Repository
from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportRow,
    StoredMessage,
    Tenant,
    UserReport,
)
from safeguarding.storage.models_cases import AppealRow, CaseRow
from safeguarding.storage.repository.base import table_of

BASE = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def tenant(repo: Repository, tenant_id: str, name: str) -> None:
    with repo.engine.begin() as conn:
        conn.execute(table_of(Tenant).insert(), {"id": tenant_id, "name": name, "created_at": BASE})


def action(
    conn: Any,
    tenant_id: str,
    kind: str,
    when: datetime,
    *,
    conversation: str | None,
    account: str | None = None,
    harm: str | None = "grooming",
    automated: bool = True,
    shadow: bool = False,
) -> None:
    conn.execute(
        table_of(ActionRow).insert(),
        {
            "tenant_id": tenant_id,
            "conversation_id": conversation,
            "account_id": account,
            "action_type": kind,
            "rule_ids": ["r1"] if automated else [],
            "payload": {"action": kind},
            "shadow": shadow,
            "created_at": when,
            "harm": harm,
            "automated": automated,
        },
    )


def alert(conn: Any, tenant_id: str, conversation: str, when: datetime, harm: str) -> None:
    conn.execute(
        table_of(AlertRow).insert(),
        {
            "tenant_id": tenant_id,
            "conversation_id": conversation,
            "level": 2,
            "risk": 0.8,
            "message_index": 3,
            "offender": None,
            "at_risk": None,
            "tactics": ["isolation"],
            "raised_at": when,
            "status": "open",
            "harm": harm,
        },
    )


def report(
    conn: Any,
    tenant_id: str,
    conversation: str | None,
    when: datetime,
    *,
    reporter_type: str = "user",
    reported: str = "someone",
    comment: str | None = None,
) -> None:
    conn.execute(
        table_of(UserReport).insert(),
        {
            "tenant_id": tenant_id,
            "event_id": f"ev-{when.timestamp()}-{conversation}-{reporter_type}",
            "reporter_id": "reporter",
            "reported_id": reported,
            "conversation_id": conversation,
            "reason": "uncomfortable",
            "comment": comment,
            "ts": when,
            "reporter_type": reporter_type,
        },
    )


def case(
    conn: Any, tenant_id: str, case_id: str, subject: str, decision: str | None, when: datetime
) -> None:
    conn.execute(
        table_of(CaseRow).insert(),
        {
            "id": case_id,
            "tenant_id": tenant_id,
            "kind": "conversation",
            "subject": subject,
            "state": "decided" if decision else "open",
            "queue": "general",
            "urgency": 1,
            "age_rank": 1,
            "risk": 0.8,
            "level": 2,
            "tactics": [],
            "opened_at": when - timedelta(hours=1),
            "updated_at": when,
            "decided_by": "moderator-1" if decision else None,
            "decision": decision,
            "decided_at": when if decision else None,
        },
    )


def appeal(
    conn: Any,
    tenant_id: str,
    appeal_id: str,
    case_id: str,
    received: datetime,
    outcome: str | None,
    decided_after_s: float | None,
    reason: str | None = None,
) -> None:
    conn.execute(
        table_of(AppealRow).insert(),
        {
            "id": appeal_id,
            "tenant_id": tenant_id,
            "case_id": case_id,
            "external_id": f"ext-{appeal_id}",
            "reason": reason,
            "state": "decided" if outcome else "open",
            "original_decider": "moderator-1",
            "received_at": received,
            "decided_by": "lead-1" if outcome else None,
            "outcome": outcome,
            "decided_at": received + timedelta(seconds=decided_after_s)
            if decided_after_s is not None
            else None,
        },
    )


def authority_report(
    conn: Any, tenant_id: str, report_id: str, authority: str, status: str, when: datetime
) -> None:
    conn.execute(
        table_of(AuthorityReportRow).insert(),
        {
            "id": report_id,
            "tenant_id": tenant_id,
            "authority": authority,
            "subject_kind": "case",
            "subject_id": report_id,
            "conversation_id": None,
            "status": status,
            "sent": {},
            "progress": {},
            "created_at": when,
            "updated_at": when,
        },
    )


def message(conn: Any, tenant_id: str, conversation: str, idx: int, sender: str, text: str) -> None:
    conn.execute(
        table_of(StoredMessage).insert(),
        {
            "tenant_id": tenant_id,
            "conversation_id": conversation,
            "idx": idx,
            "message_id": f"{conversation}-m{idx}",
            "event_id": f"{conversation}-e{idx}",
            "sender": sender,
            "recipients": [],
            "ts": at(idx),
            "received_at": at(idx),
            "text": text,
        },
    )


def plant_main(repo: Repository, tenant_id: str = "t-main", *, new_tenant: bool = True) -> None:
    """The hand-computed tenant (period 2026-01-01 to 2026-06-30).

    Measures (harm, source, type, automated, account, seconds from detection):
      c1 hold_message      grooming   proactive        auto   -   60    (alert at 0)
      c1 suspend           grooming   proactive        auto   a1  600   (alert at 0)
      c2 restrict_contact  sextortion user_report      auto   a2  300   (report at 100)
      c3 suspend           crim_expl  trusted_flagger  auto   a3  1050  (user report at -50,
                                                                          flagger at 0)
      c4 warn              grooming   proactive        human  a1  3600  (alert at 0)
    Sorted durations 60, 300, 600, 1050, 3600: median (rank 3) 600 s, p90 (rank 5) 3600 s.
    Grooming 60, 600, 3600: median (rank 2) 600, p90 (rank 3) 3600.
    Not measures or not counted: a safety prompt (c5), a shadow hold, a hold before the
    period, an account alert, a release (a reversal), and a report on c1 after its actions.
    """
    if new_tenant:
        tenant(repo, tenant_id, f"Platform {tenant_id}")
    t = tenant_id
    with repo.engine.begin() as conn:
        for c in ("c1", "c2", "c4", "c5"):
            alert(conn, t, c, at(0), "grooming")
        action(conn, t, "hold_message", at(60), conversation="c1")
        action(conn, t, "suspend", at(600), conversation="c1", account="a1")
        report(conn, t, "c1", at(700))  # after c1's actions: they stay proactive
        report(conn, t, "c2", at(100))
        action(
            conn,
            t,
            "restrict_contact_with_minors",
            at(400),
            conversation="c2",
            account="a2",
            harm="sextortion",
        )
        report(conn, t, "c3", at(-50))
        report(conn, t, "c3", at(0), reporter_type="trusted_flagger")
        action(
            conn,
            t,
            "suspend",
            at(1000),
            conversation="c3",
            account="a3",
            harm="criminal_exploitation",
        )
        action(conn, t, "warn", at(3600), conversation="c4", account="a1", automated=False)
        action(conn, t, "safety_prompt", at(10), conversation="c5")
        action(conn, t, "hold_message", at(20), conversation="c5", shadow=True)
        action(
            conn, t, "hold_message", datetime(2025, 12, 31, 23, 59, tzinfo=UTC), conversation="c5"
        )
        action(conn, t, "account_alert", at(30), conversation=None, account="a1", harm=None)
        action(conn, t, "release_hold", at(5000), conversation="c1", automated=False)
        # human decisions: confirm 2, no_violation 1 (and one still open)
        case(conn, t, f"{t}-k1", "c1", "confirm", at(4000))
        case(conn, t, f"{t}-k2", "c2", "confirm", at(4100))
        case(conn, t, f"{t}-k3", "c3", "no_violation", at(4200))
        case(conn, t, f"{t}-k4", "c4", None, at(4300))
        # appeals: upheld after 3600 s, overturned after 7200 s, one open: median 3600 s
        appeal(conn, t, f"{t}-p1", f"{t}-k1", at(5000), "upheld", 3600)
        appeal(conn, t, f"{t}-p2", f"{t}-k2", at(5000), "overturned", 7200)
        appeal(conn, t, f"{t}-p3", f"{t}-k3", at(5000), None, None)
        authority_report(conn, t, f"{t}-r1", "ncmec", "submitted", at(6000))
        authority_report(conn, t, f"{t}-r2", "ncmec", "submitted", at(6000))
        authority_report(conn, t, f"{t}-r3", "ncmec", "failed", at(6000))
        authority_report(conn, t, f"{t}-r4", "nca", "submitted", at(6000))


SECRETS = (
    "conv-SECRET-7781",
    "acct-SECRET-4412",
    "acct-SECRET-5523",
    "SECRET-TEXT",
    "SECRET-COMMENT",
    "SECRET-REASON",
    "reporter-SECRET-9",
)


def plant_small(repo: Repository, tenant_id: str = "t-small", *, new_tenant: bool = True) -> None:
    """A tenant whose every figure is 1 to 4, full of identifiers and text that must never
    reach a published report: 1 held message, 2 suspensions, 3 warnings (by a reviewer),
    4 user reports, 1 appeal, 2 reports to NCMEC."""
    if new_tenant:
        tenant(repo, tenant_id, "Small platform")
    t = tenant_id
    conv, acct, other = SECRETS[0], SECRETS[1], SECRETS[2]
    with repo.engine.begin() as conn:
        message(conn, t, conv, 0, acct, "SECRET-TEXT send me a pic")
        message(conn, t, conv, 1, other, "SECRET-TEXT don't tell your parents")
        alert(conn, t, conv, at(0), "grooming")
        for n in range(4):
            report(conn, t, conv, at(5000 + n), reported=acct, comment="SECRET-COMMENT")
        action(conn, t, "hold_message", at(10), conversation=conv, account=acct)
        for n in range(2):
            action(conn, t, "suspend", at(20 + n), conversation=conv, account=acct)
        for n in range(3):
            action(conn, t, "warn", at(30 + n), conversation=conv, account=other, automated=False)
        case(conn, t, f"{t}-k1", conv, "confirm", at(4000))
        appeal(conn, t, f"{t}-p1", f"{t}-k1", at(5000), "upheld", 60, reason="SECRET-REASON")
        authority_report(conn, t, f"{t}-r1", "ncmec", "submitted", at(6000))
        authority_report(conn, t, f"{t}-r2", "ncmec", "submitted", at(6000))
