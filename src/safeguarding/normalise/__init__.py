"""Evasion-robust text normalisation with an offset map back to the original text.

``normalise(text)`` returns a :class:`NormalisedText` whose ``.text`` is what the detectors read
(lower case, accents kept) and whose ``.folded`` is the same text with accents stripped, one
character for one character, so that one lexicon pattern matches "não conte" and "nao conte".
``.original_span(start, end)`` maps a span of either back to the exact characters the user
typed, which is what a moderator sees as evidence. The original is never modified.

Rules, in the order they apply (details and rationale: ``docs/normalisation.md``):

1. Surrogates: a surrogate pair becomes its character, a lone surrogate U+FFFD.
2. Emoji: 👻 → "snapchat", 📸 📷 → "photo", 🤫 🤐 → "secret", 🎁 → "gift", 💰 💵 → "money",
   📱 → "phone", 🏠 → "home", 🚗 → "car" (and a few more, ``_words.EMOJI_WORDS``); keycaps
   1️⃣ → "1"; regional-indicator letters that do not spell flags → letters; every other emoji
   (sexual ones included) → a space. Emoji-aware detectors read the original text.
3. Characters: zero-width and other invisible format characters (U+200B–U+200F, U+2060,
   U+FEFF, soft hyphen, bidi controls, variation selectors, tag characters) and control
   characters are removed; combining marks of the general diacritic blocks are stripped
   (zalgo) unless NFC composes them into a letter (decomposed "é" stays "é"); NFKC folds
   fullwidth, mathematical, circled and squared letters; negative circled/squared letters and
   small capitals become Latin letters; "œ" "æ" become "oe" "ae".
4. Confusables: a word that mixes Latin with look-alike letters of another script ("ѕеnd"),
   mixes two non-Latin scripts, or is made only of look-alikes of a script that is a minority
   in the message, is folded to Latin. Mostly-Cyrillic or mostly-Greek text stays as it is.
5. Case: full Unicode case folding ("ß" → "ss").
6. Spacing: a run of >= 3 single letters with one repeated separator is joined
   ("s e n d", "s.e.n.d", "s-n-a-p", "s_e_c_r_e_t" → "send", "snap", "secret"), unless its
   letters are all one-letter chat words ("u r a") or it is mostly digits; an underscore may
   sit inside a run ("s k y l e r _ x 9 9" → "skyler_x99").
7. Leetspeak inside mostly-letter words: 0→o 1→i/l 3→e 4→a 5→s 7→t 8→b @→a $→s !→i
   ("s3nd m3 a p1c" → "send me a pic", "sn@p" → "snap", "d1sc0rd" → "discord"). Numbers,
   ages, times and prices survive ("im 13", "14f", "25/m", "5pm", "$50", phone numbers). A
   leading "@" and "+" (as "t") convert only into listed words ("@dd" → "add", "cu+e" →
   "cute"); handles ("@gamer_boy") and "c++", "1+1" stay. Heavy leet: in a message with >= 2
   leet tokens every mixed letter+digit token converts ("ur53lf" → "urself", "5n4p" → "snap",
   "vbuck5" → "vbucks"), except numbers, ages, units, times, product names ("ps4", "s23"),
   versus tokens ("1v1"), handles, hashtags, e-mails and URLs.
8. Repeats: runs of >= 3 identical letters collapse to one ("sooo" → "so"), or to two when
   that makes a known word ("cooool" → "cool").
9. Chat shorthands, whole words only: every1 → "everyone", no1 → "no one", l8r → "later",
   gr8 → "great", b4 → "before", 2nite → "tonight", tmrw → "tomorrow", pls → "please", ...
   (``_words.SHORTHANDS``).
10. Punctuation and spaces: runs of one punctuation mark collapse to one ("!!!" → "!"; "++"
    stays), mixed "?!?!" to "?"; whitespace runs to one space, trimmed.

E-mail addresses, URLs with a scheme or "www." and postcodes are left alone by steps 6–10.
"""

from safeguarding.normalise.core import NormalisedText, normalise

__all__ = ["NormalisedText", "normalise"]
