"""The transparency report as readable HTML (charts embedded as PNG) and as PDF
(WeasyPrint), built only from published figures: suppressed counts, no identifiers."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from safeguarding.insight.transparency import (
    ACTION_LABELS,
    AUTHORITIES,
    HARM_LABELS,
    REVERSAL_LABELS,
    SOURCES,
    Report,
    duration,
)
from safeguarding.insight.transparency_charts import measures_chart, time_chart
from safeguarding.storage.repository.transparency import ALL

_ENV = Environment(
    loader=PackageLoader("safeguarding.insight", "templates"),
    autoescape=select_autoescape(["html"]),
)
STATUSES = ("submitted", "sending", "prepared", "failed", "retracted")


def context(report: Report, *, charts: bool = True) -> dict[str, Any]:
    """What the template shows: strings only, every count already suppressed."""
    c = report.count
    f = report.figures
    harms = report.harms()
    harm_rows = []
    for harm in [*harms, ALL]:
        h = None if harm == ALL else harm
        _, median, p90 = report.time_to_action(harm)
        harm_rows.append(
            [
                "All harms" if harm == ALL else HARM_LABELS.get(harm, harm),
                c(report.content_actioned(h)),
                c(report.accounts_actioned(h)),
                c(report.measures(harm=h)),
                *(c(report.measures(harm=h, source=s)) for s in SOURCES),
                c(report.measures(harm=h, automated=True)),
                c(report.measures(harm=h, automated=False)),
                duration(median),
                duration(p90),
            ]
        )
    types = report.action_types()
    type_rows = [
        [
            ACTION_LABELS.get(t, t),
            *(c(report.measures(harm=h, action_types=(t,))) for h in harms),
            c(report.measures(action_types=(t,))),
        ]
        for t in types
    ]
    time_rows = []
    for harm in [*harms, ALL]:
        for source in (*SOURCES, ALL):
            count, median, p90 = report.time_to_action(harm, source)
            if count == 0:
                continue
            time_rows.append(
                [
                    "All harms" if harm == ALL else HARM_LABELS.get(harm, harm),
                    "All sources" if source == ALL else source.replace("_", " "),
                    c(count),
                    duration(median),
                    duration(p90),
                ]
            )
    a = f.appeals
    decided = a.get("upheld", 0) + a.get("overturned", 0)
    review_rows = [
        ("Cases decided by a reviewer", c(sum(f.decisions.values()))),
        *(
            (f"  by decision: {name.replace('_', ' ')}", c(n))
            for name, n in sorted(f.decisions.items())
        ),
        ("Appeals received", c(a.get("received", 0))),
        ("Appeals upheld (decision kept)", c(a.get("upheld", 0))),
        ("Appeals overturned (decision reversed)", c(a.get("overturned", 0))),
        ("Appeals still open", c(a.get("open", 0))),
        (
            "Median time to decide an appeal",
            duration(f.appeal_median_s) if decided >= report.threshold else "-",
        ),
        *(
            (f"Automatic measures reversed on review: {label.lower()}", c(f.reversals.get(k, 0)))
            for k, label in REVERSAL_LABELS.items()
        ),
    ]
    authorities = sorted({name for name, _ in f.authority_reports} | {"ncmec", "nca"})
    authority_rows = [
        [
            AUTHORITIES.get(name, name),
            *(c(report.authority(name).get(s, 0)) for s in STATUSES),
            c(sum(report.authority(name).values())),
        ]
        for name in authorities
    ]
    notices = sum(f.notices.values())
    ncmec_nca = sum(
        n for (name, status), n in f.authority_reports.items() if name in ("ncmec", "nca")
    )
    out: dict[str, Any] = {
        "provider": report.provider,
        "period": report.period.label,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "published": (report.published or date.today()).isoformat(),
        "threshold": report.threshold,
        "cards": [
            ("measures taken", c(report.measures())),
            ("messages held", c(report.content_actioned())),
            ("accounts actioned", c(report.accounts_actioned())),
            ("notices received", c(notices)),
            ("appeals received", c(a.get("received", 0))),
            ("reports to NCMEC / NCA", c(ncmec_nca)),
        ],
        "harm_header": [
            "Harm",
            "Content",
            "Accounts",
            "Measures",
            "Proactive",
            "User report",
            "Trusted flagger",
            "Automated",
            "Human",
            "Median time",
            "90th pct",
        ],
        "harm_rows": harm_rows,
        "type_header": ["Action", *(HARM_LABELS.get(h, h) for h in harms), "All"],
        "type_rows": type_rows,
        "time_header": ["Harm", "Source", "Measures", "Median", "90th percentile"],
        "time_rows": time_rows,
        "review_rows": review_rows,
        "authority_header": ["Authority", *(s.capitalize() for s in STATUSES), "All"],
        "authority_rows": authority_rows,
        "measures_png": "",
        "time_png": "",
    }
    if charts:
        out["measures_png"] = base64.b64encode(measures_chart(report)).decode("ascii")
        out["time_png"] = base64.b64encode(time_chart(report)).decode("ascii")
    return out


def render_html(report: Report) -> str:
    return _ENV.get_template("transparency.html").render(**context(report))


def _weasyprint_html() -> Any:
    """WeasyPrint's ``HTML``, imported on first use (Pango loads only when a PDF is asked
    for). Importing it sets Pillow's process-wide ``LOAD_TRUNCATED_IMAGES``, which would let
    the media matcher hash truncated images as if whole: the flag is put back at once."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    return HTML


def render_pdf(report: Report) -> bytes:
    """The HTML report as a PDF (A4)."""
    HTML = _weasyprint_html()

    pdf = HTML(string=render_html(report)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
