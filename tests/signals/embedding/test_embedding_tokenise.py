from safeguarding.signals.embedding.tokenise import (
    LAUGH_KEY,
    fallback_keys,
    strip_accents,
    tokens,
)


def test_tokens_keep_inner_apostrophes_and_drop_digits_and_punctuation() -> None:
    assert tokens("Don't tell, OK? call 555!") == ["don't", "tell", "ok", "call"]
    assert tokens("l’école aujourd'hui") == ["l’école", "aujourd'hui"]


def test_strip_accents_removes_marks_but_keeps_letters() -> None:
    assert strip_accents("não você está") == "nao voce esta"
    assert strip_accents("straße") == "straße"
    assert strip_accents("plain") == "plain"


def test_fallbacks_cover_stretched_words_laughs_plurals_and_accents() -> None:
    assert "so" in list(fallback_keys("sooooo"))
    assert list(fallback_keys("pleeease")) == ["pleease", "please"]
    assert LAUGH_KEY in list(fallback_keys("jajajaja"))
    assert LAUGH_KEY in list(fallback_keys("kkkkk"))
    assert "parent" in list(fallback_keys("parents"))
    assert next(fallback_keys("mañanas")) == "mananas"


def test_fallbacks_of_a_plain_short_word_are_empty() -> None:
    assert list(fallback_keys("cat")) == []
