"""The transparency report as JSON for the API: the published figures only (every count a
string, ``<5`` when suppressed; percentiles in seconds, null when too few to publish)."""

from __future__ import annotations

from typing import Any

from safeguarding.insight.transparency import SOURCES, Report
from safeguarding.insight.transparency_dsa import dsa_files
from safeguarding.storage.repository.transparency import ALL


def published(report: Report) -> dict[str, Any]:
    c = report.count
    f = report.figures
    harms = report.harms()
    by_harm = []
    for harm in [*harms, ALL]:
        h = None if harm == ALL else harm
        count, median, p90 = report.time_to_action(harm)
        by_harm.append(
            {
                "harm": harm,
                "content_actioned": c(report.content_actioned(h)),
                "accounts_actioned": c(report.accounts_actioned(h)),
                "measures": c(report.measures(harm=h)),
                "by_source": {s: c(report.measures(harm=h, source=s)) for s in SOURCES},
                "automated": c(report.measures(harm=h, automated=True)),
                "human": c(report.measures(harm=h, automated=False)),
                "time_to_action": {"measures": c(count), "median_s": median, "p90_s": p90},
            }
        )
    times = []
    for harm in [*harms, ALL]:
        for source in (*SOURCES, ALL):
            count, median, p90 = report.time_to_action(harm, source)
            if count:
                times.append(
                    {
                        "harm": harm,
                        "source": source,
                        "measures": c(count),
                        "median_s": median,
                        "p90_s": p90,
                    }
                )
    a = f.appeals
    decided = a.get("upheld", 0) + a.get("overturned", 0)
    return {
        "provider": report.provider,
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "threshold": report.threshold,
        "by_harm": by_harm,
        "by_action_type": {t: c(report.measures(action_types=(t,))) for t in report.action_types()},
        "time_to_action": times,
        "notices": {k: c(v) for k, v in sorted(f.notices.items())},
        "appeals": {
            **{k: c(v) for k, v in a.items()},
            "median_decision_s": f.appeal_median_s if decided >= report.threshold else None,
        },
        "reversals": {k: c(v) for k, v in sorted(f.reversals.items())},
        "review_decisions": {k: c(v) for k, v in sorted(f.decisions.items())},
        "authority_reports": [
            {"authority": name, "status": status, "count": c(n)}
            for (name, status), n in sorted(f.authority_reports.items())
        ],
        "dsa_csv": dsa_files(report),
    }
