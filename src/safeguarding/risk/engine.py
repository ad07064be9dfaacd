"""The streaming risk engine: one call per message, one assessment per conversation.

Each message is analysed once (normalise → lexicons, patterns, semantics), folded into the
conversation's state, and every participant who could be the offender is re-scored by the
calibrated model. The assessment after message *i* depends on messages 0..*i* only, so the
first alert is what the engine really knew at that point.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from safeguarding.domain import (
    AlertLevel,
    Assessment,
    Conversation,
    Harm,
    Message,
    Participant,
    Signal,
)
from safeguarding.risk.exploitation import (
    EXPLOITATION_RISK,
    debt_alone,
    exploitation_pattern,
    recruiter_context,
)
from safeguarding.risk.features import (
    CCE_TACTICS,
    SEVERE,
    STRONG,
    feature_values,
    target_for,
)
from safeguarding.risk.model import RiskModel
from safeguarding.risk.state import ADULT, ConversationState, ParticipantState
from safeguarding.signals.extract import MessageAnalyser, MessageSignals, TacticEvidence

MAX_STATED_AGES = 8
# An age question is answered within this many messages ("how old r u" ... "11 wbu").
AGE_ANSWER_WINDOW = 3
URGENT_TACTICS = ("threat", "meeting", "debt")
# Tactics only sexual grooming uses, weighed against criminal exploitation's own to name the
# harm; the rest (secrecy, platform moves, gifts, threats, "you owe me" dependency) serve both.
GROOMING_ONLY = ("image_request", "desensitisation")
# Tactics that lean towards sexual grooming without belonging to it alone (a recruiter may
# flatter or meet too): they count at this weight on grooming's side when naming the harm.
GROOMING_LEANING = ("compliments", "emotional_dependency", "meeting")
GROOMING_LEANING_WEIGHT = 0.5
# Sextortion escalates at the first threat or demand, whoever the accounts are: the risk is
# raised to at least this (and the level to urgent) once the pattern is complete.
SEXTORTION_RISK = 0.95
FORCED_LEVERAGE = 0.9
# A code word takes the role of a tactic when the same sender already used one of the tactics
# it stands for (``CODE_WORDS[cue] = (tactic, tactics that give it that meaning)``); without
# that context it is only a weak hint.
CODE_WORDS = {
    "code_app": ("platform_move", ("platform_move", "isolation_secrecy", "risk_assessment")),
    "code_secret": (
        "isolation_secrecy",
        ("isolation_secrecy", "gifts", "emotional_dependency", "image_request", "platform_move"),
    ),
    "code_stuff": ("image_request", ("image_request", "desensitisation", "isolation_secrecy")),
}
CODE_WORD_SCORE = 0.8
CODE_WORD_WEAK = 0.4
# What a carer's logistics ("text me when you get home", "i'll pick you up at 5", "send me a
# photo of the permission slip"), a family surprise ("don't tell your sister about her
# present") or laughter (exploitation's words as a joke) explains in the same message: those
# tactics count at this factor, below ``STRONG``, so the words alone do not alert.
EXPLAINED_BY = {
    "care": ("risk_assessment", "meeting", "platform_move", "image_request"),
    "surprise": ("isolation_secrecy", "gifts"),
    # laughter: "you owe me a nugget lol", "we're basically a family now jaja"
    "banter": CCE_TACTICS,
}
EXPLAINED_FACTOR = 0.5
# What a carer's role never explains: with one of these on record, the earlier messages of a
# sender who later talks like a carer keep their weight (see ``_explain_earlier``).
NEVER_EXPLAINED = ("isolation_secrecy", "gifts", "emotional_dependency", "desensitisation")
# A sender who talks like a carer (at least this many messages, and a third of theirs, with a
# carer's logistics) has the same tactics explained in every message: a parent who asks
# "are you home alone?" twice an evening. Gifts, secrecy and image requests still count.
CARER_MESSAGES = 2
CARER_SHARE = 1 / 3
# A family surprise explains the secrecy asked for in the next few messages too ("planning
# a surprise for your mum" ... "don't tell her ok").
SURPRISE_WINDOW = 4
# A disguised adult: an account that claims a minor's age while adult life shows through
# (a spouse, own children, rent; or several weaker hints) and that uses severe tactics on a
# minor is escalated to ``alert`` at least: with this much adult life (1.5 = one strong and
# one weak hint) one severe tactic, with the least (1.0) two of them.
DISGUISED_ADULT_LIFE = 1.5
_NO_EVIDENCE = TacticEvidence("", 0.0, None, "")
# Evidence kinds that are not grooming tactics (left out of ``Assessment.tactics``).
NOT_TACTICS = frozenset({"contact_detail", "adult_indicator", "media_match", "url_match"})
# AlertLevel by value: a dict look-up is several times cheaper than calling the enum.
_LEVELS = {int(level): level for level in AlertLevel}


class EngineError(ValueError):
    """A message the engine cannot take (missing conversation id or sender)."""


@dataclass(slots=True)
class ScanResult:
    conversation: Conversation
    assessment: Assessment
    alert_at: int | None
    risks: list[float] = field(default_factory=list)


class Engine:
    """Keeps per-conversation state and assesses each new message."""

    def __init__(self, model: RiskModel, analyser: MessageAnalyser) -> None:
        self.model = model
        self.analyser = analyser
        self._conversations: dict[str, ConversationState] = {}
        self._accounts: dict[str, Participant] = {}

    @classmethod
    def default(cls) -> Engine:
        """The engine with the bundled model and detectors; loads offline."""
        return cls(RiskModel.load(), MessageAnalyser.default())

    # --- conversation and account facts -------------------------------------------------
    def open_conversation(
        self,
        conversation_id: str,
        participants: Iterable[Participant] = (),
        platform: str | None = None,
        locale: str | None = None,
    ) -> None:
        state = self._state(conversation_id)
        state.platform = platform or state.platform
        state.locale = locale or state.locale
        for p in participants:
            self._participant(state, p.id).apply_facts(p)

    def update_account(self, participant: Participant) -> None:
        """Account facts (declared or verified age, account age) for every conversation."""
        known = self._accounts.get(participant.id)
        if known is None:
            self._accounts[participant.id] = replace(participant)
        else:
            merged = ParticipantState(id=known.id)
            merged.apply_facts(known)
            merged.apply_facts(participant)
            self._accounts[participant.id] = Participant(
                id=participant.id,
                declared_age=merged.declared_age,
                verified_age=merged.verified_age,
                account_age_days=merged.account_age_days,
                connected=merged.connected,
            )
        for state in self._conversations.values():
            if participant.id in state.participants:
                state.participants[participant.id].apply_facts(participant)

    def account(self, participant_id: str) -> Participant | None:
        """The account facts :meth:`update_account` gathered for ``participant_id`` (a copy)."""
        known = self._accounts.get(participant_id)
        return None if known is None else replace(known)

    def restore_account(self, participant_id: str, facts: Participant | None) -> None:
        """Put back what :meth:`account` returned, undoing later updates (a caller whose
        batch was refused). Conversations already holding the participant keep the facts
        they were given: the caller reloads them."""
        if facts is None:
            self._accounts.pop(participant_id, None)
        else:
            self._accounts[participant_id] = replace(facts)

    def add_signal(self, conversation_id: str, signal: Signal) -> Assessment:
        """External evidence (a media hash or URL list match) joins the conversation's record."""
        state = self._state(conversation_id)
        state.add_evidence(signal)
        if signal.kind in {"media_match", "url_match"}:
            state.reasons.append(
                f"{signal.kind} from {signal.sender} at message {signal.message_index}"
            )
            state.risk = max(state.risk, signal.score)
            level = max(state.level, int(AlertLevel.URGENT))
            self._set_level(state, level, signal.message_index)
            state.offender = state.offender or signal.sender
            state.harm = state.harm or Harm.GROOMING.value
        return self._assessment(state)

    def assessment(self, conversation_id: str) -> Assessment | None:
        state = self._conversations.get(conversation_id)
        return self._assessment(state) if state else None

    def export_state(self, conversation_id: str, *, excerpts: bool = True) -> dict[str, Any]:
        """``excerpts=False``: without quoted text (see ``ConversationState.to_dict``)."""
        state = self._conversations.get(conversation_id)
        if state is None:
            raise KeyError(conversation_id)
        return state.to_dict(excerpts=excerpts)

    def restore_state(self, data: dict[str, Any]) -> None:
        state = ConversationState.from_dict(data)
        self._conversations[state.conversation_id] = state

    def forget(self, conversation_id: str) -> None:
        self._conversations.pop(conversation_id, None)

    @property
    def conversation_count(self) -> int:
        return len(self._conversations)

    # --- streaming ----------------------------------------------------------------------
    def process(self, message: Message) -> Assessment:
        if not message.conversation_id:
            raise EngineError("message has no conversation id")
        if not message.sender:
            raise EngineError(f"message in {message.conversation_id} has no sender")
        if not isinstance(message.text, str):
            raise EngineError(f"message in {message.conversation_id} has no text")
        state = self._state(message.conversation_id)
        if message.platform and not state.platform:
            state.platform = message.platform
        if message.locale and not state.locale:
            state.locale = message.locale
        index = state.n_messages
        state.n_messages += 1
        if message.ts is not None:
            state.last_ts = message.ts.isoformat()
        sender = self._participant(state, message.sender)
        for rid in message.recipients:
            self._participant(state, rid)
        signals = self.analyser.analyse(message.text)
        self._fold(state, sender, index, message, signals)
        self._score(state, sender, index)
        return self._assessment(state)

    def scan(self, conversations: Iterable[Conversation]) -> Iterator[ScanResult]:
        """Replay whole conversations message by message, as a platform would stream them."""
        for conv in conversations:
            self.forget(conv.id)
            self.open_conversation(conv.id, conv.participants, conv.platform, conv.locale)
            risks: list[float] = []
            alert_at: int | None = None
            assessment = self._assessment(self._state(conv.id))
            for msg in conv.messages:
                assessment = self.process(msg)
                risks.append(assessment.risk)
                if alert_at is None and assessment.first_alert_index is not None:
                    alert_at = assessment.first_alert_index
            self.forget(conv.id)
            yield ScanResult(conv, assessment, alert_at, risks)

    # --- internals ----------------------------------------------------------------------
    def _state(self, conversation_id: str) -> ConversationState:
        state = self._conversations.get(conversation_id)
        if state is None:
            state = self._conversations[conversation_id] = ConversationState(conversation_id)
        return state

    def _participant(self, state: ConversationState, pid: str) -> ParticipantState:
        fresh = pid not in state.participants
        p = state.participant(pid)
        if fresh and pid in self._accounts:
            p.apply_facts(self._accounts[pid])
        return p

    def _fold(
        self,
        state: ConversationState,
        sender: ParticipantState,
        index: int,
        message: Message,
        signals: MessageSignals,
    ) -> None:
        sender.n_messages += 1
        sender.n_questions += signals.is_question
        ages = list(signals.ages)
        if signals.bare_age is not None and not ages and self._age_was_asked(state, sender, index):
            ages.append(signals.bare_age)
        if ages:
            sender.stated_ages = (sender.stated_ages + ages)[-MAX_STATED_AGES:]
        had_conflict = sender.age_conflict()
        sender.adult_evidence += signals.adult_weight
        sender.contacts += len(signals.contacts)
        for kind, spans in (
            ("adult_indicator", signals.adult_spans),
            ("contact_detail", signals.contact_spans),
        ):
            for span in spans:
                excerpt = _excerpt(message.text, span)
                state.add_evidence(Signal(kind, index, sender.id, 1.0, span, excerpt, "pattern"))
        tactics = signals.tactics
        if signals.cues:
            tactics = _fold_cues(sender, index, signals)
        if tactics and sender.care_messages >= CARER_MESSAGES:
            tactics = _explained_by_carer(sender, tactics)
        if sender.surprise_at is not None and index - sender.surprise_at <= SURPRISE_WINDOW:
            tactics = _explained(tactics, EXPLAINED_BY["surprise"])
        tactic_message = False
        for ev in tactics.values():
            if ev.score > sender.tactic_max.get(ev.tactic, 0.0):
                sender.tactic_max[ev.tactic] = ev.score
            sender.tactic_first.setdefault(ev.tactic, index)
            if ev.tactic == "personal_questions":
                sender.asked_age_at = index
            if ev.score >= STRONG and ev.tactic not in ("rapport", "compliments"):
                tactic_message = True
            excerpt = _excerpt(message.text, ev.span) if ev.span else message.text[:120]
            state.add_evidence(
                Signal(ev.tactic, index, sender.id, ev.score, ev.span, excerpt, ev.source)
            )
        sender.tactic_messages += tactic_message
        if sender.care_messages >= CARER_MESSAGES:
            _explain_earlier(sender)
        state.open_mentions += "open_arrangement" in signals.cues
        sender.semantic_max = max(sender.semantic_max, signals.semantic_margin)
        if sender.age_conflict():
            # Graded: one strong adult-life hint behind a teen's age is 0.7, two or more 0.9+;
            # claims that contradict each other (or an adult profile) are 0.9.
            grade = 0.9 if not sender.adult_life() else min(0.95, 0.5 + 0.2 * sender.adult_evidence)
            if grade > sender.tactic_max.get("age_deception", 0.0) + 1e-9 or not had_conflict:
                sender.tactic_max["age_deception"] = max(
                    sender.tactic_max.get("age_deception", 0.0), grade
                )
                sender.tactic_first.setdefault("age_deception", index)
                state.add_evidence(
                    Signal(
                        "age_deception",
                        index,
                        sender.id,
                        grade,
                        None,
                        None,
                        "context",
                        {
                            "stated_ages": list(sender.stated_ages),
                            "declared_age": sender.declared_age,
                            "adult_evidence": sender.adult_evidence,
                        },
                    )
                )
        if (
            sender.sextortion_at is None
            and (signals.cues or "threat" in tactics)
            and sextortion_pattern(sender)
        ):
            sender.sextortion_at = index
            state.extorter = state.extorter or sender.id
        if (
            sender.exploitation_at is None
            and tactics
            and (exploitation_pattern(sender.tactic_max) or debt_alone(sender.tactic_max))
        ):
            sender.exploitation_at = index

    def _age_was_asked(
        self, state: ConversationState, sender: ParticipantState, index: int
    ) -> bool:
        return any(
            p.asked_age_at is not None and index - p.asked_age_at <= AGE_ANSWER_WINDOW
            for pid, p in state.participants.items()
            if pid != sender.id
        )

    def _score(self, state: ConversationState, sender: ParticipantState, index: int) -> None:
        # In a pair anyone's words change the other's context; in a room only suspects matter.
        pair = len(state.participants) <= 2
        predict = self.model.predict
        risk = 0.0
        suspect: ParticipantState | None = None
        suspect_x: list[float] | None = None  # the suspect's features, if scored just now
        for p in state.participants.values():
            if not p.n_messages:
                continue
            x = None
            if pair or p is sender or p.tactic_messages:
                x = feature_values(state, p)
                p.last_risk = predict(x)
            if suspect is None or p.last_risk > risk:
                risk, suspect, suspect_x = p.last_risk, p, x
        if suspect is None:
            return
        extorter = state.participants.get(state.extorter) if state.extorter else None
        exploiter = None if extorter is not None else self._exploiter(state)
        if extorter is not None:
            suspect, suspect_x = extorter, None
            risk = max(extorter.last_risk, SEXTORTION_RISK, self.model.urgent_threshold)
        elif exploiter is not None:
            suspect, suspect_x = exploiter, None
            risk = max(exploiter.last_risk, EXPLOITATION_RISK, self.model.alert_threshold)
        state.risk = risk
        level = AlertLevel.NONE
        if extorter is not None:
            level = AlertLevel.URGENT
        elif exploiter is not None:
            level = AlertLevel.ALERT
            if any(exploiter.tactic_max.get(t, 0.0) >= STRONG for t in URGENT_TACTICS):
                level = AlertLevel.URGENT
        elif risk >= self.model.alert_threshold:
            level = AlertLevel.ALERT
            severe = any(suspect.tactic_max.get(t, 0.0) >= STRONG for t in URGENT_TACTICS)
            if severe and risk >= self.model.urgent_threshold:
                level = AlertLevel.URGENT
        elif risk >= self.model.watch_threshold:
            level = AlertLevel.WATCH
        if level < AlertLevel.ALERT and disguised_adult(state, suspect):
            level = AlertLevel.ALERT
            risk = state.risk = max(risk, self.model.alert_threshold)
        if level >= AlertLevel.WATCH:
            state.offender = suspect.id
            state.harm = "sextortion" if extorter is not None else harm_of(suspect.tactic_max)
            target = target_for(state, suspect.id)
            state.at_risk = target.id if target else None
            # Nothing changed the state since the loop: the suspect's features still hold.
            x = suspect_x if suspect_x is not None else feature_values(state, suspect)
            state.reasons = [
                f"{name} (+{weight:.2f})" for name, weight in self.model.contributions(x)
            ]
            if extorter is not None:
                state.reasons.insert(
                    0, f"sextortion: leverage, threat or demand at message {extorter.sextortion_at}"
                )
            elif exploiter is not None:
                state.reasons.insert(
                    0,
                    "criminal exploitation: offer, task, work phone, debt or threat from a "
                    f"recruiter at message {exploiter.exploitation_at}",
                )
        # Once a conversation has alerted it stays at least at that level: a moderator decides.
        sticky = state.level if state.first_alert_index is not None else 0
        self._set_level(state, max(int(level), sticky), index)

    @staticmethod
    def _exploiter(state: ConversationState) -> ParticipantState | None:
        """The recruiter whose messages completed criminal exploitation's arc, in a
        recruiter's context (``risk.exploitation``); once found, kept."""
        if state.exploiter is not None:
            return state.participants.get(state.exploiter)
        for p in state.participants.values():
            if p.exploitation_at is None or harm_of(p.tactic_max) != _CCE_HARM:
                continue
            if not exploitation_pattern(p.tactic_max) and p.connected is not False:
                continue  # a debt alone counts only from a stranger
            if recruiter_context(state, p):
                state.exploiter = p.id
                return p
        return None

    @staticmethod
    def _set_level(state: ConversationState, level: int, index: int) -> None:
        state.level = level
        state.max_level = max(state.max_level, level)
        if level >= AlertLevel.ALERT and state.first_alert_index is None:
            state.first_alert_index = index

    def _assessment(self, state: ConversationState) -> Assessment:
        # One pass over the evidence (up to MAX_EVIDENCE entries, on every message).
        offender = state.offender
        evidence = (
            list(state.evidence)
            if offender is None
            else [s for s in state.evidence if s.sender == offender]
        )
        tactics: dict[str, list[int]] = {}
        for s in evidence:
            if s.kind not in NOT_TACTICS:
                if s.kind in tactics:
                    tactics[s.kind].append(s.message_index)
                else:
                    tactics[s.kind] = [s.message_index]
        level = _LEVELS.get(state.level)
        return Assessment(
            conversation_id=state.conversation_id,
            message_index=state.n_messages - 1,
            risk=state.risk,
            level=AlertLevel(state.level) if level is None else level,
            offender=state.offender,
            at_risk=state.at_risk,
            evidence=evidence,
            tactics=tactics,
            first_alert_index=state.first_alert_index,
            reasons=list(state.reasons),
            harm=state.harm,
        )


def _fold_cues(
    sender: ParticipantState, index: int, signals: MessageSignals
) -> dict[str, TacticEvidence]:
    """Record the message's cues; code words become the tactic their context gives them."""
    tactics = signals.tactics
    cues = signals.cues
    sender.care_messages += "care" in cues or "surprise" in cues
    if "surprise" in cues:
        sender.surprise_at = index
    for cue, ev in cues.items():
        if ev.score > sender.cue_max.get(cue, 0.0):
            sender.cue_max[cue] = ev.score
        explained = EXPLAINED_BY.get(cue)
        if explained is not None:
            tactics = _explained(tactics, explained)
        if cue == "exposure" and tactics.get("threat", _NO_EVIDENCE).score < ev.score:
            tactics = dict(tactics) if tactics is signals.tactics else tactics
            tactics["threat"] = TacticEvidence("threat", ev.score, ev.span, "context")
        meaning = CODE_WORDS.get(cue)
        if meaning is None:
            continue
        tactic, context = meaning
        seen = any(sender.tactic_max.get(t, 0.0) >= STRONG for t in context) or any(
            tactics[t].score >= STRONG for t in context if t in tactics
        )
        score = CODE_WORD_SCORE if seen else CODE_WORD_WEAK
        current = tactics.get(tactic)
        if current is None or current.score < score:
            tactics = dict(tactics) if tactics is signals.tactics else tactics
            tactics[tactic] = TacticEvidence(tactic, score, ev.span, "context")
    return tactics


def _explained_by_carer(
    sender: ParticipantState, tactics: dict[str, TacticEvidence]
) -> dict[str, TacticEvidence]:
    if sender.care_messages < CARER_SHARE * sender.n_messages:
        return tactics
    return _explained(tactics, EXPLAINED_BY["care"])


def _explain_earlier(sender: ParticipantState) -> None:
    """Once a sender talks like a carer, what the carer's role explains counts at
    ``EXPLAINED_FACTOR`` in the sender's record too: "is anyone home with you?" said before
    the logistics that showed who was asking. Idempotent (a halved value is below
    ``STRONG``); gifts, secrecy and dependency keep their weight, and a sender who already
    showed one of them strongly (a tutor who asks to keep the lessons between them) has
    nothing explained after the fact."""
    if sender.care_messages < CARER_SHARE * sender.n_messages:
        return
    record = sender.tactic_max
    if any(record.get(t, 0.0) >= STRONG for t in NEVER_EXPLAINED):
        return
    for tactic in EXPLAINED_BY["care"]:
        score = record.get(tactic, 0.0)
        if score >= STRONG:
            record[tactic] = score * EXPLAINED_FACTOR


def _explained(
    tactics: dict[str, TacticEvidence], names: tuple[str, ...]
) -> dict[str, TacticEvidence]:
    """``tactics`` with the strong ones among ``names`` at ``EXPLAINED_FACTOR`` (a new dict
    when anything changes: the analyser's own dict is never modified)."""
    out = tactics
    for tactic in names:
        found = tactics.get(tactic)
        if found is not None and found.score >= STRONG:
            out = dict(out) if out is tactics else out
            score = found.score * EXPLAINED_FACTOR
            out[tactic] = TacticEvidence(tactic, score, found.span, found.source)
    return out


def sextortion_pattern(p: ParticipantState) -> bool:
    """Leverage over an image (real or claimed) turned into a threat or a demand.

    Leverage (an image or recording held, real or claimed) with a demand, a threat to expose
    or any threat; leverage that is a threat by itself (a faked image, a recorded call, the
    child's followers gathered); a demand (money, gift cards, "another one") with a threat to
    expose (to friends, family, school, followers) or any threat; or a threat to expose with
    a threat and a deadline. Each part alone is ordinary (friends owe each other money, games have
    deadlines, bullies spread videos)."""
    cues, tactics = p.cue_max, p.tactic_max
    leverage = cues.get("leverage", 0.0) >= STRONG
    demand = cues.get("demand", 0.0) >= STRONG
    exposure = cues.get("exposure", 0.0) >= STRONG
    threat = tactics.get("threat", 0.0) >= STRONG
    if leverage and (demand or exposure or threat):
        return True
    # Leverage that can only be a threat: an image faked or a call recorded, an account
    # hacked, the child's followers or contacts gathered (weight 0.9 in the lexicons).
    if cues.get("leverage", 0.0) >= FORCED_LEVERAGE:
        return True
    if demand and (exposure or threat):
        return True
    # Leverage with a deadline ("i have your pics. you've got two hours"), and a threat to
    # show the child's people what this same sender asked the child for (a fake profile that
    # swapped pictures, then "your whole school sees the first one").
    if leverage and cues.get("deadline", 0.0) >= STRONG:
        return True
    if exposure and tactics.get("image_request", 0.0) >= STRONG:
        return True
    # A deadline alone is everyday ("hand it in before tomorrow"): only with a threat.
    return cues.get("deadline", 0.0) >= STRONG and threat and exposure


def disguised_adult(state: ConversationState, p: ParticipantState) -> bool:
    """An account with a minor's declared or stated age whose adult life shows through, using
    severe tactics on a minor (see ``DISGUISED_ADULT_LIFE``)."""
    if not p.adult_life() or p.verified_age is not None:
        return False
    claims_minor = (p.declared_age is not None and p.declared_age < ADULT) or any(
        a < ADULT for a in p.stated_ages
    )
    if not claims_minor:
        return False
    severe = sum(1 for t in SEVERE if p.tactic_max.get(t, 0.0) >= STRONG)
    if severe < (1 if p.adult_evidence >= DISGUISED_ADULT_LIFE else 2):
        return False
    target = target_for(state, p.id)
    age = target.estimated_age() if target is not None else None
    return age is not None and age < ADULT


def harm_of(tactic_max: dict[str, float]) -> str:
    """Criminal exploitation when its own tactics outweigh sexual grooming's own, else
    grooming (sextortion is named by its own pattern, :func:`sextortion_pattern`).

    Exploitation needs at least one strong sign of its own (an offer beside a gift, which a
    groomer makes too, is not enough), so one loose "easy money" does not relabel a grooming
    chat; a tie stays with grooming, the harm the engine was first built and
    measured for.
    """
    cce = sum(s for t, s in tactic_max.items() if t in _CCE and s >= STRONG)
    grooming = sum(s for t, s in tactic_max.items() if t in _GROOMING_ONLY)
    grooming += GROOMING_LEANING_WEIGHT * sum(tactic_max.get(t, 0.0) for t in GROOMING_LEANING)
    strong = [t for t in CCE_TACTICS if tactic_max.get(t, 0.0) >= STRONG]
    # An offer alone names exploitation only in a lexicon's strong words ("a money thing for
    # you", "proper money"); a looser one may be a groomer's gift ("$50 spending money"), and
    # then a task, a work phone, a debt or belonging must come with it.
    offer_only = strong == ["money_offer"] and tactic_max["money_offer"] < OFFER_ALONE
    if cce > grooming and strong and not offer_only:
        return Harm.CRIMINAL_EXPLOITATION.value
    return Harm.GROOMING.value


_CCE = frozenset(CCE_TACTICS)
_CCE_HARM = Harm.CRIMINAL_EXPLOITATION.value
OFFER_ALONE = 0.8
_GROOMING_ONLY = frozenset(GROOMING_ONLY)


def _excerpt(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return text[:120]
    start, end = span
    return text[max(0, start) : min(len(text), end)][:200]
