"""Domain types shared by every stage of the flow.

Stages exchange these plain dataclasses rather than each other's internals, so that the
ingest, signals, risk, policy and service layers stay independent. Ground-truth fields of a
corpus (labels, true ages) live on :class:`Conversation` only for evaluation; detectors never
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class Tactic(StrEnum):
    """Tactics named in DATASPEC.md: grooming's, then those of criminal exploitation."""

    RAPPORT = "rapport"
    COMPLIMENTS = "compliments"
    RISK_ASSESSMENT = "risk_assessment"
    ISOLATION_SECRECY = "isolation_secrecy"
    PLATFORM_MOVE = "platform_move"
    GIFTS = "gifts"
    PERSONAL_QUESTIONS = "personal_questions"
    DESENSITISATION = "desensitisation"
    IMAGE_REQUEST = "image_request"
    MEETING = "meeting"
    EMOTIONAL_DEPENDENCY = "emotional_dependency"
    THREAT = "threat"
    AGE_DECEPTION = "age_deception"
    # criminal exploitation (county lines, gang and cartel recruitment)
    MONEY_OFFER = "money_offer"  # easy money, clothes, phones for "work"
    COURIER_TASK = "courier_task"  # carry, deliver, hold or travel
    BURNER_PHONE = "burner_phone"  # a second phone or new number for the "work"
    BELONGING = "belonging"  # "you're family now", status, protection
    DEBT = "debt"  # a debt created or claimed to control the child


class Harm(StrEnum):
    """Which harm an assessment is about (``Assessment.harm``)."""

    GROOMING = "grooming"
    SEXTORTION = "sextortion"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"


#: Corpus labels (DATASPEC ``label``) that are a harm rather than ``benign``.
HARM_LABELS = frozenset({"grooming", "criminal_exploitation"})


class AlertLevel(IntEnum):
    """Graduated alert levels; ordering matters (higher is more urgent)."""

    NONE = 0
    WATCH = 1  # early signs worth keeping an eye on, no human needed yet
    ALERT = 2  # a moderator should review
    URGENT = 3  # imminent harm: meeting, threats, sextortion

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(slots=True)
class Participant:
    """What the platform knows about one account in a conversation."""

    id: str
    declared_age: int | None = None
    account_age_days: int | None = None
    connected: bool | None = None  # listed as contacts before this chat
    verified_age: int | None = None
    true_age: int | None = None  # ground truth in corpora; never read by detectors


@dataclass(slots=True)
class Message:
    """One chat message. ``text`` is the original, kept verbatim for evidence."""

    conversation_id: str
    sender: str
    text: str
    ts: datetime | None = None
    message_id: str | None = None
    index: int | None = None  # position in the conversation, set by the engine
    recipients: tuple[str, ...] = ()
    platform: str | None = None
    locale: str | None = None


@dataclass(slots=True)
class TacticLabel:
    index: int
    tactic: str


@dataclass(slots=True)
class Conversation:
    """A whole conversation as read from a corpus (DATASPEC.md)."""

    id: str
    participants: list[Participant]
    messages: list[Message]
    platform: str | None = None
    locale: str | None = None
    # ground truth, evaluation only
    label: str | None = None
    category: str | None = None
    offender: str | None = None
    tactics: list[TacticLabel] = field(default_factory=list)
    first_alert_index: int | None = None
    variant_of: str | None = None
    notes: str | None = None
    source: str | None = None  # file:line it was read from

    @property
    def is_grooming(self) -> bool:
        return self.label == "grooming"

    @property
    def is_exploitation(self) -> bool:
        return self.label == "criminal_exploitation"

    @property
    def is_harm(self) -> bool:
        """Grooming or criminal exploitation: what the engine should alert on."""
        return self.label in HARM_LABELS

    def participant(self, pid: str) -> Participant | None:
        return next((p for p in self.participants if p.id == pid), None)


@dataclass(slots=True, frozen=True)
class Signal:
    """One piece of evidence found in a message.

    ``kind`` is a tactic name, or another signal family such as ``contact_detail``,
    ``age_statement``, ``adult_indicator`` or ``media_match``. ``span`` indexes the original
    text so a moderator sees exactly what fired.
    """

    kind: str
    message_index: int
    sender: str
    score: float
    span: tuple[int, int] | None = None
    excerpt: str | None = None
    source: str = "lexicon"  # lexicon | semantic | pattern | context | media
    detail: dict[str, Any] | None = None


@dataclass(slots=True)
class Assessment:
    """The engine's current view of one conversation, after the latest message."""

    conversation_id: str
    message_index: int
    risk: float
    level: AlertLevel
    offender: str | None = None
    at_risk: str | None = None
    evidence: list[Signal] = field(default_factory=list)
    tactics: dict[str, list[int]] = field(default_factory=dict)
    first_alert_index: int | None = None
    reasons: list[str] = field(default_factory=list)
    harm: str | None = None  # a ``Harm`` value once there is risk (level watch or above)

    @property
    def alerted(self) -> bool:
        return self.first_alert_index is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "message_index": self.message_index,
            "risk": round(self.risk, 4),
            "level": self.level.label,
            "harm": self.harm,
            "offender": self.offender,
            "at_risk": self.at_risk,
            "first_alert_index": self.first_alert_index,
            "tactics": self.tactics,
            "reasons": self.reasons,
            "evidence": [
                {
                    "kind": s.kind,
                    "message_index": s.message_index,
                    "sender": s.sender,
                    "score": round(s.score, 3),
                    "span": list(s.span) if s.span else None,
                    "excerpt": s.excerpt,
                    "source": s.source,
                }
                for s in self.evidence
            ],
        }


@dataclass(slots=True, frozen=True)
class Alert:
    """Raised the first time a conversation reaches a level (and on each escalation)."""

    conversation_id: str
    message_index: int
    level: AlertLevel
    risk: float
    offender: str | None
    at_risk: str | None
    tactics: tuple[str, ...]
    raised_at: datetime | None = None


# --- known-abuse media banks: exchanged between the media signal source and storage ------------

DEFAULT_PDQ_THRESHOLD = 31


@dataclass(slots=True)
class MediaBank:
    """A tenant's named hash (or URL) list. ``threshold`` is its PDQ Hamming limit (exact
    types ignore it); ``dihedral``: flipped and rotated copies of its images match too."""

    name: str
    threshold: int = DEFAULT_PDQ_THRESHOLD
    enabled: bool = True
    negative: bool = False  # known-benign content: a match here suppresses positive matches
    dihedral: bool = False
    description: str = ""
    id: int = 0
    entries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "threshold": self.threshold,
            "enabled": self.enabled,
            "negative": self.negative,
            "dihedral": self.dihedral,
            "description": self.description,
            "entries": self.entries,
        }


@dataclass(slots=True, frozen=True)
class MediaBankEntry:
    """One hash to import. ``value`` is normalised hex, or a canonical URL for URL entries."""

    hash_type: str
    value: str
    quality: int | None = None
    note: str | None = None
    wildcard: bool = False  # URL prefix entry
    line: int | None = None


@dataclass(slots=True, frozen=True)
class MediaEntry:
    """A bank entry as stored, with its id; ``reason`` says why it is disabled or quarantined."""

    id: int
    bank: str
    hash_type: str
    value: str
    wildcard: bool = False
    disabled: bool = False
    quarantined: bool = False
    note: str | None = None
    reason: str | None = None


@dataclass(slots=True, frozen=True)
class MediaMatchRecord:
    """One recorded match: bank, distance and the content reference, never the content."""

    bank: str
    entry_id: int
    hash_type: str
    query_hash: str
    distance: int
    content_ref: str | None
    at: datetime
    negative: bool = False
    suppressed_by: str | None = None
    context: dict[str, Any] | None = None  # conversation id, message index, sender
    variant: str | None = None  # the flip or rotation of the content that matched
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "bank": self.bank,
            "entry_id": self.entry_id,
            "hash_type": self.hash_type,
            "query_hash": self.query_hash,
            "distance": self.distance,
            "content_ref": self.content_ref,
            "negative": self.negative,
            "suppressed_by": self.suppressed_by,
            "variant": self.variant,
            "context": self.context,
        }
