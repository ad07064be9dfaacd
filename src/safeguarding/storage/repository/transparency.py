"""Figures of a tenant's transparency report for one period, computed in SQL.

Every count is an aggregate the database computes (SQLite and PostgreSQL); no row of a
message, account or report leaves the database, only counts and durations. The actions of
the period are read once (a materialised common table expression, from a covering index):
for each, the harm it was taken for, whether a person decided it, and its detection source,
which is the first notice about its conversation received before it (a trusted flagger's,
else a user's) or, when there was none, the platform's own detection (the engine or a media
match: "proactive"). The first notice and first alert of every conversation come from one
grouped pass each, joined to the actions (no lookup per action). Time to action runs from
that notice, or from the conversation's first alert, to the action. Percentiles are
nearest-rank (the value at rank ceil(p * n)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportRow,
    UserReport,
)
from safeguarding.storage.models_cases import AppealRow, CaseRow
from safeguarding.storage.repository.base import RepositoryBase, table_of

#: Moderation measures: content restricted (``hold_message``) or an account sanctioned.
CONTENT_MEASURES = ("hold_message",)
ACCOUNT_MEASURES = ("warn", "restrict_contact_with_minors", "suspend")
MEASURES = CONTENT_MEASURES + ACCOUNT_MEASURES
#: Events that undo an automatic measure after review (see ``cases.decisions.RELEASES``).
RELEASES = ("release_hold", "lift_restriction", "lift_suspension")
#: Internal signals recorded in the actions table that are not actions on the platform.
NOT_ACTIONS = ("account_alert",)
ALL = "*"
UNSPECIFIED = "unspecified"


@dataclass(frozen=True, slots=True)
class ActionTally:
    """Actions of one kind: harm, detection source, action type, automated or by a person."""

    harm: str
    source: str  # proactive | user_report | trusted_flagger
    action_type: str
    automated: bool
    actions: int
    accounts: int  # distinct accounts acted on in this group


@dataclass(frozen=True, slots=True)
class TimeToAction:
    """Seconds from detection to measure; ``harm`` / ``source`` ``*`` for all of them.
    ``source`` is a detection source, or ``notice`` (a user's or a trusted flagger's) or
    ``own`` (the platform's own initiative) for the two together."""

    harm: str
    source: str
    count: int
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True, slots=True)
class TransparencyFigures:
    """Everything a transparency report for one tenant and period counts."""

    actions: list[ActionTally] = field(default_factory=list)
    accounts_actioned: dict[str, int] = field(default_factory=dict)  # harm (or *) -> accounts
    times: list[TimeToAction] = field(default_factory=list)
    notices: dict[str, int] = field(default_factory=dict)  # reporter type -> notices
    appeals: dict[str, int] = field(default_factory=dict)  # received / upheld / overturned / open
    appeal_median_s: float | None = None
    reversals: dict[str, int] = field(default_factory=dict)  # release action -> count
    decisions: dict[str, int] = field(default_factory=dict)  # case decision -> cases
    authority_reports: dict[tuple[str, str], int] = field(default_factory=dict)


def _seconds(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    if dialect == "sqlite":
        # julianday is a double of days: rounded to the millisecond, 600 s stays 600 s
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
    return func.extract("epoch", later - earlier)


class TransparencyStore(RepositoryBase):
    """Aggregates for the transparency report (read only)."""

    def transparency_figures(
        self, tenant_id: str, start: datetime, end: datetime
    ) -> TransparencyFigures:
        """Figures for actions, notices, appeals, decisions and reports in ``[start, end)``."""
        with self.engine.connect() as conn:
            rows = conn.execute(self._actions_query(tenant_id, start, end)).all()
            accounts = conn.execute(self._accounts_query(tenant_id, start, end)).all()
            rest = {
                name: conn.execute(stmt).all()
                for name, stmt in self._other_queries(tenant_id, start, end).items()
            }
        actions = [
            ActionTally(r.harm, r.source, r.action_type, bool(r.automated), r.n, r.accounts)
            for r in rows
            if r.kind == "count"
        ]
        times = [
            TimeToAction(
                r.harm,
                r.source,
                r.n,
                None if r.p50 is None else max(0.0, float(r.p50)),
                None if r.p90 is None else max(0.0, float(r.p90)),
            )
            for r in rows
            if r.kind == "time" and r.n  # the overall row of an empty period has no count
        ]
        appeals = {"received": 0, "upheld": 0, "overturned": 0, "open": 0}
        appeal_median: float | None = None
        for r in rest["appeals"]:
            appeals["received"] += r.n
            appeals[r.outcome or "open"] = appeals.get(r.outcome or "open", 0) + r.n
        for r in rest["appeal_time"]:
            appeal_median = None if r.p50 is None else max(0.0, float(r.p50))
        return TransparencyFigures(
            actions=actions,
            accounts_actioned={r.harm: r.n for r in accounts},
            times=times,
            notices={r.reporter_type: r.n for r in rest["notices"]},
            appeals=appeals,
            appeal_median_s=appeal_median,
            reversals={r.action_type: r.n for r in rest["reversals"]},
            decisions={r.decision: r.n for r in rest["decisions"]},
            authority_reports={(r.authority, r.status): r.n for r in rest["authority"]},
        )

    # --- actions: one pass over the period's actions, counts and percentiles -------------
    def _actions_query(self, tenant_id: str, start: datetime, end: datetime) -> Any:
        a = table_of(ActionRow).c
        r = table_of(UserReport).c
        al = table_of(AlertRow).c
        # The first notice (any, and a trusted flagger's) and the first alert of each
        # conversation. The first one before an action is the conversation's first one when
        # that came before the action, else there is none: one grouped pass, no per-action
        # lookups.
        notices = (
            select(
                r.conversation_id.label("cid"),
                func.min(r.ts).label("first_at"),
                func.min(case((r.reporter_type == "trusted_flagger", r.ts))).label("flagger_at"),
            )
            .where(r.tenant_id == tenant_id, r.conversation_id.is_not(None))
            .group_by(r.conversation_id)
            .subquery("notices")
        )
        alerts = (
            select(al.conversation_id.label("cid"), func.min(al.raised_at).label("first_at"))
            .where(al.tenant_id == tenant_id)
            .group_by(al.conversation_id)
            .subquery("first_alerts")
        )

        def before(column: Any) -> Any:
            return case((column <= a.created_at, column))

        base = (
            select(
                func.coalesce(a.harm, UNSPECIFIED).label("harm"),
                a.action_type,
                a.automated,
                a.account_id,
                a.created_at,
                before(notices.c.first_at).label("notice_at"),
                before(notices.c.flagger_at).label("flagger_at"),
                before(alerts.c.first_at).label("alert_at"),
            )
            .select_from(
                table_of(ActionRow)
                .outerjoin(notices, notices.c.cid == a.conversation_id)
                .outerjoin(alerts, alerts.c.cid == a.conversation_id)
            )
            .where(
                a.tenant_id == tenant_id,
                a.created_at >= start,
                a.created_at < end,
                a.shadow.is_(False),
                a.action_type.not_in(RELEASES + NOT_ACTIONS),
            )
            .cte("period_actions")
        )
        source = case(
            (base.c.flagger_at.is_not(None), literal("trusted_flagger")),
            (base.c.notice_at.is_not(None), literal("user_report")),
            else_=literal("proactive"),
        )
        detected = case(
            (base.c.notice_at.is_not(None), base.c.notice_at),
            else_=func.coalesce(base.c.alert_at, base.c.created_at),
        )
        basis = case((base.c.notice_at.is_not(None), literal("notice")), else_=literal("own"))
        acted = (
            select(
                base.c.harm,
                source.label("source"),
                basis.label("basis"),
                base.c.action_type,
                base.c.automated,
                base.c.account_id,
                _seconds(self.dialect, base.c.created_at, detected).label("dur"),
            )
            .cte("acted")
            .prefix_with("MATERIALIZED")
        )
        counts = select(
            literal("count").label("kind"),
            acted.c.harm,
            acted.c.source,
            acted.c.action_type,
            cast(acted.c.automated, Integer).label("automated"),
            func.count().label("n"),
            func.count(acted.c.account_id.distinct()).label("accounts"),
            null().label("p50"),
            null().label("p90"),
        ).group_by(acted.c.harm, acted.c.source, acted.c.action_type, acted.c.automated)
        parts: list[Any] = [counts]
        measured = acted.c.action_type.in_(MEASURES)
        for keys in (
            (acted.c.harm, acted.c.source),
            (acted.c.harm, acted.c.basis),
            (acted.c.harm,),
            (acted.c.source,),
            (acted.c.basis,),
            (),
        ):
            parts.append(self._percentiles(acted, list(keys), measured))
        return union_all(*parts)

    @staticmethod
    def _percentiles(acted: Any, keys: list[Any], where: ColumnElement[bool]) -> Any:
        """Nearest-rank median and 90th percentile of ``dur`` per ``keys`` (``*`` for the
        keys grouped over)."""
        ranked = (
            select(
                *keys,
                acted.c.dur,
                func.row_number().over(partition_by=keys or None, order_by=acted.c.dur).label("rn"),
                func.count().over(partition_by=keys or None).label("n"),
            )
            .where(where)
            .subquery()
        )
        names = {k.name for k in keys}
        harm = ranked.c.harm if "harm" in names else literal(ALL)
        # ``source`` carries the detection source, or the basis (``notice`` / ``own``)
        source = (
            ranked.c.source
            if "source" in names
            else ranked.c.basis
            if "basis" in names
            else literal(ALL)
        )
        n = ranked.c.n

        def at(p: int) -> Any:
            return func.max(case((ranked.c.rn == (n * p + 99) // 100, ranked.c.dur)))

        grouped = [ranked.c[k] for k in names]
        stmt = select(
            literal("time").label("kind"),
            harm.label("harm"),
            source.label("source"),
            null().label("action_type"),
            null().label("automated"),
            func.max(n).label("n"),
            null().label("accounts"),
            at(50).label("p50"),
            at(90).label("p90"),
        ).select_from(ranked)
        return stmt.group_by(*grouped) if grouped else stmt

    def _accounts_query(self, tenant_id: str, start: datetime, end: datetime) -> Any:
        """Distinct accounts sanctioned, per harm and overall (``*``)."""
        a = table_of(ActionRow).c
        where = and_(
            a.tenant_id == tenant_id,
            a.created_at >= start,
            a.created_at < end,
            a.shadow.is_(False),
            a.action_type.in_(ACCOUNT_MEASURES),
        )
        harm = func.coalesce(a.harm, UNSPECIFIED)
        per_harm = (
            select(harm.label("harm"), func.count(a.account_id.distinct()).label("n"))
            .where(where)
            .group_by(harm)
        )
        overall = select(literal(ALL).label("harm"), func.count(a.account_id.distinct()))
        return union_all(per_harm, overall.where(where))

    # --- notices, appeals, reversals, decisions, reports to authorities ------------------
    def _other_queries(self, tenant_id: str, start: datetime, end: datetime) -> dict[str, Any]:
        r = table_of(UserReport).c
        ap = table_of(AppealRow).c
        a = table_of(ActionRow).c
        c = table_of(CaseRow).c
        ar = table_of(AuthorityReportRow).c
        decided = select(
            _seconds(self.dialect, ap.decided_at, ap.received_at).label("dur"),
        ).where(
            ap.tenant_id == tenant_id,
            ap.received_at >= start,
            ap.received_at < end,
            ap.decided_at.is_not(None),
        )
        timed = decided.subquery()
        ranked = select(
            timed.c.dur,
            func.row_number().over(order_by=timed.c.dur).label("rn"),
            func.count().over().label("n"),
        ).subquery()
        appeal_time = select(
            func.max(case((ranked.c.rn == (ranked.c.n * 50 + 99) // 100, ranked.c.dur))).label(
                "p50"
            )
        )
        return {
            "notices": select(r.reporter_type, func.count().label("n"))
            .where(r.tenant_id == tenant_id, r.ts >= start, r.ts < end)
            .group_by(r.reporter_type),
            "appeals": select(ap.outcome, func.count().label("n"))
            .where(ap.tenant_id == tenant_id, ap.received_at >= start, ap.received_at < end)
            .group_by(ap.outcome),
            "appeal_time": appeal_time,
            "reversals": select(a.action_type, func.count().label("n"))
            .where(
                a.tenant_id == tenant_id,
                a.created_at >= start,
                a.created_at < end,
                a.shadow.is_(False),
                a.action_type.in_(RELEASES),
            )
            .group_by(a.action_type),
            "decisions": select(c.decision, func.count().label("n"))
            .where(
                c.tenant_id == tenant_id,
                c.decided_at >= start,
                c.decided_at < end,
                c.decision.is_not(None),
            )
            .group_by(c.decision),
            "authority": select(ar.authority, ar.status, func.count().label("n"))
            .where(ar.tenant_id == tenant_id, ar.created_at >= start, ar.created_at < end)
            .group_by(ar.authority, ar.status),
        }
