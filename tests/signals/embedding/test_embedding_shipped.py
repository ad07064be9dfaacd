"""The artefact shipped in the package: it loads offline and puts paraphrases together."""

from importlib import resources

import numpy as np
import pytest

from safeguarding.signals.embedding import StaticEmbedder, default_embedder
from safeguarding.signals.embedding.static import DEFAULT_ARTEFACT


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    return default_embedder()


def test_default_embedder_is_loaded_once() -> None:
    assert default_embedder() is StaticEmbedder.load()


def test_artefact_is_small_and_describes_its_origin(embedder: StaticEmbedder) -> None:
    artefact = resources.files("safeguarding").joinpath("data", "embeddings", DEFAULT_ARTEFACT)
    assert len(artefact.read_bytes()) <= 25_000_000  # seven languages (it, nl at 15k words)
    for key in ("source_model", "source_package", "build_date", "build_command", "weighting"):
        assert embedder.metadata[key]
    assert embedder.metadata["dims"] == embedder.dim
    assert embedder.metadata["words"] <= len(embedder)


def test_messages_embed_to_unit_float32_vectors(embedder: StaticEmbedder) -> None:
    texts = ["add me on snapchat", "ne le dis pas à tes parents", "wie alt bist du"]
    vectors = embedder.embed_many(texts)
    assert vectors.shape == (3, embedder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("text", ["", "?!", "1234", "zzqxv wqqzt"])
def test_text_without_known_words_gives_the_zero_vector(
    embedder: StaticEmbedder, text: str
) -> None:
    assert not embedder.embed(text).any()


# (message, the same message in another language or chat spelling, an unrelated message)
ORDERED = [
    ("don't tell your parents", "ne le dis pas à tes parents", "what time is the match tomorrow"),
    ("add me on snapchat", "agrégame en snap", "did you finish the math homework"),
    ("send me a pic", "envoie moi une photo", "this level of the game is so hard"),
    ("send me a pic", "mándame una foto", "this level of the game is so hard"),
    ("how old are you", "cuántos años tienes", "i'm eating pizza tonight"),
    ("keep this a secret between us", "c'est notre secret", "i love this song"),
    ("send me a pic", "send me a picture", "the bus is late again"),
    ("don't tell your parents", "non dirlo ai tuoi genitori", "what time is the match tomorrow"),
    ("send me a pic", "stuur me een foto", "this level of the game is so hard"),
    ("how old are you", "hoe oud ben je", "i'm eating pizza tonight"),
    ("add me on snapchat", "aggiungimi su snap", "did you finish the math homework"),
    ("are you home alone", "ben je alleen thuis", "i love this song"),
]


@pytest.mark.parametrize(("text", "paraphrase", "unrelated"), ORDERED)
def test_paraphrases_are_closer_than_unrelated_messages(
    embedder: StaticEmbedder, text: str, paraphrase: str, unrelated: str
) -> None:
    assert embedder.similarity(text, paraphrase) > embedder.similarity(text, unrelated)


def test_chat_spellings_land_on_the_same_words(embedder: StaticEmbedder) -> None:
    assert np.allclose(embedder.embed("jajaja"), embedder.embed("hahaha"), atol=1e-6)
    assert np.allclose(embedder.embed("pleeeease"), embedder.embed("please"), atol=1e-6)
    accented = embedder.embed("não conte aos seus pais")
    plain = embedder.embed("nao conte aos seus pais")
    unrelated = embedder.embed("que horas é o jogo amanhã")
    assert accented @ plain > accented @ unrelated
