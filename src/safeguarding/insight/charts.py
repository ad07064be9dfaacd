"""Charts as PNG files (Matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never a window, works on a server without a display

import matplotlib.pyplot as plt  # noqa: E402

from safeguarding.insight.crime_stats import NATIONAL, AreaYear, percent  # noqa: E402


def crime_chart(rows: Sequence[AreaYear], path: Path) -> Path:
    """Online offences by year per area (left) and the latest online share per area (right)."""
    areas = list(dict.fromkeys(r.area for r in rows))
    years = sorted({r.year for r in rows})
    by_key = {(r.area, r.year): r for r in rows}
    fig, (counts, shares) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=100)
    width = 0.8 / max(len(years), 1)
    for i, year in enumerate(years):
        values = [by_key[(a, year)].online if (a, year) in by_key else 0 for a in areas]
        xs = [n + i * width for n in range(len(areas))]
        counts.bar(xs, values, width, label=year)
        for x, area in zip(xs, areas, strict=True):
            row = by_key.get((area, year))
            if row is not None and row.online_change is not None:
                counts.annotate(
                    percent(row.online_change, signed=True),
                    (x, row.online),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
    counts.set_xticks([n + width * (len(years) - 1) / 2 for n in range(len(areas))], areas)
    counts.set_yscale("log")  # a force and the nation differ by orders of magnitude
    counts.set_title("Online offences recorded (change on the year before)")
    counts.legend(fontsize=8)
    latest = [by_key.get((a, years[-1])) for a in areas]
    known = [
        (a, r.online_share) for a, r in zip(areas, latest, strict=True) if r and r.online_share
    ]
    shares.bar([a for a, _ in known], [s * 100 for _, s in known], 0.5, color="#7a5195")
    shares.set_xlim(-0.75, max(len(known), 1) - 0.25)
    for n, (_, share) in enumerate(known):
        shares.annotate(percent(share), (n, share * 100), ha="center", va="bottom", fontsize=9)
    shares.set_ylabel("% of child sexual offences")
    shares.set_title(f"Share online, {years[-1]}" if years else "Share online")
    if not known:
        shares.text(
            0.5,
            0.5,
            f"no offline counts in the table ({NATIONAL} or areas)",
            ha="center",
            va="center",
            transform=shares.transAxes,
            fontsize=9,
        )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
