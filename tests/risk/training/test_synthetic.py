"""The synthetic training corpus must be valid DATASPEC data with consistent ground truth."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from safeguarding.domain import Conversation
from safeguarding.ingest import jsonl
from safeguarding.risk.features import CCE_TACTICS
from safeguarding.risk.training.synthetic import (
    LABELS,
    LANGUAGES,
    OBFUSCATION_STYLES,
    TACTICS,
    conversation_to_dict,
    generate_corpus,
    load_bank,
    main,
    obfuscate,
    write_jsonl,
)

CATEGORIES = {
    "grooming",
    "sextortion",
    "benign_peer",
    "benign_trusted_adult",
    "adult_adult",
    "bullying",
    "scam",
    "self_harm",
    "toxicity",
    "spam",
    "benign_group",
    "criminal_exploitation",
    "benign_job",
}
PLATFORMS = {
    "game_chat",
    "social_dm",
    "livestream_chat",
    "forum_dm",
    "school_app",
    "dating_app",
    "messaging",
    "chat_room",
}


@pytest.fixture(scope="module")
def corpus() -> list[Conversation]:
    return generate_corpus(600, seed=7)


def test_same_seed_same_corpus_other_seed_differs() -> None:
    a = [conversation_to_dict(c) for c in generate_corpus(80, seed=3)]
    b = [conversation_to_dict(c) for c in generate_corpus(80, seed=3)]
    c = [conversation_to_dict(c) for c in generate_corpus(80, seed=4)]
    assert a == b
    assert a != c


def test_round_trip_through_dataspec_reader(corpus: list[Conversation], tmp_path: Path) -> None:
    path = tmp_path / "syn.jsonl"
    assert write_jsonl(corpus, path) == len(corpus)
    errors: list = []
    back = list(jsonl.read_jsonl(path, errors=errors))
    assert errors == []
    assert [conversation_to_dict(c) for c in back] == [conversation_to_dict(c) for c in corpus]


def test_fields_follow_dataspec(corpus: list[Conversation]) -> None:
    assert len({c.id for c in corpus}) == len(corpus)
    for c in corpus:
        assert c.category in CATEGORIES
        assert c.platform in PLATFORMS
        assert c.locale and c.locale[:2] in LANGUAGES and c.locale[2] == "-"
        assert c.label == LABELS.get(c.category or "", "benign")
        assert c.notes and "\n" not in c.notes
        ids = [p.id for p in c.participants]
        assert len(ids) == len(set(ids)) and {m.sender for m in c.messages} <= set(ids)
        stamps = [m.ts for m in c.messages]
        assert all(ts is not None for ts in stamps)
        assert stamps == sorted(stamps)  # type: ignore[type-var]
        assert all(m.text.strip() for m in c.messages)
        assert "{" not in "".join(m.text for m in c.messages)  # every slot filled


def test_tactics_point_at_offender_messages(corpus: list[Conversation]) -> None:
    for c in corpus:
        if not c.is_harm:
            assert c.offender is None and c.tactics == []
            continue
        assert c.offender in {p.id for p in c.participants}
        assert c.tactics
        for t in c.tactics:
            assert t.tactic in TACTICS
            assert 0 <= t.index < len(c.messages)
            assert c.messages[t.index].sender == c.offender


def test_first_alert_index(corpus: list[Conversation]) -> None:
    for c in corpus:
        if not c.is_harm:
            assert c.first_alert_index is None
            continue
        fai = c.first_alert_index
        assert fai is not None and 0 <= fai < len(c.messages)
        assert c.messages[fai].sender == c.offender
        at_alert = {t.tactic for t in c.tactics if t.index == fai}
        assert at_alert, "the alert message shows a tactic"
        if c.category == "sextortion":
            assert at_alert & {"image_request", "threat"}
        if c.is_exploitation:  # a threat or a debt, or a second indicator
            earlier = {t.tactic for t in c.tactics if t.index < fai}
            assert at_alert & {"threat", "debt"} or earlier | at_alert


def test_exploitation_recruiters_and_their_targets(corpus: list[Conversation]) -> None:
    """Adults or much older teens, recruiting children, with their own tactics; the hard
    negatives cover every scenario and stay unlabelled."""
    chats = [c for c in corpus if c.is_exploitation]
    assert chats
    for c in chats:
        recruiter = c.participant(c.offender or "")
        children = [p for p in c.participants if p.id != c.offender]
        assert recruiter is not None and recruiter.true_age is not None
        assert recruiter.true_age >= 16
        assert min(p.true_age or 99 for p in children) < 17
        assert {t.tactic for t in c.tactics} & set(CCE_TACTICS)
    notes = " ".join(c.notes or "" for c in corpus if c.category == "benign_job")
    for scenario in ("job", "sibling", "scout", "clan", "banter", "budget"):
        assert f"({scenario})" in notes


def test_offenders_often_lie_and_use_new_accounts(corpus: list[Conversation]) -> None:
    offenders = [c.participant(c.offender) for c in corpus if c.is_grooming and c.offender]
    groomers = [c.participant(c.offender) for c in corpus if c.category == "grooming"]
    assert all(p is not None and p.true_age is not None and p.true_age >= 18 for p in groomers)
    # sextortion "whoever the accounts are": some extorters are known teens
    extorters = [c.participant(c.offender) for c in corpus if c.category == "sextortion"]
    assert all(p is not None and p.true_age is not None and p.true_age >= 15 for p in extorters)
    lying = [p for p in offenders if p and p.declared_age is not None and p.declared_age < 18]
    unknown = [p for p in offenders if p and p.declared_age is None]
    new = [p for p in offenders if p and (p.account_age_days or 0) <= 30]
    assert 0.3 < len(lying) / len(offenders) < 0.8
    assert unknown and 0.3 < len(new) / len(offenders) < 0.9


def test_variants_share_ground_truth(corpus: list[Conversation]) -> None:
    by_id = {c.id: c for c in corpus}
    variants = [c for c in corpus if c.variant_of]
    assert len(variants) >= 0.05 * len(corpus)
    assert {"grooming", "benign"} <= {v.label for v in variants}
    assert {v.label for v in variants} <= {"grooming", "criminal_exploitation", "benign"}
    for v in variants:
        orig = by_id[v.variant_of]  # type: ignore[index]
        assert orig.variant_of is None
        assert (v.label, v.category, v.offender, v.first_alert_index) == (
            orig.label,
            orig.category,
            orig.offender,
            orig.first_alert_index,
        )
        assert [(t.index, t.tactic) for t in v.tactics] == [
            (t.index, t.tactic) for t in orig.tactics
        ]
        assert [m.sender for m in v.messages] == [m.sender for m in orig.messages]
        assert any(a.text != b.text for a, b in zip(v.messages, orig.messages, strict=True))


def test_category_and_language_mix(corpus: list[Conversation]) -> None:
    n = len(corpus)
    cats = Counter(c.category for c in corpus)
    grooming = sum(c.is_grooming for c in corpus) / n
    assert 0.29 <= grooming <= 0.39
    assert 0.06 <= sum(c.is_exploitation for c in corpus) / n <= 0.12
    assert 0.05 <= cats["sextortion"] / n <= 0.11
    assert set(cats) == CATEGORIES
    langs = Counter(c.locale[:2] for c in corpus if c.locale)
    assert 0.45 <= langs["en"] / n <= 0.55
    for lang in ("es", "fr", "de", "pt", "it", "nl"):
        assert 0.06 <= langs[lang] / n <= 0.12
    for c in corpus:
        if c.category == "benign_group":
            assert c.platform == "chat_room" and 3 <= len(c.participants) <= 6
            assert all(p.declared_age is None and p.true_age is None for p in c.participants)


def test_pace_varies(corpus: list[Conversation]) -> None:
    lengths = [len(c.messages) for c in corpus if c.category == "grooming"]
    assert min(lengths) <= 12 and max(lengths) >= 40
    multi_day = [
        c
        for c in corpus
        if c.category == "grooming" and (c.messages[-1].ts - c.messages[0].ts).days >= 1  # type: ignore[operator]
    ]
    assert multi_day


def test_languages_argument() -> None:
    only_de = generate_corpus(40, seed=1, languages=("de",))
    assert {c.locale[:2] for c in only_de if c.locale} == {"de"}
    with pytest.raises(ValueError):
        generate_corpus(10, languages=("xx",))


@pytest.mark.parametrize("style", OBFUSCATION_STYLES)
def test_obfuscate_changes_text_keeps_length_reasonable(style: str) -> None:
    rng = random.Random(0)
    for text in ("add me on snap and send a photo, it's our secret", "i'll send you a gift"):
        out = obfuscate(text, style, rng)
        assert out != text
        assert len(text) // 2 <= len(out) <= 2 * len(text) + 10


def test_obfuscate_styles_do_what_they_say() -> None:
    rng = random.Random(1)
    text = "send me a photo on snap, keep it secret"
    assert "👻" in obfuscate(text, "emoji", rng) and "🤫" in obfuscate(text, "emoji", rng)
    assert any("\u0400" <= ch <= "\u04ff" for ch in obfuscate(text, "homoglyphs", rng))
    assert any(ch in "\u200b\u200c\u200d\u2060" for ch in obfuscate(text, "zero_width", rng))
    with pytest.raises(ValueError):
        obfuscate(text, "rot13", rng)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_line_banks_complete(lang: str) -> None:
    bank, en = load_bank(lang), load_bank("en")
    assert set(bank.lines) == set(en.lines)
    assert not bank.missing_slots()
    minimum = 12 if lang == "en" else 6
    for tactic in TACTICS:
        if tactic in CCE_TACTICS:  # criminal exploitation has its own section
            pool = bank.lines[f"exploitation.{tactic}"]
            assert len(set(pool)) >= (6 if lang == "en" else 3), (lang, tactic)
            continue
        pool = bank.lines[f"offender.{tactic}"]
        assert len(set(pool)) >= minimum, (lang, tactic)
    assert all("555" in p for p in bank.slots["phone"])  # invented, never real numbers


def test_module_cli_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["--n", "30", "--seed", "2", "--out", str(out), "--languages", "en,fr"]) == 0
    rows = list(jsonl.read_jsonl(out))
    assert len(rows) == 30
