"""Conformance with Meta's PDQ reference hashes, read from the shared data folder (not copied)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from safeguarding.signals.media import HashType, MediaHasher, hamming_hex

REFERENCE = Path("/work/shared/data/pdq-reference")

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "reference_hashes_python.csv").is_file(),
    reason=f"PDQ reference images not found at {REFERENCE} (see its README); conformance skipped",
)


def reference_hashes() -> dict[str, str]:
    with (REFERENCE / "reference_hashes_wasm.csv").open() as handle:
        return {path: value for path, value in csv.reader(handle)}


@pytest.mark.parametrize("fast_decode", [True, False])
def test_hashes_are_close_to_the_reference_implementation(fast_decode: bool) -> None:
    hasher = MediaHasher(fast_decode=fast_decode)
    for path, expected in reference_hashes().items():
        got = hasher.hash_file(REFERENCE / path).of_type(HashType.PDQ)[0]
        assert hamming_hex(got.value, expected) <= 12, path


def test_every_edit_matches_the_original() -> None:
    hasher = MediaHasher()
    originals = hasher.hash_file(REFERENCE / "bridge-mods/aaa-orig.jpg").of_type(HashType.PDQ)
    for edit in sorted((REFERENCE / "bridge-mods").glob("*.jpg")):
        got = hasher.hash_file(edit).of_type(HashType.PDQ)[0]
        assert hamming_hex(got.value, originals[0].value) <= 31, edit.name


def test_unrelated_reference_images_do_not_match() -> None:
    hasher = MediaHasher()
    bridge = hasher.hash_file(REFERENCE / "bridge-mods/aaa-orig.jpg").of_type(HashType.PDQ)[0]
    for other in ("misc-images/c.png", "misc-images/wee.jpg"):
        got = hasher.hash_file(REFERENCE / other).of_type(HashType.PDQ)[0]
        assert hamming_hex(got.value, bridge.value) > 31, other
