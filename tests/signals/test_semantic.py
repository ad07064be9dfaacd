"""Semantic scores of messages against the exemplars: the per-message path (one reduction
over all similarities) against the plain definition."""

from __future__ import annotations

import numpy as np
import pytest

from safeguarding.signals.embedding import StaticEmbedder
from safeguarding.signals.semantic import ExemplarIndex

WORDS = ["secret", "tell", "photo", "send", "game", "school", "home", "alone"]


@pytest.fixture
def embedder() -> StaticEmbedder:
    rng = np.random.default_rng(3)
    return StaticEmbedder({w: i for i, w in enumerate(WORDS)}, rng.random((len(WORDS), 4)))


def plain_scores(
    embedder: StaticEmbedder, tactics: dict[str, list[str]], benign: list[str], text: str
) -> tuple[dict[str, float], float] | None:
    vector = embedder.embed(text)
    if not vector.any():
        return None
    best = {
        t: max(float(embedder.embed(line) @ vector) for line in lines)
        for t, lines in tactics.items()
    }
    sims = [float(embedder.embed(line) @ vector) for line in benign]
    return best, max(sims) if sims else 0.0


TACTICS = {
    "isolation_secrecy": ["secret tell", "home alone"],
    "image_request": ["send photo"],
    "gifts": ["game", "game send", "send"],
}


@pytest.mark.parametrize("benign", [["school game", "school"], []])
@pytest.mark.parametrize("text", ["secret photo", "game school home", "tell", "zzz", ""])
def test_scores_are_the_best_similarity_per_tactic_and_benign(
    embedder: StaticEmbedder, benign: list[str], text: str
) -> None:
    index = ExemplarIndex(embedder, TACTICS, benign)
    scores = index.score(text)
    expected = plain_scores(embedder, TACTICS, benign, text)
    if expected is None:
        assert scores is None
        return
    assert scores is not None
    tactic_similarity, benign_similarity = expected
    assert list(scores.tactic_similarity) == list(TACTICS)
    assert scores.tactic_similarity == pytest.approx(tactic_similarity, abs=1e-6)
    assert scores.benign_similarity == pytest.approx(benign_similarity, abs=1e-6)
    assert all(type(v) is float for v in scores.tactic_similarity.values())
    assert type(scores.benign_similarity) is float


def test_packaged_index_scores_a_message() -> None:
    scores = ExemplarIndex.from_package().score("dont tell anyone about us, its our secret")
    assert scores is not None
    assert max(scores.tactic_similarity, key=scores.tactic_similarity.__getitem__) == (
        "isolation_secrecy"
    )
