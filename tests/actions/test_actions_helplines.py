from __future__ import annotations

from pathlib import Path

from safeguarding.actions import load_helplines, safety_prompt
from safeguarding.policy import AgeBand


def contacts(prompt: dict[str, object]) -> set[str]:
    helplines = prompt["helplines"]
    assert isinstance(helplines, list)
    return {h["contact"] for h in helplines if h["contact"]} | {h["id"] for h in helplines}


def test_uk_signposting() -> None:
    prompt = safety_prompt("en-GB", AgeBand.CHILD)
    assert {"0800 1111", "999", "ceop"} <= contacts(prompt)


def test_us_signposting() -> None:
    got = contacts(safety_prompt("en-US", AgeBand.TEEN))
    assert {"cybertipline", "911"} <= got
    assert any(c.startswith("988") for c in got)


def test_european_and_brazilian_helplines() -> None:
    assert "119" in contacts(safety_prompt("fr-FR", AgeBand.CHILD))
    assert "116 111" in contacts(safety_prompt("de-DE", AgeBand.CHILD))
    assert "100" in contacts(safety_prompt("pt-BR", AgeBand.TEEN))
    assert any("116 111" in c for c in contacts(safety_prompt("es-ES", AgeBand.TEEN)))


def test_wording_is_age_appropriate_and_unknown_gets_the_simpler_one() -> None:
    child = safety_prompt("en-GB", AgeBand.CHILD)["text"]
    teen = safety_prompt("en-GB", AgeBand.TEEN)["text"]
    unknown = safety_prompt("en-GB", AgeBand.UNKNOWN)["text"]
    assert child != teen and unknown == child
    assert isinstance(child, str) and len(child) < len(str(teen)) + 40


def test_fallbacks_by_country_and_language() -> None:
    au = safety_prompt("en-AU", AgeBand.CHILD)
    assert au["services_locale"] == "default" and au["wording_locale"].startswith("en")
    ca = safety_prompt("fr-CA", AgeBand.CHILD)
    assert ca["wording_locale"] == "fr-FR" and ca["services_locale"] == "default"
    welsh = safety_prompt("cy-GB", AgeBand.CHILD)
    assert welsh["services_locale"] == "en-GB"  # same country: UK services
    assert safety_prompt(None, AgeBand.TEEN)["services_locale"] == "default"


def test_platform_can_configure_its_own_directory(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yaml"
    path.write_text(
        "locales:\n"
        "  en-IE:\n    services:\n"
        "      - {id: ispcc, name: Childline Ireland, contact: '1800 66 66 66'}\n"
        "    wording: {child: Stay safe., teen: Stay safe online.}\n"
        "  default:\n    services: []\n    wording: {child: Be safe., teen: Be safe online.}\n"
    )
    directory = load_helplines(path)
    prompt = safety_prompt("en-IE", AgeBand.TEEN, directory)
    assert prompt["text"] == "Stay safe online." and "1800 66 66 66" in contacts(prompt)
