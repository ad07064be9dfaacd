from __future__ import annotations

import pytest

from safeguarding.signals.media import MediaError, canonicalise_url, find_urls
from safeguarding.signals.media.urls import UrlList, parse_list_entry


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://WWW.Example.COM/Photos/", "example.com/Photos"),
        ("https://example.com/a?utm_source=x&b=2&a=1&fbclid=z#top", "example.com/a?a=1&b=2"),
        ("example.com/%7Euser/%41%62c", "example.com/~user/Abc"),
        ("http://user:secret@example.com:80/./a/../b//c", "example.com/b/c"),
        ("https://example.com:8443/x", "example.com:8443/x"),
        ("https://bücher.example/ä", "xn--bcher-kva.example/%C3%A4"),
        ("http://3232235777/x", "192.168.1.1/x"),
        ("hxxps[:]//evil[.]example[.]com/p", "evil.example.com/p"),
        ("www2.example.com.", "example.com"),
    ],
)
def test_canonicalisation(url: str, canonical: str) -> None:
    assert canonicalise_url(url) == canonical


def test_canonical_form_is_idempotent() -> None:
    once = canonicalise_url("https://www.Example.com/a b/%e4?q=1 2")
    assert canonicalise_url(once) == once


def test_url_without_host_is_an_error() -> None:
    with pytest.raises(MediaError, match="no host"):
        canonicalise_url("http:///path-only")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("see evil dot com slash pics now", "evil.com/pics"),
        ("go to evil[.]com", "evil.com"),
        ("EVIL (dot) COM", "evil.com"),
        ("hxxp://foo.onion/abc", "foo.onion/abc"),
        ("link: https://www.example.com/x/?utm_medium=chat.", "example.com/x"),
        ("at evil . ru/a", "evil.ru/a"),
    ],
)
def test_urls_are_found_in_chat_text_even_obfuscated(text: str, canonical: str) -> None:
    found = list(find_urls(text))
    assert [f.canonical for f in found] == [canonical]
    start, end = found[0].span
    assert text[start:end] == found[0].text


@pytest.mark.parametrize(
    "text",
    ["there is a dot on the map", "mail me at bob@example.com", "meet at 5.30 ok", "we are done"],
)
def test_prose_is_not_read_as_a_url(text: str) -> None:
    assert list(find_urls(text)) == []


def listed(*entries: str) -> UrlList:
    urls = UrlList()
    for number, line in enumerate(entries):
        canonical, wildcard = parse_list_entry(line)
        urls.add(canonical, number, 0, wildcard)
    return urls


def test_page_entry_matches_that_page_only_with_extra_parameters_allowed() -> None:
    urls = listed("http://host.example/view.php?id=5")
    assert urls.match(canonicalise_url("https://HOST.example/view.php?x=1&id=5"))
    assert not urls.match(canonicalise_url("https://host.example/view.php?id=6"))
    assert not urls.match(canonicalise_url("https://host.example/other.php?id=5"))


def test_host_entry_covers_the_host_and_subdomains() -> None:
    urls = listed("bad.example")
    assert urls.match(canonicalise_url("http://cdn.bad.example/any/thing"))
    assert not urls.match(canonicalise_url("http://notbad.example/"))


def test_wildcard_entry_covers_the_prefix() -> None:
    urls = listed("img.example/albums/123*")
    assert urls.match(canonicalise_url("img.example/albums/123/photo.jpg"))
    assert not urls.match(canonicalise_url("img.example/albums/124"))


def test_a_port_does_not_evade_a_host_entry() -> None:
    urls = listed("badsite.net", "pages.example:8443/x")
    assert urls.match(canonicalise_url("http://badsite.net:8080/"))
    assert urls.match(canonicalise_url("https://cdn.badsite.net:8443/any"))
    assert urls.match(canonicalise_url("https://pages.example:8443/x"))
    assert not urls.match(canonicalise_url("https://pages.example/x"))  # the entry named a port


def test_directory_wildcard_stops_at_a_segment_boundary() -> None:
    urls = listed("http://files.example.org/dir/*")
    assert urls.match(canonicalise_url("http://files.example.org/dir/x"))
    assert urls.match(canonicalise_url("http://files.example.org/dir"))
    assert not urls.match(canonicalise_url("http://files.example.org/dirt/x"))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("look http://google.com@badsite.net/x", "badsite.net/x"),
        ("go http://user:pw@badsite.net/ now", "badsite.net"),
        ("example dot com slash abc slash def", "example.com/abc/def"),
        ("example . com / abc", "example.com/abc"),
        ("see example\u3002com/x", "example.com/x"),
        ("see example\uff0ecom", "example.com"),
        ("see example\uff61com", "example.com"),
    ],
)
def test_user_info_spaced_paths_and_wide_dots_in_chat_text(text: str, canonical: str) -> None:
    assert [f.canonical for f in find_urls(text)] == [canonical]


def test_user_info_host_is_the_one_matched() -> None:
    urls = listed("badsite.net")
    found = list(find_urls("http://google.com@badsite.net/x"))
    assert found and urls.match(found[0].canonical)
    assert not listed("google.com").match(found[0].canonical)
