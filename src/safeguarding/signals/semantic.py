"""Semantic similarity of a message to tactic exemplars (static cross-lingual embeddings).

Lexicons catch the wording someone anticipated; this catches paraphrases and other
languages. For every tactic the score is the best cosine similarity to its exemplars, taken
relative to the best similarity to everyday benign lines, so that generic chat that is close
to everything does not look like a tactic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

from safeguarding.domain import Tactic
from safeguarding.signals.embedding import StaticEmbedder, default_embedder


@dataclass(frozen=True, slots=True)
class SemanticScores:
    """Per-tactic best similarity, the best benign similarity and the text's coverage."""

    tactic_similarity: dict[str, float]
    benign_similarity: float

    def margin(self, tactic: str) -> float:
        return self.tactic_similarity.get(tactic, 0.0) - self.benign_similarity


class ExemplarIndex:
    """Unit vectors of the exemplars, grouped by tactic, for one matrix product a message."""

    def __init__(self, embedder: StaticEmbedder, tactics: dict[str, list[str]], benign: list[str]):
        known = {t.value for t in Tactic}
        unknown = set(tactics) - known
        if unknown:
            raise ValueError(f"exemplars name unknown tactics: {sorted(unknown)}")
        self._embedder = embedder
        self._names: list[str] = []
        rows: list[np.ndarray] = []
        starts: list[int] = []
        for tactic, lines in tactics.items():
            starts.append(len(rows))
            self._names.append(tactic)
            rows.extend(embedder.embed(line) for line in lines)
        self._benign_start = len(rows)
        rows.extend(embedder.embed(line) for line in benign)
        self._matrix = np.vstack(rows).astype(np.float32)
        # Segment starts for one ``maximum.reduceat`` over all similarities: one segment per
        # tactic, then the benign lines as the last segment (when there are any).
        self._has_benign = len(rows) > self._benign_start
        self._starts = np.array(
            starts + ([self._benign_start] if self._has_benign else []), dtype=np.intp
        )

    @classmethod
    def from_package(cls) -> ExemplarIndex:
        return _packaged_index()

    def score(self, normalised_text: str) -> SemanticScores | None:
        """Similarities for one normalised message; ``None`` when no word is known."""
        vector = self._embedder.embed_known(normalised_text)
        if vector is None:
            return None
        sims = self._matrix @ vector
        best: list[float] = np.maximum.reduceat(sims, self._starts).tolist()
        benign = best.pop() if self._has_benign else 0.0
        return SemanticScores(
            tactic_similarity=dict(zip(self._names, best, strict=True)),
            benign_similarity=benign,
        )


@cache
def _packaged_index() -> ExemplarIndex:
    text = (resources.files("safeguarding.signals") / "exemplars.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    return ExemplarIndex(default_embedder(), doc["tactics"], doc["benign"])
