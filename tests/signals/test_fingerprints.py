"""Fingerprints of contact details and openers: normalised, tenant-scoped, no text kept."""

from __future__ import annotations

from safeguarding.signals.fingerprints import (
    BANDS,
    canonical_url,
    digest,
    identifiers,
    opener_bands,
)


def test_contact_details_normalised_so_two_spellings_match() -> None:
    assert identifiers("text me 07700 900123") == identifiers("my number: +44 7700 900123")
    assert identifiers("add me on snap: CoolGuy_99") == {("handle", "coolguy_99")}
    assert identifiers("mail bob@example.com") == {("email", "bob@example.com")}
    assert identifiers("see https://WWW.Example.com/a/?x=1.") == {("url", "example.com/a")}
    assert identifiers("nothing here, just chatting") == set()


def test_links_sent_as_media_are_urls() -> None:
    assert identifiers("", ["http://example.org/x/"]) == {("url", "example.org/x")}
    assert canonical_url("https://www.example.org/p#frag") == "example.org/p"


def test_digest_is_scoped_to_the_tenant_and_hides_the_value() -> None:
    one = digest("t1", "phone", "700900123")
    assert one == digest("t1", "phone", "700900123")
    assert one != digest("t2", "phone", "700900123")
    assert one != digest("t1", "handle", "700900123")
    assert "700900123" not in one and len(one) == 64


def test_near_duplicate_openers_share_a_band_and_others_do_not() -> None:
    a = opener_bands("hey ur really good at this game, how old r u?")
    b = opener_bands("hey ur really good at this game how old are u")
    c = opener_bands("did you finish the maths homework for tomorrow")
    assert a is not None and b is not None and c is not None
    assert len(a) == BANDS
    assert opener_bands("HEY ur really good at this game!!! how old r u") == a
    assert any(x == y for x, y in zip(a, b, strict=True))
    assert not any(x == y for x, y in zip(a, c, strict=True))
    assert opener_bands("hi") is None  # too short to say who wrote it
    assert all(0 <= x < 2**62 for x in a)  # fits a signed 64-bit column
