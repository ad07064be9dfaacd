"""Seeded generator of labelled training conversations (DATASPEC.md format).

The learned risk combination needs examples the repository owns: grooming and sextortion
conversations that loosely follow O'Connell's stages (friendship, relationship, risk
assessment, exclusivity, escalation) with varied order, speed and tactics, and many hard
negatives (peers with secrets and meet-ups, parents asking safety questions, coaches
arranging lifts, adults dating, bullying, scams, spam, self-harm support) so that it learns
context rather than keywords. Since issue 10 also: sextortion in its common shapes (fake
"girl" profiles, bluffs, "another one", known accounts), relatives who groom, code words that
replace a tactic once used, adult life slipping out behind a teen's age, carers checking who
is home and keeping a sibling's present secret, and friends' banter in sextortion's words.
Lines come from per-language banks in ``safeguarding/data/training/lines_<lang>.yaml``; every
choice is drawn from one seeded ``random.Random`` so a seed always yields the same corpus.

Content stays at indicator level (public child-safety guidance wording); names, handles and
numbers are invented.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from safeguarding.domain import Conversation, Message, Participant, Tactic, TacticLabel

LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "it", "nl")
TACTICS: tuple[str, ...] = tuple(t.value for t in Tactic)
# A moderator escalates on these once there is some context (>= 2 indicators) ...
RISKY = frozenset(
    {"isolation_secrecy", "platform_move", "image_request", "meeting", "threat", "risk_assessment"}
)
# ... and on these at once.
IMMEDIATE = frozenset({"image_request", "meeting", "threat"})

# Share of each category among generated (non-variant) conversations.
CATEGORY_SHARES: dict[str, float] = {
    "grooming": 0.32,
    "sextortion": 0.08,
    "benign_peer": 0.16,
    "benign_trusted_adult": 0.12,
    "adult_adult": 0.09,
    "bullying": 0.05,
    "scam": 0.04,
    "self_harm": 0.03,
    "toxicity": 0.04,
    "spam": 0.03,
    "benign_group": 0.04,
    # criminal exploitation and its hard negatives (``training.exploitation``)
    "criminal_exploitation": 0.10,
    "benign_job": 0.08,
}
# Corpus label of each harmful category; every other category is ``benign``.
LABELS: dict[str, str] = {
    "grooming": "grooming",
    "sextortion": "grooming",
    "criminal_exploitation": "criminal_exploitation",
}
ENGLISH_SHARE = 0.50
VARIANT_SHARE = 0.10
OBFUSCATION_STYLES: tuple[str, ...] = ("leetspeak", "spacing", "homoglyphs", "zero_width", "emoji")

_SLOT = re.compile(r"\{(\w+)\}")
_META_KEYS = frozenset({"language", "locales", "slots"})


# --------------------------------------------------------------------------- line banks


@dataclass(slots=True)
class LineBank:
    """The lines and slot fillers of one language, keyed ``section.name``."""

    language: str
    locales: list[str]
    slots: dict[str, list[str]]
    lines: dict[str, list[str]]

    def fill(self, text: str, rng: random.Random, ctx: dict[str, Any] | None = None) -> str:
        """Replace ``{slot}`` with the conversation's value, else a random filler."""

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if ctx and name in ctx:
                return str(ctx[name])
            return rng.choice(self.slots[name])

        return _SLOT.sub(sub, text)

    def line(self, key: str, rng: random.Random, ctx: dict[str, Any] | None = None) -> str:
        return self.fill(rng.choice(self.lines[key]), rng, ctx)

    def missing_slots(self) -> set[str]:
        """Slots used by a line that neither the bank nor the generator fills."""
        used = {m for pool in self.lines.values() for t in pool for m in _SLOT.findall(t)}
        return used - set(self.slots) - {"age"}


def _bank_path(language: str) -> Any:
    return resources.files("safeguarding") / "data" / "training" / f"lines_{language}.yaml"


@cache
def load_bank(language: str) -> LineBank:
    """Load and flatten ``lines_<language>.yaml`` (cached: banks are read-only)."""
    raw = yaml.safe_load(_bank_path(language).read_text(encoding="utf-8"))
    lines: dict[str, list[str]] = {}
    for section, body in raw.items():
        if section in _META_KEYS:
            continue
        for name, pool in body.items():
            lines[f"{section}.{name}"] = [str(x) for x in pool]
    slots = {k: [str(x) for x in v] for k, v in raw["slots"].items()}
    return LineBank(language, list(raw["locales"]), slots, lines)


# --------------------------------------------------------------------------- obfuscation

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "b": "8"}
_HOMOGLYPHS = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
    "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "H": "Н", "K": "К", "M": "М",
    "T": "Т", "B": "В", "X": "Х",
}  # fmt: skip
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
_EMOJI: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), e)
    for p, e in (
        (r"\bsnap(chat)?\b", "👻"),
        (r"\b(photos?|pics?|pix|pictures?|selfies?|fotos?|bild(er)?|photo)\b", "📸"),
        (r"\b(secrets?|secreto|segredo|geheim(nis|pje)?|secrète?|segret[oi])\b", "🤫"),
        (
            r"\b(gifts?|presents?|regalos?|cadeaux?|geschenke?|presentes?|regali|cadeau(tje)?s?)\b",
            "🎁",
        ),
        (r"\b(phone|tel[eé]fono|t[ée]l[ée]phone|handy|celular|telemóvel|telefoon)\b", "📱"),
        (r"\b(money|dinero|argent|geld|dinheiro|cash|soldi)\b", "💰"),
        (r"\b(cam(era)?|c[aá]mara|kamera|c[aâ]mera)\b", "📷"),
        (r"\b(car|coche|voiture|auto|carro|macchina)\b", "🚗"),
        (r"\b(love|amor|amour|liebe)\b", "❤️"),
        (r"\b(meet|quedar|voir|treffen|encontrar)\b", "🤝"),
    )
)


def obfuscate(text: str, style: str, rng: random.Random) -> str:
    """Disguise ``text`` the way evaders do, so detectors learn to see through it.

    Styles: ``leetspeak`` (s3nd), ``spacing`` (s e n d), ``homoglyphs`` (Cyrillic
    look-alikes), ``zero_width`` (invisible characters inside words), ``emoji`` (👻 for snap,
    📸 for photo, 🤫 for secret, 🎁 for gift). Falls back to leetspeak if the style finds
    nothing to change.
    """
    if style == "leetspeak":
        out = _per_char(text, _LEET, 0.6, rng)
    elif style == "homoglyphs":
        out = _per_char(text, _HOMOGLYPHS, 0.5, rng)
    elif style == "spacing":
        out = _spacing(text, rng)
    elif style == "zero_width":
        out = _zero_width(text, rng)
    elif style == "emoji":
        out = text
        for pattern, emo in _EMOJI:
            out = pattern.sub(emo, out)
    else:
        raise ValueError(f"unknown obfuscation style {style!r}; use one of {OBFUSCATION_STYLES}")
    if out == text and style != "leetspeak":
        out = obfuscate(text, "leetspeak", rng)
    return out


def _per_char(text: str, table: dict[str, str], p: float, rng: random.Random) -> str:
    chars = list(text)
    hits = [i for i, c in enumerate(chars) if c.lower() in table or c in table]
    if not hits:
        return text
    chosen = [i for i in hits if rng.random() < p] or [rng.choice(hits)]
    for i in chosen:
        c = chars[i]
        chars[i] = table.get(c, table.get(c.lower(), c))
    return "".join(chars)


def _long_words(text: str) -> list[re.Match[str]]:
    return [m for m in re.finditer(r"\w{3,}", text) if not m.group().isdigit()]


def _spacing(text: str, rng: random.Random) -> str:
    words = _long_words(text)
    if not words:
        return text
    picked = {id(m) for m in rng.sample(words, min(len(words), rng.randint(1, 3)))}
    out, last = [], 0
    for m in words:
        if id(m) in picked:
            out.append(text[last : m.start()])
            out.append(" ".join(m.group()))
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def _zero_width(text: str, rng: random.Random) -> str:
    words = _long_words(text)
    if not words:
        return text
    picked = [m for m in words if rng.random() < 0.5] or [rng.choice(words)]
    starts = {m.start(): m for m in picked}
    out, last = [], 0
    for start in sorted(starts):
        m = starts[start]
        cut = m.start() + rng.randint(1, len(m.group()) - 1)
        out.append(text[last:cut])
        out.append(rng.choice(_ZERO_WIDTH))
        last = cut
    out.append(text[last:])
    return "".join(out)


# --------------------------------------------------------------------------- chat builder


@dataclass
class _Chat:
    """Accumulates messages with plausible timestamps and tactic labels."""

    rng: random.Random
    bank: LineBank
    ctx: dict[str, Any]
    t: datetime
    msgs: list[tuple[str, str, datetime]] = field(default_factory=list)
    tactics: list[TacticLabel] = field(default_factory=list)
    ages: dict[str, int | None] = field(default_factory=dict)  # age a speaker states
    used: set[tuple[str, str]] = field(default_factory=set)

    def text(self, sender: str, key: str) -> str:
        """A filled line from ``key``, avoiding templates this conversation already used."""
        pool = self.bank.lines[key]
        fresh = [t for t in pool if (key, t) not in self.used] or pool
        template = self.rng.choice(fresh)
        self.used.add((key, template))
        ctx = {**self.ctx, "age": self.ages.get(sender) or self.rng.randint(12, 15)}
        return self.bank.fill(template, self.rng, ctx)

    def say(self, sender: str, key: str, tactics: Iterable[str] = ()) -> int:
        return self.add(sender, self.text(sender, key), tactics)

    def add(self, sender: str, text: str, tactics: Iterable[str] = ()) -> int:
        if self.msgs:
            self.t += self._gap()
        self.msgs.append((sender, text, self.t))
        i = len(self.msgs) - 1
        self.tactics.extend(TacticLabel(i, t) for t in tactics)
        return i

    def _gap(self) -> timedelta:
        if self.rng.random() < 0.06:
            return timedelta(seconds=self.rng.randint(600, 5400))
        return timedelta(seconds=int(self.rng.expovariate(1 / 75)) + 4)

    def next_day(self) -> None:
        """Resume the chat one to three days later, in the afternoon or evening."""
        day = self.t + timedelta(days=self.rng.randint(1, 3))
        self.t = day.replace(hour=self.rng.randint(15, 21), minute=self.rng.randint(0, 59))

    def exchange(self, a: str, key_a: str, b: str, key_b: str) -> None:
        self.say(a, key_a)
        self.say(b, key_b)

    def tactic_count(self) -> int:
        return len({t.index for t in self.tactics})


@dataclass
class _Draft:
    category: str
    platform: str
    participants: list[Participant]
    chat: _Chat
    notes: str
    offender: str | None = None
    first_alert_index: int | None = None


def _ids(rng: random.Random, k: int) -> list[str]:
    ids = list("abcdef"[:k])
    rng.shuffle(ids)
    return ids


def _ctx(rng: random.Random, bank: LineBank) -> dict[str, Any]:
    """Fix the slots a conversation should keep consistent (the app, the game, the gift)."""
    keep = ("platform", "game", "gift", "place", "name", "handle", "amount", "subject", "day")
    return {k: rng.choice(bank.slots[k]) for k in keep}


def _start(rng: random.Random, evening: bool = True) -> datetime:
    day = datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 300))
    hour = rng.randint(15, 21) if evening else rng.randint(8, 22)
    return day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))


def _child(pid: str, rng: random.Random, lo: int = 10, hi: int = 15) -> Participant:
    age = rng.randint(lo, hi)
    r = rng.random()
    declared = age if r < 0.7 else (None if r < 0.85 else min(age + rng.randint(1, 3), 17))
    return Participant(
        pid, declared_age=declared, true_age=age, account_age_days=rng.randint(20, 1500)
    )


def _adult(pid: str, rng: random.Random, lo: int = 22, hi: int = 60) -> Participant:
    age = rng.randint(lo, hi)
    declared = age if rng.random() < 0.5 else None
    return Participant(
        pid, declared_age=declared, true_age=age, account_age_days=rng.randint(90, 4000)
    )


def _first_alert(
    labels: list[TacticLabel],
    immediate: frozenset[str] = IMMEDIATE,
    risky: frozenset[str] = RISKY,
) -> int | None:
    """Earliest offender message a moderator would escalate on: one with an ``immediate``
    tactic, or a ``risky`` one once there are two indicators (see module docstring)."""
    by_index: dict[int, set[str]] = {}
    for t in labels:
        by_index.setdefault(t.index, set()).add(t.tactic)
    count = 0
    for i in sorted(by_index):
        names = by_index[i]
        count += len(names)
        if names & immediate or (names & risky and count >= 2):
            return i
    return max(by_index) if by_index else None


# --------------------------------------------------------------------------- grooming

_REPLY: dict[str, tuple[str, ...]] = {
    "rapport": ("child.neutral", "child.neutral", "child.agreeing"),
    "compliments": ("child.thanks", "child.thanks", "child.hesitant", "child.neutral"),
    "personal_questions": ("child.personal", "child.age", "child.personal"),
    "age_deception": ("child.neutral", "child.agreeing"),
    "emotional_dependency": ("child.thanks", "child.agreeing", "child.hesitant"),
    "gifts": ("child.thanks", "child.agreeing", "child.hesitant"),
    "risk_assessment": ("child.risk_answer",),
    "isolation_secrecy": ("child.promise", "child.hesitant", "child.promise"),
    "platform_move": ("child.platform_ok", "child.hesitant", "child.refusing", "child.platform_ok"),
    "desensitisation": ("child.hesitant", "child.neutral"),
    "image_request": ("child.hesitant", "child.refusing", "child.agreeing"),
    "meeting": ("child.hesitant", "child.agreeing", "child.refusing"),
    "threat": ("child.scared",),
}
_PACE = {  # friendship, relationship message counts and noise probability
    "fast": ((1, 2), (0, 1), 0.1),
    "medium": ((2, 4), (1, 3), 0.3),
    "slow": ((4, 7), (3, 6), 0.55),
}


def _plan(rng: random.Random, pace: str, lying: bool) -> list[list[str]]:
    """Pick the tactic steps of each stage; order and coverage vary by conversation."""
    (f_lo, f_hi), (r_lo, r_hi), _ = _PACE[pace]
    friend_pool = ["rapport", "rapport", "compliments", "personal_questions", "personal_questions"]
    friendship = [rng.choice(friend_pool) for _ in range(rng.randint(f_lo, f_hi))]
    if lying and rng.random() < 0.7:
        friendship.insert(rng.randint(0, len(friendship)), "age_deception")
    rel_pool = ["compliments", "emotional_dependency", "gifts", "rapport", "personal_questions"]
    relationship = [rng.choice(rel_pool) for _ in range(rng.randint(r_lo, r_hi))]
    risk = ["risk_assessment"] * (rng.random() < (0.5 if pace == "fast" else 0.8))
    if pace == "slow" and rng.random() < 0.3:
        risk.append("risk_assessment")
    exclusivity = rng.choice(
        [["isolation_secrecy"], ["platform_move"], ["isolation_secrecy", "platform_move"]]
        + [["platform_move", "isolation_secrecy"]]
    )
    if rng.random() < 0.25:
        exclusivity.insert(0, "gifts")
    escalation: list[str] = []
    if rng.random() < 0.8:
        options = ["desensitisation", "image_request", "meeting"]
        escalation = rng.sample(options, rng.randint(1, 3))
        if "desensitisation" in escalation:  # it prepares the request that follows
            escalation.remove("desensitisation")
            escalation.insert(0, "desensitisation")
        if escalation[-1] != "desensitisation" and rng.random() < 0.25:
            escalation.append("threat")
        elif escalation == ["desensitisation"]:
            escalation.append(rng.choice(["image_request", "meeting"]))
    stages = [friendship, relationship, risk, exclusivity, escalation]
    if rng.random() < 0.3:  # exclusivity before the risk check
        stages[2], stages[3] = stages[3], stages[2]
    if rng.random() < 0.15 and relationship:  # a gift or dependency early on
        stages[0].append(stages[1].pop())
    return [s for s in stages if s]


# Tactics a pair may rename with a code word once they have used it ("the other app").
_CODED = ("platform_move", "isolation_secrecy", "image_request")


def _grooming(rng: random.Random, bank: LineBank) -> _Draft:
    if rng.random() < 0.15:
        return _relative_grooming(rng, bank)
    pace = rng.choices(["fast", "medium", "slow"], weights=[0.25, 0.45, 0.30])[0]
    off_id, child_id = _ids(rng, 2)
    lying = rng.random() < 0.55
    true_age = rng.randint(19, 58)
    declared = rng.randint(14, 17) if lying else (true_age if rng.random() < 0.4 else None)
    offender = Participant(
        off_id,
        declared_age=declared,
        true_age=true_age,
        account_age_days=rng.randint(1, 30) if rng.random() < 0.6 else rng.randint(31, 2000),
        connected=rng.random() < 0.12,
    )
    child = _child(child_id, rng)
    child.connected = offender.connected
    platform = rng.choice(["game_chat", "social_dm", "livestream_chat", "forum_dm", "messaging"])
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {off_id: declared if lying else true_age, child_id: child.true_age}
    noise_p = _PACE[pace][2]
    stages = _plan(rng, pace, lying)

    if rng.random() < 0.2:  # the child speaks first (a question on a stream or in a game)
        chat.say(child_id, "peer.greet")
    used: set[str] = set()
    # An adult posing as a teen lets adult life slip (work, rent, own children) now and then.
    slips = rng.randint(1, 2) if lying and rng.random() < 0.5 else 0
    for s, stage in enumerate(stages):
        if slips and s > 0 and rng.random() < 0.6:
            chat.say(off_id, "slip.adult")
            chat.say(child_id, "child.neutral")
            slips -= 1
        if pace == "slow" and s > 0 and rng.random() < 0.6:
            chat.next_day()
            chat.say(off_id, rng.choice(["peer.greet", "offender.noise"]))
        j = 0
        while j < len(stage):
            tactic = stage[j]
            combined = [tactic]
            if j + 1 < len(stage) and rng.random() < 0.2:  # two tactics in one message
                combined.append(stage[j + 1])
                j += 1
            j += 1
            if "threat" in combined:
                chat.say(child_id, "child.refusing")
            text = " ".join(_tactic_line(chat, off_id, t, used) for t in combined)
            used.update(combined)
            chat.add(off_id, text, combined)
            chat.say(child_id, rng.choice(_REPLY[combined[-1]]))
            if rng.random() < noise_p:
                a, b = (off_id, child_id) if rng.random() < 0.5 else (child_id, off_id)
                chat.exchange(a, _noise_key(a, off_id), b, _noise_key(b, off_id))
    coded = [t for t in _CODED if t in used]
    if coded and rng.random() < 0.35:  # the agreed code word comes back later
        tactic = rng.choice(coded)
        chat.add(off_id, chat.text(off_id, f"code.{tactic}"), [tactic])
        chat.say(child_id, rng.choice(_REPLY[tactic]))
    if rng.random() < 0.3:
        chat.say(off_id, "offender.noise")
    first = _first_alert(chat.tactics)
    names = sorted({t.tactic for t in chat.tactics})
    who = f"adult ({true_age}) posing as {declared}" if lying else f"adult ({true_age})"
    notes = f"{pace} grooming on {platform}: {who} and a {child.true_age}yo; {', '.join(names)}"
    return _Draft("grooming", platform, [offender, child], chat, notes, off_id, first)


def _tactic_line(chat: _Chat, offender: str, tactic: str, used: set[str]) -> str:
    """The tactic in plain words, or (once used) sometimes as the pair's code word."""
    if tactic in _CODED and tactic in used and chat.rng.random() < 0.5:
        return chat.text(offender, f"code.{tactic}")
    return chat.text(offender, f"offender.{tactic}")


def _relative_grooming(rng: random.Random, bank: LineBank) -> _Draft:
    """A relative or family friend who grooms: warm and connected, then secrecy, gifts, code
    words and a meeting. The family warmth must not hide what follows."""
    off_id, child_id = _ids(rng, 2)
    true_age = rng.randint(24, 60)
    offender = Participant(
        off_id,
        declared_age=true_age if rng.random() < 0.5 else None,
        true_age=true_age,
        account_age_days=rng.randint(200, 3000),
        connected=True,
    )
    child = _child(child_id, rng, 9, 15)
    child.connected = True
    platform = rng.choice(["messaging", "social_dm", "game_chat"])
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {off_id: true_age, child_id: child.true_age}
    for _ in range(rng.randint(1, 3)):
        chat.say(off_id, rng.choice(["family.relative", "family.relative", "family.pickup"]))
        chat.say(child_id, rng.choice(["trusted.child_reply", "child.neutral"]))
    steps = ["compliments", "gifts", "isolation_secrecy"]
    steps += rng.sample(["emotional_dependency", "risk_assessment", "platform_move"], 1)
    steps += rng.sample(["meeting", "image_request", "desensitisation"], rng.randint(1, 2))
    used: set[str] = set()
    for tactic in steps:
        if rng.random() < 0.3:
            chat.say(off_id, "family.relative")
            chat.say(child_id, "trusted.child_reply")
        chat.add(off_id, _tactic_line(chat, off_id, tactic, used), [tactic])
        used.add(tactic)
        chat.say(child_id, rng.choice(_REPLY[tactic]))
    if rng.random() < 0.6:
        tactic = rng.choice([t for t in _CODED if t in used] or ["isolation_secrecy"])
        chat.add(off_id, chat.text(off_id, f"code.{tactic}"), [tactic])
        chat.say(child_id, rng.choice(_REPLY[tactic]))
    first = _first_alert(chat.tactics)
    notes = f"relative or family friend ({true_age}) grooms a {child.true_age}yo on {platform}"
    return _Draft("grooming", platform, [offender, child], chat, notes, off_id, first)


def _noise_key(speaker: str, offender: str) -> str:
    return "offender.noise" if speaker == offender else "child.neutral"


_SEXTORTION_MOVES = (
    "sextortion.threat",
    "sextortion.pressure",
    "sexto.leverage",
    "sexto.demand",
    "sexto.expose",
    "sexto.another",
)


def _sextortion(rng: random.Random, bank: LineBank) -> _Draft:
    """Sextortion in its common shapes: financial sextortion of a boy by a fake "girl"
    profile, a bluff (leverage claimed, no image ever sent), demands for "another one", and
    a known account (a peer or contact) turning an image into leverage."""
    off_id, child_id = _ids(rng, 2)
    shape = rng.choice(["fake_profile", "bluff", "another", "known", "classic"])
    known = shape == "known" or (shape == "another" and rng.random() < 0.4)
    true_age = rng.randint(15, 19) if known and rng.random() < 0.5 else rng.randint(18, 42)
    declared = rng.choice([None, rng.randint(15, 19), rng.randint(15, 19)])
    if shape == "fake_profile":
        declared = rng.randint(15, 17)
    offender = Participant(
        off_id,
        declared_age=declared,
        true_age=true_age,
        account_age_days=(
            rng.randint(100, 1500)
            if known
            else rng.randint(0, 14)
            if rng.random() < 0.8
            else rng.randint(15, 900)
        ),
        connected=known,
    )
    child = _child(child_id, rng, 13, 17)
    child.connected = known
    platform = rng.choice(["social_dm", "social_dm", "messaging", "game_chat"])
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {off_id: declared or 17, child_id: child.true_age}
    if shape == "fake_profile":
        for _ in range(rng.randint(1, 3)):
            chat.say(off_id, "sexto.fake_profile", ["compliments"])
            chat.say(child_id, rng.choice(["child.thanks", "child.agreeing", "child.neutral"]))
    elif shape in ("known", "another"):
        chat.exchange(off_id, "peer.greet", child_id, "peer.greet")
        if rng.random() < 0.5:
            chat.exchange(off_id, "offender.noise", child_id, "child.neutral")
    else:
        opening = rng.sample(["compliments", "rapport", "personal_questions"], rng.randint(1, 2))
        if declared is not None and declared < 18 and rng.random() < 0.4:
            opening.append("age_deception")
        for t in opening:
            chat.say(off_id, f"offender.{t}", [t])
            chat.say(child_id, rng.choice(_REPLY[t]))
    if shape != "known" and rng.random() < 0.5:
        chat.say(off_id, "offender.platform_move", ["platform_move"])
        chat.say(child_id, rng.choice(["child.platform_ok", "child.hesitant"]))
    if shape in ("fake_profile", "classic"):
        for _ in range(rng.randint(1, 2)):
            chat.say(off_id, "offender.image_request", ["image_request"])
            chat.say(child_id, rng.choice(["child.hesitant", "child.refusing", "child.agreeing"]))
    first_move = {"bluff": "sexto.leverage", "another": "sexto.another"}.get(
        shape, rng.choice(_SEXTORTION_MOVES[:2] + _SEXTORTION_MOVES[3:5])
    )
    for k in range(rng.randint(1, 4)):
        key = first_move if k == 0 else rng.choice(_SEXTORTION_MOVES)
        chat.say(off_id, key, ["threat"])
        chat.say(child_id, rng.choice(["child.scared", "child.scared", "child.no_money"]))
    first = _first_alert([t for t in chat.tactics if t.tactic in IMMEDIATE])
    who = "a known account" if known else f"an adult ({true_age})"
    notes = f"sextortion ({shape}) on {platform}: {who} and a {child.true_age}yo"
    return _Draft("sextortion", platform, [offender, child], chat, notes, off_id, first)


# --------------------------------------------------------------------------- benign


def _chatter(chat: _Chat, speakers: Sequence[str], keys: Sequence[str], n: int) -> None:
    """``n`` messages of small talk, alternating mostly between speakers."""
    last = None
    for _ in range(n):
        pool = [s for s in speakers if s != last] or list(speakers)
        who = chat.rng.choice(pool) if chat.rng.random() < 0.85 else chat.rng.choice(speakers)
        chat.say(who, chat.rng.choice(keys))
        last = who


def _script(chat: _Chat, beats: Sequence[tuple[str, str, float]]) -> None:
    """Play ``(speaker, key, probability)`` beats in order."""
    for who, key, p in beats:
        if chat.rng.random() < p:
            chat.say(who, key)


def _peer(rng: random.Random, bank: LineBank) -> _Draft:
    a, b = _ids(rng, 2)
    base = rng.randint(11, 16)
    pa, pb = _child(a, rng, base, base), _child(b, rng, max(10, base - 1), base + 1)
    pa.connected = pb.connected = rng.random() < 0.7
    platform = rng.choice(["game_chat", "social_dm", "messaging", "school_app"])
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {a: pa.true_age, b: pb.true_age}
    scenario = rng.choice(["crush", "surprise", "gaming", "homework"])
    chat.exchange(a, "peer.greet", b, "peer.greet")
    talk = ["peer.chat", "peer.reply"]
    _chatter(chat, (a, b), talk, rng.randint(2, 6))
    if scenario == "crush":
        _script(
            chat,
            [
                (a, "peer.crush", 1),
                (b, "peer.reply", 1),
                (b, "peer.crush", 0.8),
                (a, "peer.compliment", 0.6),
                (b, "peer.reply", 1),
                (a, "peer.age", 0.3),
                (a, "peer.crush", 0.7),
                (b, "peer.meet", 0.4),
                (a, "peer.reply", 1),
            ],
        )
    elif scenario == "surprise":
        _script(
            chat,
            [
                (a, "peer.secret_surprise", 1),
                (b, "peer.reply", 1),
                (b, "peer.secret_surprise", 0.7),
                (a, "peer.contact_swap", 0.8),
                (b, "peer.reply", 1),
                (a, "peer.meet", 0.9),
                (b, "peer.reply", 1),
                (b, "peer.secret_surprise", 0.5),
            ],
        )
    elif scenario == "gaming":
        _script(
            chat,
            [
                (a, "peer.compliment", 0.8),
                (b, "peer.reply", 1),
                (b, "peer.age", 0.3),
                (a, "peer.contact_swap", 0.6),
                (b, "peer.reply", 1),
                (a, "peer.meet", 0.3),
            ],
        )
    else:
        _script(
            chat,
            [
                (a, "peer.homework", 1),
                (b, "peer.homework", 1),
                (a, "peer.reply", 1),
                (b, "peer.homework", 0.7),
                (a, "peer.contact_swap", 0.3),
            ],
        )
    _chatter(chat, (a, b), talk, rng.randint(1, 5))
    for _ in range(rng.choice([0, 0, 1, 2])):  # banter that borrows sextortion's words
        chat.say(rng.choice((a, b)), "joke.peer")
        chat.say(rng.choice((a, b)), "peer.reply")
    notes = f"benign peers ({pa.true_age} and {pb.true_age}) on {platform}: {scenario}"
    return _Draft("benign_peer", platform, [pa, pb], chat, notes)


def _trusted(rng: random.Random, bank: LineBank) -> _Draft:
    adult_id, child_id = _ids(rng, 2)
    scenario = rng.choice(["parent", "parent", "relative", "coach", "teacher", "mentor", "mentor"])
    adult = _adult(adult_id, rng, 25, 58)
    child = _child(child_id, rng)
    platform = {
        "parent": "messaging",
        "relative": rng.choice(["messaging", "social_dm"]),
        "coach": rng.choice(["messaging", "school_app"]),
        "teacher": "school_app",
        "mentor": rng.choice(["game_chat", "forum_dm", "livestream_chat"]),
    }[scenario]
    adult.connected = child.connected = scenario != "mentor" or rng.random() < 0.4
    if scenario == "mentor":
        adult.account_age_days = rng.randint(5, 3000)
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {adult_id: adult.true_age, child_id: child.true_age}
    key = {
        "parent": "trusted.parent",
        "relative": "family.relative",
        "coach": "trusted.coach",
        "teacher": "trusted.teacher",
        "mentor": "trusted.mentor",
    }[scenario]
    if scenario == "parent" and rng.random() < 0.8:
        chat.say(adult_id, rng.choice(["trusted.home_alone", "family.pickup"]))
        chat.say(child_id, "trusted.to_parent")
    if scenario == "parent" and rng.random() < 0.4:
        chat.say(adult_id, "family.sibling_secret")
        chat.say(child_id, "trusted.to_parent")
    if scenario == "relative":
        chat.say(adult_id, "family.relative")
        chat.say(child_id, "trusted.child_reply")
    for _ in range(rng.randint(3, 9)):
        chat.say(adult_id, key)
        reply = "trusted.to_parent" if scenario == "parent" and rng.random() < 0.4 else None
        chat.say(child_id, reply or rng.choice(["trusted.child_reply"] * 4 + ["child.neutral"]))
        if rng.random() < 0.2:
            chat.say(child_id, "child.neutral")
    if scenario == "parent" and rng.random() < 0.4:
        chat.say(adult_id, "trusted.home_alone")
    notes = f"trusted adult ({scenario}, {adult.true_age}) with a {child.true_age}yo on {platform}"
    return _Draft("benign_trusted_adult", platform, [adult, child], chat, notes)


def _adult_adult(rng: random.Random, bank: LineBank) -> _Draft:
    a, b = _ids(rng, 2)
    pa, pb = _adult(a, rng, 21, 55), _adult(b, rng, 21, 55)
    dating = rng.random() < 0.65
    platform = "dating_app" if dating else rng.choice(["messaging", "social_dm"])
    for p in (pa, pb):
        p.connected = not dating
        if dating:
            p.declared_age = p.true_age
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng, evening=False))
    chat.ages = {a: pa.true_age, b: pb.true_age}
    chat.exchange(a, "peer.greet", b, "peer.greet")
    if dating:
        _chatter(chat, (a, b), ["adult.flirt", "adult.chat", "adult.reply"], rng.randint(4, 10))
        _script(
            chat,
            [
                (a, "adult.date", 1),
                (b, "adult.reply", 1),
                (b, "adult.contact", 0.6),
                (a, "adult.reply", 1),
                (a, "adult.date", 0.5),
                (b, "adult.flirt", 0.5),
            ],
        )
    else:
        _chatter(chat, (a, b), ["adult.chat", "adult.reply"], rng.randint(6, 14))
        if rng.random() < 0.5:
            chat.say(a, "adult.date")
            chat.say(b, "adult.reply")
    what = "flirting and arranging a date" if dating else "chatting"
    notes = f"adults ({pa.true_age}, {pb.true_age}) {what} on {platform}"
    return _Draft("adult_adult", platform, [pa, pb], chat, notes)


def _bullying(rng: random.Random, bank: LineBank) -> _Draft:
    ids = _ids(rng, rng.choice([2, 3, 3, 4]))
    victim, bullies = ids[0], ids[1:]
    base = rng.randint(11, 16)
    parts = [_child(i, rng, base - 1 if base > 10 else base, base + 1) for i in ids]
    platform = rng.choice(["school_app", "social_dm", "game_chat"])
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {p.id: p.true_age for p in parts}
    for _ in range(rng.randint(4, 10)):
        chat.say(rng.choice(bullies), "bullying.attack")
        if rng.random() < 0.7:
            chat.say(victim, "bullying.victim")
        if len(bullies) > 1 and rng.random() < 0.3:
            chat.say(bullies[-1], "bullying.attack")
    notes = f"bullying among {len(ids)} teens on {platform}"
    return _Draft("bullying", platform, parts, chat, notes)


def _two_party(
    rng: random.Random,
    bank: LineBank,
    category: str,
    lead_key: str,
    reply_key: str,
    platforms: Sequence[str],
    lead_adult: bool,
    target_child_p: float,
) -> tuple[_Chat, list[Participant], str, str, str]:
    lead_id, other_id = _ids(rng, 2)
    lead = _adult(lead_id, rng, 19, 50) if lead_adult else _child(lead_id, rng, 12, 17)
    other = (
        _child(other_id, rng, 11, 17) if rng.random() < target_child_p else _adult(other_id, rng)
    )
    platform = rng.choice(list(platforms))
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng, evening=False))
    chat.ages = {lead_id: lead.true_age, other_id: other.true_age}
    for _ in range(rng.randint(3, 7)):
        chat.say(lead_id, lead_key)
        if rng.random() < 0.75:
            chat.say(other_id, reply_key)
    return chat, [lead, other], platform, lead_id, other_id


def _scam(rng: random.Random, bank: LineBank) -> _Draft:
    chat, parts, platform, lead, _ = _two_party(
        rng, bank, "scam", "scam.pitch", "scam.reply", ["messaging", "social_dm"], True, 0.3
    )
    parts[0].account_age_days = rng.randint(0, 60)
    parts[0].connected = parts[1].connected = False
    notes = f"scam on {platform}: a stranger pushes a fake offer to a {parts[1].true_age}yo"
    return _Draft("scam", platform, parts, chat, notes)


def _spam(rng: random.Random, bank: LineBank) -> _Draft:
    ids = _ids(rng, rng.randint(2, 4))
    bot, others = ids[0], ids[1:]
    platform = rng.choice(["livestream_chat", "social_dm", "game_chat"])
    parts = [Participant(bot, declared_age=None, true_age=None, account_age_days=rng.randint(0, 5))]
    parts += [_child(o, rng, 11, 17) if rng.random() < 0.6 else _adult(o, rng) for o in others]
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    for _ in range(rng.randint(4, 9)):
        chat.say(bot, "spam.pitch")
        if rng.random() < 0.6:
            chat.say(rng.choice(others), "spam.reply")
    notes = f"spam account on {platform} advertising free items and links"
    return _Draft("spam", platform, parts, chat, notes)


def _self_harm(rng: random.Random, bank: LineBank) -> _Draft:
    chat, parts, platform, *_ = _two_party(
        rng, bank, "self_harm", "self_harm.person", "self_harm.support",
        ["messaging", "forum_dm", "social_dm"], False, 0.6,
    )  # fmt: skip
    parts[0].connected = parts[1].connected = rng.random() < 0.7
    notes = f"self-harm support: a {parts[0].true_age}yo says they feel low; the other supports"
    return _Draft("self_harm", platform, parts, chat, notes)


def _toxicity(rng: random.Random, bank: LineBank) -> _Draft:
    ids = _ids(rng, rng.randint(2, 4))
    platform = rng.choice(["game_chat", "livestream_chat"])
    parts = [_child(i, rng, 12, 17) if rng.random() < 0.6 else _adult(i, rng, 18, 35) for i in ids]
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng))
    chat.ages = {p.id: p.true_age for p in parts}
    _chatter(
        chat, ids, ["toxicity.insult", "toxicity.insult", "toxicity.reply"], rng.randint(8, 18)
    )
    notes = f"toxic trash talk among {len(ids)} players on {platform}"
    return _Draft("toxicity", platform, parts, chat, notes)


def _group(rng: random.Random, bank: LineBank) -> _Draft:
    ids = _ids(rng, rng.randint(3, 6))
    parts = [Participant(i, account_age_days=rng.randint(10, 2500)) for i in ids]
    chat = _Chat(rng, bank, _ctx(rng, bank), _start(rng, evening=False))
    keys = ["group.chat", "group.chat", "peer.chat", "peer.reply"]
    _chatter(chat, ids, keys, rng.randint(12, 30))
    notes = f"multi-party chat room with {len(ids)} people, no ages known"
    return _Draft("benign_group", "chat_room", parts, chat, notes)


_MAKERS: dict[str, Callable[[random.Random, LineBank], _Draft]] = {
    "grooming": _grooming,
    "sextortion": _sextortion,
    "benign_peer": _peer,
    "benign_trusted_adult": _trusted,
    "adult_adult": _adult_adult,
    "bullying": _bullying,
    "scam": _scam,
    "self_harm": _self_harm,
    "toxicity": _toxicity,
    "spam": _spam,
    "benign_group": _group,
}


def _makers() -> dict[str, Callable[[random.Random, LineBank], _Draft]]:
    """Every category's maker; criminal exploitation's module builds on this one's chat
    builder, so it is imported here rather than at the top (a cycle otherwise)."""
    from safeguarding.risk.training.exploitation import MAKERS

    return {**_MAKERS, **MAKERS}


# --------------------------------------------------------------------------- corpus


def _allocate(shares: dict[str, float], n: int) -> list[str]:
    """Exactly ``n`` keys in proportion to ``shares`` (largest remainder), unshuffled."""
    total = sum(shares.values())
    raw = {k: v / total * n for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : n - sum(counts.values())
    ]:
        counts[k] += 1
    return [k for k, c in counts.items() for _ in range(c)]


def _language_shares(languages: Sequence[str]) -> dict[str, float]:
    langs = list(dict.fromkeys(languages))
    if "en" in langs and len(langs) > 1:
        rest = (1 - ENGLISH_SHARE) / (len(langs) - 1)
        return {lang: ENGLISH_SHARE if lang == "en" else rest for lang in langs}
    return {lang: 1 / len(langs) for lang in langs}


def _to_conversation(cid: str, draft: _Draft, locale: str) -> Conversation:
    label = LABELS.get(draft.category, "benign")
    grooming = label != "benign"
    messages = [
        Message(cid, sender, text, ts=ts, index=i, platform=draft.platform, locale=locale)
        for i, (sender, text, ts) in enumerate(draft.chat.msgs)
    ]
    return Conversation(
        id=cid,
        participants=draft.participants,
        messages=messages,
        platform=draft.platform,
        locale=locale,
        label=label,
        category=draft.category,
        offender=draft.offender if grooming else None,
        tactics=sorted(draft.chat.tactics, key=lambda t: (t.index, t.tactic)) if grooming else [],
        first_alert_index=draft.first_alert_index if grooming else None,
        notes=draft.notes,
    )


def _variant(cid: str, conv: Conversation, rng: random.Random) -> Conversation:
    """An obfuscated copy: tactic messages almost always disguised, others sometimes."""
    styles = rng.sample(OBFUSCATION_STYLES, rng.choice([1, 1, 2]))
    tactic_idx = {t.index for t in conv.tactics}
    messages = []
    for m in conv.messages:
        p = 0.85 if m.index in tactic_idx else (0.15 if conv.is_harm else 0.5)
        text = obfuscate(m.text, rng.choice(styles), rng) if rng.random() < p else m.text
        messages.append(
            Message(
                cid, m.sender, text, ts=m.ts, index=m.index, platform=m.platform, locale=m.locale
            )
        )
    if all(a.text == b.text for a, b in zip(messages, conv.messages, strict=True)) and messages:
        first = messages[0]
        first.text = obfuscate(first.text, styles[0], rng)
    return Conversation(
        id=cid,
        participants=[Participant(**_participant_fields(p)) for p in conv.participants],
        messages=messages,
        platform=conv.platform,
        locale=conv.locale,
        label=conv.label,
        category=conv.category,
        offender=conv.offender,
        tactics=[TacticLabel(t.index, t.tactic) for t in conv.tactics],
        first_alert_index=conv.first_alert_index,
        variant_of=conv.id,
        notes=f"{'+'.join(styles)} variant of {conv.id}: {conv.notes}",
    )


def _participant_fields(p: Participant) -> dict[str, Any]:
    return {
        "id": p.id,
        "declared_age": p.declared_age,
        "account_age_days": p.account_age_days,
        "connected": p.connected,
        "true_age": p.true_age,
    }


def generate_corpus(
    n: int, seed: int = 0, languages: Sequence[str] = LANGUAGES
) -> list[Conversation]:
    """``n`` labelled conversations (about 10% obfuscated variants), deterministic by seed.

    About 34% grooming (7% sextortion), 8% criminal exploitation and 58% benign across
    categories (7% its hard negatives); about 50% English when English is among
    ``languages``, the rest spread evenly.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        raise ValueError(f"languages must be a non-empty subset of {LANGUAGES}, got {languages}")
    rng = random.Random(seed)
    makers = _makers()
    n_var = round(n * VARIANT_SHARE) if n >= 10 else 0
    n_base = n - n_var
    categories = _allocate(CATEGORY_SHARES, n_base)
    langs = _allocate(_language_shares(languages), n_base)
    rng.shuffle(categories)
    rng.shuffle(langs)
    corpus: list[Conversation] = []
    for k, (category, lang) in enumerate(zip(categories, langs, strict=True)):
        bank = load_bank(lang)
        draft = makers[category](rng, bank)
        corpus.append(_to_conversation(f"syn{seed}-{k + 1:05d}", draft, rng.choice(bank.locales)))
    if n_var:
        grooming = [c for c in corpus if c.is_harm]
        benign = [c for c in corpus if not c.is_harm]
        n_g = min(len(grooming), round(n_var * 0.4))
        sources = rng.sample(grooming, n_g) + rng.sample(benign, min(len(benign), n_var - n_g))
        for j, src in enumerate(sources):
            corpus.append(_variant(f"syn{seed}-{n_base + j + 1:05d}", src, rng))
    return corpus


# --------------------------------------------------------------------------- output


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def conversation_to_dict(conv: Conversation) -> dict[str, Any]:
    """The DATASPEC.md object for one conversation."""
    return {
        "id": conv.id,
        "platform": conv.platform,
        "locale": conv.locale,
        "participants": [_participant_fields(p) for p in conv.participants],
        "messages": [{"ts": _ts(m.ts), "from": m.sender, "text": m.text} for m in conv.messages],
        "label": conv.label,
        "category": conv.category,
        "offender": conv.offender,
        "tactics": [{"i": t.index, "tactic": t.tactic} for t in conv.tactics],
        "first_alert_index": conv.first_alert_index,
        "variant_of": conv.variant_of,
        "notes": conv.notes,
    }


def write_jsonl(conversations: Iterable[Conversation], path: str | Path) -> int:
    """Write DATASPEC JSON Lines (UTF-8, one conversation a line); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for conv in conversations:
            fh.write(json.dumps(conversation_to_dict(conv), ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m safeguarding.risk.training.synthetic",
        description="Generate the repo-owned synthetic training corpus (DATASPEC JSON Lines).",
    )
    parser.add_argument("--n", type=int, default=1500, help="number of conversations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("var/training/synthetic.jsonl"))
    parser.add_argument(
        "--languages", default=",".join(LANGUAGES), help="comma-separated, e.g. en,es"
    )
    args = parser.parse_args(argv)
    langs = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    count = write_jsonl(generate_corpus(args.n, args.seed, langs), args.out)
    print(f"wrote {count} conversations to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
