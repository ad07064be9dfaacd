"""The transparency report in the CSV layout of the EU DSA harmonised templates
(Commission Implementing Regulation (EU) 2024/2835, Annex I, quantitative template).

The Commission publishes the template as a workbook and as CSV parts, one per sheet. These
sections apply to a platform like ours and are written here, with the template's column
headings and row labels:

- ``1_report_identification.csv``: provider, publication date, period;
- ``4_notices.csv``: Art. 15(1)(b) notices (users' reports; trusted flaggers apart), per
  category of illegal content;
- ``5_own_initiative_illegal.csv``: Art. 15(1)(c) measures at the provider's own initiative
  per category, by type of restriction;
- ``7_appeals_and_recidivism.csv``: Art. 15(1)(d) / 24(1) internal complaints (appeals);
- ``8_automated_means.csv``: Art. 15(1)(e) measures taken by automated means or not.

Sections 3 (Member State orders), 6 (terms and conditions: every measure here is on illegal
content), 9-10 (human resources, average monthly recipients: not held by this service) and
11 (qualitative: free text the provider writes) are not produced. Every count goes through
the report's suppression (``<5``); medians of fewer measures than the threshold are left
blank. See docs/insight.md for what could not be verified against the official files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from safeguarding.insight.transparency import Report, hours
from safeguarding.storage.repository.transparency import ALL, UNSPECIFIED

HOSTING = "Only for providers of hosting services, including online platforms"
PLATFORMS = "Only for providers of online platforms"
EVERYONE = "All"
TOTAL = "TOTAL"
OTHER = "KEYWORD_OTHER"
OTHER_DESCRIPTION = 'Text to detail the "Other" keyword.'

#: Categories of illegal content and their keywords, in the template's order.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ANIMAL_WELFARE", ("ANIMAL_HARM", "UNLAWFUL_SALE_ANIMALS")),
    (
        "CONSUMER_INFORMATION",
        (
            "HIDDEN_ADVERTISEMENT",
            "INSUFFICIENT_INFORMATION_ON_TRADERS",
            "MISLEADING_INFO_GOODS_SERVICES",
            "MISLEADING_INFO_CONSUMER_RIGHTS",
            "NONCOMPLIANCE_PRICING",
        ),
    ),
    (
        "CYBER_VIOLENCE",
        (
            "CYBER_BULLYING_INTIMIDATION",
            "CYBER_HARASSMENT",
            "CYBER_INCITEMENT",
            "CYBER_STALKING",
            "NON_CONSENSUAL_IMAGE_SHARING",
            "NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        ),
    ),
    (
        "CYBER_VIOLENCE_AGAINST_WOMEN",
        (
            "BULLYING_AGAINST_GIRLS",
            "CYBER_HARASSMENT_AGAINST_WOMEN",
            "CYBER_STALKING_AGAINST_WOMEN",
            "FEMALE_GENDERED_DISINFORMATION",
            "INCITEMENT_AGAINST_WOMEN",
            "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
            "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        ),
    ),
    (
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        (
            "BIOMETRIC_DATA_BREACH",
            "DATA_FALSIFICATION",
            "MISSING_PROCESSING_GROUND",
            "RIGHT_TO_BE_FORGOTTEN",
        ),
    ),
    ("ILLEGAL_OR_HARMFUL_SPEECH", ("DEFAMATION", "DISCRIMINATION", "HATE_SPEECH")),
    (
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        (
            "COPYRIGHT_INFRINGEMENT",
            "DESIGN_INFRINGEMENT",
            "GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
            "PATENT_INFRINGEMENT",
            "TRADE_SECRET_INFRINGEMENT",
            "TRADEMARK_INFRINGEMENT",
        ),
    ),
    (
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        ("MISINFORMATION_DISINFORMATION", "VIOLATION_EU_LAW", "VIOLATION_NATIONAL_LAW"),
    ),
    (
        "PROTECTION_OF_MINORS",
        (
            "AGE_SPECIFIC_RESTRICTIONS_MINORS",
            "CHILD_SEXUAL_ABUSE_MATERIAL",
            "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
            "GROOMING_SEXUAL_ENTICEMENT_MINORS",
            "UNSAFE_CHALLENGES",
        ),
    ),
    (
        "RISK_FOR_PUBLIC_SECURITY",
        (
            "ILLEGAL_ORGANIZATIONS",
            "RISK_ENVIRONMENTAL_DAMAGE",
            "RISK_PUBLIC_HEALTH",
            "TERRORIST_CONTENT",
        ),
    ),
    (
        "SCAMS_AND_FRAUD",
        (
            "IMPERSONATION_ACCOUNT_HIJACKING",
            "INAUTHENTIC_ACCOUNTS",
            "INAUTHENTIC_LISTINGS",
            "INAUTHENTIC_USER_REVIEWS",
            "PHISHING",
            "PYRAMID_SCHEMES",
        ),
    ),
    (
        "SELF_HARM",
        ("CONTENT_PROMOTING_EATING_DISORDERS", "SELF_MUTILATION", "SUICIDE"),
    ),
    ("UNSAFE_AND_PROHIBITED_PRODUCTS", ("PROHIBITED_PRODUCTS", "UNSAFE_PRODUCTS")),
    (
        "VIOLENCE",
        (
            "COORDINATED_HARM",
            "INCITEMENT_VIOLENCE_HATRED",
            "HUMAN_EXPLOITATION",
            "HUMAN_TRAFFICKING",
            "TRAFFICKING_WOMEN_GIRLS",
        ),
    ),
)

#: Each harm's place in the template: (category, keyword).
HARM_ROWS: dict[str, tuple[str, str]] = {
    "grooming": ("PROTECTION_OF_MINORS", "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"),
    "sextortion": ("PROTECTION_OF_MINORS", OTHER),
    "criminal_exploitation": ("VIOLENCE", "KEYWORD_HUMAN_EXPLOITATION"),
    UNSPECIFIED: ("PROTECTION_OF_MINORS", OTHER),
}
OTHER_TEXT = {
    "PROTECTION_OF_MINORS": "Sexual extortion of a child; child-safety concerns with no harm named"
}
#: The restrictions the template counts, by action (as the DSA statements of reasons map them).
RESTRICTION_COLUMNS = {
    "hold_message": "Visibility restriction Disable",
    "restrict_contact_with_minors": "Provision of the service Suspension",
    "suspend": "Account restriction Suspension",
}
RESTRICTIONS = tuple(RESTRICTION_COLUMNS)

NOTICE_FIELDS = (
    "Number of notices received ",
    "Number of notices received from Trusted flaggers",
    "Number of specific items of information included in the total number of notices",
    "Number of specific items of information included in the total number of notices by "
    "Trusted Flaggers (Trusted Flagger notices)",
    "Median time to take action",
    "Median time to take action (Trusted Flagger notices)",
    "Number of actions taken on the basis of the law",
    "Number of actions taken on the basis of the law (Trusted Flagger notices)",
    "Number of actions taken on the basis of the terms and conditions of the service",
    "Number of actions taken on the basis of the terms and conditions of the service "
    "(Trusted Flagger notices)",
)
OWN_FIELDS = (
    "Number of measures taken at the provider's own initiative ",
    "Number of measures taken after detection with solely automated means ",
    "Visibility restriction Removal",
    "Visibility restriction Disable",
    "Visibility restriction Demoted",
    "Visibility restriction Age restricted",
    "Visibility restriction Interaction restricted",
    "Visibility restriction Labelled ",
    "Visibility restriction Other",
    "Monetary restriction Suspension",
    "Monetary restriction Termination",
    "Monetary restriction Other",
    "Provision of the service Suspension",
    "Provision of the service Termination",
    "Account restriction Suspension",
    "Account restriction Termination",
)
LEAD = ("Applicability", "Service", "Reporting period")
CATEGORY_LEAD = ("Category of illegal content", 'Description of the sub-category "Other"')
INDICATOR_FIELDS = (*LEAD, "Section", "Indicator", "Scope", "Value", "Contextual Information")


def category_rows() -> list[tuple[str, str]]:
    """(row label, "Other" description) in the template's order, TOTAL first."""
    rows: list[tuple[str, str]] = [(TOTAL, "")]
    for category, keywords in CATEGORIES:
        rows.append((f"STATEMENT_CATEGORY_{category}", ""))
        rows += [(f"KEYWORD_{k}", "") for k in keywords]
        rows.append((OTHER, OTHER_TEXT.get(category, OTHER_DESCRIPTION)))
    return rows


def _rows_of(harm: str) -> tuple[str, str]:
    category, keyword = HARM_ROWS[harm]
    return f"STATEMENT_CATEGORY_{category}", keyword


def _harms_in(label: str, category: str, harms: Iterable[str]) -> list[str]:
    """The harms counted in a template row: every harm in TOTAL, a harm in its category's
    row and in its keyword's row (``KEYWORD_OTHER`` only under its own category)."""
    return [
        h
        for h in harms
        if label == TOTAL
        or label == _rows_of(h)[0]
        or (label == _rows_of(h)[1] and category == _rows_of(h)[0])
    ]


def _rows_with_harms(report: Report) -> list[tuple[str, str, list[str]]]:
    """(row label, "Other" description, harms counted in it) for every template row."""
    harms = sorted({t.harm for t in report.figures.actions})
    out: list[tuple[str, str, list[str]]] = []
    category = ""
    for label, other in category_rows():
        if label.startswith("STATEMENT_CATEGORY_"):
            category = label
        out.append((label, other, _harms_in(label, category, harms)))
    return out


def _median_cell(report: Report, harm: str, source: str) -> str:
    _, median, _ = report.time_to_action(harm, source)
    return hours(median)


def notices(report: Report, service: str) -> list[list[str]]:
    """Section 4: notices received and the measures taken on them, per category."""
    header = [*LEAD, *CATEGORY_LEAD, *NOTICE_FIELDS]
    header += [f"Contextual information on {f}" for f in NOTICE_FIELDS]
    n = report.figures.notices
    everyone = sum(n.values())
    flagged = n.get("trusted_flagger", 0)
    rows = [header]
    for label, other, in_row in _rows_with_harms(report):
        cells = [""] * len(NOTICE_FIELDS)
        if label == TOTAL:
            cells[0] = report.count(everyone)
            cells[1] = report.count(flagged)
            cells[2] = report.count(everyone)
            cells[3] = report.count(flagged)
            cells[4] = _median_cell(report, ALL, "notice")
            cells[5] = _median_cell(report, ALL, "trusted_flagger")
        if in_row:
            law = sum(
                report.measures(harm=h, source=s, action_types=RESTRICTIONS)
                for h in in_row
                for s in ("user_report", "trusted_flagger")
            )
            law_flagged = sum(
                report.measures(harm=h, source="trusted_flagger", action_types=RESTRICTIONS)
                for h in in_row
            )
            cells[6] = report.count(law)
            cells[7] = report.count(law_flagged)
            cells[8] = "0"
            cells[9] = "0"
            if label != TOTAL and len(in_row) == 1:
                cells[4] = _median_cell(report, in_row[0], "notice")
                cells[5] = _median_cell(report, in_row[0], "trusted_flagger")
        context = [""] * len(NOTICE_FIELDS)
        if label == TOTAL:
            context[0] = "Reports by users about a conversation or an account"
            context[2] = "Each notice names one conversation or account"
            context[4] = "In hours, from the first notice to the measure"
            context[5] = "In hours"
            context[8] = "Every measure is taken on the basis of the law"
        rows.append([HOSTING, service, report.period.label, label, other, *cells, *context])
    return rows


def own_initiative(report: Report, service: str) -> list[list[str]]:
    """Section 5: measures at the provider's own initiative, per category and restriction."""
    header = [*LEAD, *CATEGORY_LEAD, *OWN_FIELDS]
    header += [f"Contextual Information on {f}" for f in OWN_FIELDS]
    rows = [header]
    for label, other, in_row in _rows_with_harms(report):
        cells = [""] * len(OWN_FIELDS)
        if in_row:

            def own(*types: str, rows: list[str] = in_row) -> int:
                return sum(
                    report.measures(harm=h, source="proactive", action_types=types) for h in rows
                )

            cells[0] = report.count(own(*RESTRICTIONS))
            # every own-initiative detection is the engine's or a media match: automated
            cells[1] = report.count(own(*RESTRICTIONS))
            for action, column in RESTRICTION_COLUMNS.items():
                cells[OWN_FIELDS.index(column)] = report.count(own(action))
        context = [""] * len(OWN_FIELDS)
        if label == TOTAL:
            context[1] = "Detection by the grooming engine or a known-media hash match"
            context[3] = "Messages held from delivery pending review"
            context[12] = "Contact with minors restricted (a partial suspension)"
        rows.append([EVERYONE, service, report.period.label, label, other, *cells, *context])
    return rows


def appeals(report: Report, service: str) -> list[list[str]]:
    """Section 7: the internal complaints mechanism (appeals against review decisions)."""
    a = report.figures.appeals
    section = "Internal complaints mechanism"
    indicator = "Number of complaints submitted to the internal-complaints mechanism"
    decided = a.get("upheld", 0) + a.get("overturned", 0)
    # a median of fewer decisions than the threshold is not published
    median = hours(report.figures.appeal_median_s) if decided >= report.threshold else ""
    lines = [
        (EVERYONE, "Total number", report.count(a.get("received", 0)), ""),
        (PLATFORMS, "Decisions upheld", report.count(a.get("upheld", 0)), ""),
        (PLATFORMS, "Decisions partially reversed", "0", ""),
        (PLATFORMS, "Decisions reversed", report.count(a.get("overturned", 0)), ""),
        (PLATFORMS, "Median time", median, "In hours"),
        (PLATFORMS, "Decision omitted", "", "Appeals not yet decided are not counted here"),
    ]
    rows = [list(INDICATOR_FIELDS)]
    for applicability, scope, value, context in lines:
        rows.append(
            [applicability, service, report.period.label, section, indicator, scope, value, context]
        )
    return rows


def automated_means(report: Report, service: str) -> list[list[str]]:
    """Section 8: measures taken solely by automated means, and not."""
    section = "Use of automated means for content moderation"
    solely = "Number of measures solely taken by automated means "
    not_solely = "Number of measures not taken by automated means"
    rows = [list(INDICATOR_FIELDS)]
    for scope, source in (("Total number", None), ("Own-initiative ", "proactive")):
        for indicator, automated in ((solely, True), (not_solely, False)):
            value = report.measures(source=source, automated=automated, action_types=RESTRICTIONS)
            rows.append(
                [
                    EVERYONE,
                    service,
                    report.period.label,
                    section,
                    indicator,
                    scope,
                    report.count(value),
                    "Decided by the platform's policy without a person"
                    if automated
                    else "Decided by a reviewer in the console",
                ]
            )
    return rows


def identification(report: Report, service: str) -> list[list[str]]:
    """Section 1: who reports, when, for which period."""
    published = report.published or date.today()
    return [
        ["Applicability", "Service", "Indicator", "Value"],
        [EVERYONE, service, "Name of the service provider", report.provider],
        [EVERYONE, service, "Date of the publication of the report", published.isoformat()],
        [EVERYONE, service, "Starting date of reporting period", report.period.start.isoformat()],
        [EVERYONE, service, "Ending date of reporting period", report.period.end.isoformat()],
    ]


SECTIONS = {
    "1_report_identification.csv": identification,
    "4_notices.csv": notices,
    "5_own_initiative_illegal.csv": own_initiative,
    "7_appeals_and_recidivism.csv": appeals,
    "8_automated_means.csv": automated_means,
}


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def dsa_files(report: Report, service: str | None = None) -> dict[str, str]:
    """Each section's file name and CSV text."""
    name = service or report.provider
    return {file: csv_text(build(report, name)) for file, build in SECTIONS.items()}


def write_dsa(report: Report, folder: Path, service: str | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file, text in dsa_files(report, service).items():
        path = folder / file
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
