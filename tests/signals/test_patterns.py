"""Age statements, adult indicators and contact details."""

from __future__ import annotations

import pytest

from safeguarding.signals.patterns import adult_indicators, contact_details, stated_ages


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("im 13", 13),
        ("14f", 14),
        ("25/m here", 25),
        ("i am 31 lol", 31),
        ("tengo 12 anos", 12),
        ("j'ai 13 ans", 13),
        ("ich bin 14", 14),
        ("tenho 15 anos", 15),
        ("asl? 16 f", 16),
    ],
)
def test_stated_ages(text: str, age: int) -> None:
    assert age in [int(h.value) for h in stated_ages(text)]


@pytest.mark.parametrize(
    "text", ["see u at 5", "im 5 mins away", "level 12 done", "im 20 minutes late"]
)
def test_numbers_that_are_not_ages(text: str) -> None:
    assert stated_ages(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "cant talk, driving to work",
        "my wife is calling",
        "my boss is annoying",
        "after work i play",
        "meine frau kommt",
        "mi jefe me llama",
        "au boulot ce matin",
        "no trabalho agora",
    ],
)
def test_adult_indicators(text: str) -> None:
    assert adult_indicators(text)


@pytest.mark.parametrize("text", ["my mum is at work", "homework is boring", "my teacher said"])
def test_adult_indicators_need_the_speakers_own_adult_life(text: str) -> None:
    found = [h.value for h in adult_indicators(text)]
    assert found == [] or text == "my mum is at work"  # "at work" about a parent is documented


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("add me on snap: kiddo.99", "kiddo.99"),
        ("my insta is pixel_cat", "pixel_cat"),
        ("call me 07700 900123", "07700 900123"),
        ("hit me up @gamer_boy", "@gamer_boy"),
        ("sam#1234 on discord", "sam#1234"),
        ("mail me at someone@example.com", "someone@example.com"),
    ],
)
def test_contact_details(text: str, value: str) -> None:
    assert value in [h.value for h in contact_details(text)]


def test_platform_words_without_a_handle_are_not_contacts() -> None:
    assert contact_details("snap me pls") == []
    assert contact_details("do u have discord") == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("hmu @gamer.kid99 or gamer.kid99#1234", ["@gamer.kid99", "gamer.kid99#1234"]),
        ("mail me pat@example.org", ["pat@example.org"]),
        ("call 07700 900123 after school", ["07700 900123"]),
        ("just chatting, nothing to see", []),
        ("level 12 and 99 coins", []),
    ],
)
def test_contact_details_need_their_tell_tale_characters(text: str, values: list[str]) -> None:
    # contact_details skips a pattern whose required character ("@", "#", a digit) is absent.
    assert [h.value for h in contact_details(text)] == values


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("my landlord put the rent up", 1.0),
        ("back when i was in high school", 1.0),
        ("cuando yo iba al instituto", 1.0),
        ("quand j'etais au lycee", 1.0),
        ("als ich noch in der schule war", 1.0),
        ("quando eu era na escola", 1.0),
        ("quando andavo a scuola", 1.0),
        ("toen ik nog op school zat", 1.0),
        ("after work i play", 0.5),
        ("mon boulot ce matin", 0.5),
    ],
)
def test_adult_indicators_are_graded(text: str, weight: float) -> None:
    """Strong adult life (rent, school long past) weighs 1; a job a teen may have 0.5."""
    assert max(h.weight for h in adult_indicators(text)) == weight


@pytest.mark.parametrize(
    "text",
    [
        "sorry was picking up my son from daycare",
        "estaba dejando a mi hijo en la guarderia",
        "termine el insti hace siglos",
        "je dois deposer ma fille a la creche",
        "ich muss meinen sohn zur kita bringen",
        "die schule ist schon jahre her",
        "vou buscar o meu filho na creche",
        "ho portato mio figlio all'asilo",
        "ik moet mijn dochter naar de opvang brengen",
    ],
)
def test_own_children_and_school_long_past_are_strong_adult_life(text: str) -> None:
    from safeguarding.signals.patterns import adult_indicators

    assert max(h.weight for h in adult_indicators(text)) == 1.0


def test_a_sibling_fetched_from_school_is_not_adult_life() -> None:
    from safeguarding.signals.patterns import adult_indicators

    assert not adult_indicators("i have to pick up my sister from school")
