"""Per-conversation streaming state: what each participant has said and shown so far.

The state is small (counters and maxima, a capped evidence list) so the engine can hold many
conversations and the service can persist it as JSON after every message.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from safeguarding.domain import Participant, Signal

MAX_EVIDENCE = 200
ADULT = 18
# Adult-life evidence (strong indicators weigh 1, weak 0.5) that makes a "teen" an adult.
ADULT_LIFE = 1.0


@dataclass(slots=True)
class ParticipantState:
    id: str
    declared_age: int | None = None
    verified_age: int | None = None
    account_age_days: int | None = None
    connected: bool | None = None
    stated_ages: list[int] = field(default_factory=list)
    adult_evidence: float = 0.0  # summed weights of adult-life indicators
    n_messages: int = 0
    n_questions: int = 0
    tactic_max: dict[str, float] = field(default_factory=dict)
    tactic_first: dict[str, int] = field(default_factory=dict)
    tactic_messages: int = 0
    contacts: int = 0
    semantic_max: float = 0.0
    asked_age_at: int | None = None  # index of this participant's last age question
    last_risk: float = 0.0
    # Cues (``signals.lexicon.CUES``): best score and first message of each, as for tactics.
    cue_max: dict[str, float] = field(default_factory=dict)
    care_messages: int = 0  # messages with a carer's logistics or a family surprise
    surprise_at: int | None = None  # this participant's last message about a family surprise
    sextortion_at: int | None = None  # message that completed the sextortion pattern
    exploitation_at: int | None = None  # message that completed criminal exploitation's arc

    def apply_facts(self, p: Participant) -> None:
        """Take the platform's account facts; a known value is never erased by an unknown."""
        if p.declared_age is not None:
            self.declared_age = p.declared_age
        if p.verified_age is not None:
            self.verified_age = p.verified_age
        if p.account_age_days is not None:
            self.account_age_days = p.account_age_days
        if p.connected is not None:
            self.connected = p.connected

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _PARTICIPANT_SCALARS}
        data["stated_ages"] = list(self.stated_ages)
        data["tactic_max"] = dict(self.tactic_max)
        data["tactic_first"] = dict(self.tactic_first)
        data["cue_max"] = dict(self.cue_max)
        return data

    def adult_life(self) -> bool:
        """Enough adult-life evidence (a spouse, a mortgage; or two weak hints) to be an adult."""
        return self.adult_evidence >= ADULT_LIFE

    def estimated_age(self) -> float | None:
        """Best guess of the real age: verified, else adult evidence, else what was said."""
        if self.verified_age is not None:
            return float(self.verified_age)
        if self.adult_life():
            adult_claims = [a for a in self.stated_ages if a >= ADULT]
            declared = self.declared_age if (self.declared_age or 0) >= ADULT else None
            return float(adult_claims[-1] if adult_claims else declared or 25)
        if self.declared_age is not None:
            return float(self.declared_age)
        if self.stated_ages:
            return float(self.stated_ages[-1])
        return None

    def age_conflict(self) -> bool:
        """Signs of a false age: adult evidence behind a minor's age, or claims that disagree."""
        minor_claims = [a for a in self.stated_ages if a < ADULT]
        declared_minor = self.declared_age is not None and self.declared_age < ADULT
        if self.adult_life() and (minor_claims or declared_minor):
            return True
        if self.declared_age is not None and self.declared_age >= ADULT and minor_claims:
            return True
        if (
            self.verified_age is not None
            and self.verified_age >= ADULT
            and (minor_claims or declared_minor)
        ):
            return True
        claims = self.stated_ages + ([self.declared_age] if self.declared_age is not None else [])
        return bool(claims) and max(claims) - min(claims) >= 4


@dataclass(slots=True)
class ConversationState:
    conversation_id: str
    platform: str | None = None
    locale: str | None = None
    participants: dict[str, ParticipantState] = field(default_factory=dict)
    n_messages: int = 0
    last_ts: str | None = None
    evidence: list[Signal] = field(default_factory=list)
    risk: float = 0.0
    level: int = 0
    offender: str | None = None
    at_risk: str | None = None
    first_alert_index: int | None = None
    max_level: int = 0
    harm: str | None = None  # grooming, sextortion or criminal_exploitation (``Assessment.harm``)
    extorter: str | None = None  # first participant who completed the sextortion pattern
    exploiter: str | None = None  # first recruiter who completed criminal exploitation's arc
    reasons: list[str] = field(default_factory=list)
    open_mentions: int = 0  # messages saying a parent knows of or agreed to an arrangement
    # Evidence dicts already exported, in the order of ``evidence`` (which only grows), with
    # and without excerpts: the service exports every touched conversation after each batch,
    # and rebuilding all of them was its largest single cost. Shared: never modify them.
    _exported: list[dict[str, Any]] = field(default_factory=list, repr=False, compare=False)
    _exported_bare: list[dict[str, Any]] = field(default_factory=list, repr=False, compare=False)

    def participant(self, pid: str) -> ParticipantState:
        state = self.participants.get(pid)
        if state is None:
            state = self.participants[pid] = ParticipantState(id=pid)
        return state

    def add_evidence(self, signal: Signal) -> None:
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(signal)

    def to_dict(self, *, excerpts: bool = True) -> dict[str, Any]:
        """A JSON-ready copy. Written out field by field: ``dataclasses.asdict`` deep-copies
        recursively and cost ~0.6 ms a conversation, which the service pays on every event.

        ``excerpts=False`` leaves out the quoted text of each evidence entry that has one
        (the entry then has no ``excerpt`` key; one without an excerpt keeps ``None``): the
        form a store keeps when message text must live in one place only. The evidence
        dicts are shared between successive exports and must not be modified."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _CONVERSATION_SCALARS}
        data["reasons"] = list(self.reasons)
        data["participants"] = {pid: p.to_dict() for pid, p in self.participants.items()}
        done = self._exported if excerpts else self._exported_bare
        for s in self.evidence[len(done) :]:
            done.append(_signal_to_dict(s, excerpts))
        data["evidence"] = list(done)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        data = dict(data)
        parts = {k: ParticipantState(**v) for k, v in (data.pop("participants") or {}).items()}
        evidence = [_signal_from_dict(s) for s in data.pop("evidence") or []]
        return cls(participants=parts, evidence=evidence, **data)


_PARTICIPANT_SCALARS = tuple(
    f.name
    for f in fields(ParticipantState)
    if f.name not in {"stated_ages", "tactic_max", "tactic_first", "cue_max"}
)
_CONVERSATION_SCALARS = tuple(
    f.name
    for f in fields(ConversationState)
    if f.name not in {"participants", "evidence", "reasons", "_exported", "_exported_bare"}
)


def _signal_to_dict(s: Signal, excerpts: bool = True) -> dict[str, Any]:
    d = {
        "kind": s.kind,
        "message_index": s.message_index,
        "sender": s.sender,
        "score": s.score,
        "span": list(s.span) if s.span else None,
        "excerpt": s.excerpt,
        "source": s.source,
        "detail": s.detail,
    }
    if not excerpts and s.excerpt is not None:
        del d["excerpt"]
    return d


def _signal_from_dict(d: dict[str, Any]) -> Signal:
    d = dict(d)
    d["span"] = tuple(d["span"]) if d.get("span") else None
    return Signal(**d)
