"""Generated service history for the insight benchmarks and tests.

:class:`HistoryWriter` bulk-loads rows straight into the service tables (``executemany`` of
plain tuples on SQLite, ``COPY`` on PostgreSQL), so millions of messages load in minutes;
:func:`generate_history` writes a realistic history with it: conversations with messages,
alerts with harm and tactics, cases opened and decided, engine and reviewer actions, and
reports to authorities, spread over ``days`` with a weekly rhythm. Tests use the writer to
plant exact rows; the transparency benchmark reuses the generator. No message text beyond a
neutral placeholder: nothing here is content.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table

from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportEvent,
    AuthorityReportRow,
    Conversation,
    StoredMessage,
    UserReport,
)
from safeguarding.storage.models_cases import CaseEventRow, CaseRow
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.base import table_of

CHUNK = 20_000
TACTICS = ("trust_building", "secrecy", "isolation", "image_request", "platform_move", "meeting")
AREAS = ("game_chat", "direct_messages", "voice_lobby", "forum")
LOCALES = ("en-GB", "en-US", "de-DE", "fr-FR")
AGE_BANDS = ("under_13", "13_15", "16_17", "unknown")
HARMS = ("grooming", "grooming", "grooming", "sextortion", "criminal_exploitation")
ENGINE_ACTIONS = ("safety_prompt", "warn", "hold_message", "escalate_review", "preserve_evidence")
DECISIONS = ("confirm", "dismiss", "report")
WEEKDAY_WEIGHT = (0.8, 0.8, 0.9, 0.9, 1.1, 1.4, 1.3)  # Monday .. Sunday


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


class HistoryWriter:
    """Bulk inserts of whole rows (every column given) into one repository's tables."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.postgres = repo.dialect == "postgresql"

    def insert(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        table: Table = table_of(model)
        batch: list[dict[str, Any]] = []
        n = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                n += self._flush(table, batch)
                batch = []
        return n + self._flush(table, batch)

    def _flush(self, table: Table, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            raw = self.repo.engine.raw_connection()
            try:
                cur: Any = raw.cursor()
                with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(
                            [
                                json.dumps(v) if isinstance(v, (dict, list)) else v
                                for v in row.values()
                            ]
                        )
                raw.commit()
            finally:
                raw.close()
        else:
            marks = ", ".join("?" for _ in columns)
            with self.repo.engine.begin() as conn:
                conn.exec_driver_sql(
                    f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row.values()) for row in rows],
                )
        return len(rows)


def conversation_row(
    tenant_id: str,
    cid: str,
    at: datetime,
    *,
    area: str = "direct_messages",
    locale: str = "en-GB",
    harm: str | None = "grooming",
    tactics: dict[str, list[int]] | None = None,
    messages: int = 0,
    offender: str | None = None,
    child: str | None = None,
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "id": cid,
        "created_at": at,
        "updated_at": at,
        "message_count": messages,
        "risk": 0.5,
        "level": 0,
        "alerted_level": 0,
        "offender": offender,
        "at_risk": child,
        "assessment": {"harm": harm, "tactics": tactics or {}},
        "engine_state": {"platform": area, "locale": locale},
        "evidence_hold": False,
        "action_state": None,
    }


def message_rows(
    tenant_id: str, cid: str, start: datetime, count: int, step: timedelta, senders: Sequence[str]
) -> Iterable[dict[str, Any]]:
    for i in range(count):
        sender = senders[i % len(senders)]
        yield {
            "tenant_id": tenant_id,
            "conversation_id": cid,
            "idx": i,
            "message_id": f"m{i}",
            "event_id": f"{cid}:{i}",
            "sender": sender,
            "recipients": [s for s in senders if s != sender],
            "ts": start + i * step,
            "received_at": start + i * step,
            "text": "placeholder",
            "media": None,
            "text_purged_at": None,
        }


def alert_row(
    tenant_id: str,
    cid: str,
    at: datetime,
    *,
    harm: str | None = "grooming",
    tactics: Sequence[str] = ("secrecy",),
    level: int = 2,
    message_index: int = 0,
    offender: str | None = None,
    child: str | None = None,
) -> dict[str, Any]:
    return {
        "public_id": str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "conversation_id": cid,
        "level": level,
        "risk": 0.7,
        "message_index": message_index,
        "offender": offender,
        "at_risk": child,
        "tactics": list(tactics),
        "raised_at": at,
        "status": "open",
        "harm": harm,
    }


def action_row(
    tenant_id: str,
    cid: str | None,
    at: datetime,
    action_type: str,
    *,
    shadow: bool = False,
    harm: str | None = None,
    account: str | None = None,
    automated: bool = True,
) -> dict[str, Any]:
    return {
        "public_id": str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "conversation_id": cid,
        "account_id": account,
        "action_type": action_type,
        "rule_ids": ["r1"] if automated else [],
        "payload": {},
        "shadow": shadow,
        "created_at": at,
        "harm": harm,
        "automated": automated,
    }


def notice_row(
    tenant_id: str, cid: str, reported: str, at: datetime, reporter_type: str = "user"
) -> dict[str, Any]:
    """A user's (or a trusted flagger's) report about a conversation; no comment text."""
    return {
        "public_id": str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "event_id": f"n-{cid}",
        "reporter_id": f"r-{cid}",
        "reported_id": reported,
        "conversation_id": cid,
        "reason": "uncomfortable",
        "comment": None,
        "ts": at,
        "reporter_type": reporter_type,
    }


def case_row(
    tenant_id: str,
    case_id: str,
    cid: str,
    at: datetime,
    *,
    area: str = "direct_messages",
    locale: str = "en-GB",
    age_band: str = "13_15",
    tactics: Sequence[str] = (),
    offender: str | None = None,
) -> dict[str, Any]:
    return {
        "id": case_id,
        "tenant_id": tenant_id,
        "kind": "conversation",
        "subject": cid,
        "parent_id": None,
        "state": "open",
        "queue": "default",
        "urgency": 0,
        "age_rank": 1,
        "risk": 0.7,
        "level": 2,
        "tactics": list(tactics),
        "offender": offender,
        "child": None,
        "age_band": age_band,
        "platform": area,
        "locale": locale,
        "opened_at": at,
        "updated_at": at,
        "claimed_by": None,
        "claim_expires_at": None,
        "decided_by": None,
        "decision": None,
        "decided_at": None,
        "label": None,
        "last_alert_id": 0,
    }


def case_event_row(
    tenant_id: str, case_id: str, kind: str, at: datetime, decision: str | None = None
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "case_id": case_id,
        "user_id": None,
        "kind": kind,
        "decision": decision,
        "note": None,
        "detail": {},
        "at": at,
    }


def report_rows(
    tenant_id: str, report_id: str, cid: str, at: datetime, authority: str = "ncmec"
) -> tuple[dict[str, Any], dict[str, Any]]:
    report: dict[str, Any] = {
        "id": report_id,
        "tenant_id": tenant_id,
        "authority": authority,
        "subject_kind": "conversation",
        "subject_id": cid,
        "conversation_id": cid,
        "status": "submitted",
        "external_id": None,
        "approved_by": None,
        "sent": {},
        "progress": {},
        "error_code": None,
        "error_message": None,
        "created_at": at,
        "updated_at": at,
        "submitted_at": at,
        "retain_until": None,
    }
    event = {
        "tenant_id": tenant_id,
        "report_id": report_id,
        "at": at,
        "step": "sent",
        "outcome": "ok",
        "actor": None,
        "detail": {},
    }
    return report, event


@dataclass(frozen=True)
class HistorySize:
    conversations: int
    messages: int
    alerts: int
    actions: int
    cases: int
    decisions: int
    reports: int
    notices: int = 0  # users' and trusted flaggers' reports (the transparency report's)


def generate_history(
    repo: Repository,
    tenant_id: str,
    *,
    messages: int,
    actions: int,
    days: int = 730,
    end: datetime | None = None,
    seed: int = 13,
    messages_per_conversation: int = 50,
    progress: Callable[[str, int], None] | None = None,
) -> HistorySize:
    """Write ``messages`` messages and about ``actions`` actions of history over ``days``
    days ending at ``end``: one alerted conversation in two, each with a case (decided
    four times in five), engine actions, and a report for one decision in three."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    writer = HistoryWriter(repo)
    n_conv = max(1, messages // messages_per_conversation)
    alerted = max(1, n_conv // 2)
    per_alerted = max(1, round(actions / alerted))
    weights = [WEEKDAY_WEIGHT[(start + timedelta(days=d)).weekday()] for d in range(days)]
    day_of_conv = rng.choices(range(days), weights=weights, k=n_conv)
    size = {k: 0 for k in HistorySize.__dataclass_fields__}

    def tick(kind: str, n: int) -> None:
        size[kind] += n
        if progress is not None:
            progress(kind, n)

    step = timedelta(minutes=2)
    for lo in range(0, n_conv, CHUNK // messages_per_conversation or 1):
        hi = min(n_conv, lo + max(1, CHUNK // messages_per_conversation))
        convs: list[dict[str, Any]] = []
        msgs: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        acts: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        reports: list[dict[str, Any]] = []
        report_events: list[dict[str, Any]] = []
        notices: list[dict[str, Any]] = []
        for i in range(lo, hi):
            cid = f"c{i}"
            at = start + timedelta(days=day_of_conv[i], seconds=rng.randrange(86_400))
            offender, child = f"a{rng.randrange(n_conv)}", f"k{i}"
            area, locale = rng.choice(AREAS), rng.choice(LOCALES)
            is_alerted = i % 2 == 0
            tactics = rng.sample(TACTICS, 2) if is_alerted else []
            first_risky = rng.randrange(messages_per_conversation // 2)
            harm = rng.choice(HARMS) if is_alerted else None
            convs.append(
                conversation_row(
                    tenant_id,
                    cid,
                    at,
                    area=area,
                    locale=locale,
                    harm=harm,
                    tactics={t: [first_risky] for t in tactics},
                    messages=messages_per_conversation,
                    offender=offender if is_alerted else None,
                    child=child,
                )
            )
            msgs.extend(
                message_rows(tenant_id, cid, at, messages_per_conversation, step, (offender, child))
            )
            if not is_alerted:
                continue
            alert_at = at + first_risky * step + timedelta(seconds=rng.randrange(1, 600))
            alerts.append(
                alert_row(
                    tenant_id,
                    cid,
                    alert_at,
                    harm=harm,
                    tactics=tactics,
                    message_index=first_risky,
                    offender=offender,
                    child=child,
                )
            )
            case_id = f"{tenant_id}-k{i}"
            cases.append(
                case_row(
                    tenant_id,
                    case_id,
                    cid,
                    alert_at,
                    area=area,
                    locale=locale,
                    age_band=rng.choice(AGE_BANDS),
                    tactics=tactics,
                    offender=offender,
                )
            )
            events.append(case_event_row(tenant_id, case_id, "opened", alert_at))
            if rng.random() < 0.2:  # a notice before the alert: one in ten a trusted flagger's
                kind = "trusted_flagger" if rng.random() < 0.1 else "user"
                noticed = alert_at - timedelta(seconds=rng.randrange(60, 3_600))
                notices.append(notice_row(tenant_id, cid, offender, noticed, kind))
            for k in range(per_alerted):
                acted = alert_at + timedelta(seconds=rng.randrange(1, 7_200) * (k + 1))
                acts.append(
                    action_row(
                        tenant_id,
                        cid,
                        acted,
                        ENGINE_ACTIONS[k % 5],
                        harm=harm,
                        account=offender,
                        automated=rng.random() < 0.95,
                    )
                )
            if rng.random() < 0.8:
                decided = alert_at + timedelta(hours=rng.expovariate(1 / 12))
                decision = rng.choice(DECISIONS)
                events.append(case_event_row(tenant_id, case_id, "decision", decided, decision))
                if decision == "report":
                    report, event = report_rows(
                        tenant_id,
                        f"{tenant_id}-r{i}",
                        cid,
                        decided + timedelta(hours=rng.uniform(0.5, 48)),
                    )
                    reports.append(report)
                    report_events.append(event)
        tick("conversations", writer.insert(Conversation, convs))
        tick("messages", writer.insert(StoredMessage, msgs))
        tick("alerts", writer.insert(AlertRow, alerts))
        tick("actions", writer.insert(ActionRow, acts))
        tick("cases", writer.insert(CaseRow, cases))
        tick("decisions", writer.insert(CaseEventRow, events) - len(cases))
        tick("notices", writer.insert(UserReport, notices))
        writer.insert(AuthorityReportRow, reports)
        tick("reports", writer.insert(AuthorityReportEvent, report_events))
    if writer.postgres:  # fresh statistics, as autovacuum would give a live database
        with repo.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return HistorySize(**size)
