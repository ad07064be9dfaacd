"""Charts of the transparency report, as PNG bytes (Matplotlib, no display needed).

Charts are published too, so they show only what the tables show: a group below the
suppression threshold is drawn as an empty bar labelled ``<5``, never at its height.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only: never a window, works on a server without a display

import matplotlib.pyplot as plt  # noqa: E402

from safeguarding.insight.transparency import (  # noqa: E402
    HARM_LABELS,
    SOURCE_LABELS,
    SOURCES,
    Report,
)

COLOURS = {"proactive": "#1b6ca8", "user_report": "#e07b39", "trusted_flagger": "#5b8c5a"}


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def measures_chart(report: Report) -> bytes:
    """Measures per harm, one bar per detection source."""
    harms = report.harms()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    width = 0.8 / len(SOURCES)
    for i, source in enumerate(SOURCES):
        xs = [n + i * width for n in range(len(harms))]
        values = [report.measures(harm=h, source=source) for h in harms]
        drawn = [v if v >= report.threshold else 0 for v in values]
        ax.bar(xs, drawn, width, label=SOURCE_LABELS[source], color=COLOURS[source])
        for x, value, height in zip(xs, values, drawn, strict=True):
            ax.annotate(report.count(value), (x, height), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(
        [n + width * (len(SOURCES) - 1) / 2 for n in range(len(harms))],
        [HARM_LABELS.get(h, h) for h in harms],
    )
    ax.set_ylabel("measures")
    ax.set_title("Measures by harm and detection source")
    ax.legend(fontsize=8)
    ax.margins(y=0.15)
    return _png(fig)


def time_chart(report: Report) -> bytes:
    """Median and 90th percentile hours from detection to measure, per harm (groups too
    small to publish are left out and named)."""
    harms = report.harms()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    medians, p90s, labels = [], [], []
    for harm in harms:
        _, median, p90 = report.time_to_action(harm)
        labels.append(HARM_LABELS.get(harm, harm))
        medians.append((median or 0.0) / 3600)
        p90s.append((p90 or 0.0) / 3600)
    xs = range(len(harms))
    ax.bar([x - 0.2 for x in xs], medians, 0.4, label="median", color="#1b6ca8")
    ax.bar([x + 0.2 for x in xs], p90s, 0.4, label="90th percentile", color="#9bbbd4")
    for x, harm in zip(xs, harms, strict=True):
        count, median, _ = report.time_to_action(harm)
        if median is None:
            text = "none" if count == 0 else f"<{report.threshold} measures"
            ax.annotate(text, (x, 0), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("hours")
    ax.set_title("Time from detection to measure")
    ax.legend(fontsize=8)
    ax.margins(y=0.15)
    return _png(fig)
