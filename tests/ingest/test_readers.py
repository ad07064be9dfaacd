"""Corpus readers: DATASPEC JSON Lines and PAN 2012 XML, with clear errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguarding.ingest import CorpusError, read_corpus, read_jsonl, read_pan2012
from safeguarding.ingest.text import MAX_TEXT_CHARS, analysable, clean_text


def _conv(cid: str, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": cid,
        "platform": "game_chat",
        "locale": "en-GB",
        "participants": [
            {"id": "a", "declared_age": 30, "account_age_days": 3, "connected": False},
            {"id": "b", "declared_age": 12, "account_age_days": 400, "connected": False},
        ],
        "messages": [
            {"ts": "2026-03-01T18:02:00Z", "from": "a", "text": "hi"},
            {"ts": "2026-03-01T18:03:00Z", "from": "b", "text": "hey"},
        ],
        "label": "benign",
        "category": "benign_peer",
    }
    base.update(extra)
    return base


def test_reads_dataspec_fields(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(_conv("c1", first_alert_index=None)) + "\n")
    (conv,) = list(read_jsonl(path))
    assert conv.id == "c1"
    assert [p.declared_age for p in conv.participants] == [30, 12]
    assert conv.participants[0].connected is False
    assert [m.sender for m in conv.messages] == ["a", "b"]
    assert conv.messages[0].ts is not None and conv.messages[0].ts.tzinfo is not None
    assert conv.messages[1].index == 1
    assert conv.source == f"{path}:1"


def test_bad_lines_are_reported_with_line_numbers_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps(_conv("ok1")),
        "{not json",
        json.dumps({"id": "x", "participants": [], "messages": "nope"}),
        "",
        json.dumps(_conv("ok2")),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe bad bytes\n")
    errors: list[CorpusError] = []
    convs = list(read_jsonl(path, errors))
    assert [c.id for c in convs] == ["ok1", "ok2"]
    assert [e.line for e in errors] == [2, 3, 6]
    assert "invalid JSON" in errors[0].reason
    assert "messages" in errors[1].reason
    assert "not UTF-8" in errors[2].reason


def test_strict_mode_raises_on_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(_conv("ok")) + "\n[1, 2]\n")
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: a conversation must be a JSON object"):
        list(read_jsonl(path))


def test_unknown_sender_joins_as_participant(tmp_path: Path) -> None:
    conv = _conv("u")
    conv["messages"] = [{"from": "ghost", "text": "hello"}]
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(conv) + "\n")
    (read,) = list(read_jsonl(path))
    assert read.participant("ghost") is not None
    assert read.participant("ghost").declared_age is None  # type: ignore[union-attr]


def test_text_cleaning_keeps_content_and_caps_analysis() -> None:
    assert clean_text("a\x00b\x07c\n") == "abc\n"
    assert clean_text(b"caf\xc3\xa9 \xff") == "café \ufffd"
    long = "x" * (MAX_TEXT_CHARS + 50)
    assert len(analysable(long)) == MAX_TEXT_CHARS


PAN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<conversations>
  <conversation id="c-1">
    <message line="1"><author>u1</author><time>18:00</time><text>hi there</text></message>
    <message line="2"><author>u2</author><time>18:01</time><text>hey</text></message>
  </conversation>
  <conversation id="c-2">
    <message line="1"><author>u3</author><time>18:00</time><text>yo</text></message>
  </conversation>
</conversations>
"""


def test_reads_pan2012_with_predator_labels(tmp_path: Path) -> None:
    xml = tmp_path / "pan.xml"
    xml.write_text(PAN_XML)
    ids = tmp_path / "predators.txt"
    ids.write_text("u1\n")
    convs = list(read_pan2012(xml, ids))
    assert [c.id for c in convs] == ["c-1", "c-2"]
    assert convs[0].label == "grooming" and convs[0].offender == "u1"
    assert convs[1].label == "benign"
    assert [m.text for m in convs[0].messages] == ["hi there", "hey"]


def test_pan2012_broken_xml_is_a_corpus_error(tmp_path: Path) -> None:
    xml = tmp_path / "broken.xml"
    xml.write_text("<conversations><conversation id='a'><message>")
    with pytest.raises(CorpusError, match="invalid XML"):
        list(read_corpus(xml))


def test_missing_file_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        list(read_corpus(tmp_path / "absent.jsonl"))
