"""Alerts become cases: one per conversation, and one per suspected account across its
conversations (linked as the parent of its conversation cases).

The cases stage reads what the ingest pipeline stored (alerts, account alerts) from a cursor,
so ingest is untouched and the console stays in step however often it asks: when nothing is
new, a sync is two indexed reads.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from safeguarding.cases.priority import AGE_RANK, age_band, urgency
from safeguarding.cases.routing import Routing
from safeguarding.storage.models_cases import CaseRow
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.cases import CaseEvent, CaseRecord, new_id

PAGE = 1_000
CLOSED_STATES = ("decided", "reported", "closed")


class CaseSync:
    def __init__(self, repo: Repository, routing: Routing) -> None:
        self.repo = repo
        self.routing = routing
        self._lock = threading.Lock()

    def sync(self, tenant_id: str) -> int:
        """Open or update the cases of alerts stored since the last sync; returns how many."""
        if self.repo.latest_source_ids(tenant_id) == self.repo.case_cursor(tenant_id):
            return 0
        changed = 0
        with self._lock:
            while True:
                alert_cursor, action_cursor = self.repo.case_cursor(tenant_id)
                alerts = self.repo.alerts_after(tenant_id, alert_cursor, PAGE)
                account_alerts = self.repo.account_alerts_after(tenant_id, action_cursor)
                if not alerts and not account_alerts:
                    return changed
                changed += self._apply(
                    tenant_id, alerts, account_alerts, alert_cursor, action_cursor
                )
                if len(alerts) < PAGE:
                    return changed

    def _apply(
        self,
        tenant_id: str,
        alerts: list[dict[str, Any]],
        account_alerts: list[Any],
        alert_cursor: int,
        action_cursor: int,
    ) -> int:
        now = datetime.now(UTC)
        by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for alert in alerts:
            by_conversation[alert["conversation_id"]].append(alert)
        existing = self.repo.cases_by_subject(tenant_id, "conversation", list(by_conversation))
        children = {a["at_risk"] for a in alerts if a["at_risk"]}
        accounts = self.repo.get_accounts(tenant_id, children)
        events: list[tuple[str, CaseEvent]] = []
        touched: dict[str, CaseRecord] = {}
        for cid, items in by_conversation.items():
            latest = items[-1]
            case = existing.get(cid)
            tactics = sorted(
                {t for a in items for t in a["tactics"]} | set(case.tactics if case else ())
            )
            band = age_band(accounts.get(latest["at_risk"])) if latest["at_risk"] else "unknown"
            level = max([a["level"] for a in items] + [case.level if case else 0])
            facts = {
                "kind": "conversation",
                "urgency": urgency(tactics, latest.get("harm")),
                "level": level,
                "tactics": tactics,
                "age_band": band,
                "platform": latest["platform"],
            }
            if case is None:
                case = self._new_case(
                    tenant_id,
                    cid,
                    facts,
                    max(a["risk"] for a in items),
                    offender=latest["offender"],
                    child=latest["at_risk"],
                    locale=latest["locale"],
                    opened_at=items[0]["raised_at"],
                    now=now,
                )
                events.append((case.id, CaseEvent("opened", None, at=now)))
            else:
                if case.state in CLOSED_STATES and level > case.level:
                    case.state = "open"
                    events.append((case.id, CaseEvent("reopened", None, at=now)))
                self._refresh(case, facts, max(a["risk"] for a in items), now)
                case.offender = latest["offender"] or case.offender
                case.child = latest["at_risk"] or case.child
                case.age_band, case.age_rank = band, AGE_RANK[band]
            case.last_alert_id = max(a["id"] for a in items)
            touched[case.id] = case
        offenders = {c.offender for c in touched.values() if c.offender}
        offenders |= {a.account_id for a in account_alerts if a.account_id}
        for offender in sorted(offenders):
            self._account_case(tenant_id, offender, touched, account_alerts, events, now)
        cursor = (
            max([alert_cursor] + [a["id"] for a in alerts]),
            max([action_cursor] + [a.id or 0 for a in account_alerts]),
        )
        self.repo.save_cases(tenant_id, list(touched.values()), cursor, events)
        return len(touched)

    def _new_case(
        self,
        tenant_id: str,
        subject: str,
        facts: dict[str, Any],
        risk: float,
        *,
        offender: str | None,
        child: str | None,
        locale: str | None,
        opened_at: datetime,
        now: datetime,
    ) -> CaseRecord:
        return CaseRecord(
            id=new_id(),
            tenant_id=tenant_id,
            kind=facts["kind"],
            subject=subject,
            parent_id=None,
            state="open",
            queue=self.routing.route(facts),
            urgency=facts["urgency"],
            age_rank=AGE_RANK[facts["age_band"]],
            risk=risk,
            level=facts["level"],
            tactics=facts["tactics"],
            offender=offender,
            child=child,
            age_band=facts["age_band"],
            platform=facts["platform"],
            locale=locale,
            opened_at=opened_at,
            updated_at=now,
        )

    def _refresh(self, case: CaseRecord, facts: dict[str, Any], risk: float, now: datetime) -> None:
        case.tactics, case.level = facts["tactics"], facts["level"]
        case.urgency, case.risk = facts["urgency"], max(case.risk, risk)
        case.updated_at = now
        queue = self.routing.route(facts)
        # A case never leaves a restricted queue by itself (it was escalated or routed there).
        if case.state in ("open", "claimed") and case.queue not in self.routing.restricted():
            case.queue = queue

    def _account_case(
        self,
        tenant_id: str,
        offender: str,
        touched: dict[str, CaseRecord],
        account_alerts: list[Any],
        events: list[tuple[str, CaseEvent]],
        now: datetime,
    ) -> None:
        """One case for an account seen as the suspected offender in two or more alerted
        conversations (or named by an account alert), linked to its conversation cases."""
        stored = self.repo.cases_where(
            tenant_id, CaseRow.kind == "conversation", CaseRow.offender == offender, limit=10_000
        )
        convs = {c.id: c for c in stored} | {
            c.id: c for c in touched.values() if c.kind == "conversation" and c.offender == offender
        }
        flagged = any(a.account_id == offender for a in account_alerts)
        if len(convs) < 2 and not flagged:
            return
        account = self.repo.cases_by_subject(tenant_id, "account", [offender]).get(offender)
        members = list(convs.values())
        tactics = sorted({t for c in members for t in c.tactics})
        facts: dict[str, Any] = {
            "kind": "account",
            "urgency": max([c.urgency for c in members] + [0]),
            "level": max([c.level for c in members] + [0]),
            "tactics": tactics,
            "age_band": max(
                (c.age_band or "unknown" for c in members),
                key=lambda band: AGE_RANK.get(band, 1),
                default="unknown",
            ),
            "platform": None,
        }
        risk = max([c.risk for c in members] + [0.0])
        if account is None:
            account = self._new_case(
                tenant_id,
                offender,
                facts,
                risk,
                offender=offender,
                child=None,
                locale=None,
                opened_at=min([c.opened_at for c in members] + [now]),
                now=now,
            )
            events.append(
                (
                    account.id,
                    CaseEvent("opened", None, detail={"conversations": len(members)}, at=now),
                )
            )
        else:
            self._refresh(account, facts, risk, now)
            account.age_band, account.age_rank = facts["age_band"], AGE_RANK[facts["age_band"]]
        touched[account.id] = account
        for c in members:
            if c.parent_id != account.id:
                c.parent_id = account.id
                touched[c.id] = c
