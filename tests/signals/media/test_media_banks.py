from __future__ import annotations

import pytest

from safeguarding.domain import MediaBankEntry
from safeguarding.signals.media.banks import (
    BankFormat,
    LineError,
    guess_format,
    read_entries,
)
from safeguarding.signals.media.errors import BankError
from safeguarding.signals.media.hashes import HashType, parse_hash_literal

PDQ = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"
MD5 = "0123456789abcdef0123456789abcdef"


def split(lines: list[str], fmt: BankFormat) -> tuple[list[MediaBankEntry], list[LineError]]:
    items = list(read_entries(lines, fmt))
    return (
        [i for i in items if isinstance(i, MediaBankEntry)],
        [i for i in items if isinstance(i, LineError)],
    )


def test_hma_csv_with_header_reports_bad_lines_and_imports_the_rest() -> None:
    lines = [
        "signal_type,signal,quality,note",
        f"pdq,{PDQ},90,case 1",
        "pdq,not-a-hash,90,x",
        f"video_md5,{MD5.upper()},,",
        "unknown_type,abc,,",
        "",
        "url,http://www.Bad.example/page/,,",
    ]
    entries, errors = split(lines, BankFormat.HMA_CSV)
    assert [(e.hash_type, e.line) for e in entries] == [
        (HashType.PDQ, 2),
        (HashType.MD5, 4),
        (HashType.URL, 7),
    ]
    assert entries[0].quality == 90 and entries[0].note == "case 1"
    assert entries[1].value == MD5
    assert entries[2].value == "bad.example/page"
    assert [e.line for e in errors] == [3, 5]
    assert "unknown hash type" in errors[1].message


def test_headerless_csv_and_plain_lists() -> None:
    entries, errors = split([f"pdq,{PDQ}", f"md5,{MD5}"], BankFormat.HMA_CSV)
    assert len(entries) == 2 and not errors
    entries, errors = split(["# NCMEC list", MD5, "xyz", MD5.upper()], BankFormat.MD5)
    assert [e.line for e in entries] == [2, 4] and [e.line for e in errors] == [3]
    entries, errors = split([f"{PDQ} 77", f"{PDQ},101"], BankFormat.PDQ)
    assert entries[0].quality == 77 and errors[0].line == 2


def test_format_guessing() -> None:
    assert guess_format(["signal_type,signal", f"pdq,{PDQ}"]) is BankFormat.HMA_CSV
    assert guess_format(["# comment", MD5]) is BankFormat.MD5
    assert guess_format([f"{PDQ},100"]) is BankFormat.PDQ
    assert guess_format(["https://bad.example/x"]) is BankFormat.URLS
    with pytest.raises(BankError, match="PDQ or SHA-256"):
        guess_format([PDQ])


def test_hash_literals() -> None:
    assert [h.hash_type for h in parse_hash_literal(PDQ)] == [HashType.PDQ, HashType.SHA256]
    assert parse_hash_literal(f"pdq:{PDQ.upper()}")[0].value == PDQ
    assert parse_hash_literal(MD5)[0].hash_type is HashType.MD5


SHA1 = "0123456789abcdef0123456789abcdef01234567"


def test_threatexchange_type_names_and_python_threatexchange_text_lines() -> None:
    entries, errors = split([f"HASH_PDQ,{PDQ}", f"HASH_SHA1,{SHA1}"], BankFormat.HMA_CSV)
    assert [e.hash_type for e in entries] == [HashType.PDQ, HashType.SHA1] and not errors
    text = [f"pdq {PDQ}", f"md5 {MD5}", "pdq nothex"]
    assert guess_format(text) is BankFormat.TYPED
    entries, errors = split(text, BankFormat.TYPED)
    assert [e.hash_type for e in entries] == [HashType.PDQ, HashType.MD5]
    assert [e.line for e in errors] == [3]
    entries, errors = split([f"pdq {PDQ} 90"], BankFormat.PDQ)  # the word pdq in a pdq file
    assert entries[0].value == PDQ and entries[0].quality == 90 and not errors


def test_sha1_lists() -> None:
    assert guess_format([SHA1]) is BankFormat.SHA1
    entries, errors = split(["# IWF", SHA1, SHA1[:-1]], BankFormat.SHA1)
    assert [e.value for e in entries] == [SHA1] and [e.line for e in errors] == [3]
    assert parse_hash_literal(SHA1)[0].hash_type is HashType.SHA1
