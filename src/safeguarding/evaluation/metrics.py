"""The conversation-level measures of DATASPEC.md, as pure functions over predictions.

Every system under evaluation (the engine or a baseline) is reduced to one
:class:`Prediction` per conversation, so the same arithmetic scores them all and a
side-by-side table compares like with like. Ground truth comes only from
:class:`~safeguarding.domain.Conversation` fields that detectors never read.

Undefined ratios (a precision with no alerts, a recall with no grooming conversations) are
``None`` rather than 0, so a report never claims a number that was not measured.

Two harms are scored, each as its own label: ``grooming`` (categories grooming and
sextortion) and ``criminal_exploitation``. An alert counts for the harm the system named
(``Prediction.harm``; a system that names none is read as grooming), so a grooming alert on an
exploitation chat is a grooming false alert and an exploitation miss. False alerts per 10k
count any alert on a benign conversation.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from safeguarding.domain import Conversation, Harm

GROOMING = "grooming"
EXPLOITATION = Harm.CRIMINAL_EXPLOITATION.value
HARM_LABELS = (GROOMING, EXPLOITATION)

#: Vogt, Leser & Akbik (ACL 2021): the penalty reaches 0.5 after 90 messages.
LATENCY_P = math.log(3) / 89


@dataclass(frozen=True, slots=True)
class Prediction:
    """What one system said about one conversation.

    ``alert_at`` is the 0-based index of the message after which the first alert fired
    (streaming); ``None`` on an alerted conversation means the system only judged the whole
    conversation, which the latency measures count as having read every message.
    """

    conversation_id: str
    alert: bool
    alert_at: int | None = None
    risk: float = 0.0
    offender: str | None = None
    harm: str | None = None  # the harm the system named; ``None`` reads as grooming

    @property
    def label(self) -> str | None:
        """The corpus label this prediction claims: a harm when alerted, else ``None``."""
        if not self.alert:
            return None
        return EXPLOITATION if self.harm == EXPLOITATION else GROOMING


@dataclass(slots=True)
class CategoryStats:
    label: str  # grooming | criminal_exploitation | benign
    count: int
    alerted: int
    messages: int
    recall: float | None = None  # harm categories: alerted with the right harm / count
    false_alert_rate: float | None = None  # benign categories: alerted / count
    harms: dict[str, int] = field(default_factory=dict)  # harm named -> alerts


@dataclass(slots=True)
class HarmStats:
    """Precision, recall and F of one harm label, with the ids behind them."""

    count: int  # conversations with this label
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    f05: float | None
    median_alert_delay: float | None
    missed: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LocaleStats:
    """Per locale, over both harms: an alert is right when it names the chat's harm."""

    count: int
    grooming: int
    alerted: int
    precision: float | None
    recall: float | None
    f05: float | None
    exploitation: int = 0


@dataclass(slots=True)
class VariantStats:
    """Plain originals versus their obfuscated copies (``variant_of``)."""

    pairs: int  # obfuscated copies whose original is in the corpus
    unpaired: int  # obfuscated copies whose original is missing; left out
    plain: int  # distinct grooming originals
    obfuscated: int  # grooming copies
    recall_plain: float | None
    recall_obfuscated: float | None
    recall_drop: float | None  # recall_plain - recall_obfuscated
    lost: list[str] = field(default_factory=list)  # copies missed whose original was caught
    benign_plain: int = 0
    benign_obfuscated: int = 0
    false_alerts_plain: int = 0
    false_alerts_obfuscated: int = 0


@dataclass(slots=True)
class EvaluationReport:
    """All measures for one system on one set of conversations."""

    system: str
    conversations: int
    grooming: int
    benign: int  # neither harm; ``fp``/``tn`` count every conversation that is not grooming
    messages: int
    benign_messages: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None
    recall: float | None
    f1: float | None
    f05: float | None
    speed: float | None
    latency_f1: float | None
    median_alert_delay: float | None
    false_alerts_per_10k: float | None
    offender_accuracy: float | None
    by_category: dict[str, CategoryStats]
    by_locale: dict[str, LocaleStats]
    variants: VariantStats
    missed: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)
    by_harm: dict[str, HarmStats] = field(default_factory=dict)
    alert_harms: dict[str, str] = field(default_factory=dict)  # alerted id -> harm named

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the DATASPEC keys first, then counts and the lists to inspect."""
        raw = asdict(self)
        head = [
            "precision",
            "recall",
            "f1",
            "f05",
            "latency_f1",
            "median_alert_delay",
            "false_alerts_per_10k",
            "by_category",
            "by_locale",
            "variants",
            "by_harm",
        ]
        out = {key: raw[key] for key in head}
        out.update({key: value for key, value in raw.items() if key not in out})
        return _rounded(out)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


# --- elementary measures -------------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def f_beta(tp: int, fp: int, fn: int, beta: float) -> float | None:
    """F-beta from counts; ``None`` when there is nothing to find (no positives)."""
    if tp + fn == 0:
        return None
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)


def latency_penalty(messages_read: int) -> float:
    """Vogt et al. 2021: 0 after one message, rising to 1; ``messages_read`` = alert_at + 1."""
    return -1 + 2 / (1 + math.exp(-LATENCY_P * (messages_read - 1)))


def speed(messages_read: Iterable[int]) -> float | None:
    """1 - median penalty over the detected grooming conversations; ``None`` if none."""
    penalties = [latency_penalty(d) for d in messages_read]
    return 1 - statistics.median(penalties) if penalties else None


# --- the report ----------------------------------------------------------------------------


def _alert_index(conversation: Conversation, prediction: Prediction) -> int:
    """Index of the first alert; a whole-conversation verdict counts as the last message."""
    if prediction.alert_at is not None:
        return prediction.alert_at
    return max(len(conversation.messages) - 1, 0)


def index_predictions(
    conversations: Sequence[Conversation], predictions: Iterable[Prediction]
) -> dict[str, Prediction]:
    """Map conversation id to prediction; every conversation must have exactly one."""
    by_id: dict[str, Prediction] = {}
    for p in predictions:
        if p.conversation_id in by_id:
            raise ValueError(f"two predictions for conversation {p.conversation_id!r}")
        by_id[p.conversation_id] = p
    missing = [c.id for c in conversations if c.id not in by_id]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} conversation(s), e.g. {missing[0]!r}")
    return by_id


def evaluate(
    conversations: Sequence[Conversation],
    predictions: Iterable[Prediction],
    system: str = "engine",
) -> EvaluationReport:
    """Score one system's predictions against the corpus ground truth (DATASPEC.md)."""
    ids = [c.id for c in conversations]
    if len(set(ids)) != len(ids):
        raise ValueError("conversation ids must be unique")
    by_id = index_predictions(conversations, predictions)

    tp = fp = fn = tn = 0
    messages_read: list[int] = []
    delays: list[int] = []
    offender_hits = offender_known = 0
    missed: list[str] = []
    false_alerts: list[str] = []
    benign_messages = 0
    for conv in conversations:
        pred = by_id[conv.id]
        if conv.is_harm:
            caught = pred.label == conv.label
            if caught and conv.offender is not None and pred.offender is not None:
                offender_known += 1
                offender_hits += pred.offender == conv.offender
        else:
            benign_messages += len(conv.messages)
            if pred.alert:
                false_alerts.append(conv.id)
        if conv.is_grooming:
            if pred.label == GROOMING:
                tp += 1
                at = _alert_index(conv, pred)
                messages_read.append(at + 1)
                if conv.first_alert_index is not None:
                    delays.append(at - conv.first_alert_index)
            else:
                fn += 1
                missed.append(conv.id)
        elif pred.label == GROOMING:
            fp += 1
        else:
            tn += 1

    f1 = f_beta(tp, fp, fn, 1.0)
    spd = speed(messages_read)
    # no grooming found: F1 is 0 and so is its latency-weighted version
    latency_f1 = None if f1 is None else f1 * (spd if spd is not None else 0.0)
    per_10k = ratio(len(false_alerts) * 10_000, benign_messages)

    return EvaluationReport(
        system=system,
        conversations=len(conversations),
        grooming=tp + fn,
        benign=sum(not c.is_harm for c in conversations),
        messages=sum(len(c.messages) for c in conversations),
        benign_messages=benign_messages,
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        precision=ratio(tp, tp + fp),
        recall=ratio(tp, tp + fn),
        f1=f1,
        f05=f_beta(tp, fp, fn, 0.5),
        speed=spd,
        latency_f1=latency_f1,
        median_alert_delay=float(statistics.median(delays)) if delays else None,
        false_alerts_per_10k=per_10k,
        offender_accuracy=ratio(offender_hits, offender_known),
        by_category=by_category(conversations, by_id),
        by_locale=by_locale(conversations, by_id),
        variants=variant_stats(conversations, by_id),
        missed=missed,
        false_alerts=false_alerts,
        by_harm={label: harm_stats(conversations, by_id, label) for label in HARM_LABELS},
        alert_harms={
            c.id: by_id[c.id].label or GROOMING for c in conversations if by_id[c.id].alert
        },
    )


def harm_stats(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction], label: str
) -> HarmStats:
    """The measures of one harm label: an alert counts when it names that harm."""
    tp = fp = fn = 0
    delays: list[int] = []
    missed: list[str] = []
    false_alerts: list[str] = []
    for conv in conversations:
        pred = by_id[conv.id]
        named = pred.label == label
        if conv.label == label:
            if named:
                tp += 1
                if conv.first_alert_index is not None:
                    delays.append(_alert_index(conv, pred) - conv.first_alert_index)
            else:
                fn += 1
                missed.append(conv.id)
        elif named:
            fp += 1
            false_alerts.append(conv.id)
    return HarmStats(
        count=tp + fn,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=ratio(tp, tp + fp),
        recall=ratio(tp, tp + fn),
        f1=f_beta(tp, fp, fn, 1.0),
        f05=f_beta(tp, fp, fn, 0.5),
        median_alert_delay=float(statistics.median(delays)) if delays else None,
        missed=missed,
        false_alerts=false_alerts,
    )


def by_category(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction]
) -> dict[str, CategoryStats]:
    """Count, alerted and recall (grooming) or false-alert rate (benign) per category."""
    groups: dict[str, list[Conversation]] = {}
    for conv in conversations:
        groups.setdefault(conv.category or "unknown", []).append(conv)
    out: dict[str, CategoryStats] = {}
    for name in sorted(groups):
        members = groups[name]
        alerted = sum(by_id[c.id].alert for c in members)
        labels = {c.label if c.is_harm and c.label else "benign" for c in members}
        label = labels.pop() if len(labels) == 1 else "mixed"
        harm = label in HARM_LABELS
        harms: dict[str, int] = {}
        for c in members:
            named = by_id[c.id].label
            if named is not None:
                harms[named] = harms.get(named, 0) + 1
        caught = sum(by_id[c.id].label == c.label for c in members)
        out[name] = CategoryStats(
            label=label,
            count=len(members),
            alerted=alerted,
            messages=sum(len(c.messages) for c in members),
            recall=ratio(caught, len(members)) if harm else None,
            false_alert_rate=None if harm else ratio(alerted, len(members)),
            harms=harms,
        )
    return out


def by_locale(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction]
) -> dict[str, LocaleStats]:
    """Precision, recall and F0.5 per locale over both harms, so non-English recall is
    visible on its own."""
    groups: dict[str, list[Conversation]] = {}
    for conv in conversations:
        groups.setdefault(conv.locale or "unknown", []).append(conv)
    out: dict[str, LocaleStats] = {}
    for name in sorted(groups):
        members = groups[name]
        alerted = [c for c in members if by_id[c.id].alert]
        tp = sum(by_id[c.id].label == c.label for c in alerted)
        fp = len(alerted) - tp
        harms = sum(c.is_harm for c in members)
        out[name] = LocaleStats(
            count=len(members),
            grooming=sum(c.is_grooming for c in members),
            alerted=len(alerted),
            precision=ratio(tp, tp + fp),
            recall=ratio(tp, harms),
            f05=f_beta(tp, fp, harms - tp, 0.5),
            exploitation=sum(c.is_exploitation for c in members),
        )
    return out


def variant_stats(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction]
) -> VariantStats:
    """Recall on obfuscated copies against recall on the plain originals they were made from.

    Only copies whose original is in the corpus are compared. The plain set holds each such
    original once, however many copies it has. Copies of either harm count; a copy is caught
    when the alert names its harm.
    """
    by_conv_id = {c.id: c for c in conversations}
    copies = [c for c in conversations if c.variant_of is not None]
    paired = [c for c in copies if c.variant_of in by_conv_id]
    grooming_copies = [c for c in paired if c.is_harm]
    benign_copies = [c for c in paired if not c.is_harm]
    labels = {c.id: c.label for c in conversations}

    def caught(cid: str) -> bool:
        return by_id[cid].label == labels[cid]

    plain_ids = sorted({c.variant_of for c in grooming_copies if c.variant_of is not None})
    benign_plain_ids = sorted({c.variant_of for c in benign_copies if c.variant_of is not None})

    caught_plain = sum(caught(i) for i in plain_ids)
    caught_copies = sum(caught(c.id) for c in grooming_copies)
    recall_plain = ratio(caught_plain, len(plain_ids))
    recall_copies = ratio(caught_copies, len(grooming_copies))
    drop = (
        recall_plain - recall_copies
        if recall_plain is not None and recall_copies is not None
        else None
    )
    lost = [
        c.id
        for c in grooming_copies
        if c.variant_of is not None and caught(c.variant_of) and not caught(c.id)
    ]
    return VariantStats(
        pairs=len(paired),
        unpaired=len(copies) - len(paired),
        plain=len(plain_ids),
        obfuscated=len(grooming_copies),
        recall_plain=recall_plain,
        recall_obfuscated=recall_copies,
        recall_drop=drop,
        lost=lost,
        benign_plain=len(benign_plain_ids),
        benign_obfuscated=len(benign_copies),
        false_alerts_plain=sum(by_id[i].alert for i in benign_plain_ids),
        false_alerts_obfuscated=sum(by_id[c.id].alert for c in benign_copies),
    )
