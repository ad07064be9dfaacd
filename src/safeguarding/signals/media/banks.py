"""Banks (named hash lists) and the readers of the files they are imported from.

Readers never stop at a bad line: each bad line is reported with its line number and the rest
of the file imports. Supported formats:

* ``hma-csv``: CSV as exported by ThreatExchange / HMA tooling. With a header, the columns
  ``signal_type`` (or ``type``/``content_type``) and ``signal`` (or ``signal_value``/``hash``/
  ``value``) are used, plus optional ``quality`` and ``note``/``id``; without a header each row
  is ``type,value[,…]``. Types: ``pdq``, ``md5``/``video_md5``, ``sha1``, ``sha256``, ``url``
  and ThreatExchange's ``HASH_PDQ``, ``HASH_MD5``, ``HASH_SHA1``, ``HASH_SHA256``, ``URI``.
* ``typed``: ``TYPE VALUE`` a line, separated by blanks, as python-threatexchange writes
  (``pdq 3f0c…``); any of the types above.
* ``md5``, ``sha1``, ``sha256``, ``pdq``: one hash a line (first field; ``pdq`` lines may carry
  a quality as second field, and may start with the word ``pdq``), ``#`` comments and blank
  lines skipped.
* ``urls``: one URL a line; a trailing ``*`` makes a prefix entry.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from safeguarding.domain import DEFAULT_PDQ_THRESHOLD, MediaBankEntry
from safeguarding.signals.media.errors import BankError, MediaError
from safeguarding.signals.media.hashes import HashType, normalise_hex, parse_hash_type
from safeguarding.signals.media.urls import parse_list_entry

__all__ = ["DEFAULT_PDQ_THRESHOLD", "BankFormat", "ImportReport", "LineError", "read_entries"]

MAX_PDQ_THRESHOLD = 128
_BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class BankFormat(StrEnum):
    AUTO = "auto"
    HMA_CSV = "hma-csv"
    TYPED = "typed"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    PDQ = "pdq"
    URLS = "urls"


def check_bank_name(name: str) -> str:
    if not _BANK_NAME.match(name):
        raise BankError(
            f"bad bank name {name!r}: 1-64 letters, digits, '_', '.', '-',"
            " starting with a letter or digit"
        )
    return name


def check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= MAX_PDQ_THRESHOLD:
        raise BankError(f"PDQ threshold must be 0..{MAX_PDQ_THRESHOLD}, got {threshold}")
    return threshold


@dataclass(slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    bank: str
    format: str
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "bank": self.bank,
            "format": self.format,
            "lines": self.lines,
            "added": self.added,
            "duplicates": self.duplicates,
            "errors": [{"line": e.line, "message": e.message} for e in self.errors],
        }


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _first_field(line: str) -> list[str]:
    return [f for f in re.split(r"[\s,;]+", line.strip()) if f]


def guess_format(first_lines: Iterable[str]) -> BankFormat:
    """Format of a bank file from its first data lines; :class:`BankError` if ambiguous."""
    for line in first_lines:
        if _is_blank_or_comment(line):
            continue
        fields = _first_field(line)
        head = fields[0].lower()
        if "," in line and (head.split(",")[0] in {"signal_type", "type", "content_type"}):
            return BankFormat.HMA_CSV
        if _is_type_name(line.split(",")[0]):
            return BankFormat.HMA_CSV
        if len(fields) > 1 and _is_type_name(fields[0]):
            return BankFormat.TYPED
        if re.fullmatch(r"[0-9a-f]{32}", head):
            return BankFormat.MD5
        if re.fullmatch(r"[0-9a-f]{40}", head):
            return BankFormat.SHA1
        if re.fullmatch(r"[0-9a-f]{64}", head):
            if len(fields) > 1 and fields[1].isdigit():
                return BankFormat.PDQ
            raise BankError("64-hex-digit lines may be PDQ or SHA-256: give --format pdq|sha256")
        if "." in head or head.startswith(("http", "hxxp")):
            return BankFormat.URLS
        break
    raise BankError("cannot tell the bank file's format: give --format")


def _is_type_name(text: str) -> bool:
    try:
        parse_hash_type(text)
    except MediaError:
        return False
    return True


def _entry(
    hash_type: HashType, value: str, line: int, quality: str | None = None, note: str | None = None
) -> MediaBankEntry:
    if hash_type is HashType.URL:
        canonical, wildcard = parse_list_entry(value)
        return MediaBankEntry(HashType.URL.value, canonical, None, note or None, wildcard, line)
    parsed_quality = None
    if quality not in (None, ""):
        try:
            parsed_quality = int(quality)
        except ValueError as exc:
            raise MediaError(f"quality {quality!r} is not a whole number") from exc
        if not 0 <= parsed_quality <= 100:
            raise MediaError(f"quality {parsed_quality} is outside 0..100")
    return MediaBankEntry(
        hash_type.value, normalise_hex(hash_type, value), parsed_quality, note or None, False, line
    )


def read_entries(lines: Iterable[str], fmt: BankFormat) -> Iterator[MediaBankEntry | LineError]:
    """Entries of a bank file, or a :class:`LineError` for each line that cannot be read."""
    if fmt is BankFormat.AUTO:
        raise BankError("resolve AUTO with guess_format() first")
    if fmt is BankFormat.HMA_CSV:
        yield from _read_hma_csv(lines)
        return
    if fmt is BankFormat.TYPED:
        yield from _read_typed(lines)
        return
    hash_type = {
        BankFormat.MD5: HashType.MD5,
        BankFormat.SHA1: HashType.SHA1,
        BankFormat.SHA256: HashType.SHA256,
        BankFormat.PDQ: HashType.PDQ,
        BankFormat.URLS: HashType.URL,
    }[fmt]
    for number, line in enumerate(lines, start=1):
        if _is_blank_or_comment(line):
            continue
        try:
            if hash_type is HashType.URL:
                yield _entry(hash_type, line.strip(), number)
                continue
            fields = _first_field(line)
            if len(fields) > 1 and _is_type_name(fields[0]):
                if parse_hash_type(fields[0]) is not hash_type:  # "pdq HEX" in a pdq file
                    raise MediaError(f"a {fields[0]} line in a {fmt.value} file")
                fields = fields[1:]
            quality = fields[1] if hash_type is HashType.PDQ and len(fields) > 1 else None
            yield _entry(hash_type, fields[0], number, quality)
        except (MediaError, ValueError) as exc:
            yield LineError(number, str(exc))


def _read_typed(lines: Iterable[str]) -> Iterator[MediaBankEntry | LineError]:
    """``TYPE VALUE [quality]`` lines (python-threatexchange's ``pdq 3f0c…`` text format)."""
    for number, line in enumerate(lines, start=1):
        if _is_blank_or_comment(line):
            continue
        try:
            fields = line.split()
            if len(fields) < 2:
                raise MediaError("expected 'TYPE VALUE'")
            hash_type = parse_hash_type(fields[0])
            quality = fields[2] if hash_type is HashType.PDQ and len(fields) > 2 else None
            yield _entry(hash_type, fields[1], number, quality)
        except (MediaError, ValueError) as exc:
            yield LineError(number, str(exc))


_TYPE_COLUMNS = ("signal_type", "type", "content_type", "hash_type")
_VALUE_COLUMNS = ("signal", "signal_value", "hash", "value", "indicator", "url")
_NOTE_COLUMNS = ("note", "id", "content_id", "description", "tags")


def _read_hma_csv(lines: Iterable[str]) -> Iterator[MediaBankEntry | LineError]:
    numbered = (
        (n, line) for n, line in enumerate(lines, start=1) if not _is_blank_or_comment(line)
    )
    columns: dict[str, int] | None = None
    for number, line in numbered:
        try:
            row = next(csv.reader([line]))
        except csv.Error as exc:
            yield LineError(number, f"bad CSV: {exc}")
            continue
        lowered = [c.strip().lower() for c in row]
        if columns is None and any(c in _TYPE_COLUMNS for c in lowered):
            columns = {name: i for i, name in enumerate(lowered)}
            if not any(c in columns for c in _VALUE_COLUMNS):
                yield LineError(number, f"header has no value column ({', '.join(_VALUE_COLUMNS)})")
                return
            continue
        try:
            if columns is None:
                if len(row) < 2:
                    raise MediaError("expected 'type,value' (or a header row)")
                type_name, value = row[0], row[1]
                quality = row[2] if len(row) > 2 and row[2].strip().isdigit() else None
                note = None
            else:
                type_name = _column(row, columns, _TYPE_COLUMNS) or ""
                value = _column(row, columns, _VALUE_COLUMNS) or ""
                quality = _column(row, columns, ("quality",))
                note = _column(row, columns, _NOTE_COLUMNS)
            yield _entry(parse_hash_type(type_name), value.strip(), number, quality, note)
        except (MediaError, ValueError) as exc:
            yield LineError(number, str(exc))


def _column(row: list[str], columns: dict[str, int], names: tuple[str, ...]) -> str | None:
    for name in names:
        index = columns.get(name)
        if index is not None and index < len(row):
            return row[index].strip()
    return None
