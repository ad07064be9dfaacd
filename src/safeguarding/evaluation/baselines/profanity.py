"""Generic profanity/toxicity filter baseline (alt-profanity-check).

Shows what an off-the-shelf abuse filter catches of grooming, which is mostly polite.
Rule: score every message with ``profanity_check.predict_prob``; a conversation alerts at the
first message whose probability exceeds ``threshold`` (default 0.5, the library's own
``predict`` cut-off). The offender guess is the sender of that message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from safeguarding.domain import Conversation
from safeguarding.evaluation.metrics import Prediction

Scorer = Callable[[Sequence[str]], Sequence[float]]


def _profanity_scorer() -> Scorer:
    from profanity_check import predict_prob  # imported late: it loads a pickled model

    def score(texts: Sequence[str]) -> Sequence[float]:
        return [float(p) for p in predict_prob(list(texts))] if texts else []

    return score


class ProfanityBaseline:
    """Alert at the first message a generic profanity classifier scores above ``threshold``."""

    name = "profanity"

    def __init__(self, scorer: Scorer | None = None, threshold: float = 0.5) -> None:
        self.scorer = scorer or _profanity_scorer()
        self.threshold = threshold

    def predict(self, conversation: Conversation, scores: Sequence[float]) -> Prediction:
        over = [i for i, s in enumerate(scores) if s > self.threshold]
        alert_at = over[0] if over else None
        return Prediction(
            conversation_id=conversation.id,
            alert=alert_at is not None,
            alert_at=alert_at,
            risk=max(scores, default=0.0),
            offender=conversation.messages[alert_at].sender if alert_at is not None else None,
        )

    def __call__(self, conversations: Iterable[Conversation]) -> list[Prediction]:
        predictions = []
        for conv in conversations:  # one batch a conversation keeps progress reporting live
            scores = [float(s) for s in self.scorer([m.text for m in conv.messages])]
            predictions.append(self.predict(conv, scores))
        return predictions
