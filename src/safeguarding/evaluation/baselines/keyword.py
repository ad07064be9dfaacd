"""Keyword-list baseline: what a moderation team without a model would deploy first.

The list holds indicator-level phrases from public child-safety guidance, grouped by tactic,
in English, Spanish, French, German and Portuguese. Matching is case- and accent-insensitive
on whole words. Rule: a conversation alerts after the message at which it has accumulated
``min_hits`` distinct phrases (default 2), so a single "don't tell" in a family chat is not
enough. No context, no ages, no obfuscation handling: that is the point of a baseline.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from safeguarding.domain import Conversation
from safeguarding.evaluation.metrics import Prediction

#: tactic -> phrases (all languages mixed; each phrase is matched as whole words)
KEYWORDS: dict[str, tuple[str, ...]] = {
    "isolation_secrecy": (
        "don't tell",
        "dont tell",
        "our secret",
        "keep it secret",
        "between us",
        "delete this",
        "delete the chat",
        "no se lo digas",
        "nuestro secreto",
        "entre nosotros",
        "ne dis rien",
        "notre secret",
        "entre nous",
        "sag es niemandem",
        "unser geheimnis",
        "nao conta",
        "nosso segredo",
    ),
    "platform_move": (
        "add me on",
        "snapchat",
        "snap me",
        "my snap",
        "whatsapp",
        "telegram",
        "kik",
        "discord dm",
        "private chat",
        "agregame",
        "anademe",
        "ajoute moi",
        "schreib mir privat",
        "me adiciona",
        "chama no zap",
    ),
    "image_request": (
        "send me a pic",
        "send a pic",
        "send pics",
        "send a photo",
        "show me a picture",
        "turn on your camera",
        "cam on",
        "mandame una foto",
        "envoie moi une photo",
        "schick mir ein bild",
        "schick mir ein foto",
        "manda uma foto",
    ),
    "meeting": (
        "meet up",
        "meet in person",
        "pick you up",
        "where do you live",
        "come over",
        "nos vemos en persona",
        "donde vives",
        "on se voit",
        "tu habites ou",
        "wo wohnst du",
        "treffen wir uns",
        "onde voce mora",
    ),
    "personal_questions": (
        "how old are you",
        "how old r u",
        "are you alone",
        "r u alone",
        "parents home",
        "cuantos anos tienes",
        "estas sola",
        "estas solo",
        "quel age as tu",
        "tu es seule",
        "wie alt bist du",
        "bist du allein",
        "quantos anos voce tem",
        "esta sozinha",
    ),
    "gifts": (
        "free robux",
        "free vbucks",
        "gift card",
        "i'll buy you",
        "ill buy you",
        "te regalo",
        "je t'offre",
        "ich kaufe dir",
        "te dou",
    ),
    "threat": (
        "or i'll send",
        "or ill send",
        "i'll share your",
        "everyone will see",
        "todos lo veran",
        "tout le monde verra",
        "alle werden sehen",
        "todo mundo vai ver",
    ),
    "emotional_dependency": (
        "only i understand you",
        "nobody understands you",
        "you're mature for your age",
        "mature for your age",
        "solo yo te entiendo",
        "madura para tu edad",
        "mature pour ton age",
        "reif fur dein alter",
    ),
}


def fold(text: str) -> str:
    """Lowercase, strip accents and unify apostrophes so 'Dónde' matches 'donde'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _compile(phrases: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    return [
        (p, re.compile(r"(?<!\w)" + re.escape(fold(p)).replace(r"\ ", r"\s+") + r"(?!\w)"))
        for p in phrases
    ]


class KeywordBaseline:
    """Alert once a conversation has ``min_hits`` distinct listed phrases."""

    name = "keyword"

    def __init__(
        self, keywords: dict[str, tuple[str, ...]] | None = None, min_hits: int = 2
    ) -> None:
        table = keywords if keywords is not None else KEYWORDS
        self.patterns = _compile(p for phrases in table.values() for p in phrases)
        self.min_hits = min_hits

    def hits(self, text: str) -> set[str]:
        folded = fold(text)
        return {phrase for phrase, pattern in self.patterns if pattern.search(folded)}

    def predict(self, conversation: Conversation) -> Prediction:
        seen: set[str] = set()
        by_sender: Counter[str] = Counter()
        alert_at: int | None = None
        for i, message in enumerate(conversation.messages):
            found = self.hits(message.text) - seen
            if found:
                seen |= found
                by_sender[message.sender] += len(found)
            if alert_at is None and len(seen) >= self.min_hits:
                alert_at = i
        offender = by_sender.most_common(1)[0][0] if by_sender else None
        return Prediction(
            conversation_id=conversation.id,
            alert=alert_at is not None,
            alert_at=alert_at,
            risk=min(1.0, len(seen) / (2 * self.min_hits)),
            offender=offender if alert_at is not None else None,
        )

    def __call__(self, conversations: Iterable[Conversation]) -> list[Prediction]:
        return [self.predict(c) for c in conversations]
