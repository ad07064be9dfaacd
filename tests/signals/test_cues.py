"""Cues (``signals.lexicon.CUES``): sextortion's parts, code words and carer logistics in
all seven languages, found by the same RE2 set as the tactics and reported apart from them."""

from __future__ import annotations

import pytest

from safeguarding.signals.extract import MessageAnalyser
from safeguarding.signals.lexicon import LexiconError, TacticLexicon

CASES = {
    "leverage": [
        "i saved the one you sent",
        "tengo capturas de todo lo que dijiste",
        "j'ai garde celle que tu m'as envoyee",
        "ich hab screenshots von allem",
        "gravei a chamada de video inteira",
        "ho registrato tutta la videochiamata",
        "ik heb screenshots van alles",
    ],
    "exposure": [
        "i'll send it to your mum and your whole class",
        "todo tu colegio lo va a ver manana",
        "tout ton college va voir ca demain",
        "die ganze schule wird es morgen sehen",
        "sua escola inteira vai ver amanha",
        "tutta la tua scuola la vedra domani",
        "je hele school ziet het morgen",
    ],
    "demand": [
        "buy a steam card and send the code",
        "mandame otra, como la de antes",
        "envoie-moi 50 euros maintenant",
        "schick mir noch eins, wie das letzte",
        "faz um pix de 100 reais agora",
        "mandami 50 euro subito",
        "stuur me nog een, zoals de vorige",
    ],
    "code_app": [
        "see you on the other app later",
        "escribeme en la app que te dije",
        "ecris-moi sur l'appli dont je t'ai parle",
        "wir sehen uns auf der anderen app",
        "me chama no app que eu te falei",
        "ci vediamo sull'altra app",
        "zie je op de andere app",
    ],
    "care": [
        "i'll pick you up from practice at 5",
        "avisame cuando llegues a casa",
        "previens-moi quand tu es rentre",
        "ich hol dich vom training ab",
        "me avisa quando chegar em casa",
        "scrivimi quando sei a casa",
        "app me als je thuis bent",
    ],
}


@pytest.fixture(scope="module")
def analyser() -> MessageAnalyser:
    return MessageAnalyser.default()


@pytest.mark.parametrize(("cue", "text"), [(c, t) for c, ts in CASES.items() for t in ts])
def test_cue_found_in_every_language(analyser: MessageAnalyser, cue: str, text: str) -> None:
    signals = analyser.analyse(text)
    assert cue in signals.cues
    assert cue not in signals.tactics  # cues never pose as DATASPEC tactics
    found = signals.cues[cue]
    assert found.span is not None and found.span[0] < found.span[1]


@pytest.mark.parametrize(
    "text",
    ["did you finish the maths homework?", "gg that was a great match", "lol same"],
)
def test_everyday_chat_has_no_sextortion_cue(analyser: MessageAnalyser, text: str) -> None:
    assert not {"leverage", "exposure", "demand"} & set(analyser.analyse(text).cues)


def test_unknown_cue_is_refused() -> None:
    with pytest.raises(LexiconError, match="unknown cue 'flirting'"):
        TacticLexicon({"en": {"cues": {"flirting": ["hello"]}}})
