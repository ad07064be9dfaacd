"""The conversation-level measures of DATASPEC.md, as pure functions over predictions.

Every system under evaluation (the engine or a baseline) is reduced to one
:class:`Prediction` per conversation, so the same arithmetic scores them all and a
side-by-side table compares like with like. Ground truth comes only from
:class:`~safeguarding.domain.Conversation` fields that detectors never read.

Undefined ratios (a precision with no alerts, a recall with no grooming conversations) are
``None`` rather than 0, so a report never claims a number that was not measured.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from safeguarding.domain import Conversation

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


@dataclass(slots=True)
class CategoryStats:
    label: str  # grooming | benign
    count: int
    alerted: int
    messages: int
    recall: float | None = None  # grooming categories
    false_alert_rate: float | None = None  # benign categories: alerted / count


@dataclass(slots=True)
class LocaleStats:
    count: int
    grooming: int
    alerted: int
    precision: float | None
    recall: float | None
    f05: float | None


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
    benign: int
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
        if conv.is_grooming:
            if pred.alert:
                tp += 1
                at = _alert_index(conv, pred)
                messages_read.append(at + 1)
                if conv.first_alert_index is not None:
                    delays.append(at - conv.first_alert_index)
                if conv.offender is not None and pred.offender is not None:
                    offender_known += 1
                    offender_hits += pred.offender == conv.offender
            else:
                fn += 1
                missed.append(conv.id)
        else:
            benign_messages += len(conv.messages)
            if pred.alert:
                fp += 1
                false_alerts.append(conv.id)
            else:
                tn += 1

    f1 = f_beta(tp, fp, fn, 1.0)
    spd = speed(messages_read)
    # no grooming found: F1 is 0 and so is its latency-weighted version
    latency_f1 = None if f1 is None else f1 * (spd if spd is not None else 0.0)
    per_10k = ratio(fp * 10_000, benign_messages)

    return EvaluationReport(
        system=system,
        conversations=len(conversations),
        grooming=tp + fn,
        benign=fp + tn,
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
        grooming = all(c.is_grooming for c in members)
        out[name] = CategoryStats(
            label="grooming" if grooming else "benign",
            count=len(members),
            alerted=alerted,
            messages=sum(len(c.messages) for c in members),
            recall=ratio(alerted, len(members)) if grooming else None,
            false_alert_rate=None if grooming else ratio(alerted, len(members)),
        )
    return out


def by_locale(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction]
) -> dict[str, LocaleStats]:
    """Precision, recall and F0.5 per locale, so non-English recall is visible on its own."""
    groups: dict[str, list[Conversation]] = {}
    for conv in conversations:
        groups.setdefault(conv.locale or "unknown", []).append(conv)
    out: dict[str, LocaleStats] = {}
    for name in sorted(groups):
        members = groups[name]
        tp = sum(c.is_grooming and by_id[c.id].alert for c in members)
        fp = sum((not c.is_grooming) and by_id[c.id].alert for c in members)
        grooming = sum(c.is_grooming for c in members)
        out[name] = LocaleStats(
            count=len(members),
            grooming=grooming,
            alerted=tp + fp,
            precision=ratio(tp, tp + fp),
            recall=ratio(tp, grooming),
            f05=f_beta(tp, fp, grooming - tp, 0.5),
        )
    return out


def variant_stats(
    conversations: Sequence[Conversation], by_id: dict[str, Prediction]
) -> VariantStats:
    """Recall on obfuscated copies against recall on the plain originals they were made from.

    Only copies whose original is in the corpus are compared. The plain set holds each such
    original once, however many copies it has.
    """
    by_conv_id = {c.id: c for c in conversations}
    copies = [c for c in conversations if c.variant_of is not None]
    paired = [c for c in copies if c.variant_of in by_conv_id]
    grooming_copies = [c for c in paired if c.is_grooming]
    benign_copies = [c for c in paired if not c.is_grooming]
    plain_ids = sorted({c.variant_of for c in grooming_copies if c.variant_of is not None})
    benign_plain_ids = sorted({c.variant_of for c in benign_copies if c.variant_of is not None})

    caught_plain = sum(by_id[i].alert for i in plain_ids)
    caught_copies = sum(by_id[c.id].alert for c in grooming_copies)
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
        if c.variant_of is not None and by_id[c.variant_of].alert and not by_id[c.id].alert
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
