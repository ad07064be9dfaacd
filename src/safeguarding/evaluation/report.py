"""Rich tables for evaluation reports; one column per system so they read side by side."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from safeguarding.evaluation.metrics import EvaluationReport

DASH = "–"
_SHORT = {"grooming": "g", "criminal_exploitation": "ce"}


def fmt(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def _table(title: str, reports: Sequence[EvaluationReport], first: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for report in reports:
        table.add_column(report.system, justify="right")
    return table


def summary_table(reports: Sequence[EvaluationReport]) -> Table:
    """Headline measures of DATASPEC.md, with the counts they come from."""
    table = _table("Measures (conversation level)", reports, "measure")
    rows: list[tuple[str, list[str]]] = [
        ("precision", [fmt(r.precision) for r in reports]),
        ("recall", [fmt(r.recall) for r in reports]),
        ("F1", [fmt(r.f1) for r in reports]),
        ("F0.5", [fmt(r.f05) for r in reports]),
        ("latency-weighted F1", [fmt(r.latency_f1) for r in reports]),
        ("speed", [fmt(r.speed) for r in reports]),
        ("median alert delay (msgs)", [fmt(r.median_alert_delay, 1) for r in reports]),
        ("false alerts / 10k benign msgs", [fmt(r.false_alerts_per_10k, 2) for r in reports]),
        ("offender accuracy", [fmt(r.offender_accuracy) for r in reports]),
        ("TP / FP / FN / TN", [f"{r.tp} / {r.fp} / {r.fn} / {r.tn}" for r in reports]),
    ]
    for name, cells in rows:
        table.add_row(name, *cells)
    return table


def harm_table(reports: Sequence[EvaluationReport]) -> Table:
    """Precision, recall and F per harm label: an alert counts for the harm it names."""
    table = _table("By harm (P / R / F1 / F0.5, TP / FP / FN)", reports, "harm")
    names = sorted({name for r in reports for name in r.by_harm})
    for name in names:
        cells = []
        for report in reports:
            h = report.by_harm.get(name)
            cells.append(
                DASH
                if h is None
                else f"{fmt(h.precision)} / {fmt(h.recall)} / {fmt(h.f1)} / {fmt(h.f05)}, "
                f"{h.tp} / {h.fp} / {h.fn}"
            )
        table.add_row(name, *cells)
    return table


def category_table(reports: Sequence[EvaluationReport]) -> Table:
    """Alerted / count per category; the rate is recall for harms, false alerts otherwise.
    The harms the alerts named follow (g grooming, ce criminal exploitation)."""
    table = _table("By category (alerted / count, rate, harms named)", reports, "category")
    categories = sorted({name for r in reports for name in r.by_category})
    for name in categories:
        cells = []
        for report in reports:
            stats = report.by_category.get(name)
            if stats is None:
                cells.append(DASH)
                continue
            harm = stats.recall is not None
            rate = stats.recall if harm else stats.false_alert_rate
            kind = "R" if harm else "FA"
            named = " ".join(f"{_SHORT.get(h, h)}{n}" for h, n in sorted(stats.harms.items()))
            cells.append(
                f"{stats.alerted}/{stats.count} {kind} {fmt(rate, 2)}"
                + (f" ({named})" if named else "")
            )
        table.add_row(name, *cells)
    return table


def locale_table(reports: Sequence[EvaluationReport]) -> Table:
    table = _table("By locale (precision / recall, n)", reports, "locale")
    locales = sorted({name for r in reports for name in r.by_locale})
    for name in locales:
        cells = []
        for report in reports:
            stats = report.by_locale.get(name)
            cells.append(
                DASH
                if stats is None
                else f"P {fmt(stats.precision, 2)} / R {fmt(stats.recall, 2)}, n={stats.count}"
            )
        table.add_row(name, *cells)
    return table


def variant_table(reports: Sequence[EvaluationReport]) -> Table:
    table = _table("Plain vs obfuscated variants", reports, "measure")
    rows = [
        (
            "pairs (grooming copies)",
            [f"{r.variants.pairs} ({r.variants.obfuscated})" for r in reports],
        ),
        ("recall plain", [fmt(r.variants.recall_plain) for r in reports]),
        ("recall obfuscated", [fmt(r.variants.recall_obfuscated) for r in reports]),
        ("recall drop", [fmt(r.variants.recall_drop) for r in reports]),
        ("copies lost", [", ".join(r.variants.lost) or DASH for r in reports]),
        (
            "benign false alerts plain / obf.",
            [
                f"{r.variants.false_alerts_plain}/{r.variants.benign_plain} / "
                f"{r.variants.false_alerts_obfuscated}/{r.variants.benign_obfuscated}"
                for r in reports
            ],
        ),
    ]
    for name, cells in rows:
        table.add_row(name, *cells)
    return table


def render(reports: Sequence[EvaluationReport], console: Console) -> None:
    """Print every table; the variants table only when the corpus has variants."""
    first = reports[0]
    exploitation = first.by_harm.get("criminal_exploitation")
    ce = f"{exploitation.count} criminal exploitation, " if exploitation else ""
    console.print(
        f"{first.conversations} conversations ({first.grooming} grooming, {ce}{first.benign} "
        f"benign), {first.messages} messages; the summary is the grooming label"
    )
    console.print(summary_table(reports))
    console.print(harm_table(reports))
    console.print(category_table(reports))
    console.print(locale_table(reports))
    if any(r.variants.pairs for r in reports):
        console.print(variant_table(reports))
