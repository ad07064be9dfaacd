"""URL canonicalisation, extraction from chat text (including obfuscated forms) and list matching.

Canonical form is ``host[:port]/path[?query]`` with no scheme: scheme, ``www.``, case of the
host, default ports, user info, fragments, tracking parameters, trailing slashes, dot segments
and percent-encoding differences are all removed, and international host names are turned
into punycode. Path case is kept (paths are case-sensitive on most servers).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import idna

from safeguarding.signals.media.errors import MediaError

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
        "ref_src", "ref_url", "si", "spm", "s_cid", "trk", "cmpid", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid", "rb_clickid", "zanpid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = ":@!$'()*+,;/?-._~"
_WWW = re.compile(r"^www\d{0,3}\.")
_DEFANGED_DOT = re.compile(
    r"\s*(?:\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\})\s*", re.IGNORECASE
)


def _canonical_host(raw_host: str) -> str:
    host = unquote(raw_host).strip().rstrip(".").lower()
    if not host:
        raise MediaError("URL has no host")
    if re.fullmatch(r"\d+|0x[0-9a-f]+", host):  # http://3232235777 style obfuscated IPv4
        try:
            return str(ipaddress.IPv4Address(int(host, 0)))
        except (ValueError, ipaddress.AddressValueError) as exc:
            raise MediaError(f"bad numeric host {raw_host!r}") from exc
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        try:  # tolerate labels idna rejects (underscores, over-long labels) in ASCII hosts
            ascii_host = host.encode("ascii").decode("ascii")
        except UnicodeEncodeError:
            raise MediaError(f"bad international host name {raw_host!r}: {exc}") from exc
    return _WWW.sub("", ascii_host)


def _canonical_path(raw_path: str) -> str:
    path = unquote(raw_path)
    path = re.sub(r"/{2,}", "/", path)
    if path:
        trailing = path.endswith("/")
        path = posixpath.normpath("/" + path.lstrip("/"))
        if trailing and path != "/":
            path += "/"
    path = path.rstrip("/")
    return quote(path, safe=_PATH_SAFE)


def _canonical_query(raw_query: str) -> str:
    pairs = []
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        lowered = key.lower()
        if lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES):
            continue
        pairs.append((quote(key, safe=_QUERY_SAFE), quote(value, safe=_QUERY_SAFE)))
    return "&".join(f"{k}={v}" if v else k for k, v in sorted(pairs))


def canonicalise_url(url: str) -> str:
    """Canonical ``host[:port]/path[?query]`` of ``url``; :class:`MediaError` if it has no host."""
    text = url.strip().strip("<>\"'")
    text = re.sub(r"^h[tx]{2}p(s?)(?=\s*(?::|\[:\])\s*//)", r"http\1", text, flags=re.I)
    text = re.sub(r"^(https?)\s*\[:\]\s*//", r"\1://", text, flags=re.I)
    text = _DEFANGED_DOT.sub(".", text)  # threat-intel style "evil[.]com"
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, flags=re.I):
        text = "http://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise MediaError(f"not a URL: {url[:200]!r} ({exc})") from exc
    host = _canonical_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443, "ftp": 21}.get(parts.scheme.lower())
    if port is not None and port != default_port:
        host = f"{host}:{port}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return host + path + (f"?{query}" if query else "")


@dataclass(slots=True, frozen=True)
class UrlKey:
    """Canonical URL split for list matching; ``port`` is None for the scheme's default."""

    host: str
    port: int | None
    path: str
    query: frozenset[str]

    @classmethod
    def parse(cls, canonical: str) -> UrlKey:
        rest, _, query = canonical.partition("?")
        authority, slash, path = rest.partition("/")
        host, port = authority, None
        if re.search(r":\d+$", authority):
            host, _, number = authority.rpartition(":")
            port = int(number)
        return cls(host, port, slash + path, frozenset(query.split("&")) if query else frozenset())


@dataclass(slots=True, frozen=True)
class ListedUrl:
    """One URL-list entry. ``wildcard``: the entry ended in ``*`` and covers everything below.

    A wildcard entry whose prefix ends in ``/`` (``host/dir/*``) stops at a path segment
    boundary: it covers ``/dir`` and ``/dir/…``, not ``/dirt``.
    """

    key: UrlKey
    entry_id: int
    tag: int
    wildcard: bool = False

    @property
    def whole_host(self) -> bool:
        return self.key.path in ("", "/") and not self.key.query


def parse_list_entry(line: str) -> tuple[str, bool]:
    """Canonical form of a URL-list line and whether it is a ``*`` wildcard (prefix) entry.

    A wildcard prefix that ends in ``/`` keeps that slash, so the match stops at a segment
    boundary (``dir/*`` does not cover ``dirt``).
    """
    text = line.strip()
    wildcard = text.endswith("*")
    prefix = text.rstrip("*").strip()
    canonical = canonicalise_url(prefix)
    if wildcard and prefix.endswith("/") and "?" not in canonical and "/" in canonical:
        canonical += "/"
    return canonical, wildcard


class UrlList:
    """URL list lookup by host. Matching rules (documented in docs/media-matching.md):

    * an entry with no path (``example.com``) lists the whole host and all its subdomains,
      on every port;
    * an entry with a path lists that page; extra query parameters on the candidate don't
      evade it, but each parameter of the entry must be present;
    * an entry ending in ``*`` lists every path that starts with it (at a segment boundary
      when the prefix ends in ``/``);
    * an entry without a port covers every port of its host; one with a port, that port only.
    """

    def __init__(self) -> None:
        self._by_host: dict[str, list[ListedUrl]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, canonical: str, entry_id: int, tag: int, wildcard: bool = False) -> None:
        key = UrlKey.parse(canonical)
        self._by_host.setdefault(key.host, []).append(ListedUrl(key, entry_id, tag, wildcard))
        self._count += 1

    def match(self, canonical: str) -> list[ListedUrl]:
        key = UrlKey.parse(canonical)
        found = [e for e in self._by_host.get(key.host, ()) if self._covers(e, key)]
        labels = key.host.split(".")
        for i in range(1, len(labels) - 1):  # parent domains: whole-host entries only
            parent = ".".join(labels[i:])
            found.extend(
                e
                for e in self._by_host.get(parent, ())
                if e.whole_host and e.key.port in (None, key.port)
            )
        return found

    @staticmethod
    def _covers(entry: ListedUrl, key: UrlKey) -> bool:
        listed = entry.key
        if listed.port is not None and listed.port != key.port:
            return False
        if entry.whole_host:
            return True
        if not listed.query <= key.query:
            return False
        if entry.wildcard:
            if listed.path.endswith("/"):
                return key.path == listed.path[:-1] or key.path.startswith(listed.path)
            return key.path.startswith(listed.path)
        return key.path == listed.path


# --- extraction from chat text -----------------------------------------------------------------

KNOWN_TLDS = frozenset(
    """com net org info biz io co me tv cc ws to ly gg xyz top site online club live app dev
    onion link click pw su ru uk de fr nl eu us ca au in jp cn br es it pl se no fi dk ch at
    be cz gr hu pt ro ua kr tw hk sg my ph id vn th tr ir il za ng ke mx ar cl pe ve nz ie is
    lt lv ee by kz am ge md rs hr si sk bg al ba mk me zip mov icu buzz vip shop store blog
    fun space pics pro tk ml ga cf gq cx la fm am ai vc st sh nu tv""".split()  # noqa: SIM905
)
# full stop, ideographic full stop, full-width full stop, half-width ideographic full stop
_DOTS = ".\u3002\uff0e\uff61"
_BRACKETED_DOT = (
    r"\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\}|<\s*(?:\.|dot)\s*>"
)
_SEPARATOR = (
    rf"(?:\s*(?:{_BRACKETED_DOT})\s*"
    r"|\s+(?:dot|d0t|punto|point|punkt)\s+"
    rf"|\s?[{_DOTS}]\s?)"
)
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_SCHEME = r"h(?:tt|xx|\*\*)ps?\s*(?::|\[:\])\s*//\s*"
# user info ("user:pw@", "google.com@") only after a scheme: without one it is an e-mail address
_USERINFO = r"(?:[^\s/?#@<>\"']+@)?"
# path segments after "/" (or " / " with spaces on both sides) or the word "slash", as many as
# there are
_PATH = r"(?:(?:/|\s+/\s+|\s+slash\s+)[^\s<>\"'/]*)*"
_URL_IN_TEXT = re.compile(
    rf"(?<![\w@{_DOTS}-])(?:{_SCHEME}{_USERINFO})?"
    rf"(?P<host>{_LABEL}(?:{_SEPARATOR}{_LABEL})*{_SEPARATOR}(?P<tld>[^\W\d_]{{2,24}}|xn--[a-z0-9-]+))"
    rf"(?![\w-])(?::\d{{1,5}})?{_PATH}",
    re.IGNORECASE,
)
_TRAILING = re.compile(rf"[\s,;:!?)\]}}'\"/{_DOTS}]+$")
_WORD_SEPARATOR = re.compile(
    rf"\s*(?:{_BRACKETED_DOT})\s*|\s+(?:dot|d0t|punto|point|punkt)\s+|\s?[{_DOTS}]\s?",
    re.IGNORECASE,
)


@dataclass(slots=True, frozen=True)
class FoundUrl:
    """A URL found in text: ``span`` indexes the original text, ``canonical`` is for matching."""

    text: str
    span: tuple[int, int]
    canonical: str
    obfuscated: bool


def find_urls(text: str) -> Iterator[FoundUrl]:
    """URLs in chat text, including obfuscated ones (``site dot com``, ``site[.]com``, hxxp).

    Extraction is generous on purpose: a false extraction only costs a lookup, a match needs the
    URL to be on a list. Word separators ("dot") need a known top-level domain, so ordinary
    prose ("a dot on the map") is not read as a host.
    """
    for found in _URL_IN_TEXT.finditer(text):
        raw = _TRAILING.sub("", found.group(0))
        host = found.group("host")
        tld = found.group("tld").lower()
        plain_dots = re.fullmatch(rf"{_LABEL}(?:\.{_LABEL})+", host) is not None
        if not plain_dots and tld not in KNOWN_TLDS and not tld.startswith("xn--"):
            continue
        if (
            plain_dots
            and "/" not in raw
            and tld not in KNOWN_TLDS
            and not raw.lower().startswith("h")
        ):
            continue  # "end.Next" style sentence joins: only known TLDs without a scheme or path
        repaired = _WORD_SEPARATOR.sub(".", raw)
        repaired = re.sub(r"\s+slash\s+", "/", repaired, flags=re.I)
        repaired = re.sub(r"^h(?:xx|\*\*)p", "http", repaired, flags=re.I)
        repaired = re.sub(r"\s+", "", repaired)
        try:
            canonical = canonicalise_url(repaired)
        except MediaError:
            continue
        yield FoundUrl(raw, (found.start(), found.start() + len(raw)), canonical, not plain_dots)
