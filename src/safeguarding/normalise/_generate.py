"""Regenerate ``_tables.py`` from Unicode data shipped by installed packages.

Run ``python -m safeguarding.normalise._generate`` after upgrading ``confusable-homoglyphs`` or
``emoji``. The normaliser itself never imports those packages: it reads the compact tables this
script writes, so importing it stays fast and its behaviour does not drift with package versions.

* ``CONFUSABLES``: a letter of another script (Cyrillic, Greek, Armenian, Cherokee, ...) that
  Unicode's confusables data (UTS #39) says looks like one ASCII letter, mapped to that letter in
  lower case. Upper-case sources prefer upper-case targets (``І`` → ``I`` → ``i``), lower-case
  sources prefer lower-case ones. Only NFKC-stable characters are kept: the normaliser applies
  NFKC first, so fullwidth and mathematical letters never reach this table.
* ``INVISIBLE``: a character class of the format characters (category Cf) that render as
  nothing: zero-width spaces and joiners, bidi controls, soft hyphen, tags, ...
* ``FLAGS``: the two-letter codes whose regional-indicator pairs are flag emoji.
* ``EMOJI_BASE``: a regular-expression character class of every code point that starts or
  continues an emoji sequence in the ``emoji`` package, less the joiners, modifiers and
  selectors the emoji pattern spells out itself, and less a few symbols that stand for letters
  or punctuation (``Ⓜ ℹ 🅰 🅱 🅾 🅿 ‼ ⁉``), which the normaliser turns into text instead.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import resources
from pathlib import Path

# Characters added by hand to CONFUSABLES: lower-case Cyrillic / Greek letters that look like a
# Latin letter in common chat fonts (small-capital shapes) but are missing from UTS #39.
_EXTRA_CONFUSABLES = {
    "к": "k", "м": "m", "т": "t", "в": "b", "н": "h", "п": "n", "ь": "b", "ш": "w",
    "κ": "k", "τ": "t", "χ": "x", "η": "n", "ω": "w", "ε": "e", "β": "b", "γ": "y",
}  # fmt: skip
# Corrections to UTS #39, whose prototype for a capital I is "l".
_OVERRIDES = {"Ι": "i", "І": "i"}

# Emoji code points the normaliser must not treat as emoji (they become letters or punctuation).
_NOT_EMOJI = {0x203C, 0x2049, 0x2139, 0x24C2, 0x1F170, 0x1F171, 0x1F17E, 0x1F17F}
_EMOJI_SYNTAX = (
    {0x200D, 0xFE0E, 0xFE0F, 0x20E3}
    | set(range(0x1F3FB, 0x1F400))  # skin tones
    | set(range(0xE0020, 0xE0080))  # tags
    | set(range(0x1F1E6, 0x1F200))  # regional indicators
)
# Whole pictograph blocks, so that emoji newer than the ``emoji`` package are still recognised.
_PICTOGRAPH_BLOCKS = [(0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF), (0x1FA70, 0x1FAFF)]


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ")[0]


def confusables() -> dict[str, str]:
    path = resources.files("confusable_homoglyphs") / "confusables.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for ch, homoglyphs in data.items():
        if len(ch) != 1 or ch.isascii() or not ch.isalpha():
            continue
        if _script(ch) == "LATIN" or unicodedata.normalize("NFKC", ch) != ch:
            continue
        targets = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()]
        targets = [t for t in targets if t.isalpha()]
        if not targets:
            continue
        same_case = [t for t in targets if t.isupper() == ch.isupper()]
        table[ch] = (same_case or targets)[0].lower()
    for ch, target in _EXTRA_CONFUSABLES.items():
        table.setdefault(ch, target)
    table.update(_OVERRIDES)
    return dict(sorted(table.items()))


def emoji_class() -> str:
    import emoji

    cps: set[int] = set()
    for seq in emoji.EMOJI_DATA:
        cps.update(ord(c) for c in seq)
    for lo, hi in _PICTOGRAPH_BLOCKS:
        cps.update(range(lo, hi + 1))
    cps = {c for c in cps if c > 0x7F} - _NOT_EMOJI - _EMOJI_SYNTAX
    return _char_class(cps)


# Format characters that are visible (prepended concatenation marks): kept.
_VISIBLE_CF = {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891}
_VISIBLE_CF |= {0x08E2, 0x110BD, 0x110CD}


def _char_class(cps: set[int]) -> str:
    ranges: list[tuple[int, int]] = []
    for c in sorted(cps):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))

    def esc(c: int) -> str:
        return f"\\U{c:08X}" if c > 0xFFFF else f"\\u{c:04X}"

    parts = [esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


def invisible_class() -> str:
    cps = {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"} - _VISIBLE_CF
    return _char_class(cps)


def flags() -> str:
    import emoji

    codes = set()
    for seq in emoji.EMOJI_DATA:
        if len(seq) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in seq):
            codes.add("".join(chr(ord(c) - 0x1F1E6 + ord("a")) for c in seq))
    return " ".join(sorted(codes))


def render() -> str:
    conf = confusables()
    lines = [
        '"""Generated by ``python -m safeguarding.normalise._generate``; do not edit by hand."""',
        "",
        "# fmt: off",
        "# ruff: noqa: E501",
        "CONFUSABLES: dict[str, str] = {",
    ]
    items = [f"    {k!r}: {v!r}," for k, v in conf.items()]
    lines.extend(items)
    lines.append("}")
    lines.append("")
    lines.append(f"EMOJI_BASE = {emoji_class()!r}")
    lines.append("")
    lines.append("# Invisible format characters (category Cf less prepended concatenation marks).")
    lines.append(f"INVISIBLE = {invisible_class()!r}")
    lines.append("")
    lines.append("# Two-letter regional-indicator pairs that are flags.")
    lines.append(f"_FLAGS = {flags()!r}")
    lines.append("FLAGS = frozenset(_FLAGS.split())")
    lines.append("# fmt: on")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    target = Path(__file__).with_name("_tables.py")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
