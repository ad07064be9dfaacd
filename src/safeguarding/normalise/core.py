"""The normalisation pipeline and :class:`NormalisedText` (rules: ``docs/normalisation.md``).

Each stage rewrites the string and, when it changes lengths, records its edits: parallel lists
of (input start, input end, output start, output end) for every replaced region. Mapping a span
back to the original walks the stages in reverse; nothing is computed until a detector asks
for evidence, so the common path only pays for the regular-expression scans that find nothing.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from safeguarding.normalise._tables import CONFUSABLES, EMOJI_BASE, FLAGS, INVISIBLE
from safeguarding.normalise._words import (
    AT_WORDS,
    CHAT_SINGLES,
    EMOJI_WORDS,
    EXTRA_FOLD,
    KNOWN_WORDS,
    LATIN_LOOKALIKES,
    LEET_KEEP,
    LEET_PAIRS,
    LIGATURES,
    PLUS_WORDS,
    SHORTHANDS,
    UNIT_SUFFIXES,
)

__all__ = ["NormalisedText", "normalise"]

# One stage's length-changing edits: input starts, input ends, output starts, output ends.
_Edits = tuple[list[int], list[int], list[int], list[int]]
_Rep = tuple[int, int, str]

_CACHE_LIMIT = 50_000


# --------------------------------------------------------------------------- character classes

_ESCAPE = re.compile(r"\\([uU])([0-9A-Fa-f]{4,8})")


def _ranges(cls: str) -> list[tuple[int, int]]:
    """Code point ranges of a ``[...]`` class written with literal characters or \\u escapes."""
    body = _ESCAPE.sub(lambda m: chr(int(m.group(2), 16)), cls[1:-1])
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out.append((ord(body[i]), ord(body[i + 2])))
            i += 3
        else:
            out.append((ord(body[i]), ord(body[i])))
            i += 1
    return out


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    def esc(c: int) -> str:
        return f"\\U{c:08x}" if c > 0xFFFF else f"\\u{c:04x}"

    return "[" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"


def _hint(ranges: list[tuple[int, int]]) -> re.Pattern[str]:
    """A fast prefilter for a class: its BMP members plus every astral character.

    Classes with astral members fall off the regex engine's bitmap path and scan about ten
    times slower; astral characters are rare outside emoji, so the prefilter over-matches
    there only.
    """
    bmp = [(a, min(b, 0xFFFF)) for a, b in ranges if a <= 0xFFFF]
    if any(b > 0xFFFF for _, b in ranges):
        bmp.append((0x10000, 0x10FFFF))
    return re.compile(_class(bmp))


# --------------------------------------------------------------------------- offset mapping


def _rewrite(s: str, reps: Iterable[_Rep]) -> tuple[str, _Edits | None]:
    """Apply sorted, non-overlapping replacements ``(start, end, new)`` to ``s``."""
    pieces: list[str] = []
    pos = 0
    delta = 0
    ins: list[int] = []
    ine: list[int] = []
    outs: list[int] = []
    oute: list[int] = []
    for a, b, new in reps:
        if a > pos:
            pieces.append(s[pos:a])
        pieces.append(new)
        pos = b
        n = len(new)
        if n != b - a:
            o = a + delta
            ins.append(a)
            ine.append(b)
            outs.append(o)
            oute.append(o + n)
            delta += n - (b - a)
    if pos == 0 and not pieces:
        return s, None
    pieces.append(s[pos:])
    return "".join(pieces), ((ins, ine, outs, oute) if ins else None)


def _map_start(e: _Edits, a: int) -> int:
    """Original position of a span start at output position ``a`` (right-biased)."""
    ins, ine, outs, oute = e
    i = bisect_right(oute, a)  # edits wholly at or before a
    if i < len(outs) and outs[i] <= a:  # a lies inside the output of edit i
        return ins[i]
    if i == 0:
        return a
    return a - oute[i - 1] + ine[i - 1]


def _map_end(e: _Edits, b: int) -> int:
    """Original position of a span end at output position ``b`` (left-biased)."""
    ins, ine, outs, oute = e
    j = bisect_left(oute, b)  # edits wholly before b
    if j < len(outs) and outs[j] < b:  # b lies inside (or at the end of) edit j's output
        return ine[j]
    if j == 0:
        return b
    return b - oute[j - 1] + ine[j - 1]


class NormalisedText:
    """A normalised message and the way back to the characters a user actually typed.

    ``text``     lower-case, evasion-free text that keeps accents ("não conte").
    ``folded``   ``text`` with accents stripped ("nao conte"); always ``len(text)`` long, so a
                 span found in either maps back with :meth:`original_span`.
    ``original`` the input, untouched.
    """

    __slots__ = ("original", "text", "folded", "_edits")

    def __init__(self, original: str, text: str, folded: str, edits: tuple[_Edits, ...]) -> None:
        self.original = original
        self.text = text
        self.folded = folded
        self._edits = edits

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that produced ``text[start:end]`` (or ``folded[start:end]``).

        Out-of-range positions are clamped; the result always satisfies
        ``0 <= s <= e <= len(original)`` and grows monotonically with ``start`` and ``end``.
        """
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        a, b = start, end
        for e in reversed(self._edits):
            a = _map_start(e, a)
            b = _map_end(e, b)
        if b < a:
            b = a
        return a, b

    def original_text(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]``: the evidence a moderator sees."""
        a, b = self.original_span(start, end)
        return self.original[a:b]

    @property
    def changed(self) -> bool:
        """Whether normalisation changed anything beyond letter case."""
        return self.text != self.original.lower()

    def __str__(self) -> str:
        return self.text

    def __len__(self) -> int:
        return len(self.text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NormalisedText):
            return self.original == other.original and self.text == other.text
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.original, self.text))

    def __repr__(self) -> str:
        return f"NormalisedText(text={self.text!r}, original={self.original!r})"


# --------------------------------------------------------------------------- unicode stages

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_SEQ = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")


def _fix_surrogates(s: str, edits: list[_Edits]) -> str:
    """Join surrogate pairs into one character; a lone surrogate becomes U+FFFD."""

    def reps() -> Iterable[_Rep]:
        for m in _SURROGATE_SEQ.finditer(s):
            g = m.group()
            if len(g) == 2:
                cp = 0x10000 + ((ord(g[0]) - 0xD800) << 10) + (ord(g[1]) - 0xDC00)
                yield m.start(), m.end(), chr(cp)
            else:
                yield m.start(), m.end(), "\ufffd"

    out, e = _rewrite(s, reps())
    if e:
        edits.append(e)
    return out


_SKIN = "[\U0001f3fb-\U0001f3ff]"
_VS = "[\ufe0e\ufe0f]"
_EMOJI = re.compile(
    "(?P<ri>[\U0001f1e6-\U0001f1ff]+)"
    "|(?P<key>[0-9#*]\ufe0f?\u20e3)"
    "|(?P<tag>\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)"
    f"|(?P<emo>(?:{EMOJI_BASE}|{_SKIN}){_VS}?{_SKIN}?(?:\u200d{EMOJI_BASE}{_VS}?{_SKIN}?)*)"
)
_EMOJI_HINT = _hint([*_ranges(EMOJI_BASE), (0x20E3, 0x20E3), (0x1F1E6, 0x1F1FF)])


def _emoji_rep(m: re.Match[str]) -> str:
    kind = m.lastgroup
    g = m.group()
    if kind == "emo":
        word = EMOJI_WORDS.get(g[0])
        return f" {word} " if word else " "
    if kind == "key":
        return g[0]
    if kind == "ri":
        letters = "".join(chr(ord(c) - 0x1F1E6 + 97) for c in g)
        pairs = [letters[i : i + 2] for i in range(0, len(letters), 2)]
        if len(letters) % 2 == 0 and all(p in FLAGS for p in pairs):
            return " "  # one or more flags
        return letters
    return " "


def _emoji(s: str, edits: list[_Edits]) -> str:
    out, e = _rewrite(s, ((m.start(), m.end(), _emoji_rep(m)) for m in _EMOJI.finditer(s)))
    if e:
        edits.append(e)
    return out


# Combining marks stripped as zalgo / decoration: the general diacritic blocks (and Cyrillic
# titlo/millions signs). Marks of other scripts (Devanagari vowel signs, Arabic harakat, Hebrew
# points) are part of their words and are kept.
_ZALGO = "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_ZALGO_RE = re.compile(_ZALGO)
# A character that needs a look: anything but printable ASCII and ASCII whitespace, or any
# character carrying zalgo marks.
_CLUSTER = re.compile(f"[^\t-\r\x1c-\x7e]{_ZALGO}*|[\t-\r\x1c-\x7e]{_ZALGO}+")

# Prepended concatenation marks are Cf but visible; every other format character is invisible.
_VISIBLE_CF = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2")
_VISIBLE_CF |= {"\U000110bd", "\U000110cd"}
_INVISIBLE_EXTRA = frozenset(
    "\u034f\u115f\u1160\u3164\uffa0\u180b\u180c\u180d\u180f"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)


def _invisible(c: str) -> bool:
    if c in _INVISIBLE_EXTRA:
        return True
    cat = unicodedata.category(c)
    if cat == "Cf":
        return c not in _VISIBLE_CF
    if cat == "Cc":
        return not c.isspace()
    return False


def _cluster_value(cl: str) -> str:
    """NFKC of one character (with its zalgo marks), decorations removed."""
    c = cl[0]
    if _invisible(c):
        return ""
    cp = ord(c)
    if c == "\u2800":  # braille blank: renders as a space
        return " "
    if 0x1F150 <= cp <= 0x1F169:  # negative circled letters
        c = chr(cp - 0x1F150 + 65)
    elif 0x1F170 <= cp <= 0x1F189:  # negative squared letters
        c = chr(cp - 0x1F170 + 65)
    else:
        c = LATIN_LOOKALIKES.get(c, c)
    n = unicodedata.normalize("NFKC", c + cl[1:])
    if len(n) > 1 or not n.isascii():
        n = _ZALGO_RE.sub("", n)
        if any(_invisible(x) for x in n):
            n = "".join(x for x in n if not _invisible(x))
        for lig, rep in LIGATURES.items():
            if lig in n:
                n = n.replace(lig, rep)
    return n


_CLUSTER_CACHE: dict[str, str] = {}

# What can change in text that is already NFKC: invisible and control characters, characters
# carrying zalgo marks, look-alike letters folded unconditionally, ligatures, braille blank.
_SPECIAL_RANGES = [
    *_ranges(_ZALGO),
    *_ranges(INVISIBLE),
    (0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x84), (0x86, 0x9F),  # control characters
    *((ord(c), ord(c)) for c in (*LATIN_LOOKALIKES, *LIGATURES)),
    (0x2800, 0x2800), (0x034F, 0x034F), (0x115F, 0x1160), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
    (0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F),
    (0x1F150, 0x1F169), (0x1F170, 0x1F189), (0xE0100, 0xE01EF),
]  # fmt: skip
_SPECIAL = _hint(_SPECIAL_RANGES)
_SPECIAL_CLUSTER = re.compile(f"[^{_ZALGO[1:-1]}]?{_ZALGO}+|{_class(_SPECIAL_RANGES)}")


def _clusters(s: str, edits: list[_Edits], pattern: re.Pattern[str] = _CLUSTER) -> str:
    """Rewrite every match of ``pattern`` (a character with its zalgo marks) by its value."""
    cache = _CLUSTER_CACHE
    if len(cache) > _CACHE_LIMIT:
        cache.clear()

    def reps() -> Iterable[_Rep]:
        for m in pattern.finditer(s):
            cl = m.group()
            v = cache.get(cl)
            if v is None:
                v = cache[cl] = _cluster_value(cl)
            if v != cl:
                yield m.start(), m.end(), v

    out, e = _rewrite(s, reps())
    if e:
        edits.append(e)
    return out


_CONF_CLASS = _class((ord(c), ord(c)) for c in sorted(CONFUSABLES))
_CONF_HINT = _hint(_ranges(_CONF_CLASS))
_CONF_WORD = re.compile(rf"(?<![^\W_])[^\W_]*?{_CONF_CLASS}[^\W_]*")
_SCRIPT_CACHE: dict[str, str] = {}


def _script(c: str) -> str:
    """The script of a letter, from its Unicode name; "" for modifier letters and non-letters."""
    if c.isascii():
        return "LATIN" if c.isalpha() else ""
    s = _SCRIPT_CACHE.get(c)
    if s is None:
        if not c.isalpha() or unicodedata.category(c) == "Lm":
            s = ""
        else:
            s = unicodedata.name(c, "UNKNOWN").split(" ", 1)[0]
        if len(_SCRIPT_CACHE) < _CACHE_LIMIT:
            _SCRIPT_CACHE[c] = s
    return s


def _confusables(s: str) -> str:
    """Fold look-alike letters of other scripts to Latin in words where that is an evasion.

    First pass: a word that mixes Latin with another script ("ѕеnd"), or two non-Latin
    scripts, is folded. Second pass: a word written only in look-alikes of one script ("рор")
    is folded when, after the first pass, Latin letters outnumber that script's letters in the
    message. A Russian or Greek sentence stays as it is.
    """
    if len({_script(c) for c in set(s)} - {""}) < 2:
        return s  # one script: no word mixes scripts and none is a minority
    chars = list(s)
    pending: list[tuple[int, int, str]] = []
    for m in _CONF_WORD.finditer(s):
        word = m.group()
        scripts = {_script(c) for c in word} - {""}
        if len(scripts) > 1:
            _fold_span(chars, m.start(), m.end())
        elif all(c in CONFUSABLES for c in word if c.isalpha()):
            pending.append((m.start(), m.end(), scripts.pop()))
    if pending:
        counts: dict[str, int] = {}
        for c in chars:
            sc = _script(c)
            counts[sc] = counts.get(sc, 0) + 1
        for a, b, script in pending:
            if counts.get("LATIN", 0) > counts.get(script, 0):
                _fold_span(chars, a, b)
    return "".join(chars)


def _fold_span(chars: list[str], a: int, b: int) -> None:
    for i in range(a, b):
        t = CONFUSABLES.get(chars[i])
        if t is not None:
            chars[i] = t


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CASEFOLD_CACHE: dict[str, str] = {}


def _casefold_char(c: str) -> str:
    v = _CASEFOLD_CACHE.get(c)
    if v is None:
        v = unicodedata.normalize("NFC", c.casefold())
        if len(v) > 1:
            v = _ZALGO_RE.sub("", v) or c.casefold()
        if len(_CASEFOLD_CACHE) < _CACHE_LIMIT:
            _CASEFOLD_CACHE[c] = v
    return v


def _casefold(s: str, edits: list[_Edits]) -> str:
    folded = s.casefold()
    if len(folded) == len(s):  # casefold never shrinks a character: this is one-to-one
        return folded

    def reps() -> Iterable[_Rep]:
        for m in _NON_ASCII.finditer(s):
            c = m.group()
            v = _casefold_char(c)
            yield m.start(), m.end(), v

    out, e = _rewrite(s, reps())
    if e:
        edits.append(e)
    return out.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# --------------------------------------------------------------------------- protected spans

_PROTECTED_HINT = re.compile(r"[@\d]|://|www\.")
_PROTECTED = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?<![\w])(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"']+"  # URLs with a scheme or www.
    # UK postcodes: "sw1a 1aa", "m1 1ae" (one-letter areas are b e g l m n s w; the inward
    # letters never include c i k m o v, so "h0w 0ld" is not one)
    r"|\b(?:[a-z]{2}\d|[beglmnsw][1-9])[a-z\d]? \d[abd-hjlnp-uw-z]{2}\b"
    r"|\b[a-z]\d[a-z] ?\d[a-z]\d\b"  # Canadian postcodes: "k1a 0b1"
)


def _protected(s: str) -> tuple[list[int], list[int]] | None:
    """Spans of e-mail addresses, URLs and postcodes, which the word-level stages leave alone."""
    if not _PROTECTED_HINT.search(s):
        return None
    starts: list[int] = []
    ends: list[int] = []
    for m in _PROTECTED.finditer(s):
        starts.append(m.start())
        ends.append(m.end())
    return (starts, ends) if starts else None


def _overlaps(prot: tuple[list[int], list[int]] | None, a: int, b: int) -> bool:
    if prot is None:
        return False
    starts, ends = prot
    i = bisect_right(ends, a)  # first protected span ending after a
    return i < len(starts) and starts[i] < b


# --------------------------------------------------------------------------- word stages

_SEPCH = r"[.\-_*,~+/|\\:;=•·]"
_SEP = rf"(\s+|{_SEPCH}\s?|\s{_SEPCH}\s)"
_X = r"(?<![^\W_])(?<!['’@$])(?:[^\W_]|[@$_])(?![^\W_]|['’@$])"
_SPACED = re.compile(rf"{_X}{_SEP}{_X}(?:\1{_X})+")


def _join_spaced(s: str, edits: list[_Edits]) -> str:
    """Join runs of >= 3 single letters with one repeated separator: "s e n d", "s.n.a.p"."""
    m = _SPACED.search(s)
    if m is None:
        return s
    prot = _protected(s)
    reps: list[_Rep] = []
    while m is not None:
        sep = m.group(1)
        step = len(sep) + 1
        start, end = m.span()
        xs = s[start:end:step]
        bad = False
        if "_" in xs:  # "s k y l e r _ x 9 9": an underscore inside a spaced handle only
            i = len(xs) - len(xs.lstrip("_"))
            j = xs.find("__", i) % (len(xs) + 1)  # cut at a double underscore
            while j > i and xs[j - 1] == "_":
                j -= 1
            start, end, xs = start + i * step, start + (j - 1) * step + 1, xs[i:j]
            bad = len(xs) < 3 or sep[0] == "_"
        letters = sum(c.isalpha() for c in xs)
        digits = len(xs) - letters - xs.count("_")
        if (
            not bad
            and letters >= 2
            and letters > digits
            and not all(c in CHAT_SINGLES for c in xs if c.isalpha())
            and not _overlaps(prot, start, end)
        ):
            reps.extend((p + 1, p + step, "") for p in range(start, end - 1, step))
        m = _SPACED.search(s, m.end())
    out, e = _rewrite(s, reps)
    if e:
        edits.append(e)
    return out


_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a"}
_LEET |= {"$": "s", "!": "i"}
_TOKEN = re.compile(r"(?:[^\W_]|[@$!+])+")
_LEET_RUN = re.compile(r"[0134578@$!]+")
_LEET_CACHE: dict[str, str] = {}
# Short words often followed by "!" without a space; "!" after them is punctuation.
_BANG_WORDS = frozenset(
    ["hi", "oh", "ok", "no", "so", "ya", "yo", "ha", "ah", "aw", "eh", "hm", "um", "go", "me"]
    + ["we", "us", "wow", "yes", "yay", "omg"]
)


def _leet_token(tok: str) -> str:
    """Leetspeak inside one token; numbers, ages, times and model names survive."""
    if "+" in tok:  # "+" is "t" only where that spells a known word: "cu+e", "+ell", "s+op"
        word = _leet_token(tok.replace("+", "t"))
        if word in PLUS_WORDS or word in KNOWN_WORDS:
            return word
        return "+".join(_leet_token(part) if part else part for part in tok.split("+"))
    if tok in LEET_KEEP:
        return tok
    if tok[0] == "@" and len(tok) > 1:  # "@dd" is "add", but "@gamer", "@skyler99" are handles
        word = _leet_token("a" + tok[1:])
        if word in AT_WORDS:
            return word
    letters = sum(c.isalpha() for c in tok)
    digits = sum(c.isdigit() for c in tok)
    n = len(tok)
    if letters == 0 or letters < digits:  # not mostly letters: "14f", "25m", "b2b"
        return tok
    if tok[0].isdigit() and tok[-1].isdigit():  # "1v1", "3x3"
        return tok
    if digits and any(c.isdigit() and c not in "0134578" for c in tok):  # "covid19", "xbox360"
        return tok
    chars = list(tok)
    ones: list[int] = []
    for m in _LEET_RUN.finditer(tok):
        a, b = m.span()
        r = m.group()
        if a > 0 and b < n:  # inside a word: "s3nd", "g00d", "p@$$word"
            ok = "8" not in r and (len(r) == 1 or len(set(r)) == 1 or all(c in "@$" for c in r))
            if "!" in r:  # "sh!t", "p!c", but not "hi!how", "wow!great"
                left = tok[:a]
                ok = r == "!" and len(left) <= 2 and left.isalpha() and left not in _BANG_WORDS
        elif b < n:  # at the start: "5nap", "$ex", "0nly", but not "7am", "1st", "8yo"
            rest = tok[b:]
            ok = len(r) == 1 and r in "0134578$" and len(rest) >= 2 and rest not in UNIT_SUFFIXES
        else:  # at the end: "m3", "n0", "a$$", but not "ps4", "b4", "gta5"
            ok = (len(r) == 1 and r in "03") or (len(r) <= 2 and set(r) == {"$"})
        if not ok:
            continue
        if r[0] == "1" and len(r) == 1:
            ones.append(a)
        for i in range(a, b):
            c = tok[i]
            chars[i] = "l" if c == "1" and len(r) > 1 else _LEET[c]
    out = "".join(chars)
    if ones and out not in KNOWN_WORDS:
        alt = list(out)
        for i in ones:
            alt[i] = "l"
        alt_s = "".join(alt)
        if alt_s in KNOWN_WORDS:
            out = alt_s
    return out


# Heavy leet (rule 7): token shapes that keep their digits even in a heavily leeted message.
_DIGITS_LETTERS = re.compile(r"(\d+)([^\W\d_]+)")  # "4dd", "0n", "14f", "5pm", "13yo"
_LETTERS_DIGITS = re.compile(r"([^\W\d_]+)(\d+)")  # "ps4", "xbox360", "vbuck5", "m3"
_VERSUS = re.compile(r"\d+[^\W\d_]\d+s?")  # "1v1", "4x4", "3v3s", "10h30"
_VOWEL = re.compile(r"[aeiouy]")
_HEAVY_CACHE: dict[str, str] = {}


def _heavy_token(tok: str) -> str:
    """Leetspeak in a heavily leeted message: every leet digit of a mixed token converts.

    Starts from :func:`_leet_token`'s reading and converts the digits it left, except where
    the token is a number, age, unit, time, product name or handle (``docs/normalisation.md``).
    """
    v = _leet_token(tok)
    if tok[0] == "@" or "+" in tok or tok in LEET_KEEP or any(c in "269" for c in tok):
        return v
    m = _DIGITS_LETTERS.fullmatch(tok)
    if m is not None:
        digits, letters = m.groups()
        if len(digits) > 1 or letters in UNIT_SUFFIXES:  # "14f", "10k", "5pm", "3rd", "13yo"
            return v
        if len(letters) == 1:  # "0n" -> "on", "1t" -> "it"; not "4m", "5k", "3d"
            pair = _LEET.get(digits, digits) + letters
            return pair if pair in LEET_PAIRS else v
    else:
        m = _LETTERS_DIGITS.fullmatch(tok)
        if m is not None:  # product-like: "ps4", "xbox360", "mp3", "s23" keep their digits
            letters, digits = m.groups()
            if digits == "5" and len(letters) >= 3 and v == tok:  # plural: "vbuck5", "pic5"
                return letters + "s"
            return v
        if _VERSUS.fullmatch(tok):
            return v
    chars = list(v)
    n = len(tok)
    ones: list[int] = []
    for i, c in enumerate(tok):
        if c not in "0134578" or chars[i] != c or (c == "8" and i > 0):  # "8" inside: "ate"
            continue
        if c == "1":
            if (i > 0 and tok[i - 1] in "01345") or (i + 1 < n and tok[i + 1] in "01345"):
                chars[i] = "l"  # "11", "10ve": as in the ordinary rule
            else:
                chars[i] = "i"
                ones.append(i)
        else:
            chars[i] = _LEET[c]
    out = "".join(chars)
    if out == v or not _VOWEL.search(out):  # "5xp" is no word
        return v
    if ones and out not in KNOWN_WORDS:
        for i in ones:
            chars[i] = "l"
        alt = "".join(chars)
        if alt in KNOWN_WORDS:
            out = alt
    return out


def _leet(s: str) -> str:
    """Rule 7. A message with >= 2 tokens that a leet reading changes is heavily leeted: then
    every token gets :func:`_heavy_token`'s reading, otherwise :func:`_leet_token`'s."""
    cache = _LEET_CACHE
    heavy_cache = _HEAVY_CACHE
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    if len(heavy_cache) > _CACHE_LIMIT:
        heavy_cache.clear()
    prot: tuple[list[int], list[int]] | None = None
    prot_done = False
    n = len(s)
    done = -1
    found: list[tuple[int, int, str, str]] = []  # start, end, ordinary reading, heavy reading
    changed = 0
    for h in _LEET_PRE.finditer(s):
        p = h.start()
        if p < done:
            continue
        if not ((p > 0 and s[p - 1].isalpha()) or (p + 1 < n and s[p + 1].isalpha())):
            continue
        st = p
        while st > 0 and (s[st - 1].isalnum() or s[st - 1] in "@$!+"):
            st -= 1
        m = _TOKEN.match(s, st)
        if m is None:  # pragma: no cover - p itself is a token character
            continue
        done = m.end()
        tok = m.group()
        v = cache.get(tok)
        if v is None:
            v = cache[tok] = _leet_token(tok)
        if (st > 0 and s[st - 1] in "#_") or s[done : done + 1] == "_":
            hv = v  # hashtags and handle parts: the ordinary reading only
        else:
            hv = heavy_cache.get(tok) or ""
            if not hv:
                hv = heavy_cache[tok] = _heavy_token(tok)
        if hv == tok:
            continue
        if not prot_done:
            prot, prot_done = _protected(s), True
        if _overlaps(prot, st, done):
            continue
        found.append((st, done, v, hv))
        changed += 1
    if not found:
        return s
    chars = list(s)
    heavy = changed >= 2
    for st, end, v, hv in found:
        chars[st:end] = hv if heavy else v
    return "".join(chars)


_REPEAT_HINT = re.compile(r"([^\W\d_])\1\1")
_REPEAT_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]*?([^\W\d_])\1\1[^\W\d_]*")
_RUN3 = re.compile(r"([^\W\d_])\1{2,}")


def _collapse_word(word: str) -> list[tuple[int, int]]:
    """Deletions (start, end) within ``word`` that collapse its runs of >= 3 letters."""
    runs = [m.span() for m in _RUN3.finditer(word)]
    best = [(a + 1, b) for a, b in runs]  # every run to one letter: "sooo" -> "so"
    if len(runs) <= 4:
        # Prefer keeping two letters where that makes a known word: "cooool" -> "cool".
        for mask in range(1, 1 << len(runs)):
            dels = [(a + (2 if mask >> k & 1 else 1), b) for k, (a, b) in enumerate(runs)]
            pieces = []
            pos = 0
            for a, b in dels:
                pieces.append(word[pos:a])
                pos = b
            pieces.append(word[pos:])
            if "".join(pieces) in KNOWN_WORDS:
                best = dels
                break
    return best


def _repeats(s: str, edits: list[_Edits]) -> str:
    if not _REPEAT_HINT.search(s):
        return s
    prot = _protected(s)
    reps: list[_Rep] = []
    for m in _REPEAT_WORD.finditer(s):
        if _overlaps(prot, m.start(), m.end()):
            continue
        base = m.start()
        reps.extend((base + a, base + b, "") for a, b in _collapse_word(m.group()))
    out, e = _rewrite(s, reps)
    if e:
        edits.append(e)
    return out


_SHORT = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, SHORTHANDS), key=len, reverse=True)) + r")(?![\w'’@])"
)


def _shorthands(s: str, edits: list[_Edits]) -> str:
    """Replace whole-word chat shorthands: "every1" → "everyone", "2nite" → "tonight"."""
    prot: tuple[list[int], list[int]] | None = None
    prot_done = False
    reps: list[_Rep] = []
    for m in _SHORT.finditer(s):
        a, b = m.span()
        if a > 0 and (s[a - 1].isalnum() or s[a - 1] in "_@#$"):
            continue  # part of a word, handle or hashtag: "many1", "@b4", "#gr8"
        if not prot_done:
            prot, prot_done = _protected(s), True
        if _overlaps(prot, a, b):
            continue  # e-mail, URL or postcode ("b4 7et")
        reps.append((a, b, SHORTHANDS[m.group()]))
    out, e = _rewrite(s, reps)
    if e:
        edits.append(e)
    return out


_PWS = re.compile(r"\s+|([^\w\s])\1+|[!?]{2,}")


def _punct_ws(s: str, edits: list[_Edits]) -> str:
    """Collapse whitespace to single spaces (trimmed) and repeated punctuation to one mark."""
    prot = _protected(s)
    n = len(s)
    reps: list[_Rep] = []
    for m in _PWS.finditer(s):
        a, b = m.span()
        g = m.group()
        if g[0].isspace():
            new = "" if a == 0 or b == n else " "
        elif prot is not None and _overlaps(prot, a, b):
            continue
        elif m.group(1):
            new = g if g == "++" else g[0]  # "c++" stays
        else:
            new = "?" if "?" in g else "!"
        if new != g:
            reps.append((a, b, new))
    out, e = _rewrite(s, reps)
    if e:
        edits.append(e)
    return out


# --------------------------------------------------------------------------- folding


class _FoldTable(dict[int, str]):
    """``str.translate`` table stripping accents one character for one character."""

    def __missing__(self, cp: int) -> str:
        c = chr(cp)
        v = EXTRA_FOLD.get(c)
        if v is None:
            d = unicodedata.normalize("NFD", c)
            v = c
            combining = unicodedata.combining
            if len(d) > 1 and not combining(d[0]) and all(combining(x) for x in d[1:]):
                v = d[0]
        if len(self) < _CACHE_LIMIT:
            self[cp] = v
        return v


_FOLD = _FoldTable()


# --------------------------------------------------------------------------- entry point


def normalise(text: str | bytes) -> NormalisedText:
    """Normalise one chat message for the detectors; see the module docs for the rules.

    Never raises for any ``str`` (lone surrogates, control characters and binary-looking
    garbage included). ``bytes`` are decoded as UTF-8 with replacement characters first, and
    the decoded string is the ``original`` that spans refer to. Anything else is a TypeError.
    The whole text is normalised: callers that cap analysis length pass
    ``safeguarding.ingest.text.analysable(text)``.
    """
    if not isinstance(text, str):
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8", errors="replace")
        else:
            raise TypeError(f"normalise() needs str, not {type(text).__name__}")
    edits: list[_Edits] = []
    s = text
    # Every stage is guarded by a cheap test (a C string method or a regular expression that
    # starts with a character class), so plain text pays for scans only.
    if s.isascii():
        if not s.isprintable() and _SPECIAL.search(s):  # ASCII control characters
            s = _clusters(s, edits, _SPECIAL_CLUSTER)
        s = s.lower()
    else:
        if _SURROGATE.search(s):
            s = _fix_surrogates(s, edits)
        if _EMOJI_HINT.search(s):
            s = _emoji(s, edits)
        if not unicodedata.is_normalized("NFKC", s):
            s = _clusters(s, edits)
        elif _SPECIAL.search(s):
            s = _clusters(s, edits, _SPECIAL_CLUSTER)
        if _CONF_HINT.search(s):
            s = _confusables(s)
        s = s.lower() if s.isascii() else _casefold(s, edits)
    printable = s.isprintable()
    if not printable or _SPACED_PRE.search(s) or _SPACED_PRE_WS.search(f" {s} "):
        s = _join_spaced(s, edits)
    if _LEET_PRE.search(s):
        s = _leet(s)
    if _REPEAT_HINT.search(s):
        s = _repeats(s, edits)
    if _SHORT_PRE.search(s) or "pls" in s or "plz" in s or "tmrw" in s:
        s = _shorthands(s, edits)
    if not printable or "  " in s or s[:1] == " " or s[-1:] == " " or _PUNCT_REPEAT.search(s):
        s = _punct_ws(s, edits)
    folded = s if s.isascii() else s.translate(_FOLD)
    return NormalisedText(text, s, folded, tuple(edits))


# Prefilters: each starts with a character class, which the regex engine scans for quickly.
_SPACED_PRE = re.compile(rf"{_SEPCH}\s?[^\W_]\s?{_SEPCH}")  # "s.e.n.d", "s - n - a"
_SPACED_PRE_WS = re.compile(r" [^ ] +[^ ] +[^ ] ")  # "s e n d" (padded with spaces)
_LEET_PRE = re.compile(r"[0134578@$!+]")
_SHORT_PRE = re.compile(r"[1248](?:(?<=[a-z][148])|(?<=2)[dmn])")  # "every1", "gr8", "2day"
_PUNCT_REPEAT = re.compile(r"([^\w\s])\1|[!?]{2}")
