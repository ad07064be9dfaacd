"""Behaviour of the embedder on a small hand-made vocabulary, and save/load round trip."""

import json
from pathlib import Path

import numpy as np
import pytest

from safeguarding.signals.embedding import StaticEmbedder

WORDS = ["você", "parent", "so", "haha", "l", "école", "don't", "photo"]


@pytest.fixture
def embedder() -> StaticEmbedder:
    vectors = np.eye(len(WORDS), dtype=np.float32)
    weights = np.linspace(1.0, 0.5, len(WORDS), dtype=np.float32)
    return StaticEmbedder({word: row for row, word in enumerate(WORDS)}, vectors, weights)


def row(word: str) -> int:
    return WORDS.index(word)


def test_known_words_map_to_their_rows(embedder: StaticEmbedder) -> None:
    assert embedder.rows("Photo, você!") == [row("photo"), row("você")]


def test_spelling_variants_reach_the_known_word(embedder: StaticEmbedder) -> None:
    assert embedder.rows("voce") == [row("você")]  # accent dropped by the writer
    assert embedder.rows("dont") == [row("don't")]  # apostrophe dropped
    assert embedder.rows("parents") == [row("parent")]  # plural
    assert embedder.rows("sooooo") == [row("so")]  # stretched
    assert embedder.rows("jajajaja kkkkk") == [row("haha"), row("haha")]  # laughs
    assert embedder.rows("l'école") == [row("l"), row("école")]  # elision split


def test_unknown_words_are_skipped_and_remembered(embedder: StaticEmbedder) -> None:
    assert embedder.rows("zzyzx photo") == [row("photo")]
    assert embedder.rows("zzyzx") == []
    assert embedder.coverage("zzyzx photo") == 0.5


def test_embed_is_the_normalised_weighted_sum(embedder: StaticEmbedder) -> None:
    vector = embedder.embed("photo você photo")
    assert vector.dtype == np.float32
    assert vector.shape == (embedder.dim,)
    assert np.isclose(np.linalg.norm(vector), 1.0)
    weights = np.linspace(1.0, 0.5, len(WORDS))
    expected = np.zeros(len(WORDS))
    expected[row("photo")] = 2 * weights[row("photo")]
    expected[row("você")] = weights[row("você")]
    assert np.allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)


@pytest.mark.parametrize("text", ["", "   ", "12345 !!!", "zzyzx qqqq"])
def test_no_known_word_gives_the_zero_vector(embedder: StaticEmbedder, text: str) -> None:
    vector = embedder.embed(text)
    assert vector.shape == (embedder.dim,)
    assert not vector.any()
    assert embedder.similarity(text, "photo") == 0.0


def test_embed_many_matches_embed(embedder: StaticEmbedder) -> None:
    texts = ["photo", "", "parents so"]
    many = embedder.embed_many(texts)
    assert many.shape == (3, embedder.dim)
    for text, vector in zip(texts, many, strict=True):
        assert np.array_equal(vector, embedder.embed(text))
    assert embedder.embed_many([]).shape == (0, embedder.dim)


def test_artefact_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.npz"
    vectors = np.arange(12, dtype=np.float16).reshape(3, 4)
    np.savez_compressed(
        path,
        words=np.frombuffer(b"a\nb\nc", dtype=np.uint8),
        vectors=vectors,
        weights=np.ones(3, dtype=np.float16),
        metadata=np.frombuffer(json.dumps({"dims": 4}).encode(), dtype=np.uint8),
    )
    loaded = StaticEmbedder.load(path)
    assert len(loaded) == 3 and loaded.dim == 4
    assert loaded.metadata == {"dims": 4}
    expected = vectors[2].astype(np.float32)
    assert np.allclose(loaded.embed("c"), expected / np.linalg.norm(expected))


@pytest.mark.parametrize("text", ["photo você photo", "parents so", "l'école", "", "zzyzx qqqq"])
def test_embed_known_is_embed_or_none_for_the_zero_vector(
    embedder: StaticEmbedder, text: str
) -> None:
    vector = embedder.embed(text)
    known = embedder.embed_known(text)
    if vector.any():
        assert known is not None and np.array_equal(known, vector)
    else:
        assert known is None


def test_embed_known_of_words_with_zero_vectors_is_none() -> None:
    vectors = np.zeros((2, 3), dtype=np.float32)
    vectors[1, 0] = 1.0
    embedder = StaticEmbedder({"nothing": 0, "photo": 1}, vectors)
    assert embedder.embed_known("nothing") is None
    assert not embedder.embed("nothing").any()
    assert embedder.embed_known("nothing photo") is not None
