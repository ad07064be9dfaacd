from __future__ import annotations

from pathlib import Path
from typing import Any

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
from safeguarding.storage import Repository


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
    recorded = matcher.matches()
    assert {(r.bank, r.negative, r.suppressed_by) for r in recorded} == {
        ("known", False, "benign"),
        ("benign", True, None),
    }


def test_low_quality_hashes_are_not_matched(matcher: MediaMatcher) -> None:
    flat = encode(Image.new("RGB", (300, 200), (90, 90, 90)))
    import_pdq(matcher, "known", flat)
    outcome = matcher.match_bytes(flat)
    assert not outcome.matched and "quality" in outcome.skipped[0]


def second_process(repo: Repository, tenant_id: str, **options: Any) -> MediaMatcher:
    """A matcher as another process would open it: its own engine on the same database."""
    other = Repository.from_url(str(repo.engine.url))
    return MediaMatcher(other.media(tenant_id), **options)


def test_flooding_hash_is_quarantined_until_released(repo: Repository, base_jpeg: bytes) -> None:
    now = [1_000_000.0]
    quarantined = []
    tenant = repo.create_tenant("flood").id
    policy = QuarantinePolicy(window_s=60, min_matches=5, factor=3, baseline_windows=10)
    matcher = MediaMatcher(
        repo.media(tenant),
        quarantine=policy,
        clock=lambda: now[0],
        on_quarantine=lambda decision, entry: quarantined.append((decision, entry)),
    )
    other = second_process(repo, tenant, quarantine=policy, clock=lambda: now[0])
    import_pdq(matcher, "known", base_jpeg)
    for _ in range(3):  # a usual rate: one match a minute
        assert matcher.match_bytes(base_jpeg).matched
        now[0] += 60
    # a burst within one minute, spread over two processes: they count together
    results = [(matcher if i % 2 else other).match_bytes(base_jpeg) for i in range(4)]
    results.append(matcher.match_bytes(base_jpeg))
    assert [r.matched for r in results] == [True] * 5
    assert results[4].quarantined and quarantined[0][1].bank == "known"
    blocked = other.match_bytes(base_jpeg)  # the other process sees the quarantine at once
    assert not blocked.matched
    assert any("quarantined (5 matches in 60s" in line for line in blocked.skipped)
    assert [e.bank for e in matcher.quarantined()] == ["known"]
    assert matcher.store.list_events(kind="quarantine")[0]["bank"] == "known"
    assert other.release_quarantine(pdq_of(matcher, base_jpeg).value)
    assert matcher.match_bytes(base_jpeg).matched
    other.store.close()


def test_banks_persist_and_matches_hold_references_not_media(
    repo: Repository, tmp_path: Path, base_jpeg: bytes
) -> None:
    tenant = repo.create_tenant("persist").id
    first = MediaMatcher(repo.media(tenant))
    import_pdq(first, "known", base_jpeg, threshold=20)
    first.match_bytes(base_jpeg, content_ref="msg-9/att-1", context={"conversation_id": "c9"})
    second = second_process(repo, tenant)
    (bank,) = second.banks()
    assert (bank.name, bank.threshold, bank.entries) == ("known", 20, 1)
    (record,) = second.matches()
    assert (record.content_ref, record.context) == ("msg-9/att-1", {"conversation_id": "c9"})
    repo.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert base_jpeg[200:264] not in stored  # no slice of the image is ever written


def test_another_process_sees_imports_and_disables_without_a_restart(
    matcher: MediaMatcher, repo: Repository, base_jpeg: bytes
) -> None:
    tenant = repo.find_tenant("tenant-a")
    assert tenant is not None
    api = second_process(repo, tenant.id)  # e.g. the service, opened before the import
    assert not api.match_bytes(base_jpeg).matched
    import_pdq(matcher, "known", base_jpeg)  # e.g. the CLI
    assert api.match_bytes(base_jpeg).matched
    matcher.set_hash_disabled(pdq_of(matcher, base_jpeg).value, True, reason="logo")
    assert not api.match_bytes(base_jpeg).matched


def test_skipped_hashes_say_why(matcher: MediaMatcher, base_jpeg: bytes) -> None:
    import_pdq(matcher, "known", base_jpeg)
    md5 = matcher.hash_bytes(base_jpeg).of_type(HashType.MD5)[0].value
    matcher.import_bank("exact", [md5], fmt="md5")
    matcher.set_hash_disabled(pdq_of(matcher, base_jpeg).value, True, reason="benign logo")
    matcher.update_bank("exact", enabled=False)
    outcome = matcher.match_bytes(base_jpeg)
    assert not outcome.matched
    assert any("bank known not matched: disabled (benign logo)" in s for s in outcome.skipped)
    assert any("bank exact not matched: bank is disabled" in s for s in outcome.skipped)


def test_flips_and_rotations_match_banks_that_ask_for_them(
    matcher: MediaMatcher, base_image: Image.Image, base_jpeg: bytes
) -> None:
    import_pdq(matcher, "plain", base_jpeg)
    mirrored = encode(base_image.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    rotated = encode(base_image.transpose(Image.Transpose.ROTATE_90))
    assert not matcher.match_bytes(mirrored).matched
    assert not matcher.match_bytes(rotated).matched
    matcher.update_bank("plain", dihedral=True)
    for copy in (mirrored, rotated):
        outcome = matcher.match_bytes(copy)
        assert outcome.matched and outcome.matches[0].variant is not None
        assert outcome.matches[0].distance <= 31
    assert matcher.matches(limit=1)[0].variant == outcome.matches[0].variant
    assert matcher.match_bytes(base_jpeg).matches[0].variant is None  # the original itself


def test_a_failed_import_leaves_no_bank_behind(matcher: MediaMatcher) -> None:
    with pytest.raises(BankError, match="cannot tell"):
        matcher.import_bank("new-1", ["???", "!!!"])
    with pytest.raises(BankError, match="nothing imported"):
        matcher.import_bank("new-2", ["zzz", "yyy"], fmt="md5")
    with pytest.raises(BankError, match="nothing imported"):
        matcher.import_bank("new-3", [], fmt="md5")
    assert matcher.banks() == []


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


def test_a_write_that_changes_nothing_still_notices_another_process(
    matcher: MediaMatcher, repo: Repository, base_jpeg: bytes
) -> None:
    import_pdq(matcher, "known", base_jpeg)
    tenant = repo.find_tenant("tenant-a")
    assert tenant is not None
    other = second_process(repo, tenant.id)
    other.update_bank("known", enabled=False)  # another process: version + 1
    import_pdq_again = matcher.import_bank("known", [pdq_of(matcher, base_jpeg).value], fmt="pdq")
    assert import_pdq_again.duplicates == 1  # this write raised nothing itself
    outcome = matcher.match_hashes(matcher.hash_bytes(base_jpeg).hashes, fresh=True)
    assert not outcome.matched and "bank is disabled" in outcome.skipped[0]
