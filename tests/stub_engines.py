"""A stand-in risk engine for policy tests: tactics from cue words, the rest from the test.

The backtest only calls ``open_conversation``, ``process`` and ``forget``; each test decides
what an assessment looks like (level, roles, risk) by overriding :meth:`CueEngine.assess`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from safeguarding.domain import (
    Assessment,
    Conversation,
    Message,
    Participant,
    Signal,
    TacticLabel,
)


class CueEngine:
    def __init__(self, cues: dict[str, str] | None = None) -> None:
        self.cues = cues or {}
        self.count: dict[str, int] = {}
        self.seen: dict[str, dict[str, list[int]]] = {}  # tactic -> message indices
        self.evidence: dict[str, list[Signal]] = {}

    def open_conversation(
        self,
        conversation_id: str,
        participants: Iterable[Participant] = (),
        platform: str | None = None,
        locale: str | None = None,
    ) -> None:
        self.forget(conversation_id)

    def process(self, message: Message) -> Assessment:
        cid = message.conversation_id
        i = self.count.get(cid, 0)
        self.count[cid] = i + 1
        seen = self.seen.setdefault(cid, {})
        evidence = self.evidence.setdefault(cid, [])
        for cue, tactic in self.cues.items():
            if cue in message.text:
                seen.setdefault(tactic, []).append(i)
                evidence.append(Signal(tactic, i, message.sender, 0.8))
        return self.assess(cid, i, seen, evidence)

    def assess(
        self, cid: str, index: int, seen: dict[str, list[int]], evidence: list[Signal]
    ) -> Assessment:
        raise NotImplementedError

    def forget(self, conversation_id: str) -> None:
        for table in (self.count, self.seen, self.evidence):
            table.pop(conversation_id, None)


def cue_conversation(
    cid: str,
    texts: list[str],
    participants: list[Participant],
    cues: dict[str, str],
    start: datetime,
    *,
    grooming: bool,
    category: str,
    first_alert_index: int | None,
) -> Conversation:
    """Participants ``a`` and ``b`` taking turns a minute apart; grooming ones are labelled
    with the tactic of every cue their texts contain."""
    messages = [
        Message(cid, "a" if i % 2 == 0 else "b", t, ts=start + timedelta(minutes=i), index=i)
        for i, t in enumerate(texts)
    ]
    labels = [TacticLabel(i, cues[c]) for i, t in enumerate(texts) for c in cues if c in t]
    return Conversation(
        cid,
        participants,
        messages,
        locale="en-GB",
        label="grooming" if grooming else "benign",
        category=category,
        tactics=labels if grooming else [],
        first_alert_index=first_alert_index,
    )
