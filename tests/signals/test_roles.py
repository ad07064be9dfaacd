"""Role-based reading (``signals.roles``): a stage is read from what the words do, in
wording no lexicon pattern names, and ordinary messages fill no role."""

from __future__ import annotations

import pytest

from safeguarding.normalise import normalise
from safeguarding.signals.extract import MessageAnalyser
from safeguarding.signals.roles import ROLE_WEIGHT, RoleReader


@pytest.fixture(scope="module")
def reader() -> RoleReader:
    return RoleReader.from_package()


def _tactics(reader: RoleReader, text: str) -> set[str]:
    return {hit.tactic for hit in reader.read(normalise(text).folded)}


@pytest.mark.parametrize(
    ("text", "tactic"),
    [
        ("walk this parcel over to my guy", "courier_task"),
        ("keep the case in your shed for a few days", "courier_task"),
        ("you'd stay in the flat up there a couple of nights", "courier_task"),
        ("stand on the corner and shout if you see police", "courier_task"),
        ("it's a shift job and you get paid cash", "money_offer"),
        ("€50 each time you take a package", "money_offer"),
        ("this handset is only for when i ring", "burner_phone"),
        ("your parents can't find out", "isolation_secrecy"),
        ("that's a debt now", "debt"),
        ("the bag got taken and it was worth a lot, that's on you", "debt"),
        ("we know where your little sister walks home", "threat"),
        ("i'll send someone to your house", "threat"),
        ("the crew looks after you now, you're with us", "belonging"),
        ("guarda esta mochila en tu casa unos dias", "courier_task"),
        ("te pagamos en efectivo por cada encargo", "money_offer"),
        ("sabemos onde tua irmã estuda", "threat"),
        ("esse celular é só pra falar comigo", "burner_phone"),
        ("tu restes trois nuits dans un appart dans une autre ville", "courier_task"),
        ("ganarías 500 a la semana", "money_offer"),
        ("tu vai pagar o que perdeu", "debt"),
        ("you wouldn't want anything happening to your mum", "threat"),
        ("ya eres parte de nosotros", "belonging"),
        ("nobody walks away from us", "belonging"),  # no way out: held by the group
        ("de aquí no se sale", "belonging"),
    ],
)
def test_roles_read_the_stage(reader: RoleReader, text: str, tactic: str) -> None:
    assert tactic in _tactics(reader, text)


@pytest.mark.parametrize(
    "text",
    [
        "did you finish the maths homework",
        "can you drive to yours, what's your address?",  # a meeting, not a delivery
        "come to mine on tuesday, my dad said it's fine",
        "i need to pay a bill and my app won't work",
        "what's the address of the party",
        "my phone is dead lol",
        "gg that was a good game",
        "we pay for gear for our players",  # a team's kit, not a debt
        "we'll visit your nan on sunday",
        "just walk away from them if they start",
        "no, we sell it at the shop",  # YAML must not read "no" as false
    ],
)
def test_ordinary_messages_fill_no_exploitation_role(reader: RoleReader, text: str) -> None:
    assert not _tactics(reader, text) & {
        "courier_task",
        "money_offer",
        "burner_phone",
        "debt",
        "threat",
        "belonging",
    }


def test_the_analyser_adds_role_evidence_below_a_lexicon_hit() -> None:
    analyser = MessageAnalyser.default()
    found = analyser.analyse("keep the case in your shed for a few days").tactics["courier_task"]
    assert found.source == "roles" and found.score == ROLE_WEIGHT
    # a lexicon hit (0.8) is not lowered by a role
    assert (
        analyser.analyse("can you hold a bag for me for a few days").tactics["courier_task"].score
        >= ROLE_WEIGHT
    )


def test_pairs_and_amounts() -> None:
    reader = RoleReader({"move": ["drop off"], "item": ["box"], "money": ["cash"]})
    assert reader.classes("drop off the box") == {"move", "item"}
    assert {"amount", "number", "money"} <= reader.classes("50 cash")
    assert reader.read("hello there") == []
