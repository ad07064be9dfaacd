"""Static word embeddings: a message vector is the weighted mean of its word vectors.

The vectors are distilled offline from a multilingual sentence encoder (see
``scripts/build_embeddings.py``) and shipped as package data, so the run time needs numpy only,
downloads nothing, and embeds a chat message in microseconds.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from safeguarding.signals.embedding.tokenise import (
    APOSTROPHES,
    TOKEN_RE,
    fallback_keys,
    strip_accents,
    without_apostrophes,
)

DEFAULT_ARTEFACT = "static-multilingual.npz"
_MISS_CACHE_LIMIT = 50_000

Vector = npt.NDArray[np.float32]


class StaticEmbedder:
    """Maps text to a unit-length vector; texts with no known word map to the zero vector."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        vectors: npt.NDArray[np.floating[Any]],
        weights: npt.NDArray[np.floating[Any]] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        rows = np.asarray(vectors, dtype=np.float32)
        if weights is not None:
            rows = rows * np.asarray(weights, dtype=np.float32)[:, None]
        # Weights are folded into the rows once, so a message costs one gather and one sum.
        self._rows: Vector = np.ascontiguousarray(rows)
        self._vocabulary = _with_spelling_aliases(vocabulary)
        self._resolved: dict[str, tuple[int, ...]] = {}
        self.metadata: dict[str, Any] = dict(metadata or {})

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> StaticEmbedder:
        """The shipped embeddings (loaded once per process), or those stored at ``path``."""
        if path is None:
            return _load_default()
        with open(path, "rb") as handle:
            return cls._from_npz(handle)

    @classmethod
    def _from_npz(cls, handle: IO[bytes]) -> StaticEmbedder:
        with np.load(handle) as stored:
            words = stored["words"].tobytes().decode("utf-8").split("\n")
            metadata = json.loads(stored["metadata"].tobytes().decode("utf-8"))
            return cls(
                {word: row for row, word in enumerate(words)},
                stored["vectors"],
                stored["weights"],
                metadata,
            )

    # -- embedding ----------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return int(self._rows.shape[1])

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    def rows(self, text: str) -> list[int]:
        """Vocabulary rows of the words in ``text``; unknown words are skipped."""
        vocabulary = self._vocabulary
        found: list[int] = []
        for token in TOKEN_RE.findall(text.lower()):
            row = vocabulary.get(token)
            if row is not None:
                found.append(row)
            else:
                found.extend(self._resolve_unknown(token))
        return found

    def embed(self, text: str) -> Vector:
        """Unit-length vector of ``text``; the zero vector when no word is known."""
        rows = self.rows(text)
        if not rows:
            return np.zeros(self.dim, dtype=np.float32)
        summed: Vector = np.add.reduce(self._rows.take(rows, axis=0), axis=0)
        norm = math.sqrt(float(summed @ summed))
        return summed / norm if norm > 0.0 else summed

    def embed_known(self, text: str) -> Vector | None:
        """:meth:`embed`, or ``None`` where that is all zeros (no known word).

        For callers on the per-message path: it spares them a scan of the vector (numpy's
        ``any()`` costs microseconds on a 128-float vector).
        """
        rows = self.rows(text)
        if not rows:
            return None
        summed: Vector = np.add.reduce(self._rows.take(rows, axis=0), axis=0)
        norm = math.sqrt(float(summed @ summed))
        if norm > 0.0:
            result: Vector = summed / norm
            return result
        return summed if summed.any() else None

    def embed_many(self, texts: Iterable[str]) -> Vector:
        """One row per text, as :meth:`embed` gives it."""
        embedded = [self.embed(text) for text in texts]
        if not embedded:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack(embedded)

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two texts (0.0 when either has no known word)."""
        return float(self.embed(first) @ self.embed(second))

    def coverage(self, text: str) -> float:
        """Share of the word tokens of ``text`` that have a vector; 0.0 for no tokens."""
        tokens = TOKEN_RE.findall(text.lower())
        if not tokens:
            return 0.0
        known = sum(1 for token in tokens if self._lookup(token))
        return known / len(tokens)

    # -- unknown words ------------------------------------------------------------------------

    def _lookup(self, token: str) -> tuple[int, ...]:
        row = self._vocabulary.get(token)
        return (row,) if row is not None else self._resolve_unknown(token)

    def _resolve_unknown(self, token: str) -> tuple[int, ...]:
        cached = self._resolved.get(token)
        if cached is not None:
            return cached
        resolved = self._spell_out(token)
        if len(self._resolved) >= _MISS_CACHE_LIMIT:
            self._resolved.clear()
        self._resolved[token] = resolved
        return resolved

    def _spell_out(self, token: str) -> tuple[int, ...]:
        vocabulary = self._vocabulary
        for key in fallback_keys(token):
            row = vocabulary.get(key)
            if row is not None:
                return (row,)
        if any(mark in token for mark in APOSTROPHES):
            # "l'école", "j'suis": look the parts up one by one.
            parts = token.replace("’", "'").split("'")
            return tuple(row for part in parts if part for row in self._lookup(part))
        return ()


def _with_spelling_aliases(vocabulary: Mapping[str, int]) -> dict[str, int]:
    """Vocabulary plus accent-free and apostrophe-free spellings of its words.

    The normaliser may or may not strip accents, and chat often drops them ("nao", "tambem"),
    so both spellings must hit with a single dictionary look-up. A real word always keeps its
    own vector: aliases only fill spellings the vocabulary lacks.
    """
    extended = dict(vocabulary)
    for word, row in vocabulary.items():
        for alias in (strip_accents(word), without_apostrophes(strip_accents(word))):
            if alias != word:
                extended.setdefault(alias, row)
    return extended


@functools.cache
def _load_default() -> StaticEmbedder:
    artefact = resources.files("safeguarding").joinpath("data", "embeddings", DEFAULT_ARTEFACT)
    with artefact.open("rb") as handle:
        return StaticEmbedder._from_npz(handle)


def default_embedder() -> StaticEmbedder:
    """The shipped embedder, loaded on first use and shared by the whole process."""
    return _load_default()
