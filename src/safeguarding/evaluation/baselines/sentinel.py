"""Contrastive nearest-neighbour baseline in the style of Roblox Sentinel (own implementation).

Each message is embedded and compared with a positive (grooming-indicator) and a negative
(everyday chat) exemplar set. Message score, as Sentinel describes it::

    score = max(0, log(mean(exp(top-5 sims to positives)) / mean(exp(top-5 sims to negatives))))

with scores below 0.1 set to 0. A user's recent messages (``window``) are aggregated by the
skewness statistic (mean - median) / std, which is 0 below ``min_messages`` (10) messages:
Sentinel looks for a few sharp spikes in otherwise ordinary talk, and by design it cannot
speak about a user before their tenth message. A conversation alerts at the first message
after which some user's aggregate exceeds ``threshold`` (default 0.5, i.e. roughly two strong
spikes among ten messages); that user is the offender guess.
"""

from __future__ import annotations

import json
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Protocol

import numpy as np

from safeguarding.domain import Conversation
from safeguarding.evaluation.metrics import Prediction

TOP_K = 5
MIN_SCORE = 0.1


class Embedder(Protocol):
    """The interface of ``safeguarding.signals.embedding``: unit-norm vectors."""

    def embed(self, text: str) -> np.ndarray: ...

    def embed_many(self, texts: Sequence[str]) -> np.ndarray: ...


def load_exemplars() -> tuple[list[str], list[str]]:
    """The bundled positive and negative exemplar lines (data/sentinel_exemplars.json)."""
    ref = resources.files("safeguarding.evaluation.baselines").joinpath(
        "data/sentinel_exemplars.json"
    )
    data = json.loads(ref.read_text(encoding="utf-8"))
    return list(data["positive"]), list(data["negative"])


def _default_embedder() -> Embedder:
    try:
        from safeguarding.signals.embedding import default_embedder
    except ImportError as exc:  # the embedding stage is optional for this baseline
        raise RuntimeError(
            "the sentinel baseline needs safeguarding.signals.embedding.default_embedder()"
        ) from exc
    embedder: Embedder = default_embedder()
    return embedder


def skewness(scores: Sequence[float], min_messages: int = 10) -> float:
    """Sentinel's aggregate (mean - median) / std; 0 under ``min_messages`` or with no spread."""
    if len(scores) < min_messages:
        return 0.0
    std = statistics.pstdev(scores)
    if std == 0:
        return 0.0
    return (statistics.fmean(scores) - statistics.median(scores)) / std


def _mean_exp_top_k(sims: np.ndarray, k: int) -> np.ndarray:
    k = min(k, sims.shape[1])
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    result: np.ndarray = np.exp(top).mean(axis=1)
    return result


class SentinelBaseline:
    """Per-message contrastive scores, per-user skewness, alert over ``threshold``."""

    name = "sentinel"

    def __init__(
        self,
        embedder: Embedder | None = None,
        positives: Sequence[str] | None = None,
        negatives: Sequence[str] | None = None,
        threshold: float = 0.5,
        window: int = 50,
        min_messages: int = 10,
    ) -> None:
        if positives is None or negatives is None:
            default_pos, default_neg = load_exemplars()
            positives = default_pos if positives is None else positives
            negatives = default_neg if negatives is None else negatives
        self.embedder = embedder if embedder is not None else _default_embedder()
        self.positive_vectors = np.asarray(self.embedder.embed_many(list(positives)), float)
        self.negative_vectors = np.asarray(self.embedder.embed_many(list(negatives)), float)
        self.threshold = threshold
        self.window = window
        self.min_messages = min_messages

    def message_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Contrastive score of each text against the exemplar sets."""
        if not texts:
            return np.zeros(0)
        vectors = np.asarray(self.embedder.embed_many(list(texts)), float)
        pos = _mean_exp_top_k(vectors @ self.positive_vectors.T, TOP_K)
        neg = _mean_exp_top_k(vectors @ self.negative_vectors.T, TOP_K)
        scores = np.maximum(0.0, np.log(pos / neg))
        scores[scores < MIN_SCORE] = 0.0
        return scores

    def predict(self, conversation: Conversation) -> Prediction:
        scores = self.message_scores([m.text for m in conversation.messages])
        recent: dict[str, deque[float]] = {}
        alert_at: int | None = None
        offender: str | None = None
        peak = 0.0
        for i, (message, score) in enumerate(zip(conversation.messages, scores, strict=True)):
            history = recent.setdefault(message.sender, deque(maxlen=self.window))
            history.append(float(score))
            aggregate = skewness(list(history), self.min_messages)
            peak = max(peak, aggregate)
            if alert_at is None and aggregate > self.threshold:
                alert_at = i
                offender = message.sender
        return Prediction(
            conversation_id=conversation.id,
            alert=alert_at is not None,
            alert_at=alert_at,
            risk=min(1.0, peak),
            offender=offender,
        )

    def __call__(self, conversations: Iterable[Conversation]) -> list[Prediction]:
        return [self.predict(c) for c in conversations]
