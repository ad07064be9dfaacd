"""Baselines on tiny fixtures: each rule fires where its documentation says it does."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from safeguarding.evaluation.baselines.keyword import KeywordBaseline
from safeguarding.evaluation.baselines.profanity import ProfanityBaseline
from safeguarding.evaluation.baselines.sentinel import (
    SentinelBaseline,
    load_exemplars,
    skewness,
)
from safeguarding.evaluation.metrics import evaluate
from safeguarding.evaluation.systems import BASELINES, expand_baselines, get_system


def test_keyword_alerts_at_the_second_distinct_phrase(make_conversation) -> None:
    conv = make_conversation(
        "g1",
        "grooming",
        texts=["hi", "hey", "Don't tell your parents ok", "ok", "add me on snap", "sure"],
    )
    [prediction] = KeywordBaseline()([conv])
    assert prediction.alert and prediction.alert_at == 4
    assert prediction.offender == "a"


def test_keyword_one_phrase_or_a_repeat_is_not_enough(make_conversation) -> None:
    conv = make_conversation("b1", texts=["my snapchat is down", "lol", "snapchat again", "ok"])
    [prediction] = KeywordBaseline()([conv])
    assert not prediction.alert and prediction.alert_at is None


def test_keyword_matching_ignores_case_accents_and_needs_whole_words() -> None:
    baseline = KeywordBaseline()
    assert baseline.hits("¿DÓNDE VIVES?") == {"donde vives"}
    assert baseline.hits("Wo wohnst du") == {"wo wohnst du"}
    assert "kik" not in baseline.hits("that was a kick flip")


def test_profanity_rule_alerts_at_first_message_over_threshold(make_conversation) -> None:
    conv = make_conversation("b1", texts=["hello", "you idiot", "sorry", "idiot again"])

    def fake_scorer(texts: Sequence[str]) -> list[float]:
        return [0.9 if "idiot" in t else 0.1 for t in texts]

    [prediction] = ProfanityBaseline(scorer=fake_scorer)([conv])
    assert (prediction.alert, prediction.alert_at, prediction.offender) == (True, 1, "b")
    assert prediction.risk == pytest.approx(0.9)


def test_profanity_with_the_real_model_misses_polite_grooming(make_conversation) -> None:
    rude = make_conversation("b1", texts=["hi", "shut up you stupid idiot"])
    polite = make_conversation(
        "g1", "grooming", texts=["hi", "you seem mature", "add me on snap", "are your parents home"]
    )
    rude_p, polite_p = ProfanityBaseline()([rude, polite])
    assert rude_p.alert and rude_p.alert_at == 1
    assert not polite_p.alert


class AxisEmbedder:
    """Fake embedder: texts mentioning 'secret' point one way, everything else the other."""

    def embed(self, text: str) -> np.ndarray:
        return np.array([1.0, 0.0]) if "secret" in text else np.array([0.0, 1.0])

    def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.embed(t) for t in texts]).reshape(len(texts), 2)


def _sentinel() -> SentinelBaseline:
    return SentinelBaseline(
        embedder=AxisEmbedder(),
        positives=["secret one", "secret two"],
        negatives=["hello", "gg", "lol"],
    )


def test_sentinel_message_scores_follow_the_contrastive_formula() -> None:
    scores = _sentinel().message_scores(["our secret", "good game"])
    # secret: sims + = 1, sims - = 0 -> log(e / 1) = 1; other: log(1 / e) < 0 -> 0
    assert scores[0] == pytest.approx(1.0)
    assert scores[1] == 0.0


def test_skewness_is_zero_under_ten_messages_and_without_spread() -> None:
    assert skewness([1.0, 0.0, 0.0]) == 0.0
    assert skewness([1.0] * 12) == 0.0
    # 3 spikes in 10: mean 0.3, median 0, std sqrt(0.21)
    assert skewness([1.0] * 3 + [0.0] * 7) == pytest.approx(0.3 / 0.21**0.5)


def test_sentinel_alerts_only_once_a_user_has_ten_messages(make_conversation) -> None:
    a_lines = ["secret"] * 3 + ["hello"] * 9
    texts = [line for pair in zip(a_lines, ["ok"] * 12, strict=True) for line in pair]
    conv = make_conversation("g1", "grooming", texts=texts)
    [prediction] = _sentinel()([conv])
    # a's 10th message is message 18: 3 spikes of 10 -> 0.65 > 0.5
    assert (prediction.alert, prediction.alert_at, prediction.offender) == (True, 18, "a")

    early = make_conversation("g2", "grooming", texts=texts[:17])
    [silent] = _sentinel()([early])
    assert not silent.alert


def test_bundled_exemplars_cover_several_languages() -> None:
    positives, negatives = load_exemplars()
    assert len(positives) >= 30 and len(negatives) >= 30
    assert any("foto" in p for p in positives) and any("photo" in p for p in positives)
    assert not set(positives) & set(negatives)


def test_registry_builds_baselines_and_rejects_unknown_names(make_conversation) -> None:
    assert expand_baselines(["keyword", "all", "keyword"]) == list(BASELINES)
    with pytest.raises(KeyError, match="unknown system"):
        get_system("nope")
    conversations = [
        make_conversation("g1", "grooming", texts=["don't tell anyone", "send me a pic"]),
        make_conversation("b1", texts=["gg", "lol"]),
    ]
    report = evaluate(conversations, get_system("keyword")(iter(conversations)), "keyword")
    assert (report.tp, report.fp, report.fn, report.tn) == (1, 0, 0, 1)
