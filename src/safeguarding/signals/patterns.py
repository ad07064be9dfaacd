"""Non-tactic evidence in a message: age statements, adult indicators, contact details.

These feed the context the risk stage reasons with: an account that says "im 14" but also
"driving to work" is treated as an adult; a phone number or handle given to a child is a
platform move whatever the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Age statements, several languages; text is normalised (lower-case, accents folded).
_AGE_PATTERNS = [
    r"\b(?:i'?m|i am|im|am|me|turning|turned|just turned)\s+(?:only\s+|just\s+|nearly\s+|almost\s+)?(\d{1,2})\b(?!\s*(?:min|mins|minutes|h|hrs|hours|am|pm|%|k|km|mph|quid|pounds|dollars|euros|\$|£|€|:|th|st|nd|rd))",
    r"\b(\d{1,2})\s*(?:yo|y/o|y\.o\.?|yrs?\s*old|years?\s*old|anos|ans|jahre(?:\s+alt)?|anni)\b",
    r"(?:^|\s|,)(\d{1,2})\s?(?:/\s?)?(?:m|f|male|female|boy|girl|nb)\b(?!\S)",
    r"(?:^|\s)(?:m|f)\s?/?\s?(\d{2})\b",
    r"\b(?:tengo|tenho|j'?ai|ich bin|ho)\s+(?:solo\s+|so\s+|seulement\s+|nur\s+|erst\s+)?(\d{1,2})\b",
    r"\basl\W+(\d{1,2})\b",
]
_AGE_RX = re.compile("|".join(f"(?:{p})" for p in _AGE_PATTERNS))

# A short reply to an age question that contains a lone number ("11 wbu", "im old lol 45"):
# read as an age only when someone asked, and only in a short message.
ANSWER_AGE_RX = re.compile(
    r"(?<![\w:.,$£€/+#-])(\d{1,2})(?![\w:%$£€/]|\s*(?:mins?|minutes|hours?|hrs?|pm|am|k|km|x|lvl|levels?|days?|weeks?|months?|pts|points|goals?)\b)"
)
ANSWER_MAX_CHARS = 60

_ADULT_PATTERNS = [
    r"\bmy (?:wife|husband|missus|hubby|fiancee?|ex[- ]?wife|ex[- ]?husband)\b",
    r"\bmy (?:kids|children|son|daughter|stepson|stepdaughter)\b",
    r"\b(?:drive|driving|drove|commute|commuting) (?:to|home from|back from) (?:work|the office|my job)\b",
    r"\b(?:my|the) (?:boss|manager|shift|mortgage|landlord|payslip|paycheck|pension|colleagues?|coworkers?|co-workers?)\b",
    r"\b(?:at|after|before|from|off) work\b",
    r"\b(?:pay|paying|paid) (?:my |the )?(?:rent|bills|taxes|mortgage)\b",
    r"\b(?:my|a) (?:full[- ]time )?job (?:at|in|as)\b",
    r"\bwhen i was (?:ur|your|ya) age\b",
    r"\b(?:back in my day|in my twenties|in my thirties|i'?m in my (?:20s|30s|40s|twenties|thirties))\b",
    r"\bmi (?:esposa|mujer|marido|jefe|hipoteca)\b|\bmis hijos\b|\b(?:al|del|en el) trabajo\b",
    r"\bma femme\b|\bmon mari\b|\bmes enfants\b|\bmon (?:patron|chef|boulot|travail)\b|\bau (?:boulot|travail)\b",
    r"\bmeine (?:frau|kinder|arbeit|chefin)\b|\bmein (?:mann|chef|job)\b|\b(?:zur|von der|auf der) arbeit\b",
    r"\bminha (?:esposa|mulher)\b|\bmeu (?:marido|chefe|trabalho|emprego)\b|\bmeus filhos\b|\bno trabalho\b",
]
_ADULT_RX = re.compile("|".join(f"(?:{p})" for p in _ADULT_PATTERNS))

_PLATFORMS = (
    r"snap(?:chat)?|sc|insta(?:gram)?|ig|discord|kik|telegram|tg|whats ?app|wa|zap|skype|"
    r"signal|tiktok|line|viber|wickr|threema|session"
)
_HANDLE_RX = re.compile(
    rf"\b(?:{_PLATFORMS})\s*(?:is|:|=|-|->|@|es|est|ist|e|eh)\s*@?([a-z0-9][a-z0-9._-]{{2,29}})\b"
)
_AT_HANDLE_RX = re.compile(r"(?:^|\s)@([a-z0-9_.]{3,30})\b")
_DISCORD_TAG_RX = re.compile(r"\b[a-z0-9_.]{2,32}#\d{4}\b")
_EMAIL_RX = re.compile(r"\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
_PHONE_RX = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,18}\d(?![\w.])")
_HANDLE_STOPWORDS = {
    "me",
    "you",
    "u",
    "my",
    "your",
    "ur",
    "the",
    "and",
    "pls",
    "please",
    "better",
    "too",
    "ok",
    "yes",
    "no",
    "its",
    "it",
    "is",
    "tho",
    "now",
    "rn",
    "then",
    "bc",
    "later",
    "instead",
}


@dataclass(frozen=True, slots=True)
class PatternHit:
    kind: str  # age_statement | adult_indicator | contact_detail
    start: int
    end: int
    value: str


def stated_ages(text: str) -> list[PatternHit]:
    """Ages a sender states about themself ("im 13", "14f", "25/m", "tengo 12 años")."""
    out: list[PatternHit] = []
    for m in _AGE_RX.finditer(text):
        value = next((g for g in m.groups() if g is not None), None)
        if value is not None and 5 <= int(value) <= 99:
            out.append(PatternHit("age_statement", m.start(), m.end(), value))
    return out


def adult_indicators(text: str) -> list[PatternHit]:
    """Life facts only an adult usually has (a job, a spouse, children, a mortgage)."""
    return [
        PatternHit("adult_indicator", m.start(), m.end(), m.group(0))
        for m in _ADULT_RX.finditer(text)
    ]


_DIGIT_RX = re.compile(r"\d")


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def contact_details(text: str) -> list[PatternHit]:
    """Phone numbers, platform handles, discord tags and e-mail addresses."""
    out: list[PatternHit] = []
    for m in _HANDLE_RX.finditer(text):
        if m.group(1) not in _HANDLE_STOPWORDS:
            out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(1)))
    # The other patterns each need a character most messages lack ("@", "#", a digit); a
    # membership test is far cheaper than a regex scan, which runs only when it can match.
    has_at = "@" in text
    for rx, needed in (
        (_AT_HANDLE_RX, has_at),
        (_DISCORD_TAG_RX, "#" in text),
        (_EMAIL_RX, has_at),
    ):
        if needed:
            for m in rx.finditer(text):
                out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(0).strip()))
    if _DIGIT_RX.search(text):
        for m in _PHONE_RX.finditer(text):
            if 9 <= _digits(m.group(0)) <= 15:
                out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(0)))
    return out
