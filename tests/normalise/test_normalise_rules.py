"""One test per normalisation rule (docs/normalisation.md)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from safeguarding.normalise import NormalisedText, normalise


def norm(text: str) -> str:
    return normalise(text).text


# --------------------------------------------------------------------------- Unicode basics


def test_public_api_and_original_untouched() -> None:
    original = "S3ND me a P1C!!!"
    result = normalise(original)
    assert isinstance(result, NormalisedText)
    assert result.original is original
    assert result.text == "send me a pic!"
    assert str(result) == result.text and len(result) == len(result.text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＳＥＮＤ ＭＥ", "send me"),  # fullwidth
        ("𝐬𝐞𝐧𝐝 𝒑𝒊𝒄", "send pic"),  # mathematical bold / bold italic
        ("𝓈𝓃𝒶𝓅", "snap"),  # mathematical script
        ("ⓢⓔⓝⓓ", "send"),  # circled
        ("🄰🄱🄲", "abc"),  # squared
        ("🅢🅝🅐🅟 🅰🅱", "snap ab"),  # negative circled / squared
        ("ｓ３ｎｄ", "send"),  # fullwidth leetspeak
        ("ﬁne", "fine"),  # ligature via NFKC
        ("cœur Æsir", "coeur aesir"),  # ligatures NFKC keeps
        ("ʜᴇʟʟᴏ ꜱᴇɴᴅ ɴᴜᴅᴇꜱ", "hello send nudes"),  # small capitals
        ("ᵗᵉˣᵗ", "text"),  # superscripts
    ],
)
def test_nfkc_and_letter_lookalikes(text: str, expected: str) -> None:
    assert norm(text) == expected


def test_casefold() -> None:
    assert norm("HeLLo THERE") == "hello there"
    assert norm("STRAßE") == "strasse"
    assert norm("İstanbul") == "istanbul"
    assert norm("ΣΟΥ") == "σου"


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e"]
)
def test_zero_width_and_bidi_characters_removed(invisible: str) -> None:
    assert norm(f"n{invisible}u{invisible}d{invisible}e{invisible}s") == "nudes"


def test_control_characters_removed_and_tag_smuggling_stripped() -> None:
    assert norm("a\x00b\x07c\x7f") == "abc"
    assert norm("hi\U000e0073\U000e0065\U000e0063there") == "hithere"


def test_zalgo_stripped() -> None:
    assert norm("z̷̢̛a̵̧l̶̨g̷o̸ t̴e̵x̷t̶") == "zalgo text"
    assert norm("s̸̡e̶n̷d̵ m̴e̵") == "send me"


def test_real_accents_kept_in_text_and_stripped_in_folded() -> None:
    result = normalise("Não conte a ninguém, é segredo")
    assert result.text == "não conte a ninguém, é segredo"
    assert result.folded == "nao conte a ninguem, e segredo"
    assert len(result.folded) == len(result.text)


def test_decomposed_accents_compose() -> None:
    assert norm("ne\u0301e") == "née"  # NFD "é" survives zalgo stripping
    assert normalise("ne\u0301e").folded == "nee"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("¿Cuántos años tienes?", "¿cuantos anos tienes?"),
        ("Tu es très mignonne, ça reste entre nous", "tu es tres mignonne, ca reste entre nous"),
        ("Süße Grüße, nicht deinen Eltern sagen", "susse grusse, nicht deinen eltern sagen"),
        ("não conte", "nao conte"),
        ("nao conte", "nao conte"),
        ("Łódź øre", "lodz ore"),
    ],
)
def test_folded_matches_one_pattern_for_both_spellings(text: str, folded: str) -> None:
    assert normalise(text).folded == folded


def test_one_lexicon_pattern_matches_accented_and_plain() -> None:
    pattern = re.compile(r"\bnao conte\b")
    for text in ["Não conte pra ninguém", "nao conte pra ninguem", "NÃO CONTE", "n-ã-o conte"]:
        result = normalise(text)
        match = pattern.search(result.folded)
        assert match, text
        evidence = re.sub(r"[\s-]", "", result.original_text(*match.span()).lower())
        assert evidence in {"nãoconte", "naoconte"}


def test_non_latin_scripts_survive() -> None:
    for text in [
        "не говори родителям, это наш секрет",
        "Σου στέλνω ένα μήνυμα",
        "你好，你几岁了？",
        "こんにちは、何歳ですか",
        "مرحبا كيف حالك",
        "नमस्ते आप कैसे हैं",
        "שלום מה שלומך",
        "안녕하세요 몇 살이에요",
    ]:
        assert norm(text) == unicodedata.normalize("NFKC", text).casefold(), text


# --------------------------------------------------------------------------- confusables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ѕеnd mе а рiс", "send me a pic"),  # Cyrillic look-alikes in Latin words
        ("add me on ѕnаpсhаt", "add me on snapchat"),
        ("ρic ѕnap", "pic snap"),  # Greek rho, Cyrillic dze
        ("Ηеllο", "hello"),  # Greek capital eta + Cyrillic ie + Greek omicron
        ("ԁіѕсоrԁ", "discord"),  # Cyrillic look-alikes around one Latin "r"
    ],
)
def test_mixed_script_words_fold_to_latin(text: str, expected: str) -> None:
    assert norm(text) == expected


def test_all_lookalike_word_folds_only_in_latin_majority_text() -> None:
    # "рор" / "сех" are spelled only with Cyrillic look-alikes
    assert norm("wanna see my рор video") == "wanna see my pop video"
    assert norm("send me сех pics") == "send me cex pics"
    # In a Cyrillic sentence the same letters stay Cyrillic
    assert norm("сок и рис") == "сок и рис"
    assert norm("рос") == "рос"


def test_mostly_cyrillic_sentence_with_latin_brand_stays_cyrillic() -> None:
    assert norm("давай в telegram, там поговорим") == "давай в telegram, там поговорим"


# --------------------------------------------------------------------------- leetspeak


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3nd m3 a p1c", "send me a pic"),
        ("sn@p", "snap"),
        ("d1sc0rd", "discord"),
        ("h3ll0 c00l", "hello cool"),
        ("he11o", "hello"),
        ("1ol", "lol"),
        ("a1one", "alone"),
        ("p@$$w0rd", "password"),
        ("$ex", "sex"),
        ("5nap", "snap"),
        ("a$$", "ass"),
        ("sh!t", "shit"),
        ("n00dz", "noodz"),
        ("8itch", "bitch"),
        ("t0 y0u", "to you"),
    ],
)
def test_leetspeak_inside_words(text: str, expected: str) -> None:
    assert norm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "im 13",
        "14f",
        "f14",
        "25/m",
        "m/25/uk",
        "13yo",
        "8yo",
        "call me on 07700 900123",
        "+44 7700 900123",
        "it costs $50 or £5",
        "meet at 10:30 or 5pm or 7am",
        "i'm in year 8",
        "1st 2nd 3rd 4th",
        "ps4 ps5 mp3 gta5 1v1 3x3",
        "m8 h8 4u 4ever",  # gr8 l8r b4 are whole-word shorthands now: test_normalise_evasion
        "covid19 xbox360 jake_2009 user1234",
        "hi!",
        "hi!how are you",
        "wow!!!",
        "@jake_99 hey",
        "@",
    ],
)
def test_numbers_ages_times_prices_survive(text: str) -> None:
    expected = re.sub(r"([^\w\s])\1+", r"\1", text.lower())
    assert norm(text) == expected


# --------------------------------------------------------------------------- spaced letters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s e n d", "send"),
        ("S E N D nudes", "send nudes"),
        ("s.e.n.d", "send"),
        ("s-n-a-p", "snap"),
        ("s_e_c_r_e_t", "secret"),
        ("s . e . x", "sex"),
        ("a/s/l", "asl"),
        ("n u d 3 s", "nudes"),
        ("my name is k a t e", "my name is kate"),
        ("k i k", "kik"),
        ("s\ne\nn\nd", "send"),
    ],
)
def test_spaced_letters_joined(text: str, expected: str) -> None:
    assert norm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "i am a girl",
        "u r a cutie",
        "y r u sad",
        "r u ok",
        "e.g. this",
        "i.e. that",
        "1 2 3 4",
        "im 1 4 y o",
        "don't u a",
        "il y a un",
        "é o que é",
    ],
)
def test_normal_single_letter_words_not_joined(text: str) -> None:
    assert norm(text) == text.lower()


# --------------------------------------------------------------------------- repeats


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pleeeease", "please"),
        ("sooo", "so"),
        ("soooo cuuute", "so cute"),
        ("heyyyyy", "hey"),
        ("cooool", "cool"),
        ("goooood", "good"),
        ("seeeee you", "see you"),
        ("miiiisss you", "miss you"),
        ("cool good see", "cool good see"),
        ("lolll", "lol"),
        ("1000 likes", "1000 likes"),
        ("xxx", "x"),
    ],
)
def test_repeated_letters(text: str, expected: str) -> None:
    assert norm(text) == expected


# --------------------------------------------------------------------------- emoji


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add me on 👻", "add me on snapchat"),
        ("send 📸", "send photo"),
        ("send 📷 pls", "send photo please"),  # "pls" is a shorthand for "please"
        ("our 🤫", "our secret"),
        ("🤐", "secret"),
        ("a 🎁 for you", "a gift for you"),
        ("💰💵", "money money"),
        ("📱 number", "phone number"),
        ("come to my 🏠", "come to my home"),
        ("in my 🚗", "in my car"),
        ("🤳 now", "selfie now"),
        ("add me👻now", "add me snapchat now"),
        ("🤫🏻", "secret"),  # skin tone ignored
    ],
)
def test_word_emoji(text: str, expected: str) -> None:
    assert norm(text) == expected


def test_other_emoji_become_spaces() -> None:
    assert norm("hi 😘😘 cutie 🍆💦") == "hi cutie"
    assert norm("good😍night") == "good night"
    assert norm("👨‍👩‍👧 family") == "family"  # ZWJ sequence is one emoji
    assert norm("🇬🇧 and 🇫🇷") == "and"  # flags


def test_keycaps_and_regional_indicator_letters() -> None:
    assert norm("im 1️⃣3️⃣") == "im 13"
    assert norm("🇸🇪🇳🇩 nudes") == "send nudes"  # not a pair of flags
    assert norm("🇨🇦🇹") == "cat"


# --------------------------------------------------------------------------- punctuation / space


def test_punctuation_and_whitespace_collapse() -> None:
    assert norm("hi!!!  how   are\n\nyou???") == "hi! how are you?"
    assert norm("really?!?!") == "really?"
    assert norm("wait......") == "wait."
    assert norm("  \t padded \n ") == "padded"
    assert norm("a\u00a0b\u3000c") == "a b c"


def test_urls_and_emails_left_alone() -> None:
    assert norm("mail john.d0e@gmail.com") == "mail john.d0e@gmail.com"
    url = "see https://b1t.ly/x3x//y www.s1te.com"
    assert norm(url) == url
    assert norm("join d1sc0rd.gg/abc") == "join discord.gg/abc"


def test_bytes_are_decoded_and_other_types_refused() -> None:
    assert normalise(b"s3nd").text == "send"
    assert normalise(b"\xffhi").text == "\ufffdhi"
    with pytest.raises(TypeError):
        normalise(None)  # type: ignore[arg-type]


def test_postcodes_are_not_leetspeak() -> None:
    assert norm("i live near SW1A 1AA") == "i live near sw1a 1aa"
    assert norm("ec1a 1bb or k1a 0b1") == "ec1a 1bb or k1a 0b1"
    assert norm("s3nd ur postcode") == "send ur postcode"
