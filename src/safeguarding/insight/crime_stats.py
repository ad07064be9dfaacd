"""Police-recorded crime read beside the platform's own figures.

A table of recorded offences (area, year, offence group, whether online, count) gives each
area's online count, the share of its offences that were online, and the change on the year
before: the figures police and safeguarding leads quote ("10,058 online child sex offences,
up 17%"). National figures come from the table's national rows when it has them, else from
the sum of its areas.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

EXAMPLE_TABLE = "nspcc_foi_2019_20.csv"
NATIONAL = "England and Wales"
COLUMNS = ("area", "year", "offence_group", "online", "count")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class CrimeTableError(ValueError):
    """A table that cannot be read; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class RecordedCrime:
    area: str
    year: str  # a financial year such as "2019-20", or a calendar year
    offence_group: str
    online: bool
    count: int


@dataclass(frozen=True, slots=True)
class AreaYear:
    """One area's figures for one year of one offence group."""

    area: str
    year: str
    online: int
    total: int | None  # None when the table holds no offline count for it
    previous_online: int | None

    @property
    def online_share(self) -> float | None:
        return self.online / self.total if self.total else None

    @property
    def online_change(self) -> float | None:
        """Change in online offences on the year before, as a fraction (0.17 = +17%)."""
        if not self.previous_online:
            return None
        return self.online / self.previous_online - 1.0


def example_table() -> Path:
    """The shipped example: the figures the NSPCC's FOI request reported for 2019-20."""
    return Path(str(resources.files("safeguarding.insight") / "data" / EXAMPLE_TABLE))


def read_table(path: Path) -> list[RecordedCrime]:
    """Read a CSV table (lines starting with ``#`` are comments; extra columns are kept out)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CrimeTableError(f"{path}: cannot read ({exc})") from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]
    if not lines:
        raise CrimeTableError(f"{path}: empty table")
    reader = csv.DictReader([line for _, line in lines])
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CrimeTableError(f"{path}:{lines[0][0]}: missing columns {', '.join(missing)}")
    records: list[RecordedCrime] = []
    for (number, _), row in zip(lines[1:], reader, strict=False):
        records.append(_record(row, f"{path}:{number}"))
    return records


def _record(row: dict[str, str | None], where: str) -> RecordedCrime:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    empty = [c for c, v in values.items() if not v]
    if empty:
        raise CrimeTableError(f"{where}: empty {', '.join(empty)}")
    online = _BOOLEANS.get(values["online"].lower())
    if online is None:
        raise CrimeTableError(f"{where}: online must be true or false, not {values['online']!r}")
    try:
        count = int(values["count"].replace(",", ""))
    except ValueError:
        raise CrimeTableError(f"{where}: count must be a whole number") from None
    if count < 0:
        raise CrimeTableError(f"{where}: count must not be negative")
    return RecordedCrime(values["area"], values["year"], values["offence_group"], online, count)


def summarise(
    records: Iterable[RecordedCrime], offence_group: str = "child_sexual_offences"
) -> list[AreaYear]:
    """Every area's figures per year (national first, then areas by name), newest year first."""
    online: dict[tuple[str, str], int] = defaultdict(int)
    offline: dict[tuple[str, str], int] = {}
    for r in records:
        if r.offence_group != offence_group:
            continue
        key = (r.area, r.year)
        if r.online:
            online[key] += r.count
        else:
            offline[key] = offline.get(key, 0) + r.count
    if not any(area == NATIONAL for area, _ in online):
        _add_national(online, offline)
    years = sorted({year for _, year in online})
    rank = {year: n for n, year in enumerate(years)}
    rows: list[AreaYear] = []
    for (area, year), count in online.items():
        before = rank[year] - 1
        previous = online.get((area, years[before])) if before >= 0 else None
        extra = offline.get((area, year))
        total = count + extra if extra is not None else None
        rows.append(AreaYear(area, year, count, total, previous))
    rows.sort(key=lambda a: (a.area != NATIONAL, a.area, -rank[a.year]))
    return rows


def _add_national(online: dict[tuple[str, str], int], offline: dict[tuple[str, str], int]) -> None:
    """National rows as the sum of the areas, when the table has none of its own."""
    for (_, year), count in list(online.items()):
        online[(NATIONAL, year)] = online.get((NATIONAL, year), 0) + count
    for (_, year), count in list(offline.items()):
        offline[(NATIONAL, year)] = offline.get((NATIONAL, year), 0) + count


def percent(value: float | None, *, signed: bool = False) -> str:
    """``0.17`` as ``+17%`` (signed) or ``17%``; a dash when unknown."""
    if value is None:
        return "-"
    return f"{value * 100:+.0f}%" if signed else f"{value * 100:.0f}%"
