"""Everything the signals stage finds in one message, with spans in the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from safeguarding.ingest.text import analysable
from safeguarding.normalise import normalise
from safeguarding.signals.lexicon import CUES, TacticLexicon
from safeguarding.signals.patterns import (
    ANSWER_AGE_RX,
    ANSWER_MAX_CHARS,
    adult_indicators,
    contact_details,
    stated_ages,
)
from safeguarding.signals.roles import RoleReader
from safeguarding.signals.semantic import ExemplarIndex

# A semantic match counts as tactic evidence only when it is both close to a tactic exemplar
# and clearly closer to it than to everyday chat. Chosen on the synthetic training corpus:
# about a quarter of tactic messages pass, and 3% of benign ones (then weighed by the model).
SEMANTIC_MIN_SIMILARITY = 0.70
SEMANTIC_MIN_MARGIN = 0.10
SEMANTIC_WEIGHT = 0.6  # a semantic-only hit is weaker evidence than a lexicon hit


@dataclass(frozen=True, slots=True)
class TacticEvidence:
    tactic: str
    score: float
    span: tuple[int, int] | None  # in the original text
    source: str  # lexicon | semantic | roles


@dataclass(slots=True)
class MessageSignals:
    tactics: dict[str, TacticEvidence] = field(default_factory=dict)
    cues: dict[str, TacticEvidence] = field(default_factory=dict)  # see ``lexicon.CUES``
    semantic_margin: float = 0.0  # best (tactic - benign) similarity over all tactics
    ages: list[int] = field(default_factory=list)
    bare_age: int | None = None  # a lone number, an age if it answers an age question
    adult_spans: list[tuple[int, int]] = field(default_factory=list)
    adult_weight: float = 0.0  # strength of the adult-life evidence (a mortgage 1, "work" 0.5)
    contacts: list[str] = field(default_factory=list)
    contact_spans: list[tuple[int, int]] = field(default_factory=list)
    is_question: bool = False


class MessageAnalyser:
    """Normalises a message and runs every per-message detector on it."""

    def __init__(
        self,
        lexicon: TacticLexicon,
        exemplars: ExemplarIndex | None,
        roles: RoleReader | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.exemplars = exemplars
        self.roles = roles

    @classmethod
    def default(cls) -> MessageAnalyser:
        return _default_analyser()

    def analyse(self, text: str) -> MessageSignals:
        norm = normalise(analysable(text))
        folded = norm.folded  # accents stripped: one lexicon pattern serves "não" and "nao"
        out = MessageSignals(is_question="?" in text)
        tactics = out.tactics
        for hit in self.lexicon.find(folded):
            found = TacticEvidence(
                hit.tactic, hit.weight, norm.original_span(hit.start, hit.end), "lexicon"
            )
            if hit.tactic in CUES:
                out.cues[hit.tactic] = found
            else:
                tactics[hit.tactic] = found
        if self.roles is not None:
            for role in self.roles.read(folded):
                current = tactics.get(role.tactic)
                if current is None or current.score < role.weight:
                    tactics[role.tactic] = TacticEvidence(role.tactic, role.weight, None, "roles")
        if self.exemplars is not None:
            scores = self.exemplars.score(norm.text)
            if scores is not None:
                benign = scores.benign_similarity
                best_margin = out.semantic_margin
                for tactic, sim in scores.tactic_similarity.items():
                    margin = sim - benign
                    if margin > best_margin:  # max(), without the call
                        best_margin = margin
                    if sim < SEMANTIC_MIN_SIMILARITY or margin < SEMANTIC_MIN_MARGIN:
                        continue
                    current = tactics.get(tactic)
                    score = SEMANTIC_WEIGHT * sim
                    if current is None or current.score < score:
                        tactics[tactic] = TacticEvidence(tactic, score, None, "semantic")
                out.semantic_margin = best_margin
        # Every age pattern needs a digit (``\d``); most messages have none.
        if _DIGIT_RX.search(folded):
            out.ages = [int(h.value) for h in stated_ages(folded)]
            if len(folded) <= ANSWER_MAX_CHARS:
                bare = ANSWER_AGE_RX.search(folded)
                if bare and 5 <= int(bare.group(1)) <= 99:
                    out.bare_age = int(bare.group(1))
        for adult in adult_indicators(folded):
            out.adult_spans.append(norm.original_span(adult.start, adult.end))
            out.adult_weight += adult.weight
        for contact in contact_details(folded):
            out.contacts.append(contact.value)
            out.contact_spans.append(norm.original_span(contact.start, contact.end))
        return out


_DIGIT_RX = re.compile(r"\d")


@cache
def _default_analyser() -> MessageAnalyser:
    return MessageAnalyser(
        TacticLexicon.from_package(), ExemplarIndex.from_package(), RoleReader.from_package()
    )
