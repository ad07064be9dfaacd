from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from safeguarding.domain import Message
from safeguarding.signals.media import (
    BankError,
    ContentHash,
    HashType,
    MediaError,
    MediaMatcher,
    MediaRef,
    QuarantinePolicy,
    hamming_hex,
)
from safeguarding.signals.media.synthetic import encode, synthetic_image


def pdq_of(matcher: MediaMatcher, data: bytes) -> ContentHash:
    return matcher.hash_bytes(data).of_type(HashType.PDQ)[0]


def import_pdq(matcher: MediaMatcher, bank: str, data: bytes, **options: object) -> None:
    report = matcher.import_bank(bank, [pdq_of(matcher, data).value], fmt="pdq", **options)  # type: ignore[arg-type]
    assert report.added == 1


def test_edited_copy_matches_and_unrelated_does_not(
    matcher: MediaMatcher, base_image: Image.Image, base_jpeg: bytes, unrelated_jpegs: list[bytes]
) -> None:
    import_pdq(matcher, "known", base_jpeg)
    edited = encode(ImageEnhance.Color(base_image.resize((500, 375))).enhance(1.4), quality=60)
    outcome = matcher.match_bytes(edited, content_ref="upload-1")
    assert outcome.matched
    match = outcome.matches[0]
    assert (match.bank, match.hash_type, match.content_ref) == ("known", HashType.PDQ, "upload-1")
    assert 0 < match.distance <= 31 and match.score == 1 - match.distance / 256
    assert all(not matcher.match_bytes(j).matched for j in unrelated_jpegs)


def test_exact_hash_banks(matcher: MediaMatcher, base_jpeg: bytes) -> None:
    md5 = matcher.hash_bytes(base_jpeg).of_type(HashType.MD5)[0].value
    matcher.import_bank("ncmec-md5", ["# list", md5], fmt="md5")
    outcome = matcher.match_bytes(base_jpeg)
    assert [(m.bank, m.hash_type, m.distance) for m in outcome.matches] == [
        ("ncmec-md5", HashType.MD5, 0)
    ]


def test_per_bank_threshold_and_enable_disable(
    matcher: MediaMatcher, base_image: Image.Image, base_jpeg: bytes
) -> None:
    import_pdq(matcher, "strict", base_jpeg, threshold=0)
    resized = encode(base_image.resize((400, 300)))
    distance = hamming_hex(pdq_of(matcher, base_jpeg).value, pdq_of(matcher, resized).value)
    assert distance > 0
    assert not matcher.match_bytes(resized).matched
    matcher.update_bank("strict", threshold=31)
    assert matcher.match_bytes(resized).matched
    matcher.update_bank("strict", enabled=False)
    assert not matcher.match_bytes(resized).matched
    matcher.update_bank("strict", enabled=True)
    assert matcher.match_bytes(resized).matched


def test_per_hash_disable_for_a_false_positive(matcher: MediaMatcher, base_jpeg: bytes) -> None:
    import_pdq(matcher, "known", base_jpeg)
    value = pdq_of(matcher, base_jpeg).value
    entries = matcher.set_hash_disabled(f"pdq:{value}", True, reason="benign logo")
    assert [e.bank for e in entries] == ["known"]
    assert not matcher.match_bytes(base_jpeg).matched
    matcher.set_hash_disabled(f"pdq:{value}", False)
    assert matcher.match_bytes(base_jpeg).matched
    with pytest.raises(BankError, match="no bank entry"):
        matcher.set_hash_disabled("md5:" + "0" * 32, True)


def test_negative_bank_suppresses_positive_matches(matcher: MediaMatcher, base_jpeg: bytes) -> None:
    import_pdq(matcher, "known", base_jpeg)
    import_pdq(matcher, "benign", base_jpeg, negative=True)
    outcome = matcher.match_bytes(base_jpeg, content_ref="c1")
    assert not outcome.matched
    assert [m.bank for m in outcome.suppressed] == ["known"]
    assert [m.bank for m in outcome.negative] == ["benign"]
    recorded = matcher.store.list_matches()
    assert {(r.bank, r.negative, r.suppressed_by) for r in recorded} == {
        ("known", False, "benign"),
        ("benign", True, None),
    }


def test_low_quality_hashes_are_not_matched(matcher: MediaMatcher) -> None:
    flat = encode(Image.new("RGB", (300, 200), (90, 90, 90)))
    import_pdq(matcher, "known", flat)
    outcome = matcher.match_bytes(flat)
    assert not outcome.matched and "quality" in outcome.skipped[0]


def test_flooding_hash_is_quarantined_until_released(tmp_path: Path, base_jpeg: bytes) -> None:
    now = [1_000_000.0]
    quarantined = []
    matcher = MediaMatcher.open(
        tmp_path,
        quarantine=QuarantinePolicy(window_s=60, min_matches=5, factor=3, baseline_windows=10),
        clock=lambda: now[0],
        on_quarantine=lambda decision, entry: quarantined.append((decision, entry)),
    )
    import_pdq(matcher, "known", base_jpeg)
    for _ in range(3):  # a usual rate: one match a minute
        assert matcher.match_bytes(base_jpeg).matched
        now[0] += 60
    results = [matcher.match_bytes(base_jpeg) for _ in range(6)]  # burst within one minute
    assert [r.matched for r in results] == [True] * 5 + [False]
    assert results[4].quarantined and quarantined[0][1].bank == "known"
    assert [e.bank for e in matcher.quarantined()] == ["known"]
    assert matcher.store.list_events(kind="quarantine")[0]["bank"] == "known"
    reopened = MediaMatcher.open(tmp_path)  # quarantine persists
    assert not reopened.match_bytes(base_jpeg).matched
    assert reopened.release_quarantine(pdq_of(matcher, base_jpeg).value)
    assert reopened.match_bytes(base_jpeg).matched
    reopened.close()
    matcher.close()


def test_banks_persist_and_matches_hold_references_not_media(
    tmp_path: Path, base_jpeg: bytes
) -> None:
    first = MediaMatcher.open(tmp_path)
    import_pdq(first, "known", base_jpeg, threshold=20)
    first.match_bytes(base_jpeg, content_ref="msg-9/att-1", context={"conversation_id": "c9"})
    first.close()
    second = MediaMatcher.open(tmp_path)
    (bank,) = second.banks()
    assert (bank.name, bank.threshold, bank.entries) == ("known", 20, 1)
    (record,) = second.store.list_matches()
    assert (record.content_ref, record.context) == ("msg-9/att-1", {"conversation_id": "c9"})
    second.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert base_jpeg[200:264] not in stored  # no slice of the image is ever written


def test_bank_import_reports_bad_lines_and_imports_the_rest(
    matcher: MediaMatcher, tmp_path: Path, base_jpeg: bytes
) -> None:
    value = pdq_of(matcher, base_jpeg).value
    path = tmp_path / "bank.csv"
    path.write_text(f"signal_type,signal\npdq,{value}\npdq,zzz\nmd5,{'a' * 32}\npdq,{value}\n")
    report = matcher.import_bank("hma", path)
    assert (report.format, report.added, report.duplicates) == ("hma-csv", 2, 1)
    assert [(e.line, "not a pdq hash" in e.message) for e in report.errors] == [(3, True)]
    with pytest.raises(BankError, match="bad bank name"):
        matcher.import_bank("no spaces allowed", [value], fmt="pdq")


def test_signals_for_message_and_url_signals(matcher: MediaMatcher, base_jpeg: bytes) -> None:
    import_pdq(matcher, "known", base_jpeg)
    matcher.import_bank("iwf", ["https://bad.example.com/gallery/1"], fmt="urls")
    message = Message(
        "conv-1", "adult-7", "look at bad dot example dot com slash gallery/1", index=4
    )
    other = encode(synthetic_image(555, (320, 240)))
    signals = matcher.signals_for_message(
        message, [MediaRef("att-1", data=base_jpeg), MediaRef("att-2", data=other)]
    )
    kinds = sorted(s.kind for s in signals)
    assert kinds == ["media_match", "url_match"]
    media = next(s for s in signals if s.kind == "media_match")
    assert (media.message_index, media.sender, media.source) == (4, "adult-7", "media")
    assert media.detail is not None and media.detail["content_ref"] == "att-1"
    assert media.detail["bank"] == "known" and media.detail["distance"] == 0
    url = next(s for s in signals if s.kind == "url_match")
    assert url.span is not None and message.text[url.span[0] : url.span[1]] == url.excerpt
    assert url.detail is not None and url.detail["obfuscated"] is True
    assert matcher.url_signals("nothing here") == []


def test_unhashable_attachment_raises_or_is_logged(matcher: MediaMatcher) -> None:
    message = Message("c", "s", "", index=0)
    bad = MediaRef("att-x", data=b"not an image")
    with pytest.raises(MediaError):
        matcher.signals_for_message(message, [bad])
    assert matcher.signals_for_message(message, [bad], on_error="log") == []
    with pytest.raises(ValueError, match="message.index"):
        matcher.signals_for_message(Message("c", "s", "hi"), [])
