"""What a rule can see: the assessment plus account facts, with roles resolved once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from safeguarding.domain import Assessment, Participant, Tactic
from safeguarding.policy.ages import AgeBand, effective_age, participant_band


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Cross-conversation facts about the suspected offender's account."""

    signals: frozenset[str] = frozenset()
    reports: int = 0
    prior_actions: int = 0


@dataclass(frozen=True, slots=True)
class PolicyInput:
    assessment: Assessment
    offender: Participant | None = None
    at_risk: Participant | None = None
    connected: bool | None = None
    account: AccountFacts = field(default_factory=AccountFacts)
    guardian_id: str | None = None  # guardian account linked to the at-risk child
    latest_sender: str | None = None
    locale: str | None = None
    platform: str | None = None
    # the child's own messages say adult (a job, a spouse) in ADULT_LANGUAGE_MESSAGES or more
    at_risk_adult_sounding: bool = False

    @property
    def level(self) -> int:
        return int(self.assessment.level)

    @property
    def harm(self) -> str | None:
        """The harm the engine named (``Assessment.harm``), matched by ``harm_in``."""
        return self.assessment.harm

    @property
    def sextortion_suspected(self) -> bool:
        """The engine named sextortion, or a demand for images and a threat were both seen
        (how it reads before the engine names it). The actions stage errs towards treating
        the conversation as sextortion (no warning, silent holds, its prompt); the policy
        names the tactics itself where an action against an account depends on it."""
        a = self.assessment
        if a.harm is not None:
            return a.harm == "sextortion"
        return bool(a.tactics.get("threat") and a.tactics.get("image_request"))

    @property
    def exploitation_suspected(self) -> bool:
        """The engine named criminal exploitation (county lines, gang recruitment)."""
        return self.assessment.harm == "criminal_exploitation"

    @property
    def tip_off_risk(self) -> bool:
        """Whether telling the suspect anything (a warning, a visible hold) could put the child
        at risk: an extortionist may carry out the threat, a recruiter may punish the child
        or say the debt has grown. Actions against the account are then silent."""
        return self.sextortion_suspected or self.exploitation_suspected

    @property
    def at_risk_band(self) -> AgeBand:
        return participant_band(self.at_risk)

    @property
    def at_risk_age(self) -> int | None:
        return effective_age(self.at_risk)

    @property
    def offender_band(self) -> AgeBand:
        return participant_band(self.offender)

    @classmethod
    def build(
        cls,
        assessment: Assessment,
        participants: Iterable[Participant],
        *,
        account: AccountFacts | None = None,
        guardians: dict[str, str] | None = None,
        latest_sender: str | None = None,
        locale: str | None = None,
        platform: str | None = None,
        evidence_id: Callable[[str], str | None] | None = None,
        adult_language: Callable[[str], int] | None = None,
    ) -> PolicyInput:
        """Resolve offender and child from the assessment, falling back on evidence and ages.

        When the engine has not named them yet (below ``watch`` it usually has not), the
        participant whose messages carry the tactic evidence is the suspected offender unless
        the known ages say otherwise; then the oldest known participant is the suspected
        offender and the youngest the child at risk (unknown ages sort last). Without this,
        an early rule (e.g. on the offender's account age) would read the wrong account.

        ``evidence_id`` maps an evidence signal's sender to a participant id when the two are
        written differently (the service's engine prefixes ids with the tenant).
        ``adult_language`` counts an account's messages whose language said adult so far (the
        account tracker's): the engine drops the child's evidence once it names the roles.
        """
        people = list(participants)
        by_id = {p.id: p for p in people}
        offender = by_id.get(assessment.offender) if assessment.offender else None
        if offender is None and assessment.at_risk is None:
            offender = _evidence_sender(assessment, by_id, evidence_id)
        at_risk = by_id.get(assessment.at_risk) if assessment.at_risk else None
        aged = sorted(
            (p for p in people if effective_age(p) is not None),
            key=lambda p: effective_age(p) or 0,
        )
        if at_risk is None:
            others = [p for p in aged if p is not offender] or [
                p for p in people if p is not offender
            ]
            at_risk = others[0] if others else None
        if offender is None:
            others = [p for p in reversed(aged) if p is not at_risk]
            others = others or [p for p in people if p is not at_risk]
            offender = others[0] if others else None
        connected = _connected(offender, at_risk)
        guardian = (guardians or {}).get(at_risk.id) if at_risk else None
        adult_sounding = False
        if at_risk is not None:
            said = {
                s.message_index
                for s in assessment.evidence
                if s.kind == "adult_indicator"
                and (evidence_id(s.sender) if evidence_id else s.sender) == at_risk.id
            }
            counted = adult_language(at_risk.id) if adult_language else 0
            adult_sounding = max(len(said), counted) >= ADULT_LANGUAGE_MESSAGES
        return cls(
            assessment=assessment,
            offender=offender,
            at_risk=at_risk,
            connected=connected,
            account=account or AccountFacts(),
            guardian_id=guardian,
            latest_sender=latest_sender,
            locale=locale,
            platform=platform,
            at_risk_adult_sounding=adult_sounding,
        )


_TACTIC_NAMES = frozenset(t.value for t in Tactic)

#: Messages with adult language ("my wife", "my mortgage") after which an account "writes like
#: an adult"; one is not enough ("mum's at work" reads as adult language too).
ADULT_LANGUAGE_MESSAGES = 2


def _evidence_sender(
    assessment: Assessment,
    by_id: dict[str, Participant],
    evidence_id: Callable[[str], str | None] | None = None,
) -> Participant | None:
    """The participant who wrote most of the tactic evidence, unless ages contradict it.

    A participant with a known age younger than another known-age participant is not made the
    suspect on evidence alone: a child quoting "don't tell" is not the offender.
    """
    counts: dict[str, int] = {}
    for signal in assessment.evidence:
        if signal.kind not in _TACTIC_NAMES:
            continue
        sender = evidence_id(signal.sender) if evidence_id else signal.sender
        if sender in by_id:
            counts[sender] = counts.get(sender, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    leaders = [pid for pid, n in counts.items() if n == best]
    if len(leaders) > 1:
        return None  # a tie says nothing; fall back on ages
    suspect = by_id[leaders[0]]
    age = effective_age(suspect)
    if age is not None and any(
        (other := effective_age(p)) is not None and other > age
        for p in by_id.values()
        if p is not suspect
    ):
        return None
    return suspect


def _connected(a: Participant | None, b: Participant | None) -> bool | None:
    """Connected only when the platform says so; either side saying ``False`` wins."""
    flags = [p.connected for p in (a, b) if p is not None and p.connected is not None]
    if not flags:
        return None
    return all(flags)
