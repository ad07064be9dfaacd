"""Registry of the systems ``safeguarding eval`` can score: the engine and the baselines.

A system is any callable taking conversations and returning one
:class:`~safeguarding.evaluation.metrics.Prediction` each. Systems consume their input lazily,
one conversation at a time, so a caller can wrap the iterable in a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from safeguarding.domain import Conversation
from safeguarding.evaluation.metrics import Prediction

System = Callable[[Iterable[Conversation]], list[Prediction]]

BASELINES = ("keyword", "profanity", "sentinel")


def engine_system(model_path: Path | None = None) -> System:
    """The streaming engine; ``alert_at`` is the message after which it first alerted.

    ``model_path`` scores another risk model file than the bundled one.
    """
    from safeguarding.risk.engine import Engine  # late: the engine loads its bundled model

    engine = Engine.default()
    if model_path is not None:
        from safeguarding.risk.model import RiskModel

        engine = Engine(RiskModel.load(model_path), engine.analyser)

    def run(conversations: Iterable[Conversation]) -> list[Prediction]:
        predictions = []
        for result in engine.scan(conversations):
            assessment = result.assessment
            risks = list(result.risks or [])
            predictions.append(
                Prediction(
                    conversation_id=result.conversation.id,
                    alert=result.alert_at is not None,
                    alert_at=result.alert_at,
                    risk=max(risks) if risks else (assessment.risk if assessment else 0.0),
                    offender=assessment.offender if assessment else None,
                    harm=assessment.harm if assessment else None,
                )
            )
        return predictions

    return run


def _keyword() -> System:
    from safeguarding.evaluation.baselines.keyword import KeywordBaseline

    return KeywordBaseline()


def _profanity() -> System:
    from safeguarding.evaluation.baselines.profanity import ProfanityBaseline

    return ProfanityBaseline()


def _sentinel() -> System:
    from safeguarding.evaluation.baselines.sentinel import SentinelBaseline

    return SentinelBaseline()


#: name -> factory; tests and plug-ins may add entries
FACTORIES: dict[str, Callable[[], System]] = {
    "engine": engine_system,
    "keyword": _keyword,
    "profanity": _profanity,
    "sentinel": _sentinel,
}


def system_names() -> list[str]:
    return list(FACTORIES)


def get_system(name: str) -> System:
    """Build the named system; raises ``KeyError`` with the known names otherwise."""
    try:
        factory = FACTORIES[name]
    except KeyError:
        raise KeyError(f"unknown system {name!r}; known: {', '.join(FACTORIES)}") from None
    return factory()


def expand_baselines(names: Iterable[str]) -> list[str]:
    """Resolve ``all`` and drop repeats, keeping the order given."""
    out: list[str] = []
    for name in names:
        for resolved in BASELINES if name == "all" else (name,):
            if resolved not in out:
                out.append(resolved)
    return out
