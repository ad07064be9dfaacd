"""Transparency report: what the platform did about child-safety harms in one period.

Per period (e.g. the half-year the EU Digital Services Act asks for): content and accounts
actioned per harm (criminal exploitation counted as a harm of its own), detection source
(proactive, user report, trusted flagger), action type, automated or decided by a person,
time to action (median and 90th percentile), appeals and reversals, human review decisions
and reports to NCMEC and the NCA. The figures are computed in SQL by the storage layer;
this module only shapes what is published, where every count below the threshold is shown
as ``<5`` (the threshold is configurable) and no identifier or message text appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from safeguarding.domain import Harm
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.transparency import (
    ACCOUNT_MEASURES,
    ALL,
    CONTENT_MEASURES,
    MEASURES,
    UNSPECIFIED,
    TransparencyFigures,
)

DEFAULT_THRESHOLD = 5
HARMS = (*(h.value for h in Harm), UNSPECIFIED)
SOURCES = ("proactive", "user_report", "trusted_flagger")
SOURCE_LABELS = {
    "proactive": "Proactive (engine or media match)",
    "user_report": "User report",
    "trusted_flagger": "Trusted flagger",
}
HARM_LABELS = {
    "grooming": "Grooming",
    "sextortion": "Sextortion",
    "criminal_exploitation": "Criminal exploitation",
    UNSPECIFIED: "Harm not named",
}
ACTION_LABELS = {
    "hold_message": "Message held (content)",
    "warn": "Warning (account)",
    "restrict_contact_with_minors": "Contact with minors restricted (account)",
    "suspend": "Account suspended",
    "safety_prompt": "Safety prompt to the child",
    "notify_guardian": "Guardian notified",
    "escalate_review": "Escalated to human review",
    "preserve_evidence": "Evidence preserved",
}
REVERSAL_LABELS = {
    "release_hold": "Held message released",
    "lift_restriction": "Restriction lifted",
    "lift_suspension": "Suspension lifted",
}
AUTHORITIES = {"ncmec": "NCMEC CyberTipline", "nca": "National Crime Agency", "dsa": "DSA database"}


class PeriodError(ValueError):
    """A period that cannot be reported on (end before start, or too long)."""


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days, ``start`` to ``end`` inclusive, in UTC."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("the period ends before it starts")
        if (self.end - self.start).days > 3660:
            raise PeriodError("a period of at most ten years")
        if self.end >= date.max:
            raise PeriodError("the period must end before 9999-12-31")

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, day after end 00:00)`` in UTC."""
        first = datetime.combine(self.start, time(), tzinfo=UTC)
        return first, datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def half_year(cls, day: date) -> Period:
        """The half-year (1 January-30 June or 1 July-31 December) that holds ``day``."""
        if day.month <= 6:
            return cls(date(day.year, 1, 1), date(day.year, 6, 30))
        return cls(date(day.year, 7, 1), date(day.year, 12, 31))


def shown(value: int, threshold: int) -> str:
    """A published count: ``<threshold`` for 1 to threshold-1, the number otherwise."""
    if 0 < value < threshold:
        return f"<{threshold}"
    return str(value)


def hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.2f}"


def duration(seconds: float | None) -> str:
    """A readable duration: ``42 s``, ``12 min``, ``3.5 h``, ``2.1 days``."""
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@dataclass(frozen=True, slots=True)
class Report:
    """A tenant's transparency report: the raw figures and how to publish them."""

    provider: str
    period: Period
    figures: TransparencyFigures
    threshold: int = DEFAULT_THRESHOLD
    published: date | None = None

    def count(self, value: int) -> str:
        return shown(value, self.threshold)

    def measures(
        self,
        *,
        harm: str | None = None,
        source: str | None = None,
        action_types: tuple[str, ...] = MEASURES,
        automated: bool | None = None,
    ) -> int:
        """Actions of ``action_types`` matching every filter given."""
        return sum(
            t.actions
            for t in self.figures.actions
            if t.action_type in action_types
            and (harm is None or t.harm == harm)
            and (source is None or t.source == source)
            and (automated is None or t.automated == automated)
        )

    def content_actioned(self, harm: str | None = None) -> int:
        return self.measures(harm=harm, action_types=CONTENT_MEASURES)

    def accounts_actioned(self, harm: str | None = None) -> int:
        return self.figures.accounts_actioned.get(harm or ALL, 0)

    def time_to_action(
        self, harm: str = ALL, source: str = ALL
    ) -> tuple[int, float | None, float | None]:
        """(measures, median seconds, 90th percentile seconds); the percentiles are None when
        fewer measures than the threshold would let someone infer a single case."""
        for t in self.figures.times:
            if t.harm == harm and t.source == source:
                if t.count < self.threshold:
                    return t.count, None, None
                return t.count, t.median_s, t.p90_s
        return 0, None, None

    def harms(self) -> list[str]:
        """Harms with any action in the period, in the fixed order (criminal exploitation
        always listed, as the report counts it apart)."""
        present = {t.harm for t in self.figures.actions}
        return [h for h in HARMS if h in present or h != UNSPECIFIED]

    def action_types(self) -> list[str]:
        present = {t.action_type for t in self.figures.actions}
        ordered = [a for a in ACTION_LABELS if a in present]
        return ordered + sorted(present - set(ordered))

    def authority(self, name: str) -> dict[str, int]:
        return {s: n for (a, s), n in self.figures.authority_reports.items() if a == name}


def build_report(
    repo: Repository,
    tenant_id: str,
    period: Period,
    *,
    provider: str,
    threshold: int = DEFAULT_THRESHOLD,
    published: date | None = None,
) -> Report:
    """The report of ``tenant_id`` for ``period`` (figures computed by the database)."""
    if threshold < 1:
        raise ValueError("the suppression threshold is at least 1")
    start, end = period.bounds
    figures = repo.transparency_figures(tenant_id, start, end)
    return Report(provider, period, figures, threshold, published)


__all__ = [
    "ACCOUNT_MEASURES",
    "DEFAULT_THRESHOLD",
    "MEASURES",
    "Period",
    "PeriodError",
    "Report",
    "build_report",
    "shown",
]
