"""The insight roll-up: new alerts, case events, actions and report steps into daily counts.

Incremental by row id: each source (``alerts``, ``case_events``, ``actions``, ``reports``)
has a cursor in ``insight_cursors``, and a roll-up reads only rows above it, a page at a
time; each page's counts, fact rows and the cursor move in one transaction, so a roll-up can
stop anywhere and run again without counting a row twice. A report then reads the daily
counts and never the messages. All four sources are append-only: an alert, an action, a case
event or a report step is never changed after it is written, so a day once rolled up stays
right. (On PostgreSQL a row committed late with a lower id than one already rolled up would
be missed; the service writes each source from one transaction at a time per tenant, and
``rebuild`` recomputes a tenant from scratch if ever needed.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportEvent,
    AuthorityReportRow,
    Conversation,
    StoredMessage,
)
from safeguarding.storage.models_cases import CaseEventRow, CaseRow
from safeguarding.storage.models_insight import InsightConversation, InsightCursor, InsightDaily
from safeguarding.storage.repository.base import (
    CHUNK,
    RepositoryBase,
    rows_in_chunks,
    table_of,
)

PAGE = 20_000
SOURCES = ("alerts", "case_events", "actions", "reports")
DIMENSIONS = ("all", "harm", "tactic", "area", "locale", "age_band", "type")
UNKNOWN = "unknown"
CASE_METRICS = {"opened": "cases", "decision": "decisions", "appeal_decision": "appeals"}
STEP_COLUMN = {"decisions": "decided_at", "actions": "actioned_at", "reports": "reported_at"}
Key = tuple[str, str, str, str]  # day, metric, dimension, value
Progress = Callable[[str, int], None]


def harm_category(harm: str | None, tactics: Iterable[str]) -> str:
    """Known media (a hash-bank match) first, then the harm the engine named."""
    if "media_match" in set(tactics):
        return "known_media"
    return harm or UNKNOWN


def day_of(at: datetime) -> str:
    return at.date().isoformat()


def _count(counts: Counter[Key], day: str, metric: str, facts: dict[str, Any], kind: str) -> None:
    counts[(day, metric, "all", "")] += 1
    counts[(day, metric, "type", kind[:100])] += 1
    for dimension in ("harm", "area", "locale", "age_band"):
        counts[(day, metric, dimension, str(facts[dimension])[:100])] += 1
    for tactic in sorted(set(facts["tactics"])):
        counts[(day, metric, "tactic", str(tactic)[:100])] += 1


NO_FACTS: dict[str, Any] = {
    "harm": UNKNOWN,
    "area": UNKNOWN,
    "locale": UNKNOWN,
    "age_band": UNKNOWN,
    "tactics": [],
}


class InsightRollupStore(RepositoryBase):
    """Writes the insight roll-up tables (see the module's text)."""

    def rollup(self, tenant_id: str, progress: Progress | None = None) -> dict[str, int]:
        """Roll up every source row added since the last roll-up; returns rows per source."""
        done = dict.fromkeys(SOURCES, 0)
        for source in SOURCES:
            while True:
                n = self._rollup_page(tenant_id, source)
                done[source] += n
                if progress is not None and n:
                    progress(source, n)
                if n < PAGE:
                    break
        return done

    def rebuild_rollup(self, tenant_id: str, progress: Progress | None = None) -> dict[str, int]:
        """Forget a tenant's roll-up and build it again from the source tables."""
        with self._write() as conn:
            for model in (InsightDaily, InsightConversation, InsightCursor):
                conn.execute(delete(table_of(model)).where(model.tenant_id == tenant_id))
        return self.rollup(tenant_id, progress)

    def rollup_pending(self, tenant_id: str) -> bool:
        """Whether any source has rows the roll-up has not read (a few indexed reads)."""
        with self.engine.connect() as conn:
            cursors = self._cursors(conn, tenant_id)
            for source, (model, extra) in _SOURCE_TABLES.items():
                found = conn.execute(
                    select(model.id)
                    .where(model.tenant_id == tenant_id, model.id > cursors[source], *extra)
                    .limit(1)
                ).first()
                if found is not None:
                    return True
        return False

    # --- one page of one source ---------------------------------------------------------
    def _rollup_page(self, tenant_id: str, source: str) -> int:
        with self._write() as conn:
            after = self._cursors(conn, tenant_id)[source]
            model, extra = _SOURCE_TABLES[source]
            rows = conn.execute(
                select(table_of(model))
                .where(model.tenant_id == tenant_id, model.id > after, *extra)
                .order_by(model.id)
                .limit(PAGE)
            ).all()
            if not rows:
                return 0
            counts: Counter[Key] = Counter()
            if source == "alerts":
                self._alerts(conn, tenant_id, rows, counts)
            elif source == "case_events":
                self._case_events(conn, tenant_id, rows, counts)
            elif source == "actions":
                self._actions(conn, tenant_id, rows, counts)
            else:
                self._reports(conn, tenant_id, rows, counts)
            self._add_counts(conn, tenant_id, counts)
            self._upsert(
                conn,
                table_of(InsightCursor),
                [{"tenant_id": tenant_id, "source": source, "last_id": rows[-1].id}],
                ["tenant_id", "source"],
            )
            return len(rows)

    def _cursors(self, conn: Connection, tenant_id: str) -> dict[str, int]:
        found = dict.fromkeys(SOURCES, 0)
        for r in conn.execute(
            select(InsightCursor.source, InsightCursor.last_id).where(
                InsightCursor.tenant_id == tenant_id
            )
        ):
            found[r.source] = int(r.last_id)
        return found

    def _add_counts(self, conn: Connection, tenant_id: str, counts: Counter[Key]) -> None:
        if not counts:
            return
        table = table_of(InsightDaily)
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        base = insert(table)
        stmt = base.on_conflict_do_update(
            index_elements=["tenant_id", "day", "metric", "dimension", "value"],
            set_={"count": table.c.count + base.excluded.count},
        )
        conn.execute(
            stmt,
            [
                {
                    "tenant_id": tenant_id,
                    "day": day,
                    "metric": metric,
                    "dimension": dimension,
                    "value": value,
                    "count": n,
                }
                for (day, metric, dimension, value), n in sorted(counts.items())
            ],
        )

    def _facts(self, conn: Connection, tenant_id: str, ids: Sequence[str]) -> dict[str, Any]:
        t = table_of(InsightConversation).c
        stmt = select(table_of(InsightConversation)).where(
            t.tenant_id == bindparam("tenant_id"),
            t.conversation_id.in_(bindparam("ids", expanding=True)),
        )
        return {
            r.conversation_id: {**r._mapping}
            for r in rows_in_chunks(conn, stmt, tenant_id, sorted(set(ids)))
        }

    # --- alerts: new fact rows and alert counts -----------------------------------------
    def _alerts(
        self, conn: Connection, tenant_id: str, rows: Sequence[Row[Any]], counts: Counter[Key]
    ) -> None:
        ids = sorted({r.conversation_id for r in rows})
        facts = self._facts(conn, tenant_id, ids)
        new_ids = [cid for cid in ids if cid not in facts]
        cases = self._conversation_cases(conn, tenant_id, new_ids)
        states = self._conversation_states(conn, tenant_id, new_ids)
        first_index = {
            r.conversation_id: min(
                [r.message_index, *states.get(r.conversation_id, {}).get("indices", [])]
            )
            for r in reversed(rows)
        }
        message_ts = self._message_times(conn, tenant_id, first_index)
        created: dict[str, dict[str, Any]] = {}
        changed: dict[str, dict[str, Any]] = {}
        for r in rows:
            tactics = list(r.tactics or [])
            fact = facts.get(r.conversation_id)
            if fact is None:
                case = cases.get(r.conversation_id)
                state = states.get(r.conversation_id, {})
                fact = {
                    "tenant_id": tenant_id,
                    "conversation_id": r.conversation_id,
                    "day": day_of(r.raised_at),
                    "harm": harm_category(r.harm or state.get("harm"), tactics),
                    "area": ((case.platform if case else None) or state.get("platform") or UNKNOWN),
                    "locale": ((case.locale if case else None) or state.get("locale") or UNKNOWN),
                    "age_band": (case.age_band if case else None) or UNKNOWN,
                    "offender": r.offender,
                    "tactics": sorted(set(tactics)),
                    "first_risky_at": min(
                        message_ts.get(r.conversation_id, r.raised_at), r.raised_at
                    ),
                    "alerted_at": r.raised_at,
                    "decided_at": None,
                    "actioned_at": None,
                    "reported_at": None,
                }
                facts[r.conversation_id] = created[r.conversation_id] = fact
            elif not set(tactics) <= set(fact["tactics"]):
                fact["tactics"] = sorted(set(fact["tactics"]) | set(tactics))
                if r.conversation_id not in created:
                    changed[r.conversation_id] = fact
            alert_facts = {
                **fact,
                "harm": harm_category(r.harm, tactics) if r.harm else fact["harm"],
                "tactics": tactics,
            }
            _count(counts, day_of(r.raised_at), "alerts", alert_facts, f"level_{r.level}")
        if created:
            conn.execute(table_of(InsightConversation).insert(), list(created.values()))
        if changed:
            t = table_of(InsightConversation)
            conn.execute(
                update(t)
                .where(
                    t.c.tenant_id == bindparam("t_id"),
                    t.c.conversation_id == bindparam("c_id"),
                )
                .values(tactics=bindparam("new_tactics")),
                [
                    {"t_id": tenant_id, "c_id": cid, "new_tactics": f["tactics"]}
                    for cid, f in changed.items()
                ],
            )

    def _conversation_cases(
        self, conn: Connection, tenant_id: str, ids: Sequence[str]
    ) -> dict[str, Any]:
        c = table_of(CaseRow).c
        stmt = select(c.subject, c.platform, c.locale, c.age_band).where(
            c.tenant_id == bindparam("tenant_id"),
            c.kind == "conversation",
            c.subject.in_(bindparam("ids", expanding=True)),
        )
        return {r.subject: r for r in rows_in_chunks(conn, stmt, tenant_id, ids)}

    def _conversation_states(
        self, conn: Connection, tenant_id: str, ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Platform area, locale and harm from the engine state and assessment, and the
        indices of the messages that carried a tactic (the first is the first risky one)."""
        c = table_of(Conversation).c
        stmt = select(c.id, c.engine_state, c.assessment).where(
            c.tenant_id == bindparam("tenant_id"), c.id.in_(bindparam("ids", expanding=True))
        )
        out: dict[str, dict[str, Any]] = {}
        for r in rows_in_chunks(conn, stmt, tenant_id, ids):
            state = r.engine_state or {}
            assessment = r.assessment or {}
            tactic_map = assessment.get("tactics") or {}
            indices = [
                int(i)
                for found in (tactic_map.values() if isinstance(tactic_map, dict) else [])
                for i in (found or [])
                if isinstance(i, int)
            ]
            out[r.id] = {
                "platform": state.get("platform"),
                "locale": state.get("locale"),
                "harm": assessment.get("harm"),
                "indices": indices,
            }
        return out

    def _message_times(
        self, conn: Connection, tenant_id: str, first_index: dict[str, int]
    ) -> dict[str, datetime]:
        """The time of each conversation's first risky message, read by primary key
        (conversation, index) a few hundred pairs a query."""
        m = table_of(StoredMessage).c
        pairs = sorted(first_index.items())
        out: dict[str, datetime] = {}
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            rows = conn.execute(
                select(m.conversation_id, m.ts).where(
                    m.tenant_id == tenant_id, tuple_(m.conversation_id, m.idx).in_(chunk)
                )
            )
            for cid, ts in rows:
                out[cid] = ts
        return out

    # --- the steps taken on a conversation ----------------------------------------------
    def _steps(
        self,
        conn: Connection,
        tenant_id: str,
        metric: str,
        events: Sequence[tuple[datetime, str | None, str, dict[str, Any] | None]],
        counts: Counter[Key],
    ) -> None:
        """Count ``events`` (at, conversation id, type, facts when not a conversation's) and
        record the first of each conversation's steps on its fact row."""
        facts = self._facts(conn, tenant_id, [cid for _, cid, _, _ in events if cid])
        first: dict[str, datetime] = {}
        for at, cid, kind, own in events:
            fact = facts.get(cid) if cid else None
            _count(counts, day_of(at), metric, fact or own or NO_FACTS, kind)
            if fact is not None and (cid not in first or at < first[cid]):
                first[cid] = at  # type: ignore[index]
        column = STEP_COLUMN.get(metric)
        if column is None:
            return
        updates = [
            {"t_id": tenant_id, "c_id": cid, "at": at}
            for cid, at in first.items()
            if facts[cid][column] is None or at < facts[cid][column]
        ]
        if updates:
            t = table_of(InsightConversation)
            conn.execute(
                update(t)
                .where(t.c.tenant_id == bindparam("t_id"), t.c.conversation_id == bindparam("c_id"))
                .values({column: bindparam("at")}),
                updates,
            )

    def _actions(
        self, conn: Connection, tenant_id: str, rows: Sequence[Row[Any]], counts: Counter[Key]
    ) -> None:
        events = [(r.created_at, r.conversation_id, r.action_type, None) for r in rows]
        self._steps(conn, tenant_id, "actions", events, counts)

    def _case_events(
        self, conn: Connection, tenant_id: str, rows: Sequence[Row[Any]], counts: Counter[Key]
    ) -> None:
        c = table_of(CaseRow).c
        stmt = select(c.id, c.kind, c.subject, c.age_band, c.tactics).where(
            c.tenant_id == bindparam("tenant_id"), c.id.in_(bindparam("ids", expanding=True))
        )
        cases = {
            r.id: r
            for r in rows_in_chunks(conn, stmt, tenant_id, sorted({r.case_id for r in rows}))
        }
        by_metric: dict[str, list[tuple[datetime, str | None, str, dict[str, Any] | None]]] = {}
        for r in rows:
            case = cases.get(r.case_id)
            if case is None:
                continue
            metric = CASE_METRICS[r.kind]
            kind = r.decision or (case.kind if metric == "cases" else UNKNOWN)
            own = {**NO_FACTS, "age_band": case.age_band or UNKNOWN, "tactics": case.tactics or []}
            cid = case.subject if case.kind == "conversation" else None
            by_metric.setdefault(metric, []).append((r.at, cid, kind, own))
        for metric, events in by_metric.items():
            self._steps(conn, tenant_id, metric, events, counts)

    def _reports(
        self, conn: Connection, tenant_id: str, rows: Sequence[Row[Any]], counts: Counter[Key]
    ) -> None:
        t = table_of(AuthorityReportRow).c
        stmt = select(t.id, t.authority, t.conversation_id).where(
            t.tenant_id == bindparam("tenant_id"), t.id.in_(bindparam("ids", expanding=True))
        )
        reports = {
            r.id: r
            for r in rows_in_chunks(conn, stmt, tenant_id, sorted({r.report_id for r in rows}))
        }
        events = [
            (r.at, reports[r.report_id].conversation_id, reports[r.report_id].authority, None)
            for r in rows
            if r.report_id in reports
        ]
        self._steps(conn, tenant_id, "reports", events, counts)


_SOURCE_TABLES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "alerts": (AlertRow, ()),
    "case_events": (CaseEventRow, (CaseEventRow.kind.in_(sorted(CASE_METRICS)),)),
    "actions": (ActionRow, (ActionRow.shadow.is_(False), ActionRow.action_type != "account_alert")),
    "reports": (
        AuthorityReportEvent,
        (AuthorityReportEvent.step == "sent", AuthorityReportEvent.outcome == "ok"),
    ),
}
