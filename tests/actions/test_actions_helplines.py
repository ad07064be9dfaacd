from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from safeguarding.actions import ActionDispatcher, InMemorySink, load_helplines, safety_prompt
from safeguarding.actions.helplines import guardian_helplines, helplines_for, parse_helplines
from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy import AgeBand, Policy, PolicyError, PolicyInput, evaluate, parse_policy


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
    nz = safety_prompt("en-NZ", AgeBand.CHILD)
    assert nz["services_locale"] == "default" and nz["wording_locale"].startswith("en")
    be = safety_prompt("fr-BE", AgeBand.CHILD)
    assert be["wording_locale"] == "fr-FR" and be["services_locale"] == "default"
    welsh = safety_prompt("cy-GB", AgeBand.CHILD)
    assert welsh["services_locale"] == "en-GB"  # same country: UK services
    assert safety_prompt(None, AgeBand.TEEN)["services_locale"] == "default"


def test_national_services_with_their_numbers() -> None:
    assert "017" in contacts(safety_prompt("es-ES", AgeBand.TEEN))  # INCIBE
    assert "19696" in contacts(safety_prompt("it-IT", AgeBand.TEEN))  # Telefono Azzurro
    assert "0800-0432" in contacts(safety_prompt("nl-NL", AgeBand.CHILD))  # Kindertelefoon
    assert safety_prompt("it-IT", AgeBand.CHILD)["wording_locale"] == "it-IT"
    assert safety_prompt("nl-NL", AgeBand.TEEN)["wording_locale"] == "nl-NL"


@pytest.mark.parametrize(
    ("locale", "number", "wording"),
    [
        ("en-IE", "1800 66 66 66", "en"),
        ("en-AU", "1800 55 1800", "en"),
        ("en-CA", "1-800-668-6868 (text 686868)", "en"),
        ("fr-CA", "1 800 263-2266", "fr"),
        ("es-MX", "911", "es"),
        ("pt-PT", "116 111", "pt"),
        ("de-AT", "147", "de"),
        ("de-CH", "147", "de"),
        ("en_GB", "0800 1111", "en"),
        ("en-gb", "0800 1111", "en"),
        ("en_GB.UTF-8", "0800 1111", "en"),
    ],
)
def test_locale_fallbacks_keep_a_number(locale: str, number: str, wording: str) -> None:
    prompt = safety_prompt(locale, AgeBand.TEEN)
    assert number in contacts(prompt)
    assert prompt["services_locale"] != "default"
    assert str(prompt["wording_locale"]).startswith(wording)


def test_unknown_locale_uses_the_configured_default_never_the_uks() -> None:
    unknown = safety_prompt("xx-ZZ", AgeBand.TEEN)
    assert unknown["services_locale"] == "default"
    assert "0800 1111" not in contacts(unknown) and "999" not in contacts(unknown)
    configured = safety_prompt("xx-ZZ", AgeBand.TEEN, fallback="en-US")
    assert configured["services_locale"] == "en-US" and "911" in contacts(configured)
    assert safety_prompt(None, AgeBand.CHILD, fallback="de-DE")["wording_locale"] == "de-DE"
    # a known locale is never overridden by the configured default
    assert safety_prompt("fr-FR", AgeBand.TEEN, fallback="en-US")["services_locale"] == "fr-FR"


def test_sextortion_prompt_says_not_their_fault_and_signposts_take_down_services() -> None:
    gb = safety_prompt("en-GB", AgeBand.TEEN, harm="sextortion")
    assert "not your fault" in str(gb["text"]) and gb["harm"] == "sextortion"
    ids = [h["id"] for h in gb["helplines"]]  # type: ignore[union-attr]
    assert ids[:2] == ["report-remove", "take-it-down"] and "childline" in ids
    us = safety_prompt("en-US", AgeBand.CHILD, harm="sextortion")
    assert "not your fault" in str(us["text"])
    assert [h["id"] for h in us["helplines"]][0] == "take-it-down"  # type: ignore[index]
    # elsewhere: the international Take It Down, wording in the child's language
    es = safety_prompt("es-ES", AgeBand.TEEN, harm="sextortion")
    assert "No es culpa tuya" in str(es["text"])
    assert "take-it-down" in contacts(es) and "017" in contacts(es)
    # no words for a harm: the general wording, never another language's
    pt = safety_prompt("pt-PT", AgeBand.TEEN, harm="grooming")
    assert pt["text"] == safety_prompt("pt-PT", AgeBand.TEEN)["text"]


def test_guardian_services_name_the_nspcc_helpline_in_the_uk() -> None:
    gb = guardian_helplines("en-GB")
    assert "0808 800 5000" in {h["contact"] for h in gb["helplines"]}
    assert "0800 1111" not in {h["contact"] for h in gb["helplines"]}  # Childline is for children
    # a locale without guardian services names its child services
    assert "19696" in {h["contact"] for h in guardian_helplines("it-IT")["helplines"]}


def test_bundled_directory_is_checked_like_a_policy_section() -> None:
    with pytest.raises(ValueError, match="contact"):
        parse_helplines({"locales": {"default": {"services": [{"id": "x", "name": "No way"}]}}})


def test_platform_can_configure_its_own_directory(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yaml"
    path.write_text(
        "locales:\n"
        "  en-IE:\n    services:\n"
        "      - {id: ispcc, name: Childline Ireland, contact: '1800 66 66 66'}\n"
        "    wording: {child: Stay safe always., teen: Stay safe online.}\n"
        "  default:\n    wording: {child: Be safe always., teen: Be safe online always.}\n"
    )
    directory = load_helplines(path)
    prompt = safety_prompt("en-IE", AgeBand.TEEN, directory)
    assert prompt["text"] == "Stay safe online." and "1800 66 66 66" in contacts(prompt)


# --- extending and overriding from the policy file ---------------------------------------------

POLICY_HEAD = "policy: test\nversion: 1\n"
POLICY_RULES = (
    "rules:\n  - id: review-alerts\n    description: every alert goes to a human\n"
    "    when: {level_at_least: alert}\n    actions: [escalate_review, safety_prompt]\n"
)


def policy_with(helplines: str) -> Policy:
    return parse_policy(POLICY_HEAD + textwrap.dedent(helplines) + POLICY_RULES, source="p.yaml")


def test_policy_adds_a_locale_and_overrides_another() -> None:
    policy = policy_with("""\
        helplines:
          locales:
            en-NZ:
              country: New Zealand
              services:
                - {id: ispcc, name: Childline New Zealand, contact: "1800 66 66 66"}
                - {id: hotline, name: Hotline.ie, url: "https://hotline.ie"}
              wording: {teen: Talk to someone you trust; you can block and report them.}
            en-GB:
              wording: {child: Stop chatting if something feels wrong and tell a grown-up.}
        """)
    directory = helplines_for(policy)
    nz = safety_prompt("en-NZ", AgeBand.TEEN, directory)
    assert nz["services_locale"] == "en-NZ" and "1800 66 66 66" in contacts(nz)
    assert nz["text"].startswith("Talk to someone you trust")
    assert safety_prompt("en-NZ", AgeBand.CHILD, directory)["wording_locale"] != "en-NZ"
    gb = safety_prompt("en-GB", AgeBand.CHILD, directory)
    assert gb["text"].startswith("Stop chatting")
    assert {"0800 1111", "999", "ceop"} <= contacts(gb)  # services kept when only wording given
    assert (
        safety_prompt("en-GB", AgeBand.TEEN, directory)["text"]
        == safety_prompt("en-GB", AgeBand.TEEN)["text"]
    )
    # the bundled directory itself is untouched
    assert "1800 66 66 66" not in contacts(safety_prompt("en-NZ", AgeBand.TEEN))


def test_policy_can_replace_a_locales_services() -> None:
    policy = policy_with("""\
        helplines:
          locales:
            en-US:
              services:
                - {id: local, name: Our state's youth line, contact: "1-800-000-0000"}
        """)
    got = contacts(safety_prompt("en-US", AgeBand.TEEN, helplines_for(policy)))
    assert got == {"local", "1-800-000-0000"}


def test_new_locale_without_services_keeps_the_fallback_signposting() -> None:
    policy = policy_with("""\
        helplines:
          locales:
            en-NZ:
              wording: {child: It is OK to stop chatting. Tell a grown-up you trust.}
        """)
    directory = helplines_for(policy)
    nz = safety_prompt("en-NZ", AgeBand.CHILD, directory)
    assert nz["text"].startswith("It is OK") and nz["helplines"]
    assert nz["helplines"] == safety_prompt("en-NZ", AgeBand.CHILD)["helplines"]


def test_no_helplines_section_means_the_bundled_directory() -> None:
    policy = policy_with("")
    assert policy.helplines is None
    assert helplines_for(policy).entries == load_helplines().entries


def test_bad_helplines_are_refused_with_their_lines() -> None:
    with pytest.raises(PolicyError) as info:
        policy_with("""\
            helplines:
              locales:
                en_IE:
                  services: [{id: x, name: Childline Ireland}]
                fr-BE:
                  services: []
                  wording: {kid: Bonjour, parle a un adulte.}
                de-AT:
                  services: [{id: rat, name: Rat auf Draht, contact: "147", phone: "147"}]
            """)
    by_where = {i.where: i for i in info.value.issues}
    assert "language tag" in by_where["helplines.locales.en_IE.[key]"].message
    assert by_where["helplines.locales.en_IE.[key]"].line == 5
    assert "contact (number) or a url" in by_where["helplines.locales.en_IE.services.0"].message
    assert by_where["helplines.locales.fr-BE.services"].line == 8
    assert by_where["helplines.locales.fr-BE.wording.kid.[key]"].line == 9
    assert "unknown field 'phone'" in by_where["helplines.locales.de-AT.services.0.phone"].message


def test_dispatcher_with_the_policys_directory_signposts_the_override() -> None:
    policy = policy_with("""\
        helplines:
          locales:
            en-IE:
              services: [{id: ispcc, name: Childline Ireland, contact: "1800 66 66 66"}]
        """)
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=policy.settings, helplines=helplines_for(policy))
    child = Participant("kid", declared_age=12)
    other = Participant("adult", declared_age=35)
    assessment = Assessment(
        "c1", 3, 0.8, AlertLevel.ALERT, offender="adult", at_risk="kid", first_alert_index=3
    )
    facts = PolicyInput.build(assessment, [other, child], latest_sender="adult", locale="en-IE")
    dispatcher.dispatch(evaluate(policy, facts), facts)
    (prompt,) = [e for e in sink.events if e["action"] == "safety_prompt"]
    assert "1800 66 66 66" in contacts(prompt["payload"])


def test_policy_can_add_a_harms_signposting_and_guardian_services() -> None:
    policy = policy_with("""\
        helplines:
          locales:
            en-GB:
              guardians: [{id: our-team, name: Our family team, contact: "0800 000 111"}]
              harms:
                criminal_exploitation:
                  services: [{id: fearless, name: Fearless, url: "https://www.fearless.org"}]
                  wording: {teen: If someone offers you money to carry things tell someone.}
                sextortion:
                  wording: {child: It is not your fault. Tell a grown-up you trust now.}
        """)
    directory = helplines_for(policy)
    cce = safety_prompt("en-GB", AgeBand.TEEN, directory, harm="criminal_exploitation")
    assert cce["text"].startswith("If someone offers you money")
    assert [h["id"] for h in cce["helplines"]][0] == "fearless"
    sext = safety_prompt("en-GB", AgeBand.CHILD, directory, harm="sextortion")
    assert sext["text"].startswith("It is not your fault")
    assert "report-remove" in contacts(sext)  # wording overridden, services kept
    assert [h["id"] for h in guardian_helplines("en-GB", directory)["helplines"]] == ["our-team"]


def test_unknown_harm_or_bad_default_locale_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        policy_with("""\
            helplines:
              locales:
                en-GB:
                  harms:
                    sextorsion: {wording: {teen: It is not your fault so tell someone.}}
            """)
    assert "unknown harm 'sextorsion'" in info.value.issues[0].message
    with pytest.raises(PolicyError) as info:
        policy_with("settings: {default_locale: en_GB}\n")
    assert "language tag" in info.value.issues[0].message
    assert policy_with("settings: {default_locale: en-IE}\n").settings.default_locale == "en-IE"
