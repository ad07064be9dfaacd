"""Reads of the insight roll-up tables: daily counts, alerted conversations, cursors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Date, Float, Row, cast, func, literal, select

from safeguarding.storage.models import ActionRow, AlertRow, AuthorityReportRow
from safeguarding.storage.models_cases import CaseEventRow, CaseRow
from safeguarding.storage.models_insight import InsightConversation, InsightCursor, InsightDaily
from safeguarding.storage.repository.base import table_of
from safeguarding.storage.repository.insight_rollup import InsightRollupStore


class InsightStore(InsightRollupStore):
    """The roll-up tables, read per tenant; written by :class:`InsightRollupStore`."""

    def daily_counts(
        self, tenant_id: str, metric: str, dimension: str, first_day: str, last_day: str
    ) -> list[tuple[str, str, int]]:
        """(day, value, count) of ``metric`` under ``dimension`` from ``first_day`` to
        ``last_day`` (ISO dates, inclusive), in day order."""
        d = table_of(InsightDaily).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(d.day, d.value, d.count)
                .where(
                    d.tenant_id == tenant_id,
                    d.metric == metric,
                    d.dimension == dimension,
                    d.day >= first_day,
                    d.day <= last_day,
                )
                .order_by(d.day, d.value)
            ).all()
        return [(r.day, r.value, int(r[2])) for r in rows]

    def period_counts(
        self,
        tenant_id: str,
        metric: str,
        dimension: str,
        grain: str,
        first_day: str,
        last_day: str,
    ) -> list[tuple[str, str, int]]:
        """(period start, value, count) summed in the database per ISO week (``week``,
        starting Monday) or calendar month (``month``); ``day`` is :meth:`daily_counts`."""
        if grain == "day":
            return self.daily_counts(tenant_id, metric, dimension, first_day, last_day)
        d = table_of(InsightDaily).c
        period: Any
        if grain == "month":
            period = func.substr(d.day, 1, 7) + literal("-01")
        elif self.dialect == "postgresql":
            period = func.to_char(func.date_trunc("week", cast(d.day, Date)), "YYYY-MM-DD")
        else:  # the Monday on or before the day
            period = func.date(d.day, "weekday 0", "-6 days")
        period = period.label("period")
        total = func.sum(d.count).label("total")
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(period, d.value, total)
                .where(
                    d.tenant_id == tenant_id,
                    d.metric == metric,
                    d.dimension == dimension,
                    d.day >= first_day,
                    d.day <= last_day,
                )
                .group_by(period, d.value)
            ).all()
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def step_seconds(
        self, tenant_id: str, first_day: str, last_day: str
    ) -> list[tuple[str, float | None, float | None, float | None, float | None]]:
        """(first alert day, seconds from the first risky message to the first alert,
        decision, action, report) of each conversation first alerted between two days,
        computed in the database (no timestamps to convert)."""
        t = table_of(InsightConversation).c

        def seconds(column: Any) -> Any:
            if self.dialect == "postgresql":
                return cast(func.extract("epoch", column - t.first_risky_at), Float)
            return (func.julianday(column) - func.julianday(t.first_risky_at)) * 86_400.0

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.day,
                    seconds(t.alerted_at),
                    seconds(t.decided_at),
                    seconds(t.actioned_at),
                    seconds(t.reported_at),
                ).where(t.tenant_id == tenant_id, t.day >= first_day, t.day <= last_day)
            ).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def insight_days(self, tenant_id: str) -> tuple[str, str] | None:
        """The first and last day with any roll-up count, or None before the first."""
        d = table_of(InsightDaily).c
        with self.engine.connect() as conn:
            found = conn.execute(
                select(func.min(d.day), func.max(d.day)).where(d.tenant_id == tenant_id)
            ).first()
        if found is None or found[0] is None:
            return None
        return str(found[0]), str(found[1])

    def alerted_conversations(
        self, tenant_id: str, first_day: str, last_day: str, columns: Sequence[str] = ()
    ) -> list[Row[Any]]:
        """The fact rows of conversations first alerted between two days (inclusive)."""
        t = table_of(InsightConversation)
        chosen = [t.c[name] for name in columns] if columns else list(t.c)
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(*chosen).where(
                        t.c.tenant_id == tenant_id,
                        t.c.day >= first_day,
                        t.c.day <= last_day,
                    )
                ).all()
            )

    def insight_cursors(self, tenant_id: str) -> dict[str, int]:
        c = table_of(InsightCursor).c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.source, c.last_id).where(c.tenant_id == tenant_id)).all()
        return {r.source: int(r.last_id) for r in rows}

    def insight_table_rows(
        self, tenant_id: str, table: str, page: int = 50_000
    ) -> Iterator[list[dict[str, Any]]]:
        """A tenant's rows of one roll-up table, a page at a time (for the Parquet export)."""
        model: Any = {
            "insight_daily": InsightDaily,
            "insight_conversations": InsightConversation,
        }[table]
        t = table_of(model)
        keys = list(t.primary_key.columns)
        offset = 0
        with self.engine.connect() as conn:
            while True:
                rows = conn.execute(
                    select(t)
                    .where(t.c.tenant_id == tenant_id)
                    .order_by(*keys)
                    .offset(offset)
                    .limit(page)
                ).all()
                if not rows:
                    return
                yield [dict(r._mapping) for r in rows]
                offset += len(rows)

    def export_rows(
        self, tenant_id: str, table: str, columns: Sequence[str], page: int = 50_000
    ) -> Iterator[list[dict[str, Any]]]:
        """A tenant's rows of an event table (``alerts``, ``actions``, ``case_events``,
        ``authority_reports``, ``cases``), only ``columns``, a page at a time in key order."""
        model: Any = _EXPORTABLE[table]
        t = table_of(model)
        key = t.c.id
        chosen = [t.c[name] for name in columns]
        last: Any = None
        with self.engine.connect() as conn:
            while True:
                stmt = select(*chosen, key.label("_key")).where(t.c.tenant_id == tenant_id)
                if last is not None:
                    stmt = stmt.where(key > last)
                rows = conn.execute(stmt.order_by(key).limit(page)).all()
                if not rows:
                    return
                last = rows[-1]._key
                yield [{name: r._mapping[name] for name in columns} for r in rows]


_EXPORTABLE: dict[str, Any] = {
    "alerts": AlertRow,
    "actions": ActionRow,
    "case_events": CaseEventRow,
    "cases": CaseRow,
    "authority_reports": AuthorityReportRow,
}
